/**
 * Ryu ofctl_rest compatibility (os_ken/app/ofctl_rest.py with lib/ofctl_v1_3.py):
 * the same URLs, request bodies and response JSON, so a script written for
 * Ryu works unchanged once it sends the bearer token.
 *
 * | route                                   | reply (dpid as a decimal string key)            |
 * |-----------------------------------------|-------------------------------------------------|
 * | GET /stats/switches                     | [1, 2] (integers)                               |
 * | GET /stats/desc/<dpid>                  | {"1": {mfr_desc, hw_desc, sw_desc, serial_num, dp_desc}} |
 * | GET, POST /stats/flow/<dpid>            | {"1": [flow entries as get_flow_stats prints]}  |
 * | GET, POST /stats/aggregateflow/<dpid>   | {"1": [{packet_count, byte_count, flow_count}]} |
 * | GET /stats/port/<dpid>[/<port>]         | {"1": [port stats]} ("ALL" = every port)        |
 * | GET /stats/portdesc/<dpid>[/<port>]     | {"1": [port descriptions]}                      |
 * | GET /stats/table/<dpid>                 | {"1": [table stats]}                            |
 * | GET /stats/role/<dpid>                  | {"1": [{"generation_id": 0, "role": "EQUAL"}]}  |
 * | POST /stats/flowentry/<cmd>             | {"dpid": 1, "confirmed": true, "op25b": {...}}  |
 * | DELETE /stats/flowentry/clear/<dpid>    | same                                            |
 * | POST /stats/role                        | {"dpid": 1, "role": "MASTER", "generation_id": 0} |
 *
 * Differences from Ryu, all on purpose:
 * - writes answer after the switch's barrier reply (Ryu answered before the
 *   switch had done anything); a flow-mod the switch refused is a 502 naming
 *   the OFPT_ERROR type and code;
 * - bad input is a 400 with {"error": {code, field, message}} (Ryu: a bare
 *   400, or a 500 from an exception);
 * - writes need the bearer token unless api.allow_tokenless_ofctl_writes_from_loopback;
 * - OP25B cannot be weakened from here: after every write the OP25B flows of
 *   the switch are reconciled at once (a deleted or modified OP25B flow is put
 *   back) and the reply's "op25b" says what was repaired; a write carrying a
 *   cookie in the OP25B namespace is refused (those flows are the controller's);
 *   a forwarding flow above an OP25B per-port drop it overlaps is refused
 *   with 409 API_ERR_WEAKENS_OP25B before it reaches the switch (src/api/shadow.ts).
 * - a datapath the controller knows but that is not connected is a 503 (Ryu: 404).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Dpid, FlowStats } from '../openflow/types';
import { OfError } from '../openflow/errors';
import { parseJson, stringifyJson } from '../openflow/bigjson';
import { flowModToOfctl, flowStatsToOfctl, matchToOfctl, ofctlToFlowMod } from '../openflow/ofctl';
import { decodeCookie, describeCookie } from '../policy/cookie';
import { forwards, shadowedDrop } from './shadow';
import { OFPCR_ROLE, OFPP } from '../openflow/constants';
import type { Datapath, FlowModInput } from '../switch/types';
import type { Logger } from '../log';
import type { FlowChange, NocBackend } from './backend';
import { ApiError, badInput, ofErrorField, parseRyuDpid, sendJson } from './http';

export interface OfctlRouteOptions {
  backend: NocBackend;
  log: Logger;
  /** preHandler for reads and for writes (token checks live in server.ts). */
  readAuth: (req: FastifyRequest) => void;
  writeAuth: (req: FastifyRequest) => void;
}

const OFPP_TO_NAME = new Map<number, string>(Object.entries(OFPP).map(([k, v]) => [v, k]));
const portToUser = (n: number): number | string => OFPP_TO_NAME.get(n) ?? n;
const ROLE_TO_NAME = new Map<number, string>(Object.entries(OFPCR_ROLE).map(([k, v]) => [v, k]));

