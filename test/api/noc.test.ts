/**
 * NOC routes over a fake backend: every route, bad input (400 naming the
 * field), missing/wrong token (401), unknown dpid/port (404), a disconnected
 * switch, expiry on the fake backend's clock, /metrics.
 */
import { strict as assert } from 'assert';
import { readFileSync } from 'fs';
import { join } from 'path';
import { portKeyString } from '../../src/policy/types';
import { cookieFor } from '../../src/policy/cookie';
import { FlowStatsPoller, blockedSmtp, flowsGauge } from '../../src/api/metrics';
import { startFake, err, BIG_DPID, type Running } from './helpers';

type Obj = Record<string, unknown>;

describe('api: NOC routes', () => {
  let r: Running;
  beforeEach(async () => {
    r = await startFake({}, (b) => {
      b.sessionList.push({ nas: 'bras1', sessionId: 'S1', key: { dpid: 1n, port: 2 }, user: 'alice@isp', framedIp: '100.64.0.2', profile: 'default', startedAt: b.clock - 60_000, updatedAt: b.clock - 60_000 });
      b.history.push(
        { nas: 'bras1', sessionId: 'S0', key: { dpid: 1n, port: 3 }, user: 'bob@isp', framedIp: '100.64.0.9', profile: 'default', from: b.clock - 7_200_000, to: b.clock - 3_600_000 },
        { nas: 'bras1', sessionId: 'S1', key: { dpid: 1n, port: 2 }, user: 'alice@isp', framedIp: '100.64.0.9', delegatedIpv6Prefix: '2001:db8:1200::/56', profile: 'default', from: b.clock - 60_000 },
      );
    });
  });
  afterEach(async () => { await r.server.close(); });

  it('lists switches with connection state, by hex dpid or name, exact 64-bit dpid', async () => {
    r.backend.dps.get(BIG_DPID)!.connected = false;
    const res = await r.call('GET', '/op25b/v1/switches');
    assert.equal(res.status, 200);
    const list = res.json as Obj[];
    assert.deepEqual(list.map((s) => [s.dpid, s.name, s.connected]), [['0000000000000001', 'sw1', true], ['fedcba9876543210', 'edge-big', false]]);
    assert.ok(res.text.includes(`"dpid_int":${BIG_DPID}`), 'dpid_int is an exact integer literal');
    assert.equal(((await r.call('GET', '/op25b/v1/switches/sw1')).json as Obj).dpid, '0000000000000001');
    assert.equal(((await r.call('GET', '/op25b/v1/switches/fedcba9876543210')).json as Obj).name, 'edge-big');
    const bad = await r.call('GET', '/op25b/v1/switches/not-a-dpid');
    assert.equal(bad.status, 400);
    assert.equal(err(bad.json).field, 'params.dpid');
    const unknown = await r.call('GET', '/op25b/v1/switches/99');
    assert.equal(unknown.status, 404);
    assert.equal(err(unknown.json).code, 'API_ERR_UNKNOWN_DPID');
  });

  it('shows ports with effective policy and why; 404 for unknown dpid/port, 400 for a malformed one', async () => {
    const all = await r.call('GET', '/op25b/v1/ports?dpid=sw1');
    assert.equal(all.status, 200);
    const ports = all.json as Obj[];
    assert.deepEqual(ports.map((p) => p.port), ['0000000000000001:1', '0000000000000001:2', '0000000000000001:3', '0000000000000001:4']);
    const p2 = ports[1]!;
    assert.equal(p2.effective, 'blocked');
    assert.equal(p2.reason, 'session');
    assert.match(String(p2.why), /session S1 from bras1/);
    assert.equal((p2.session as Obj).user, 'alice@isp');
    assert.equal(ports[0]!.reason, 'default');
    const one = await r.call('GET', '/op25b/v1/ports/sw1:2');
    assert.equal((one.json as Obj).port, '0000000000000001:2');
    const byHex = await r.call('GET', '/op25b/v1/ports/0000000000000001:2');
    assert.deepEqual(byHex.json, one.json);
    assert.equal(err((await r.call('GET', '/op25b/v1/ports/sw1:99')).json).code, 'API_ERR_UNKNOWN_PORT');
    assert.equal((await r.call('GET', '/op25b/v1/ports/sw1:99')).status, 404);
    assert.equal((await r.call('GET', '/op25b/v1/ports/77:3')).status, 404);
    const bad = await r.call('GET', '/op25b/v1/ports/sw1');
    assert.equal(bad.status, 400);
    assert.equal(err(bad.json).field, 'params.port');
    const badVlan = await r.call('GET', '/op25b/v1/ports/sw1:2.5000');
    assert.equal(badVlan.status, 400);
    assert.equal((await r.call('GET', '/op25b/v1/ports?dpid=zz-top')).status, 400);
    assert.equal(err((await r.call('GET', '/op25b/v1/ports?bogus=1')).json).field, 'query.bogus');
  });

  it('quarantine needs the token (401), is barrier-confirmed on the switch, and says what it changed', async () => {
    const body = { mode: 'smtp', reason: 'bot abuse report', ticket: 'ABUSE-1' };
    const none = await r.call('POST', '/op25b/v1/ports/sw1:3/quarantine', body, { token: null });
    assert.equal(none.status, 401);
    assert.equal(err(none.json).code, 'API_ERR_UNAUTHORIZED');
    assert.equal((await r.call('POST', '/op25b/v1/ports/sw1:3/quarantine', body, { token: 'wrong' })).status, 401);
    assert.equal(r.backend.setOverrideCalls.length, 0, 'nothing applied without the token');

    const res = await r.call('POST', '/op25b/v1/ports/sw1:3/quarantine', { ...body, actor: 'jdoe' });
    assert.equal(res.status, 200);
    const j = res.json as Obj;
    assert.equal(j.confirmed, true);
    assert.equal(j.action, 'quarantine-smtp');
    assert.equal((j.flows as Obj).added, 1);
    assert.equal(((j.flows as Obj).adds as Obj[])[0]!.priority, 40000);
    assert.equal((j.override as Obj).actor, 'noc:jdoe');
    assert.equal((j.override as Obj).ticket, 'ABUSE-1');
    assert.equal((j.state as Obj).effective, 'quarantined-smtp');
    // on the (fake) switch, before the reply
    const dp = r.backend.dps.get(1n)!;
    assert.equal(dp.table.entries({ cookie: cookieFor('quarantine', { port: 3 }), cookie_mask: 0xffffffffffffffffn }).length, 1);
    assert.equal(dp.log.at(-1)?.kind, 'barrier');

    const clear = await r.call('POST', '/op25b/v1/ports/sw1:3/clear', { reason: 'customer cleaned PC', ticket: 'ABUSE-1' });
    assert.equal(clear.status, 200);
    assert.equal(((clear.json as Obj).flows as Obj).removed, 1);
    assert.equal(dp.table.entries({ cookie: cookieFor('quarantine', { port: 3 }), cookie_mask: 0xffffffffffffffffn }).length, 0);

    const ex = await r.call('POST', '/op25b/v1/ports/sw1:4/exempt', { reason: 'business plan', expires: '30d' });
    assert.equal(ex.status, 200);
    assert.equal(((ex.json as Obj).state as Obj).effective, 'allowed');
  });

  it('bad override input is a 400 naming the field, never applied', async () => {
    const cases: [unknown, string][] = [
      [{ mode: 'smtp' }, 'body.reason'],
      [{ mode: 'smtp-only', reason: 'x' }, 'body.mode'],
      [{ reason: 'x', bogus: 1 }, 'body.bogus'],
      [{ reason: 'x', expires: 'soon' }, 'body.expires'],
      [{ reason: 'x', expires: -5 }, 'body.expires'],
      [{ reason: 'x', expires_at: '2020-01-01T00:00:00Z' }, 'body.expires_at'],
      [{ reason: 'x', expires: '1h', expires_at: '2030-01-01T00:00:00Z' }, 'body.expires'],
      [{ reason: '   ' }, 'body.reason'],
      [{ reason: 'x', actor: 'bad actor!' }, 'body.actor'],
      ['{"reason": ', 'body'],
      [[1, 2], 'body'],
    ];
    for (const [body, field] of cases) {
      const res = await r.call('POST', '/op25b/v1/ports/sw1:3/quarantine', body);
      assert.equal(res.status, 400, `${JSON.stringify(body)} -> ${res.text}`);
      assert.equal(err(res.json).field, field, `${JSON.stringify(body)} -> ${res.text}`);
    }
    assert.equal((await r.call('POST', '/op25b/v1/ports/sw1:99/quarantine', { reason: 'x' })).status, 404);
    assert.equal((await r.call('POST', '/op25b/v1/ports/sw1:3/clear', { reason: 'x', mode: 'all' })).status, 400);
    assert.equal(r.backend.setOverrideCalls.length, 0);
  });

  it('expiry: expires is taken on the backend clock, and the port returns to its default when the clock passes it', async () => {
    const res = await r.call('POST', '/op25b/v1/ports/sw1:1/quarantine', { mode: 'all', reason: 'spam run', expires: '2h' });
    assert.equal(res.status, 200);
    const exp = ((res.json as Obj).override as Obj).expires_at;
    assert.equal(exp, new Date(r.backend.clock + 2 * 3_600_000).toISOString());
    assert.equal(r.backend.setOverrideCalls[0]!.req.override!.expiresAt, r.backend.clock + 7_200_000);
    assert.equal(((await r.call('GET', '/op25b/v1/ports/sw1:1')).json as Obj).effective, 'quarantined-all');
    r.backend.clock += 2 * 3_600_000 + 1000;
    const after = (await r.call('GET', '/op25b/v1/ports/sw1:1')).json as Obj;
    assert.equal(after.effective, 'blocked');
    assert.equal(after.reason, 'default');
  });

  it('a switch that is not connected: the override is recorded, 202 confirmed false', async () => {
    r.backend.dps.get(1n)!.connected = false;
    const res = await r.call('POST', '/op25b/v1/ports/sw1:3/quarantine', { reason: 'abuse' });
    assert.equal(res.status, 202);
    assert.equal((res.json as Obj).confirmed, false);
    assert.ok(r.backend.overrides.has(portKeyString({ dpid: 1n, port: 3 })));
    assert.equal((await r.call('GET', '/op25b/v1/switches/1/flows')).status, 503);
  });

  it('plan shows the flow changes and applies nothing', async () => {
    const dp = r.backend.dps.get(1n)!;
    const before = dp.table.size;
    const res = await r.call('POST', '/op25b/v1/ports/sw1:2/plan', { action: 'quarantine', mode: 'all' });
    assert.equal(res.status, 200);
    const j = res.json as Obj;
    assert.equal(j.applied, false);
    assert.equal((j.flows as Obj).added, 1);
    assert.deepEqual(((j.flows as Obj).adds as Obj[])[0]!.match, { in_port: 2 });
    assert.equal(dp.table.size, before);
    assert.equal(r.backend.overrides.size, 0);
    assert.equal(err((await r.call('POST', '/op25b/v1/ports/sw1:2/plan', { action: 'nuke' })).json).field, 'body.action');
    assert.equal(err((await r.call('POST', '/op25b/v1/ports/sw1:2/plan', { action: 'exempt', mode: 'all' })).json).field, 'body.mode');
  });

  it('sessions, audit by port and time, status', async () => {
    const s = (await r.call('GET', '/op25b/v1/sessions?port=sw1:2')).json as Obj[];
    assert.equal(s.length, 1);
    assert.equal(s[0]!.session_id, 'S1');
    assert.equal(((await r.call('GET', '/op25b/v1/sessions?nas=other')).json as Obj[]).length, 0);
    const t0 = r.backend.clock;
    await r.call('POST', '/op25b/v1/ports/sw1:3/quarantine', { reason: 'first', ticket: 'T-1' });
    r.backend.clock += 60_000;
    await r.call('POST', '/op25b/v1/ports/sw1:4/quarantine', { reason: 'second' });
    const a3 = (await r.call('GET', '/op25b/v1/audit?port=sw1:3')).json as Obj[];
    assert.deepEqual(a3.map((a) => [a.action, a.ticket, a.port]), [['override:quarantine-smtp', 'T-1', '0000000000000001:3']]);
    const since = (await r.call('GET', `/op25b/v1/audit?since=${new Date(t0 + 1000).toISOString()}`)).json as Obj[];
    assert.deepEqual(since.map((a) => a.reason), ['second']);
    const rel = (await r.call('GET', '/op25b/v1/audit?since=-30s')).json as Obj[];
    assert.deepEqual(rel.map((a) => a.reason), ['second']);
    assert.equal(err((await r.call('GET', '/op25b/v1/audit?since=yesterday')).json).field, 'query.since');
    assert.equal(err((await r.call('GET', '/op25b/v1/audit?limit=abc')).json).field, 'query.limit');
    const st = (await r.call('GET', '/op25b/v1/status')).json as Obj;
    assert.deepEqual(st.switches, { known: 2, connected: 2 });
    assert.equal(st.sessions, 1);
    assert.equal(st.overrides, 2);
  });

  it('whois: IPv4 at a time, an IPv6 address inside a delegated prefix, and bad input', async () => {
    const now = (await r.call('GET', '/op25b/v1/whois?address=100.64.0.9')).json as Obj;
    const m = now.matches as Obj[];
    assert.equal(m.length, 1);
    assert.deepEqual([m[0]!.session_id, m[0]!.subscriber, m[0]!.nas, (m[0]!.switch as Obj).name, m[0]!.port], ['S1', 'alice@isp', 'bras1', 'sw1', '0000000000000001:2']);
    const earlier = new Date(r.backend.clock - 5_000_000).toISOString();
    const then = (await r.call('GET', `/op25b/v1/whois?address=100.64.0.9&at=${earlier}`)).json as Obj;
    assert.deepEqual((then.matches as Obj[]).map((x) => [x.subscriber, x.port_no]), [['bob@isp', 3]]);
    const v6 = (await r.call('GET', '/op25b/v1/whois?address=2001:db8:1200:ab::25')).json as Obj;
    assert.deepEqual((v6.matches as Obj[]).map((x) => x.subscriber), ['alice@isp']);
    const bad = await r.call('GET', '/op25b/v1/whois?address=100.64.0.999');
    assert.equal(bad.status, 400);
    assert.equal(err(bad.json).field, 'query.address');
    assert.equal(err((await r.call('GET', '/op25b/v1/whois')).json).field, 'query.address');
    assert.equal(err((await r.call('GET', '/op25b/v1/whois?address=100.64.0.9&at=tomorrow')).json).field, 'query.at');
  });

  it('switch flows are listed in ofctl form with OP25B ones marked', async () => {
    const res = await r.call('GET', '/op25b/v1/switches/sw1/flows');
    const flows = (res.json as Obj).flows as Obj[];
    assert.equal(flows.length, 4);
    assert.ok(flows.every((f) => f.op25b === true && /^op25b:block:\d$/.test(String(f.rule))));
    assert.deepEqual(flows[0]!.actions, []);
  });

  it('GET /metrics: switches connected, sessions, OP25B flows per switch, blocked-SMTP packets per port', async () => {
    blockedSmtp.reset();
    flowsGauge.reset();
    r.backend.dps.get(BIG_DPID)!.connected = false;
    const dp = r.backend.dps.get(1n)!;
    // a blocked SYN from port 2 counts on the block flow
    dp.table.lookup(0, { in_port: 2, eth_type: 0x0800, ip_proto: 6, tcp_dst: 25, ipv4_dst: '203.0.113.25' }, { count: true });
    const poller = new FlowStatsPoller(r.backend, { intervalMs: 60_000 });
    await poller.pollOnce();
    const res = await fetch(`${r.base}/metrics`);
    const text = await res.text();
    assert.equal(res.status, 200);
    assert.match(text, /^op25b_switches_connected 1$/m);
    assert.match(text, /^op25b_sessions 1$/m);
    assert.match(text, /^op25b_flows\{dpid="0000000000000001"\} 4$/m);
    assert.match(text, /^op25b_blocked_smtp_packets\{dpid="0000000000000001",port="2"\} 1$/m);
    assert.match(text, /^op25b_blocked_smtp_packets\{dpid="0000000000000001",port="3"\} 0$/m);
    assert.doesNotMatch(text, /op25b_flows\{dpid="fedcba9876543210"\}/);
    await poller.stop();
  });

  it('reads need the token when configured so; unknown routes are a JSON 404', async () => {
    await r.server.close();
    r = await startFake({ readTokenRequired: true });
    assert.equal((await r.call('GET', '/op25b/v1/switches', undefined, { token: null })).status, 401);
    assert.equal((await r.call('GET', '/stats/switches', undefined, { token: null })).status, 401);
    assert.equal((await r.call('GET', '/metrics', undefined, { token: null })).status, 401);
    assert.equal((await r.call('GET', '/op25b/v1/switches')).status, 200);
    const nf = await r.call('GET', '/op25b/v1/nothing');
    assert.equal(nf.status, 404);
    assert.equal(err(nf.json).code, 'API_ERR_NOT_FOUND');
  });

  it('never a 500 for bad input: malformed paths, queries and bodies on every route', async () => {
    const paths = [
      '/op25b/v1/ports/%ZZ', '/op25b/v1/ports/sw1:%00', '/op25b/v1/ports/:', '/op25b/v1/ports/sw1:99999999999999999999',
      '/op25b/v1/ports/ffffffffffffffffff:1', '/op25b/v1/switches/%E0%A4%A', '/op25b/v1/whois?address=&at=', '/op25b/v1/audit?limit=0',
      '/op25b/v1/audit?until=9999999999999999999999', '/op25b/v1/sessions?port=sw1:1.0', '/stats/flow/-1', '/stats/flow/0x', '/stats/port/1/-3',
      '/stats/port/1/99999999999', '/stats/desc/18446744073709551616', '/stats/flowentry/add', '/stats/role',
    ];
    const bodies: unknown[] = ['', 'null', '[]', '"x"', '{"reason": null}', '{"dpid": {}}', '{"dpid": 1, "match": []}', '{"dpid": 1, "actions": {}}',
      '{"dpid": 1, "actions": [null]}', '{"dpid": 1, "match": {"in_port": "NOPE"}}', '{"dpid": 1, "table_id": 1e400}', '\u0000', '{"a":'.repeat(50)];
    const routes = ['/op25b/v1/ports/sw1:2/quarantine', '/op25b/v1/ports/sw1:2/exempt', '/op25b/v1/ports/sw1:2/clear', '/op25b/v1/ports/sw1:2/plan',
      '/stats/flowentry/add', '/stats/flowentry/modify', '/stats/flowentry/delete_strict', '/stats/flow/1', '/stats/aggregateflow/1', '/stats/role'];
    for (const p of paths) {
      for (const m of ['GET', 'POST']) {
        const res = await r.call(m, p, m === 'POST' ? '{}' : undefined);
        assert.ok(res.status >= 400 && res.status < 500, `${m} ${p} -> ${res.status} ${res.text}`);
        assert.ok(err(res.json).code, `${m} ${p}: error body`);
      }
    }
    for (const route of routes) {
      for (const b of bodies) {
        const res = await r.call('POST', route, b);
        assert.ok(res.status < 500, `POST ${route} ${JSON.stringify(b)} -> ${res.status} ${res.text}`);
      }
    }
  });

  it('with no token configured, every write is refused', async () => {
    await r.server.close();
    r = await startFake({ token: '' });
    const res = await r.call('POST', '/op25b/v1/ports/sw1:3/quarantine', { reason: 'x' }, { token: null });
    assert.equal(res.status, 401);
    assert.match(err(res.json).message, /none is configured/);
  });
});

