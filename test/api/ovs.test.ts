/**
 * The real controller (startController) and the REST API against a real Open
 * vSwitch bridge, driven with curl the way Ryu's ofctl_rest documentation
 * writes its examples (curl -X POST -d '{"dpid": 1, ...}' URL), plus the
 * bearer token. Checks Ryu's response shapes, that the writes are on the
 * switch when the reply comes (ovs-ofctl dump-flows), and that an ofctl
 * delete or clear of OP25B flows is repaired before the reply.
 */
import { strict as assert } from 'assert';
import { execFile, execFileSync } from 'child_process';
import { mkdtempSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { promisify } from 'util';
import { parseConfig } from '../../src/app/config';
import { startController, type RunningController } from '../../src/app/run';
import { parseJson } from '../../src/openflow/bigjson';

const run = promisify(execFile);
const IDX = process.pid % 10000;
const BR = `api${IDX}`;
const DPID = 0xa9100000n + BigInt(IDX);
const D = DPID.toString();
const TOKEN = 'ovs-test-token';

type Obj = Record<string, unknown>;

function skipReason(): string | undefined {
  if (typeof process.getuid === 'function' && process.getuid() !== 0) return 'not root (OVS tests need root)';
  try { execFileSync('ovs-vsctl', ['--timeout=5', 'show'], { stdio: 'ignore' }); } catch {
    return 'ovs-vsctl does not work (apt-get install openvswitch-switch; /usr/share/openvswitch/scripts/ovs-ctl start)';
  }
  try { execFileSync('curl', ['--version'], { stdio: 'ignore' }); } catch { return 'curl not installed (apt-get install curl)'; }
  return undefined;
}

async function vsctl(...args: string[]): Promise<string> {
  return (await run('ovs-vsctl', ['--timeout=20', ...args])).stdout;
}
async function dumpFlows(): Promise<string> {
  return (await run('ovs-ofctl', ['-O', 'OpenFlow13', 'dump-flows', BR])).stdout;
}
async function waitFor<T>(what: string, fn: () => Promise<T | undefined | false>, ms = 20_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn().catch(() => undefined);
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('api: ofctl_rest with curl against the controller and Open vSwitch', function () {
  this.timeout(120_000);
  let running: RunningController | undefined;
  let base = '';
  let dir = '';

  /** curl as the Ryu docs write it; returns status and parsed JSON. */
  async function curl(args: string[]): Promise<{ status: number; json: unknown; text: string }> {
    const { stdout } = await run('curl', ['-s', '-w', '\n%{http_code}', ...args]);
    const i = stdout.lastIndexOf('\n');
    const text = stdout.slice(0, i);
    return { status: Number(stdout.slice(i + 1)), text, json: text ? parseJson(text) : undefined };
  }
  const auth = ['-H', `Authorization: Bearer ${TOKEN}`];

  before(async function () {
    const why = skipReason();
    if (why) {
      console.log(`  skipped: ${why}`);
      this.skip();
    }
    dir = mkdtempSync(join(tmpdir(), 'op25b-api-'));
    const cfg = parseConfig(`
openflow: { host: 127.0.0.1, port: 0 }
switches:
  - { dpid: ${D}, name: ${BR}, uplinks: "1", subscriber_ports: "2-3" }
mtas: [198.51.100.25]
continue: { output: NORMAL }
radius:
  accounting: { host: 127.0.0.1, port: 0 }
  coa: { enabled: false }
  clients: [{ address: 127.0.0.0/8, secret: testing123, name: lo }]
  mapping: { rules: [{ kind: nas-port, nas: ${BR}, switch: ${BR} }] }
store: { kind: embedded, path: ${JSON.stringify(join(dir, 'data'))} }
api: { host: 127.0.0.1, port: 0, token: ${TOKEN} }
audit_interval_s: 0
`, 'api-ovs.yaml');
    running = await startController(cfg, { auditIntervalMs: 0 });
    // the API as `op25b start` runs it: started by startController from the api section
    assert.ok(running.api && running.addresses.api, 'startController started the API');
    base = `http://127.0.0.1:${running.addresses.api.port}`;
    await vsctl('--if-exists', 'del-br', BR);
    await vsctl('add-br', BR, '--', 'set', 'bridge', BR, 'datapath_type=netdev', 'protocols=OpenFlow13', 'fail-mode=secure',
      `other-config:datapath-id=${DPID.toString(16).padStart(16, '0')}`,
      '--', 'add-port', BR, `${BR}p1`, '--', 'set', 'interface', `${BR}p1`, 'type=internal', 'ofport_request=1',
      '--', 'add-port', BR, `${BR}p2`, '--', 'set', 'interface', `${BR}p2`, 'type=internal', 'ofport_request=2',
      '--', 'add-port', BR, `${BR}p3`, '--', 'set', 'interface', `${BR}p3`, 'type=internal', 'ofport_request=3',
      '--', 'set-controller', BR, `tcp:127.0.0.1:${running.addresses.openflow.port}`);
    // the initial sync: block flows for ports 2 and 3 in place
    await waitFor('OP25B flows on the bridge', async () => /in_port=2.*tp_dst=25/.test(await dumpFlows()) && /in_port=3.*tp_dst=25/.test(await dumpFlows()));
  });

  after(async () => {
    await vsctl('--if-exists', 'del-br', BR).catch(() => undefined);
    await running?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('GET /stats/switches, /stats/desc, /stats/portdesc, /stats/table, /stats/role in Ryu\'s shape', async () => {
    const sw = await curl([`${base}/stats/switches`]);
    assert.equal(sw.status, 200);
    assert.deepEqual(sw.json, [Number(DPID)]);
    const desc = await curl([`${base}/stats/desc/${D}`]);
    assert.equal(((desc.json as Obj)[D] as Obj).mfr_desc, 'Nicira, Inc.');
    const pd = ((await curl([`${base}/stats/portdesc/${D}`])).json as Obj)[D] as Obj[];
    assert.deepEqual(pd.map((p) => p.port_no).sort((a, b) => String(a).localeCompare(String(b))), [1, 2, 3, 'LOCAL']);
    assert.equal(pd.find((p) => p.port_no === 2)!.name, `${BR}p2`);
    const ps = ((await curl([`${base}/stats/port/${D}/2`])).json as Obj)[D] as Obj[];
    assert.deepEqual(ps.map((p) => p.port_no), [2]);
    assert.ok('rx_packets' in ps[0]! && 'duration_nsec' in ps[0]!);
    const tables = ((await curl([`${base}/stats/table/${D}`])).json as Obj)[D] as Obj[];
    assert.ok(tables.length > 1 && (tables[0]!.active_count as number) >= 4);
    const role = await curl([`${base}/stats/role/${D}`]);
    assert.deepEqual(Object.keys(((role.json as Obj)[D] as Obj[])[0]!).sort(), ['generation_id', 'role']);
  });

  it('flowentry/add as in Ryu\'s docs is on the switch when the reply comes; GET/POST /stats/flow show it', async () => {
    const noTok = await curl(['-X', 'POST', '-d', `{"dpid": ${D}, "priority": 11111, "match": {"in_port": 1}, "actions": []}`, `${base}/stats/flowentry/add`]);
    assert.equal(noTok.status, 401);
    const add = await curl(['-X', 'POST', ...auth, '-d', `{
        "dpid": ${D},
        "cookie": 1,
        "cookie_mask": 1,
        "table_id": 0,
        "idle_timeout": 0,
        "hard_timeout": 0,
        "priority": 11111,
        "flags": 1,
        "match": {"in_port": 1},
        "actions": [{"type": "OUTPUT", "port": 2}]
      }`, `${base}/stats/flowentry/add`]);
    assert.equal(add.status, 200, add.text);
    assert.equal((add.json as Obj).confirmed, true);
    assert.match(await dumpFlows(), /cookie=0x1,.*priority=11111,in_port=1 actions=output:2/);
    const all = ((await curl([`${base}/stats/flow/${D}`])).json as Obj)[D] as Obj[];
    const mine = all.find((f) => f.priority === 11111)!;
    assert.deepEqual([mine.cookie, mine.table_id, mine.match, mine.actions], [1, 0, { in_port: 1 }, ['OUTPUT:2']]);
    const block = all.find((f) => f.priority === 20000 && (f.match as Obj).in_port === 2)!;
    assert.deepEqual(block.actions, []);
    assert.ok(typeof block.cookie === 'bigint', 'OP25B cookies (above 2^53) arrive exact');
    const filtered = ((await curl(['-X', 'POST', '-d', '{"table_id": 0, "priority": 11111}', `${base}/stats/flow/${D}`])).json as Obj)[D] as Obj[];
    assert.equal(filtered.length, 1);
    const agg = ((await curl(['-X', 'POST', '-d', '{"cookie": 1, "cookie_mask": 18446744073709551615}', `${base}/stats/aggregateflow/${D}`])).json as Obj)[D] as Obj[];
    assert.equal(agg[0]!.flow_count, 1);
  });

  it('bad input is a 400 naming the field; unknown dpid 404', async () => {
    const bad = await curl(['-X', 'POST', ...auth, '-d', `{"dpid": ${D}, "match": {"tp_dst": 25}, "actions": []}`, `${base}/stats/flowentry/add`]);
    assert.equal(bad.status, 400);
    assert.equal(((bad.json as Obj).error as Obj).field, 'body.match.tp_dst');
    assert.equal((await curl([`${base}/stats/flow/12345`])).status, 404);
  });

  it('an ofctl delete of OP25B flows is repaired before the reply, and the reply says so', async () => {
    const del = await curl(['-X', 'POST', ...auth, '-d', `{"dpid": ${D}, "table_id": 0, "match": {"in_port": 2}}`, `${base}/stats/flowentry/delete`]);
    assert.equal(del.status, 200, del.text);
    const op = (del.json as Obj).op25b as Obj;
    assert.equal(op.reconciled, true);
    assert.ok((op.restored as number) >= 1, del.text);
    assert.match(await dumpFlows(), /cookie=0xb25.*priority=20000,tcp,in_port=2,tp_dst=25 actions=drop/);
  });

  it('DELETE /stats/flowentry/clear removes everything; OP25B is back before the reply, the other flow is not', async () => {
    const clr = await curl(['-X', 'DELETE', ...auth, `${base}/stats/flowentry/clear/${D}`]);
    assert.equal(clr.status, 200, clr.text);
    assert.ok((((clr.json as Obj).op25b as Obj).restored as number) >= 4, clr.text);
    const flows = await dumpFlows();
    assert.doesNotMatch(flows, /priority=11111/);
    assert.match(flows, /priority=20000,tcp,in_port=2,tp_dst=25 actions=drop/);
    assert.match(flows, /priority=20000,tcp,in_port=3,tp_dst=25 actions=drop/);
  });

  it('NOC: quarantine a port with curl, confirmed on the switch; clear it', async () => {
    const q = await curl(['-X', 'POST', ...auth, '-H', 'Content-Type: application/json', '-d', '{"mode": "all", "reason": "abuse report", "ticket": "T-1"}',
      `${base}/op25b/v1/ports/${BR}:3/quarantine`]);
    assert.equal(q.status, 200, q.text);
    assert.equal((q.json as Obj).confirmed, true);
    assert.match(await dumpFlows(), /priority=40000,in_port=3 actions=drop/);
    const c = await curl(['-X', 'POST', ...auth, '-d', '{"reason": "cleaned"}', `${base}/op25b/v1/ports/${BR}:3/clear`]);
    assert.equal(c.status, 200, c.text);
    assert.doesNotMatch(await dumpFlows(), /priority=40000/);
    const audit = (await curl([`${base}/op25b/v1/audit?port=${BR}:3`])).json as Obj[];
    assert.deepEqual(audit.map((a) => a.action), ['override:clear', 'override:quarantine-all'], 'newest first, as the store gives them');
  });
});