const FLOW_CMDS = ['add', 'modify', 'modify_strict', 'delete', 'delete_strict'] as const;

const dpidParam = {
  type: 'object', required: ['dpid'], additionalProperties: false,
  properties: { dpid: { type: 'string', minLength: 1, maxLength: 40 } },
} as const;
const dpidPortParam = {
  type: 'object', required: ['dpid', 'port'], additionalProperties: false,
  properties: { dpid: { type: 'string', minLength: 1, maxLength: 40 }, port: { type: 'string', minLength: 1, maxLength: 20 } },
} as const;
/** ofctl bodies: an object; its fields are checked by the ofctl conversions (they name the path). 64-bit values arrive as bigint, which JSON Schema cannot type. */
const ofctlBody = { type: 'object' } as const;

/** Ryu reads port numbers with int(str(x), 0). */
function parsePortNo(v: string, field: string): number {
  const s = v.trim();
  const m = /^(0[xX][0-9a-fA-F]+|[1-9][0-9]*|0)$/.exec(s);
  if (!m) throw badInput(field, `${JSON.stringify(s)} is not a port number`);
  const n = Number(BigInt(m[1]!));
  if (n > 0xffffffff) throw badInput(field, `${s} does not fit 32 bits`);
  return n;
}

/**
 * Ryu reads a filter body on GET too (its docs show `curl -X GET -d '{...}'
 * .../stats/flow/1`); fastify parses bodies only for POST-like methods, so
 * GET routes that take a filter read it here.
 */
async function getBody(req: FastifyRequest): Promise<unknown> {
  const len = Number(req.headers['content-length'] ?? 0);
  if (!(len > 0) && req.headers['transfer-encoding'] === undefined) return undefined;
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req.raw) {
    const b = Buffer.isBuffer(c) ? c : Buffer.from(c as string);
    size += b.length;
    if (size > 1 << 20) throw new ApiError(413, 'API_ERR_BODY_TOO_LARGE', 'body: larger than 1 MiB', 'body');
    chunks.push(b);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') return undefined;
  try {
    return parseJson(text);
  } catch (e) {
    throw new ApiError(400, 'API_ERR_BAD_JSON', `body: ${e instanceof Error ? e.message : String(e)}`, 'body');
  }
}

/** A switch's refusal (FlowModBatchError, an OFPT_ERROR reply) or a lost connection as a 502 keeping its code. */
function switchError(e: unknown): ApiError {
  const code = (e as { code?: unknown }).code;
  return new ApiError(502, typeof code === 'string' ? code : 'SWITCH_ERR', e instanceof Error ? e.message : String(e));
}

function ofErr(e: unknown): never {
  if (e instanceof OfError) {
    const field = ofErrorField(e.message);
    throw new ApiError(400, e.code, e.message, field ?? 'body');
  }
  throw e;
}