describe('api: plan a proposed config', () => {
  let r: Running;
  beforeEach(async () => { r = await startFake(); });
  afterEach(async () => { await r.server.close(); });
  const example = readFileSync(join(__dirname, '..', '..', 'flows', 'example-config.yaml'), 'utf8');

  it('validates the config like check-config and returns per-switch flow changes, applying nothing', async () => {
    const res = await r.call('POST', '/op25b/v1/plan/config', { config: example });
    assert.equal(res.status, 200, res.text);
    const j = res.json as Obj;
    assert.equal(j.applied, false);
    const sws = j.switches as Obj[];
    assert.ok(sws.length >= 1);
    assert.equal(sws[0]!.dpid, '0000000000000001');
    assert.ok(((sws[0]!.flows as Obj).adds as unknown[]).length > 0, 'the fake planned adds and the reply carries them');
    assert.equal(r.backend.plannedConfigs.length, 1);
    assert.deepEqual(r.backend.plannedConfigs[0]!.blocked_ports, [25], 'the backend got the parsed config');
  });

  it('a broken config is a 400 naming every problem, and nothing is planned', async () => {
    const res = await r.call('POST', '/op25b/v1/plan/config', { config: 'switches:\n  - { dpid: "0x1", name: a1, uplinks: "1-x" }\nblocked_ports: [70000]\n' });
    assert.equal(res.status, 400);
    assert.equal(err(res.json).code, 'CONFIG_ERR_INVALID');
    assert.equal(err(res.json).field, 'body.config');
    const issues = (res.json as { issues: { path: string }[] }).issues.map((i) => i.path);
    assert.ok(issues.includes('switches[0].uplinks') && issues.includes('blocked_ports[0]'), JSON.stringify(issues));
    assert.equal(r.backend.plannedConfigs.length, 0);
    const missing = await r.call('POST', '/op25b/v1/plan/config', {});
    assert.equal(missing.status, 400);
    assert.equal(err(missing.json).field, 'body.config');
  });
});
