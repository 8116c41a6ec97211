/**
 * Ryu ofctl_rest compatibility over a fake backend: request bodies as Ryu's
 * documentation writes them (curl -d, i.e. form-urlencoded content type),
 * response JSON keyed by the dpid as a decimal string, exact 64-bit values,
 * 400 instead of Ryu's crash, and OP25B repaired after deletes and clears.
 */
import { strict as assert } from 'assert';
import { request } from 'http';
import { parseJson } from '../../src/openflow/bigjson';
import { cookieFor, OP25B_COOKIE } from '../../src/policy/cookie';
import { startFake, err, BIG_DPID, TOKEN, type Running } from './helpers';

type Obj = Record<string, unknown>;
const FORM = { contentType: 'application/x-www-form-urlencoded' };

describe('api: Ryu ofctl_rest compatibility', () => {
  let r: Running;
  beforeEach(async () => { r = await startFake(); });
  afterEach(async () => { await r.server.close(); });

  it('GET /stats/switches lists connected dpids as exact integers', async () => {
    const res = await r.call('GET', '/stats/switches', undefined, { token: null });
    assert.equal(res.status, 200);
    assert.equal(res.text, `[1,${BIG_DPID}]`);
    r.backend.dps.get(BIG_DPID)!.connected = false;
    assert.equal((await r.call('GET', '/stats/switches')).text, '[1]');
  });

  it('GET /stats/desc/<dpid>: {"<dpid>": {...}}, dpid in decimal or 0x hex', async () => {
    const res = await r.call('GET', '/stats/desc/1');
    assert.deepEqual(Object.keys(res.json as Obj), ['1']);
    assert.deepEqual(Object.keys((res.json as Obj)['1'] as Obj), ['mfr_desc', 'hw_desc', 'sw_desc', 'serial_num', 'dp_desc']);
    const big = await r.call('GET', `/stats/desc/0x${BIG_DPID.toString(16)}`);
    assert.deepEqual(Object.keys(big.json as Obj), [BIG_DPID.toString()]);
    assert.equal((await r.call('GET', `/stats/desc/${BIG_DPID}`)).status, 200);
  });

  it('unknown dpid 404, malformed dpid 400, known but disconnected 503', async () => {
    assert.equal((await r.call('GET', '/stats/flow/99')).status, 404);
    assert.equal(err((await r.call('GET', '/stats/flow/99')).json).code, 'API_ERR_UNKNOWN_DPID');
    const bad = await r.call('GET', '/stats/flow/sw1');
    assert.equal(bad.status, 400);
    assert.equal(err(bad.json).field, 'params.dpid');
    assert.equal((await r.call('GET', '/stats/flow/01')).status, 400, 'Python int("01", 0) is an error too');
    r.backend.dps.get(1n)!.connected = false;
    const off = await r.call('GET', '/stats/flow/1');
    assert.equal(off.status, 503);
    assert.equal(err(off.json).code, 'API_ERR_SWITCH_NOT_CONNECTED');
  });

  it('flowentry/add as Ryu documents it; GET /stats/flow shows it in ofctl form with exact cookie', async () => {
    const body = `{"dpid": 1, "cookie": 18446744073709551615, "table_id": 0, "priority": 11111, "flags": 1,
      "match": {"in_port": 1, "dl_type": 2048, "nw_dst": "198.51.100.0/24"}, "actions": [{"type": "OUTPUT", "port": "NORMAL"}]}`;
    const noTok = await r.call('POST', '/stats/flowentry/add', body, { ...FORM, token: null });
    assert.equal(noTok.status, 401);
    const res = await r.call('POST', '/stats/flowentry/add', body, FORM);
    assert.equal(res.status, 200, res.text);
    assert.equal((res.json as Obj).confirmed, true);
    assert.equal(r.backend.dps.get(1n)!.log.at(-1)?.kind, 'barrier', 'answered after the barrier');
    const flows = await r.call('GET', '/stats/flow/1');
    assert.ok(flows.text.includes('"cookie":18446744073709551615'), 'cookie written as an exact integer literal');
    const list = (flows.json as Obj)['1'] as Obj[];
    const mine = list.find((f) => f.priority === 11111)!;
    assert.deepEqual(mine.match, { in_port: 1, dl_type: 2048, nw_dst: '198.51.100.0/255.255.255.0' });
    assert.deepEqual(mine.actions, ['OUTPUT:NORMAL']);
    assert.equal(mine.table_id, 0);
    assert.equal(mine.flags, 1);
    for (const k of ['priority', 'cookie', 'idle_timeout', 'hard_timeout', 'byte_count', 'duration_sec', 'duration_nsec', 'packet_count', 'length', 'flags', 'actions', 'match', 'table_id']) {
      assert.ok(k in mine, `flow entry has ${k}`);
    }
    // the OP25B block flows are drops: an empty action list
    const block = list.find((f) => f.priority === 20000)!;
    assert.deepEqual(block.actions, []);
    assert.deepEqual(block.match, { in_port: 1, dl_type: 2048, nw_proto: 6, tp_dst: 25 });
  });

  it('POST /stats/flow and /stats/aggregateflow filter like ofctl (table, cookie/mask, match, priority)', async () => {
    await r.call('POST', '/stats/flowentry/add', '{"dpid": 1, "priority": 5, "match": {"in_port": 2}, "actions": ["GOTO_TABLE:1"]}', FORM);
    const byPrio = ((await r.call('POST', '/stats/flow/1', '{"table_id": 0, "priority": 5}', FORM)).json as Obj)['1'] as Obj[];
    assert.deepEqual(byPrio.map((f) => f.actions), [['GOTO_TABLE:1']]);
    const byCookie = ((await r.call('POST', '/stats/flow/1', { cookie: OP25B_COOKIE, cookie_mask: 0xffff000000000000n })).json as Obj)['1'] as Obj[];
    assert.equal(byCookie.length, 4);
    const byMatch = ((await r.call('POST', '/stats/flow/1', { match: { in_port: 2 } })).json as Obj)['1'] as Obj[];
    assert.ok(byMatch.length >= 1 && byMatch.every((f) => (f.match as Obj).in_port === 2));
    const agg = await r.call('GET', '/stats/aggregateflow/1');
    assert.deepEqual((agg.json as Obj)['1'], [{ packet_count: 0, byte_count: 0, flow_count: 5 }]);
    const agg2 = await r.call('POST', '/stats/aggregateflow/1', { cookie: OP25B_COOKIE, cookie_mask: 0xffff000000000000n });
    assert.equal((((agg2.json as Obj)['1'] as Obj[])[0]!).flow_count, 4);
    const bad = await r.call('POST', '/stats/flow/1', { match: { tp_dst: 25 } });
    assert.equal(bad.status, 400);
    assert.equal(err(bad.json).field, 'body.match.tp_dst');
  });

  it('GET /stats/flow with a filter body, as Ryu\'s curl -X GET -d examples send it', async () => {
    await r.call('POST', '/stats/flowentry/add', { dpid: 1, priority: 5, match: { in_port: 2 }, actions: [] });
    const text = await new Promise<string>((resolve, reject) => {
      const body = '{"dpid": 1, "table_id": 0, "priority": 5}';
      const req = request(`${r.base}/stats/flow/1`, { method: 'GET', headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': Buffer.byteLength(body) } }, (res) => {
        let t = '';
        res.on('data', (c: Buffer) => { t += c.toString(); });
        res.on('end', () => resolve(t));
      });
      req.on('error', reject);
      req.end(body);
    });
    const flows = (parseJson(text) as Obj)['1'] as Obj[];
    assert.deepEqual(flows.map((f) => f.priority), [5]);
  });

  it('a delete that removes OP25B flows is repaired at once, and the response says so', async () => {
    const dp = r.backend.dps.get(1n)!;
    const res = await r.call('POST', '/stats/flowentry/delete', '{"dpid": 1, "table_id": 0, "match": {"in_port": 3}}', FORM);
    assert.equal(res.status, 200, res.text);
    const op = (res.json as Obj).op25b as Obj;
    assert.equal(op.reconciled, true);
    assert.equal(op.restored, 1);
    assert.match(String(op.note), /restored/);
    assert.deepEqual(r.backend.reconcileCalls, [1n]);
    assert.equal(dp.table.entries({ cookie: cookieFor('block', { port: 3 }), cookie_mask: 0xffffffffffffffffn }).length, 1, 'block flow of port 3 back');
    // delete_strict of the exact OP25B flow: same
    const strict = await r.call('POST', '/stats/flowentry/delete_strict',
      { dpid: 1, table_id: 0, priority: 20000, match: { in_port: 2, dl_type: 2048, nw_proto: 6, tp_dst: 25 } });
    assert.equal(((strict.json as Obj).op25b as Obj).restored, 1);
    // modify of an OP25B drop into an output: put back
    const modi = await r.call('POST', '/stats/flowentry/modify', { dpid: 1, table_id: 0, match: { in_port: 4 }, actions: ['OUTPUT:NORMAL'] });
    assert.equal(modi.status, 200);
    assert.equal(((modi.json as Obj).op25b as Obj).restored, 1);
  });

  it('DELETE /stats/flowentry/clear/<dpid> removes everything; the OP25B flows come back before the reply', async () => {
    await r.call('POST', '/stats/flowentry/add', { dpid: 1, priority: 7, match: { in_port: 1 }, actions: [] });
    const dp = r.backend.dps.get(1n)!;
    assert.equal(dp.table.size, 5);
    const res = await r.call('DELETE', '/stats/flowentry/clear/1');
    assert.equal(res.status, 200, res.text);
    assert.equal(((res.json as Obj).op25b as Obj).restored, 4);
    assert.equal(dp.table.size, 4, 'the other flow is gone, the four OP25B flows are back');
    assert.equal((await r.call('DELETE', '/stats/flowentry/clear/1', undefined, { token: null })).status, 401);
  });

  it('bad flowentry input is a 400 naming the field (Ryu: 500 or a silent skip)', async () => {
    const cases: [string, unknown, string][] = [
      ['add', { dpid: 1, match: { tp_dst: 25 } }, 'body.match.tp_dst'],
      ['add', { dpid: 1, match: { nw_dst: '10.0.0.300' } }, 'body.match.nw_dst'],
      ['add', { dpid: 1, match: { bogus_field: 1 } }, 'body.match.bogus_field'],
      ['add', { dpid: 1, actions: ['FOO:1'] }, 'body.actions[0]'],
      ['add', { dpid: 1, priority: 70000 }, 'body.priority'],
      ['add', { dpid: 1, cookie: -1 }, 'body.cookie'],
      ['add', { priority: 1 }, 'body.dpid'],
      ['add', { dpid: 'one' }, 'body.dpid'],
      ['add', [1], 'body'],
      ['add', '{"dpid": 1, "match": {', 'body'],
      ['add', { dpid: 1, cookie: cookieFor('block', { port: 9 }) }, 'body.cookie'],
    ];
    for (const [cmd, body, field] of cases) {
      const res = await r.call('POST', `/stats/flowentry/${cmd}`, body);
      assert.equal(res.status, 400, `${JSON.stringify(body, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))} -> ${res.status} ${res.text}`);
      assert.equal(err(res.json).field, field, res.text);
    }
    assert.equal((await r.call('POST', '/stats/flowentry/add', { dpid: 99 })).status, 404);
    const unknownCmd = await r.call('POST', '/stats/flowentry/replace', { dpid: 1 });
    assert.equal(unknownCmd.status, 404);
    assert.equal(err(unknownCmd.json).field, 'params.cmd');
    assert.equal(r.backend.dps.get(1n)!.table.size, 4, 'nothing reached the switch');
  });

  it('a forwarding flow above an OP25B drop it overlaps is refused (409), before it reaches the switch', async () => {
    const dp = r.backend.dps.get(1n)!;
    const refused: Obj[] = [
      { priority: 30000, match: { in_port: 3 }, actions: ['OUTPUT:NORMAL'] },
      { priority: 20001, match: { dl_type: 2048, nw_dst: '203.0.113.0/24' }, actions: ['GOTO_TABLE:1'] },
      { priority: 65535, match: {}, actions: [{ type: 'OUTPUT', port: 2 }] },
    ];
    for (const f of refused) {
      const res = await r.call('POST', '/stats/flowentry/add', { dpid: 1, ...f });
      assert.equal(res.status, 409, `${JSON.stringify(f)} -> ${res.text}`);
      assert.equal(err(res.json).code, 'API_ERR_WEAKENS_OP25B');
      assert.match(err(res.json).message, /op25b:block:\d/);
    }
    assert.equal(dp.table.size, 4, 'none reached the switch');
    const allowed: Obj[] = [
      { priority: 30000, match: { in_port: 3, dl_type: 2054 }, actions: ['OUTPUT:NORMAL'] },        // ARP: no TCP
      { priority: 30000, match: { dl_type: 2048, nw_proto: 6, tp_dst: 587 }, actions: ['OUTPUT:NORMAL'] }, // submission
      { priority: 11111, match: { in_port: 3 }, actions: ['OUTPUT:NORMAL'] },                        // below the block
      { priority: 30000, match: { in_port: 3 }, actions: [] },                                       // a drop never weakens
      { priority: 30000, table_id: 1, match: { in_port: 3 }, actions: ['OUTPUT:NORMAL'] },           // another table
    ];
    for (const f of allowed) {
      const res = await r.call('POST', '/stats/flowentry/add', { dpid: 1, ...f });
      assert.equal(res.status, 200, `${JSON.stringify(f)} -> ${res.text}`);
    }
    // a non-strict modify turning the priority-30000 drop into a forward is refused; the strict one too
    const mod = await r.call('POST', '/stats/flowentry/modify', { dpid: 1, table_id: 0, match: { in_port: 3 }, actions: ['OUTPUT:NORMAL'] });
    assert.equal(mod.status, 409, mod.text);
    const strict = await r.call('POST', '/stats/flowentry/modify_strict', { dpid: 1, table_id: 0, priority: 30000, match: { in_port: 3 }, actions: ['OUTPUT:2'] });
    assert.equal(strict.status, 409, strict.text);
  });

  it('a flow-mod the switch refuses is a 502 naming the OpenFlow error', async () => {
    r.backend.dps.get(1n)!.refuse = () => ({ err_type: 5, code: 9, typeName: 'OFPET_FLOW_MOD_FAILED', codeName: 'OFPFMFC_BAD_TABLE_ID', data: Buffer.alloc(0) });
    const res = await r.call('POST', '/stats/flowentry/add', { dpid: 1, table_id: 200 });
    assert.equal(res.status, 502);
    assert.equal(err(res.json).code, 'SWITCH_ERR_FLOW_MOD_REJECTED');
    assert.match(err(res.json).message, /OFPFMFC_BAD_TABLE_ID/);
  });

  it('port stats, port desc, table stats and role in Ryu\'s shape', async () => {
    const ps = await r.call('GET', '/stats/port/1');
    assert.deepEqual(ps.json, { 1: [] });
    assert.equal((await r.call('GET', '/stats/port/1/3')).status, 200);
    assert.equal((await r.call('GET', '/stats/port/1/ALL')).status, 200);
    assert.equal(err((await r.call('GET', '/stats/port/1/x3')).json).field, 'params.port');
    const pd = ((await r.call('GET', '/stats/portdesc/1')).json as Obj)['1'] as Obj[];
    assert.equal(pd.length, 4);
    assert.deepEqual(Object.keys(pd[0]!), ['hw_addr', 'name', 'config', 'state', 'curr', 'advertised', 'supported', 'peer', 'curr_speed', 'max_speed', 'port_no']);
    const pd3 = ((await r.call('GET', '/stats/portdesc/1/3')).json as Obj)['1'] as Obj[];
    assert.deepEqual(pd3.map((p) => p.port_no), [3]);
    assert.equal((await r.call('GET', '/stats/portdesc/1/99')).status, 404);
    assert.deepEqual((await r.call('GET', '/stats/table/1')).json, { 1: [] });
    const role = await r.call('GET', '/stats/role/1');
    assert.deepEqual(role.json, { 1: [{ generation_id: 0, role: 'NOCHANGE' }] });
    const set = await r.call('POST', '/stats/role', '{"dpid": 1, "role": "MASTER"}', FORM);
    assert.equal(set.status, 200);
    assert.equal((set.json as Obj).role, 'MASTER');
    assert.equal(err((await r.call('POST', '/stats/role', { dpid: 1, role: 'BOSS' })).json).field, 'body.role');
    assert.equal((await r.call('POST', '/stats/role', { dpid: 1, role: 'MASTER' }, { token: null })).status, 401);
  });

  it('token-less ofctl writes from loopback only when the option is on, and never for NOC writes', async () => {
    assert.equal((await r.call('POST', '/stats/flowentry/add', { dpid: 1, priority: 9 }, { token: null })).status, 401);
    await r.server.close();
    r = await startFake({ allowTokenlessOfctlWritesFromLoopback: true });
    assert.equal((await r.call('POST', '/stats/flowentry/add', { dpid: 1, priority: 9 }, { token: null })).status, 200);
    assert.equal((await r.call('POST', '/op25b/v1/ports/sw1:3/quarantine', { reason: 'x' }, { token: null })).status, 401);
    assert.equal((await r.call('POST', '/op25b/v1/ports/sw1:3/quarantine', { reason: 'x' }, { token: TOKEN })).status, 200);
  });
});