export function registerOfctlRoutes(app: FastifyInstance, o: OfctlRouteOptions): void {
  const { backend, log } = o;

  /** The connected datapath, or 404 (unknown) / 503 (known, not connected). */
  const dpFor = (dpid: Dpid): Datapath => {
    const dp = backend.datapath(dpid);
    if (dp && dp.connected) return dp;
    const known = backend.switches().find((s) => s.dpid === dpid);
    if (known) throw new ApiError(503, 'API_ERR_SWITCH_NOT_CONNECTED', `switch ${dpid} is not connected`, 'dpid');
    throw new ApiError(404, 'API_ERR_UNKNOWN_DPID', `no such datapath: ${dpid}`, 'dpid');
  };
  const wrap = (dpid: Dpid, v: unknown): Record<string, unknown> => ({ [dpid.toString()]: v });

  const read = { preHandler: (req: FastifyRequest, _r: unknown, done: (e?: Error) => void) => { try { o.readAuth(req); done(); } catch (e) { done(e as Error); } } };
  const write = { preHandler: (req: FastifyRequest, _r: unknown, done: (e?: Error) => void) => { try { o.writeAuth(req); done(); } catch (e) { done(e as Error); } } };

  app.get('/stats/switches', { ...read }, async (_req, reply) => {
    const dps = backend.switches().filter((s) => s.connected).map((s) => s.dpid);
    return sendJson(reply, 200, dps);
  });

  app.get<{ Params: { dpid: string } }>('/stats/desc/:dpid', { ...read, schema: { params: dpidParam } }, async (req, reply) => {
    const dpid = parseRyuDpid(req.params.dpid, 'params.dpid');
    const dp = dpFor(dpid);
    const d = dp.desc ?? { mfr_desc: '', hw_desc: '', sw_desc: '', serial_num: '', dp_desc: '' };
    return sendJson(reply, 200, wrap(dpid, { mfr_desc: d.mfr_desc, hw_desc: d.hw_desc, sw_desc: d.sw_desc, serial_num: d.serial_num, dp_desc: d.dp_desc }));
  });

  /** A flow-stats / aggregate filter body (ofctl_v1_3.get_flow_stats): table_id defaults to ALL, priority filters the reply. */
  const filterOf = (body: unknown): { filter: FlowModInput; priority: number } => {
    const b = (body ?? {}) as Record<string, unknown>;
    if (typeof b !== 'object' || Array.isArray(b)) throw badInput('body', 'expected an object');
    let fm: FlowModInput;
    try {
      fm = ofctlToFlowMod({ ...b, table_id: b.table_id ?? 'ALL', actions: [], priority: 0 }, 'delete');
    } catch (e) { ofErr(e); }
    let priority = -1;
    if (b.priority !== undefined) {
      const p = typeof b.priority === 'string' ? Number(b.priority) : Number(b.priority);
      if (!Number.isInteger(p) || p > 0xffff) throw badInput('body.priority', `${String(b.priority)} is not a priority (0-65535, or -1 for any)`);
      priority = p;
    }
    return { filter: fm, priority };
  };

  const flowStats = async (req: FastifyRequest<{ Params: { dpid: string }; Body?: unknown }>) => {
    const dpid = parseRyuDpid(req.params.dpid, 'params.dpid');
    const dp = dpFor(dpid);
    const { filter, priority } = filterOf(req.body);
    const flows = await dp.dumpFlows({
      table_id: filter.table_id, out_port: filter.out_port, out_group: filter.out_group,
      cookie: filter.cookie, cookie_mask: filter.cookie_mask, match: filter.match,
    });
    return { dpid, flows: flows.filter((f: FlowStats) => priority < 0 || f.priority === priority) };
  };
  app.get<{ Params: { dpid: string } }>('/stats/flow/:dpid', { ...read, schema: { params: dpidParam } }, async (req, reply) => {
    const { dpid, flows } = await flowStats(Object.assign(req, { body: await getBody(req) }));
    return sendJson(reply, 200, wrap(dpid, flows.map(flowStatsToOfctl)));
  });
  app.post<{ Params: { dpid: string }; Body: unknown }>('/stats/flow/:dpid', { ...read, schema: { params: dpidParam, body: ofctlBody } }, async (req, reply) => {
    const { dpid, flows } = await flowStats(req);
    return sendJson(reply, 200, wrap(dpid, flows.map(flowStatsToOfctl)));
  });

  const aggregate = async (req: FastifyRequest<{ Params: { dpid: string }; Body?: unknown }>) => {
    const dpid = parseRyuDpid(req.params.dpid, 'params.dpid');
    const dp = dpFor(dpid);
    const { filter } = filterOf(req.body);
    const a = await dp.aggregate({
      table_id: filter.table_id, out_port: filter.out_port, out_group: filter.out_group,
      cookie: filter.cookie, cookie_mask: filter.cookie_mask, match: filter.match,
    });
    return wrap(dpid, [{ packet_count: a.packet_count, byte_count: a.byte_count, flow_count: a.flow_count }]);
  };
  app.get<{ Params: { dpid: string } }>('/stats/aggregateflow/:dpid', { ...read, schema: { params: dpidParam } }, async (req, reply) => sendJson(reply, 200, await aggregate(Object.assign(req, { body: await getBody(req) }))));
  app.post<{ Params: { dpid: string }; Body: unknown }>('/stats/aggregateflow/:dpid', { ...read, schema: { params: dpidParam, body: ofctlBody } }, async (req, reply) => sendJson(reply, 200, await aggregate(req)));

  const portStats = async (dpidText: string, portText: string | undefined) => {
    const dpid = parseRyuDpid(dpidText, 'params.dpid');
    const port = portText === undefined || portText === 'ALL' ? undefined : parsePortNo(portText, 'params.port');
    const dp = dpFor(dpid);
    const stats = await dp.portStats(port);
    return wrap(dpid, stats.map((s) => ({
      rx_packets: s.rx_packets, tx_packets: s.tx_packets, rx_bytes: s.rx_bytes, tx_bytes: s.tx_bytes,
      rx_dropped: s.rx_dropped, tx_dropped: s.tx_dropped, rx_errors: s.rx_errors, tx_errors: s.tx_errors,
      rx_frame_err: s.rx_frame_err, rx_over_err: s.rx_over_err, rx_crc_err: s.rx_crc_err, collisions: s.collisions,
      duration_sec: s.duration_sec, duration_nsec: s.duration_nsec, port_no: portToUser(s.port_no),
    })));
  };
  app.get<{ Params: { dpid: string } }>('/stats/port/:dpid', { ...read, schema: { params: dpidParam } }, async (req, reply) => sendJson(reply, 200, await portStats(req.params.dpid, undefined)));
  app.get<{ Params: { dpid: string; port: string } }>('/stats/port/:dpid/:port', { ...read, schema: { params: dpidPortParam } }, async (req, reply) => sendJson(reply, 200, await portStats(req.params.dpid, req.params.port)));

  const portDesc = async (dpidText: string, portText: string | undefined) => {
    const dpid = parseRyuDpid(dpidText, 'params.dpid');
    const port = portText === undefined || portText === 'ALL' ? undefined : parsePortNo(portText, 'params.port');
    const dp = dpFor(dpid);
    let ports = await dp.portDesc();
    if (port !== undefined) {
      ports = ports.filter((p) => p.port_no === port);
      if (ports.length === 0) throw new ApiError(404, 'API_ERR_UNKNOWN_PORT', `switch ${dpid} has no port ${port}`, 'params.port');
    }
    return wrap(dpid, ports.map((p) => ({
      hw_addr: p.hw_addr, name: p.name, config: p.config, state: p.state, curr: p.curr, advertised: p.advertised,
      supported: p.supported, peer: p.peer, curr_speed: p.curr_speed, max_speed: p.max_speed, port_no: portToUser(p.port_no),
    })));
  };
  app.get<{ Params: { dpid: string } }>('/stats/portdesc/:dpid', { ...read, schema: { params: dpidParam } }, async (req, reply) => sendJson(reply, 200, await portDesc(req.params.dpid, undefined)));
  app.get<{ Params: { dpid: string; port: string } }>('/stats/portdesc/:dpid/:port', { ...read, schema: { params: dpidPortParam } }, async (req, reply) => sendJson(reply, 200, await portDesc(req.params.dpid, req.params.port)));

  app.get<{ Params: { dpid: string } }>('/stats/table/:dpid', { ...read, schema: { params: dpidParam } }, async (req, reply) => {
    const dpid = parseRyuDpid(req.params.dpid, 'params.dpid');
    const dp = dpFor(dpid);
    const tables = await dp.tableStats();
    return sendJson(reply, 200, wrap(dpid, tables.map((t) => ({
      active_count: t.active_count, lookup_count: t.lookup_count, matched_count: t.matched_count,
      table_id: t.table_id === 0xff ? 'ALL' : t.table_id,
    }))));
  });

  app.get<{ Params: { dpid: string } }>('/stats/role/:dpid', { ...read, schema: { params: dpidParam } }, async (req, reply) => {
    const dpid = parseRyuDpid(req.params.dpid, 'params.dpid');
    const dp = dpFor(dpid);
    const r = await dp.requestRole(OFPCR_ROLE.NOCHANGE, 0n);
    return sendJson(reply, 200, wrap(dpid, [{ generation_id: r.generation_id, role: ROLE_TO_NAME.get(r.role) ?? r.role }]));
  });

  /** After any write: put back OP25B flows the write removed or changed. */
  const guard = async (dpid: Dpid, what: string): Promise<Record<string, unknown>> => {
    let ch: FlowChange;
    try {
      ch = await backend.reconcileNow(dpid);
    } catch (e) {
      const msg = e instanceof Error ? e.message : String(e);
      log.error('ofctl_rest write: OP25B reconcile failed', { dpid: dpid.toString(16), what, error: msg });
      return { reconciled: false, error: msg };
    }
    if (ch.adds.length > 0 || ch.deletes.length > 0) {
      log.warn('ofctl_rest write touched OP25B flows; reconciler put them back', {
        dpid: dpid.toString(16), what, restored: ch.adds.length, removed: ch.deletes.length,
      });
    }
    return {
      reconciled: true, restored: ch.adds.length, removed: ch.deletes.length,
      ...(ch.adds.length > 0 ? { note: 'this write removed or changed OP25B flows; the controller restored them' } : {}),
    };
  };

  const send = async (dp: Datapath, mods: FlowModInput[]): Promise<void> => {
    try {
      await dp.sendFlowMods(mods);
    } catch (e) {
      throw switchError(e);
    }
  };

  /**
   * Refuse a write that would put a forwarding flow above an OP25B per-port
   * drop it overlaps (src/api/shadow.ts): the reconciler repairs OP25B's own
   * flows, but cannot remove another writer's flow that bypasses them.
   */
  const refuseShadowing = async (dpid: Dpid, dp: Datapath, cmd: string, fm: FlowModInput): Promise<void> => {
    if (cmd === 'delete' || cmd === 'delete_strict' || !forwards(fm.instructions)) return;
    const drops = (await backend.op25bFlows(dpid)).filter((f) => {
      const c = decodeCookie(f.cookie);
      return c !== undefined && c.port !== 0 && (c.kind === 'block' || c.kind === 'quarantine');
    });
    if (drops.length === 0) return;
    let candidates: { table_id: number; priority: number; match: FlowStats['match'] }[] = [fm];
    if (cmd === 'modify') {
      // a non-strict modify rewrites the instructions of every flow its match covers
      candidates = (await dp.dumpFlows({ table_id: fm.table_id, match: fm.match, cookie: fm.cookie, cookie_mask: fm.cookie_mask, out_port: 0xffffffff }))
        .filter((f) => !backend.isOp25bCookie(f.cookie));
    }
    for (const c of candidates) {
      const hit = shadowedDrop({ ...c, instructions: fm.instructions }, drops);
      if (hit) {
        const d = hit.drop;
        throw new ApiError(409, 'API_ERR_WEAKENS_OP25B',
          `this flow (priority ${c.priority}) forwards traffic that the OP25B rule ${describeCookie(d.cookie)} (priority ${d.priority}, match ${stringifyJson(matchToOfctl(d.match))}) drops; ` +
          'write it below the OP25B priorities, narrow its match, or put it in a later table', 'body.priority');
      }
    }
  };

  /** dpid from the body (Ryu: body.dpid, falsy -> error). */
  const bodyDpid = (body: unknown): Dpid => {
    const b = body as Record<string, unknown> | undefined;
    if (!b || b.dpid === undefined || b.dpid === null || b.dpid === '' || b.dpid === 0) {
      throw badInput('body.dpid', 'required (the datapath id, e.g. "dpid": 1)');
    }
    return parseRyuDpid(b.dpid, 'body.dpid');
  };

  app.post<{ Params: { cmd: string }; Body: unknown }>('/stats/flowentry/:cmd', {
    ...write,
    schema: { params: { type: 'object', required: ['cmd'], properties: { cmd: { type: 'string', maxLength: 40 } } }, body: ofctlBody },
  }, async (req, reply) => {
    const cmd = req.params.cmd;
    if (!(FLOW_CMDS as readonly string[]).includes(cmd)) {
      throw new ApiError(404, 'API_ERR_NOT_FOUND', `no such command: ${cmd} (expected ${FLOW_CMDS.join(', ')})`, 'params.cmd');
    }
    const dpid = bodyDpid(req.body);
    let fm: FlowModInput;
    try {
      const { type: _t, xid: _x, ...rest } = ofctlToFlowMod(req.body, cmd);
      fm = rest;
    } catch (e) { ofErr(e); }
    if (cmd === 'add' && backend.isOp25bCookie(fm.cookie)) {
      throw new ApiError(400, 'API_ERR_OP25B_COOKIE', `cookie ${fm.cookie} is in the OP25B namespace: those flows belong to the controller`, 'body.cookie');
    }
    const dp = dpFor(dpid);
    await refuseShadowing(dpid, dp, cmd, fm);
    await send(dp, [fm]);
    log.info('ofctl_rest flow-mod', { dpid: dpid.toString(16), cmd, flow: stringifyJson(flowModToOfctl({ ...fm, type: 'FLOW_MOD', xid: 0 })), actor: 'ofctl_rest', ip: req.ip });
    const op25b = await guard(dpid, `flowentry/${cmd}`);
    return sendJson(reply, 200, { dpid, command: cmd, confirmed: true, op25b });
  });

  app.delete<{ Params: { dpid: string } }>('/stats/flowentry/clear/:dpid', { ...write, schema: { params: dpidParam } }, async (req, reply) => {
    const dpid = parseRyuDpid(req.params.dpid, 'params.dpid');
    const dp = dpFor(dpid);
    const { type: _t, xid: _x, ...fm } = ofctlToFlowMod({ table_id: 'ALL' }, 'delete');
    await send(dp, [fm]);
    log.warn('ofctl_rest clear: every flow of the switch deleted', { dpid: dpid.toString(16), actor: 'ofctl_rest', ip: req.ip });
    const op25b = await guard(dpid, 'flowentry/clear');
    return sendJson(reply, 200, { dpid, command: 'clear', confirmed: true, op25b });
  });

  app.post<{ Body: unknown }>('/stats/role', { ...write, schema: { body: ofctlBody } }, async (req, reply) => {
    const dpid = bodyDpid(req.body);
    const b = req.body as Record<string, unknown>;
    const raw = b.role ?? 'EQUAL';
    let role: number;
    if (typeof raw === 'string' && !/^[0-9]/.test(raw)) {
      const name = raw.toUpperCase().replace(/^OFPCR_ROLE_/, '') as keyof typeof OFPCR_ROLE;
      if (!(name in OFPCR_ROLE)) throw badInput('body.role', `${JSON.stringify(raw)} is not a role (MASTER, SLAVE, EQUAL, NOCHANGE)`);
      role = OFPCR_ROLE[name];
    } else {
      const n = Number(raw);
      if (!Number.isInteger(n) || n < 0 || n > 3) throw badInput('body.role', `${String(raw)} is not a role (0-3)`);
      role = n;
    }
    const dp = dpFor(dpid);
    let r: { role: number; generation_id: bigint };
    try {
      r = await dp.requestRole(role, 0n);
    } catch (e) {
      throw switchError(e);
    }
    if (role === OFPCR_ROLE.SLAVE) log.warn('ofctl_rest role: this controller is now SLAVE on the switch and cannot write flows', { dpid: dpid.toString(16) });
    return sendJson(reply, 200, { dpid, role: ROLE_TO_NAME.get(r.role) ?? r.role, generation_id: r.generation_id });
  });
}
