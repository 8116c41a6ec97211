/**
 * The NOC routes, under /op25b/v1. PORT in a path is DPID:PORT[.VLAN] (dpid
 * in hex, as the logs print it) or SWITCHNAME:PORT[.VLAN]. Times are ISO 8601
 * in replies; in queries ISO 8601, ms since the epoch, "now" or "-2h".
 *
 * | route                                   | what                                                       |
 * |-----------------------------------------|------------------------------------------------------------|
 * | GET  /op25b/v1/status                   | switches connected/known, open sessions, ports by state    |
 * | GET  /op25b/v1/switches[/:dpid]         | switches with connection state                             |
 * | GET  /op25b/v1/switches/:dpid/flows     | every flow of the switch (ofctl form), OP25B ones marked   |
 * | GET  /op25b/v1/ports[?dpid=]            | ports with effective policy and why                        |
 * | GET  /op25b/v1/ports/:port              | one port                                                   |
 * | POST /op25b/v1/ports/:port/quarantine   | {mode: smtp|all, reason, ticket?, expires?} barrier-confirmed |
 * | POST /op25b/v1/ports/:port/exempt       | {reason, ticket?, expires?}                                |
 * | POST /op25b/v1/ports/:port/clear        | {reason, ticket?}                                          |
 * | POST /op25b/v1/ports/:port/plan         | {action: quarantine|exempt|clear, mode?}: flow changes, not applied |
 * | GET  /op25b/v1/sessions[?port=&nas=]    | open sessions                                              |
 * | GET  /op25b/v1/audit[?port=&subscriber=&since=&until=&limit=] | audit log, newest first              |
 * | GET  /op25b/v1/whois?address=&at=       | which session/subscriber/NAS/switch/port had the address   |
 *
 * Override replies: 200 with "confirmed": true once the switch answered the
 * barrier after the flow changes; 202 with "confirmed": false when the
 * change is recorded but the switch is not connected (it is applied when the
 * switch connects).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { flowModToOfctl, flowStatsToOfctl } from '../openflow/ofctl';
import type { Dpid } from '../openflow/types';
import type { Override, OverrideKind, PortKey, Session } from '../policy/types';
import { isIP } from 'net';
import { describeCookie } from '../policy/cookie';
import type { AuditEntry, AuditQuery, SessionRecord } from '../store/types';
import type { FlowModInput } from '../switch/types';
import type { FlowChange, NocBackend, PortView, SwitchInfo } from './backend';
import { ConfigError, parseConfig } from '../app/config';
import { dpidHex } from '../openflow/types';
import {
  ApiError, badInput, parseDuration, parseNocDpid, parseNocPort, parseTime, portKeyText, sendJson,
} from './http';

export interface NocRouteOptions {
  backend: NocBackend;
  now: () => number;
  readAuth: (req: FastifyRequest) => void;
  writeAuth: (req: FastifyRequest) => void;
}

export const NOC_PREFIX = '/op25b/v1';

const iso = (ms: number | undefined): string | undefined => (ms === undefined ? undefined : new Date(ms).toISOString());

function switchJson(s: SwitchInfo): Record<string, unknown> {
  return {
    dpid: dpidHex(s.dpid), dpid_int: s.dpid, name: s.name, connected: s.connected, peer: s.peer,
    ports: s.ports, subscriber_ports: s.subscriberPorts,
  };
}

function sessionJson(s: Session): Record<string, unknown> {
  return {
    port: portKeyText(s.key), nas: s.nas, session_id: s.sessionId, user: s.user, framed_ip: s.framedIp,
    framed_ipv6_prefix: s.framedIpv6Prefix, delegated_ipv6_prefix: s.delegatedIpv6Prefix, profile: s.profile,
    started_at: iso(s.startedAt), updated_at: iso(s.updatedAt),
  };
}

function overrideJson(o: Override): Record<string, unknown> {
  return {
    kind: o.kind, actor: o.actor, reason: o.reason, ticket: o.ticket,
    created_at: iso(o.createdAt), expires_at: iso(o.expiresAt),
  };
}

const WHY: Record<PortView['reason'], string> = {
  override: 'NOC override',
  'session-profile': 'subscriber profile of the bound session',
  session: 'bound session with the default profile',
  default: 'no session: the port default',
};

function portJson(v: PortView): Record<string, unknown> {
  let why = WHY[v.reason];
  if (v.effective === 'uplink') why = 'uplink/trunk port: never blocked';
  else if (v.reason === 'override' && v.override) why = `NOC override ${v.override.kind} by ${v.override.actor}: ${v.override.reason}${v.override.ticket ? ` (${v.override.ticket})` : ''}`;
  else if (v.reason === 'session-profile' && v.session) why = `session ${v.session.sessionId} from ${v.session.nas} has profile ${v.session.profile}`;
  else if (v.reason === 'session' && v.session) why = `session ${v.session.sessionId} from ${v.session.nas} (profile default)`;
  return {
    port: portKeyText(v.key), dpid: dpidHex(v.key.dpid), port_no: v.key.port, vlan: v.key.vlan, name: v.name,
    effective: v.effective, reason: v.reason, why,
    session: v.session ? sessionJson(v.session) : undefined,
    override: v.override ? overrideJson(v.override) : undefined,
  };
}

function modJson(m: FlowModInput): Record<string, unknown> {
  const o = flowModToOfctl({ ...m, type: 'FLOW_MOD', xid: 0 });
  return { ...o, rule: describeCookie(m.cookie) };
}

function changeJson(c: FlowChange): Record<string, unknown> {
  return { added: c.adds.length, removed: c.deletes.length, adds: c.adds.map(modJson), deletes: c.deletes.map(modJson) };
}

function auditJson(a: AuditEntry): Record<string, unknown> {
  return {
    id: a.id, at: iso(a.at), actor: a.actor, action: a.action, port: a.key ? portKeyText(a.key) : undefined,
    subscriber: a.subscriber, reason: a.reason, ticket: a.ticket, before: a.before, after: a.after,
  };
}

const str = (max: number) => ({ type: 'string', minLength: 1, maxLength: max }) as const;
const portParam = { type: 'object', required: ['port'], additionalProperties: false, properties: { port: str(120) } } as const;
const dpidParam = { type: 'object', required: ['dpid'], additionalProperties: false, properties: { dpid: str(80) } } as const;
const overrideBody = (withMode: boolean) => ({
  type: 'object',
  required: withMode ? ['reason'] : ['reason'],
  additionalProperties: false,
  properties: {
    ...(withMode ? { mode: { type: 'string', enum: ['smtp', 'all'] } } : {}),
    reason: { type: 'string', minLength: 1, maxLength: 1000, pattern: '\\S' },
    ticket: str(200),
    actor: { type: 'string', minLength: 1, maxLength: 100, pattern: '^[A-Za-z0-9_.:@-]+$' },
    expires: { anyOf: [{ type: 'string', minLength: 1, maxLength: 40 }, { type: 'number', exclusiveMinimum: 0 }] },
    expires_at: str(40),
  },
}) as const;
const clearBody = {
  type: 'object', required: ['reason'], additionalProperties: false,
  properties: { reason: { type: 'string', minLength: 1, maxLength: 1000, pattern: '\\S' }, ticket: str(200), actor: overrideBody(false).properties.actor },
} as const;
const planBody = {
  type: 'object', required: ['action'], additionalProperties: false,
  properties: {
    action: { type: 'string', enum: ['quarantine', 'exempt', 'clear'] }, mode: { type: 'string', enum: ['smtp', 'all'] },
    expires: overrideBody(false).properties.expires,
  },
} as const;

type OverrideBody = { mode?: 'smtp' | 'all'; reason: string; ticket?: string; actor?: string; expires?: string | number; expires_at?: string };

export function registerNocRoutes(app: FastifyInstance, o: NocRouteOptions): void {
  const { backend, now } = o;
  const pre = (f: (req: FastifyRequest) => void) => ({
    preHandler: (req: FastifyRequest, _r: unknown, done: (e?: Error) => void) => { try { f(req); done(); } catch (e) { done(e as Error); } },
  });
  const read = pre(o.readAuth);
  const write = pre(o.writeAuth);

  const knownSwitch = (dpid: Dpid, field: string): SwitchInfo => {
    const s = backend.switches().find((x) => x.dpid === dpid);
    if (!s) throw new ApiError(404, 'API_ERR_UNKNOWN_DPID', `no such switch: ${dpidHex(dpid)}`, field);
    return s;
  };
  /** The port must be on a known switch; on a connected switch it must exist (a VLAN key needs its physical port). */
  const knownPort = (key: PortKey, field: string): void => {
    knownSwitch(key.dpid, field);
    const dp = backend.datapath(key.dpid);
    if (dp && dp.connected && !dp.ports.has(key.port)) {
      throw new ApiError(404, 'API_ERR_UNKNOWN_PORT', `switch ${dpidHex(key.dpid)} has no port ${key.port}`, field);
    }
  };

  app.get(`${NOC_PREFIX}/status`, read, async (_req, reply) => {
    const sw = backend.switches();
    const sessions = await backend.sessions();
    const ports = await backend.ports();
    const byState: Record<string, number> = {};
    for (const p of ports) byState[p.effective] = (byState[p.effective] ?? 0) + 1;
    return sendJson(reply, 200, {
      switches: { known: sw.length, connected: sw.filter((s) => s.connected).length },
      sessions: sessions.length,
      ports: byState,
      overrides: ports.filter((p) => p.override).length,
      time: iso(now()),
    });
  });

  app.get(`${NOC_PREFIX}/switches`, read, async (_req, reply) => sendJson(reply, 200, backend.switches().map(switchJson)));

  app.get<{ Params: { dpid: string } }>(`${NOC_PREFIX}/switches/:dpid`, { ...read, schema: { params: dpidParam } }, async (req, reply) => {
    const dpid = parseNocDpid(req.params.dpid, 'params.dpid', backend);
    return sendJson(reply, 200, switchJson(knownSwitch(dpid, 'params.dpid')));
  });

  app.get<{ Params: { dpid: string } }>(`${NOC_PREFIX}/switches/:dpid/flows`, { ...read, schema: { params: dpidParam } }, async (req, reply) => {
    const dpid = parseNocDpid(req.params.dpid, 'params.dpid', backend);
    knownSwitch(dpid, 'params.dpid');
    const dp = backend.datapath(dpid);
    if (!dp || !dp.connected) throw new ApiError(503, 'API_ERR_SWITCH_NOT_CONNECTED', `switch ${dpidHex(dpid)} is not connected`, 'params.dpid');
    const flows = await dp.dumpFlows({ table_id: 0xff });
    return sendJson(reply, 200, {
      dpid: dpidHex(dpid),
      flows: flows.map((f) => ({ ...flowStatsToOfctl(f), op25b: backend.isOp25bCookie(f.cookie), rule: backend.isOp25bCookie(f.cookie) ? describeCookie(f.cookie) : undefined })),
    });
  });

  app.get<{ Querystring: { dpid?: string } }>(`${NOC_PREFIX}/ports`, {
    ...read, schema: { querystring: { type: 'object', additionalProperties: false, properties: { dpid: str(80) } } },
  }, async (req, reply) => {
    let dpid: Dpid | undefined;
    if (req.query.dpid !== undefined) {
      dpid = parseNocDpid(req.query.dpid, 'query.dpid', backend);
      knownSwitch(dpid, 'query.dpid');
    }
    // reserved ports (OFPP_LOCAL...) carry no subscribers
    const ports = (await backend.ports(dpid)).filter((p) => p.key.port <= 0xffffff00);
    ports.sort((a, b) => (a.key.dpid === b.key.dpid ? a.key.port - b.key.port || (a.key.vlan ?? 0) - (b.key.vlan ?? 0) : a.key.dpid < b.key.dpid ? -1 : 1));
    return sendJson(reply, 200, ports.map(portJson));
  });

  app.get<{ Params: { port: string } }>(`${NOC_PREFIX}/ports/:port`, { ...read, schema: { params: portParam } }, async (req, reply) => {
    const key = parseNocPort(req.params.port, 'params.port', backend);
    knownPort(key, 'params.port');
    const v = await backend.port(key);
    if (!v) throw new ApiError(404, 'API_ERR_UNKNOWN_PORT', `no such port: ${portKeyText(key)}`, 'params.port');
    return sendJson(reply, 200, portJson(v));
  });

  const expiresAt = (b: { expires?: string | number; expires_at?: string }): number | undefined => {
    if (b.expires !== undefined && b.expires_at !== undefined) throw badInput('body.expires', 'give expires or expires_at, not both');
    const t = now();
    if (b.expires !== undefined) return t + parseDuration(b.expires, 'body.expires');
    if (b.expires_at !== undefined) {
      const at = parseTime(b.expires_at, 'body.expires_at', t);
      if (at <= t) throw badInput('body.expires_at', `${b.expires_at} is not in the future`);
      return at;
    }
    return undefined;
  };

  const apply = async (req: FastifyRequest<{ Params: { port: string }; Body: OverrideBody }>, kind: OverrideKind | undefined) => {
    const key = parseNocPort(req.params.port, 'params.port', backend);
    const b = req.body;
    const exp = kind ? expiresAt(b) : undefined;
    knownPort(key, 'params.port');
    const actor = `noc:${b.actor ?? 'api'}`;
    const override: Override | undefined = kind
      ? { kind, actor, reason: b.reason, createdAt: now(), ...(b.ticket !== undefined ? { ticket: b.ticket } : {}), ...(exp !== undefined ? { expiresAt: exp } : {}) }
      : undefined;
    const r = await backend.setOverride(key, { override, actor, reason: b.reason, ...(b.ticket !== undefined ? { ticket: b.ticket } : {}) });
    const view = await backend.port(key);
    return {
      status: r.confirmed ? 200 : 202,
      body: {
        port: portKeyText(key), action: kind ?? 'clear', confirmed: r.confirmed,
        ...(r.confirmed ? {} : { note: 'recorded; the switch is not connected or did not confirm: it is applied when the switch connects' }),
        override: override ? overrideJson(override) : null,
        flows: changeJson(r.change),
        state: view ? portJson(view) : undefined,
      },
    };
  };

  app.post<{ Params: { port: string }; Body: OverrideBody }>(`${NOC_PREFIX}/ports/:port/quarantine`, {
    ...write, schema: { params: portParam, body: overrideBody(true) },
  }, async (req, reply) => {
    const r = await apply(req, req.body.mode === 'all' ? 'quarantine-all' : 'quarantine-smtp');
    return sendJson(reply, r.status, r.body);
  });
  app.post<{ Params: { port: string }; Body: OverrideBody }>(`${NOC_PREFIX}/ports/:port/exempt`, {
    ...write, schema: { params: portParam, body: overrideBody(false) },
  }, async (req, reply) => {
    const r = await apply(req, 'exempt');
    return sendJson(reply, r.status, r.body);
  });
  app.post<{ Params: { port: string }; Body: OverrideBody }>(`${NOC_PREFIX}/ports/:port/clear`, {
    ...write, schema: { params: portParam, body: clearBody },
  }, async (req, reply) => {
    const r = await apply(req, undefined);
    return sendJson(reply, r.status, r.body);
  });

  app.post<{ Params: { port: string }; Body: { action: 'quarantine' | 'exempt' | 'clear'; mode?: 'smtp' | 'all'; expires?: string | number } }>(`${NOC_PREFIX}/ports/:port/plan`, {
    ...read, schema: { params: portParam, body: planBody },
  }, async (req, reply) => {
    const key = parseNocPort(req.params.port, 'params.port', backend);
    const b = req.body;
    const exp = b.expires !== undefined ? now() + parseDuration(b.expires, 'body.expires') : undefined;
    if (b.mode !== undefined && b.action !== 'quarantine') throw badInput('body.mode', 'only a quarantine has a mode');
    knownPort(key, 'params.port');
    const kind: OverrideKind | undefined = b.action === 'clear' ? undefined : b.action === 'exempt' ? 'exempt' : b.mode === 'all' ? 'quarantine-all' : 'quarantine-smtp';
    const override: Override | undefined = kind
      ? { kind, actor: 'noc:plan', reason: 'plan', createdAt: now(), ...(exp !== undefined ? { expiresAt: exp } : {}) }
      : undefined;
    const change = await backend.planOverride(key, override);
    const view = await backend.port(key);
    return sendJson(reply, 200, {
      port: portKeyText(key), action: kind ?? 'clear', applied: false, current: view ? portJson(view) : undefined, flows: changeJson(change),
    });
  });

  // Plan a proposed config: the whole file as text (YAML or JSON), validated
  // like check-config; the reply lists, per connected switch, the flow-mods a
  // reload with it would send. Nothing is applied.
  app.post<{ Body: { config: string } }>(`${NOC_PREFIX}/plan/config`, {
    ...read,
    bodyLimit: 4 * 1024 * 1024,
    schema: { body: { type: 'object', additionalProperties: false, required: ['config'], properties: { config: { type: 'string', minLength: 1, maxLength: 4 * 1024 * 1024 } } } },
  }, async (req, reply) => {
    let cfg;
    try {
      cfg = parseConfig(req.body.config, 'body.config');
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      return sendJson(reply, 400, {
        error: { code: e.code, field: 'body.config', message: e.issues.map((i) => i.message).join('; ') },
        issues: e.issues.map((i) => ({ path: i.path, expected: i.expected, message: i.message })),
      });
    }
    const plans = await backend.planConfig(cfg);
    return sendJson(reply, 200, {
      applied: false,
      switches: plans.map((p) => ({ dpid: dpidHex(p.dpid), ...(p.name !== undefined ? { name: p.name } : {}), flows: changeJson(p.change) })),
    });
  });

  app.get<{ Querystring: { port?: string; nas?: string } }>(`${NOC_PREFIX}/sessions`, {
    ...read, schema: { querystring: { type: 'object', additionalProperties: false, properties: { port: str(120), nas: str(200) } } },
  }, async (req, reply) => {
    const filter: { key?: PortKey; nas?: string } = {};
    if (req.query.port !== undefined) filter.key = parseNocPort(req.query.port, 'query.port', backend);
    if (req.query.nas !== undefined) filter.nas = req.query.nas;
    const s = await backend.sessions(filter);
    return sendJson(reply, 200, s.map(sessionJson));
  });

  app.get<{ Querystring: { port?: string; subscriber?: string; since?: string; until?: string; limit?: string } }>(`${NOC_PREFIX}/audit`, {
    ...read,
    schema: {
      querystring: {
        type: 'object', additionalProperties: false,
        properties: { port: str(120), subscriber: str(200), since: str(40), until: str(40), limit: { type: 'string', pattern: '^[0-9]{1,6}$' } },
      },
    },
  }, async (req, reply) => {
    const q: AuditQuery = {};
    const t = now();
    if (req.query.port !== undefined) q.key = parseNocPort(req.query.port, 'query.port', backend);
    if (req.query.subscriber !== undefined) q.subscriber = req.query.subscriber;
    if (req.query.since !== undefined) q.from = parseTime(req.query.since, 'query.since', t);
    if (req.query.until !== undefined) q.to = parseTime(req.query.until, 'query.until', t);
    if (q.from !== undefined && q.to !== undefined && q.from > q.to) throw badInput('query.since', 'since is after until');
    q.limit = req.query.limit !== undefined ? Number(req.query.limit) : 1000;
    if (q.limit < 1) throw badInput('query.limit', 'must be at least 1');
    const entries = await backend.audit(q);
    return sendJson(reply, 200, entries.map(auditJson));
  });

  app.get<{ Querystring: { address: string; at?: string } }>(`${NOC_PREFIX}/whois`, {
    ...read,
    schema: {
      querystring: { type: 'object', required: ['address'], additionalProperties: false, properties: { address: str(64), at: str(40) } },
    },
  }, async (req, reply) => {
    const address = req.query.address.trim();
    if (!isIp(address)) throw badInput('query.address', `${JSON.stringify(address)} is not an IPv4 or IPv6 address`);
    const at = req.query.at !== undefined ? parseTime(req.query.at, 'query.at', now()) : now();
    const recs = await backend.whois(address, at);
    const sw = new Map(backend.switches().map((s) => [s.dpid, s]));
    return sendJson(reply, 200, {
      address, at: iso(at),
      matches: recs.map((r: SessionRecord) => ({
        session_id: r.sessionId, subscriber: r.user, nas: r.nas,
        switch: { dpid: dpidHex(r.key.dpid), name: sw.get(r.key.dpid)?.name },
        port: portKeyText(r.key), port_no: r.key.port, vlan: r.key.vlan,
        framed_ip: r.framedIp, framed_ipv6_prefix: r.framedIpv6Prefix, delegated_ipv6_prefix: r.delegatedIpv6Prefix,
        profile: r.profile, from: iso(r.from), to: iso(r.to),
      })),
    });
  });
}

function isIp(s: string): boolean {
  return isIP(s) !== 0;
}
