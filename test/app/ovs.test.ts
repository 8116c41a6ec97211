/**
 * Issue 5 "Must show", against a real Open vSwitch (a private ovs-vswitchd,
 * see ovs-support.ts) with radclient as the NAS and the controller running
 * as `op25b start` in a child process.
 */
import assert from 'assert';
import { mkdtempSync, rmSync, writeFileSync } from 'fs';
import { createServer, type Server } from 'net';
import { tmpdir } from 'os';
import { join, resolve } from 'path';
import { radclient } from '../radius/support/radclient';
import {
  HOST_ADDR, PrivateOvs, ovsSkipReason, spawnController, waitFor, type ControllerChild, type DumpedFlow, type FlowMonitor,
} from './ovs-support';

const ROOT = resolve(__dirname, '../..');
const BR = 'rcb1';
const DPID = 0xac1n;
const SECRET = 'testing123';
const KIND = { quarantine: 1n, mta: 2n, block: 3n, exempt: 4n } as const;

function kindOf(c: bigint): bigint { return (c >> 44n) & 0xfn; }
function isOp25b(c: bigint): boolean { return (c >> 48n) === 0x0b25n; }
function portOf(c: bigint): number { return Number(c & 0xffffffffn); }

function configText(dataDir: string, extra = ''): string {
  return `
openflow: { host: ${HOST_ADDR}, port: 0, echo_interval_s: 1 }
switches:
  - { dpid: "0x${DPID.toString(16)}", name: a1, uplinks: "1", subscriber_ports: "2-5" }
mtas: [198.51.100.25, 192.0.2.0/24, "2001:db8:100::25"]
continue: { output: NORMAL }
${extra}
radius:
  accounting: { host: 127.0.0.1, port: 0 }
  coa: { host: 127.0.0.1, port: 0 }
  clients:
    - { address: 127.0.0.0/8, secret: ${SECRET}, name: localhost }
  mapping:
    rules:
      - { kind: nas-port, nas: a1, switch: a1 }
store: { kind: embedded, path: ${dataDir} }
api: { enabled: false }
audit_interval_s: 1
log: { format: json, level: info }
`;
}

describe('op25b start with real OVS and radclient (issue 5 Must show)', function () {
  this.timeout(120_000);
  let ovs: PrivateOvs;
  let tmp: string;
  let cfgFile: string;
  let ctl: ControllerChild | undefined;

  before(function () {
    const why = ovsSkipReason();
    if (why) {
      console.log(`  skipped: ${why}`);
      this.skip();
    }
  });

  before(async function () {
    tmp = mkdtempSync(join(tmpdir(), 'rc-ovs-'));
    ovs = new PrivateOvs(join(tmp, 'ovs'));
    ovs.start();
    ovs.addBridge(BR, DPID, [1, 2, 3, 4, 5]);
    cfgFile = join(tmp, 'config.yaml');
    writeFileSync(cfgFile, configText(join(tmp, 'data')));
    ctl = await spawnController(cfgFile, ROOT);
    ovs.setController(BR, ctl.ports.openflow);
    await waitFor('fail-closed flows', () => ovs.flows(BR).filter((f) => isOp25b(f.cookie) && kindOf(f.cookie) === KIND.block).length === 8);
    // Another application's flow. Added after the controller connected: OVS
    // itself flushes a bridge's flows when it gets its first controller.
    ovs.ofctl('add-flow', ovs.mgmt(BR), 'cookie=0x1234,priority=500,tcp,in_port=3,tp_dst=25,actions=drop');
  });

  after(async () => {
    if (ctl) { ctl.child.kill('SIGTERM'); await ctl.exited; }
    if (process.env.RC_KEEP) { console.log(`  kept ${tmp}`); return; }
    ovs?.stop();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  async function acct(attrs: Record<string, string | number>): Promise<void> {
    const input = Object.entries({ 'NAS-Identifier': 'a1', ...attrs }).map(([k, v]) => `${k} = ${typeof v === 'string' ? `"${v}"` : v}`).join('\n');
    const r = await radclient(`127.0.0.1:${ctl!.ports.accounting}`, 'acct', SECRET, input + '\n');
    assert.deepStrictEqual(r.received, ['Accounting-Response'], r.stdout + r.stderr);
  }

  function portFlows(port: number): DumpedFlow[] {
    return ovs.flows(BR).filter((f) => isOp25b(f.cookie) && portOf(f.cookie) === port && kindOf(f.cookie) <= 4n);
  }

  function assertForeignFlow(): void {
    const foreign = ovs.flows(BR).filter((f) => f.cookie === 0x1234n);
    assert.strictEqual(foreign.length, 1, 'the other application\'s flow is in place');
    assert.strictEqual(foreign[0]?.match, 'tcp,in_port=3,tp_dst=25');
  }

  function op25bSnapshot(): string[] {
    return ovs.flows(BR).filter((f) => isOp25b(f.cookie)).map((f) => `${f.cookie.toString(16)} ${f.priority} ${f.match} ${f.actions}`).sort();
  }

  it('fails closed at connect: every subscriber port has IPv4 and IPv6 drops with the MTA whitelist above; the uplink has none', () => {
    for (const p of [2, 3, 4, 5]) {
      const f = portFlows(p);
      const drops = f.filter((x) => kindOf(x.cookie) === KIND.block);
      assert.deepStrictEqual(drops.map((x) => x.match.split(',')[0]).sort(), ['tcp', 'tcp6'], `port ${p}`);
      assert.ok(drops.every((x) => x.priority === 20000 && x.actions === 'drop' && x.match.includes('tp_dst=25')));
      const mtas = f.filter((x) => kindOf(x.cookie) === KIND.mta);
      assert.strictEqual(mtas.length, 3);
      assert.ok(mtas.every((x) => x.priority > 20000 && x.actions === 'NORMAL'));
    }
    assert.strictEqual(portFlows(1).length, 0);
  });

  it('Accounting-Start: drops + MTA whitelist above; exempt subscriber gets the allow; Stop returns the port to its default', async () => {
    await acct({ 'Acct-Status-Type': 'Start', 'NAS-Port': 3, 'Acct-Session-Id': 'sess-3', 'Framed-IP-Address': '100.64.0.3' });
    const f3 = portFlows(3);
    assert.strictEqual(f3.filter((x) => kindOf(x.cookie) === KIND.block && x.actions === 'drop').length, 2);
    assert.ok(f3.some((x) => x.match.startsWith('tcp,') && x.match.includes('nw_dst=198.51.100.25') && x.priority === 30000));
    assert.ok(f3.some((x) => x.match.startsWith('tcp6,') && x.match.includes('ipv6_dst=2001:db8:100::25') && x.priority === 30000));

    await acct({ 'Acct-Status-Type': 'Start', 'NAS-Port': 4, 'Acct-Session-Id': 'sess-4', 'Filter-Id': 'op25b-exempt' });
    // The Accounting-Response comes after recording; the flows follow within the batch.
    await waitFor('exempt allow on port 4', () => portFlows(4).filter((x) => kindOf(x.cookie) === KIND.exempt && x.actions === 'NORMAL').length === 2);
    assert.strictEqual(portFlows(4).filter((x) => kindOf(x.cookie) === KIND.block).length, 0);

    await acct({ 'Acct-Status-Type': 'Stop', 'NAS-Port': 4, 'Acct-Session-Id': 'sess-4', 'Filter-Id': 'op25b-exempt' });
    await waitFor('port 4 back to default', () => portFlows(4).filter((x) => kindOf(x.cookie) === KIND.block).length === 2);
    assert.strictEqual(portFlows(4).filter((x) => kindOf(x.cookie) === KIND.exempt).length, 0);
  });

  it('a flow deleted by hand comes back by the next audit; the flow with another cookie is never touched', async () => {
    const cookie = 0x0b25n << 48n | KIND.block << 44n | 3n;
    const mon = ovs.monitor(BR);
    await mon.ready;
    try {
      ovs.ofctl('--strict', 'del-flows', ovs.mgmt(BR), `cookie=0x${cookie.toString(16)}/-1,priority=20000,tcp,in_port=3,tp_dst=25`);
      await waitFor('deletion seen by the monitor', () => mon.events.some((e) => e.event === 'DELETED' && e.cookie === cookie), 5_000);
      const del = mon.events.findIndex((e) => e.event === 'DELETED' && e.cookie === cookie);
      await waitFor('audit repair seen by the monitor', () => mon.events.slice(del + 1).some((e) => e.event === 'ADDED' && e.cookie === cookie && e.text.includes('tcp,in_port=3')), 10_000);
    } catch (e) {
      console.log(mon.events.map((x) => x.text).join('\n'), mon.stderr);
      throw e;
    } finally {
      mon.stop();
    }
    assert.strictEqual(portFlows(3).filter((x) => kindOf(x.cookie) === KIND.block).length, 2);
    await waitFor('repair logged', () => ctl!.log.some((l) => l.includes('audit repaired drift')), 5_000);
    assertForeignFlow();
  });

  it('a Stop for an old session after the Start of a newer one on the same port leaves the newer session\'s flows', async () => {
    const t0 = Math.floor(Date.now() / 1000) - 100;
    await acct({ 'Acct-Status-Type': 'Start', 'NAS-Port': 5, 'Acct-Session-Id': 'old-5', 'Event-Timestamp': t0 });
    await acct({ 'Acct-Status-Type': 'Start', 'NAS-Port': 5, 'Acct-Session-Id': 'new-5', 'Filter-Id': 'op25b-exempt', 'Event-Timestamp': t0 + 50 });
    await waitFor('new session exempt', () => portFlows(5).filter((x) => kindOf(x.cookie) === KIND.exempt).length === 2);
    await acct({ 'Acct-Status-Type': 'Stop', 'NAS-Port': 5, 'Acct-Session-Id': 'old-5', 'Event-Timestamp': t0 + 60 });
    await waitFor('stale stop logged', () => ctl!.log.some((l) => l.includes('subscriber event ignored') && l.includes('old-5')), 5_000);
    assert.strictEqual(portFlows(5).filter((x) => kindOf(x.cookie) === KIND.exempt).length, 2);
    assert.strictEqual(portFlows(5).filter((x) => kindOf(x.cookie) === KIND.block).length, 0);
  });

  async function watchDeletions(run: (mon: () => FlowMonitor) => Promise<void>): Promise<{ deletions: string[]; adds: number }> {
    const mons: FlowMonitor[] = [];
    const start = (): FlowMonitor => { const m = ovs.monitor(BR); mons.push(m); return m; };
    const first = start();
    await first.ready;
    try {
      await run(start);
      await new Promise((r) => setTimeout(r, 500));
    } finally {
      for (const m of mons) m.stop();
    }
    const events = mons.flatMap((m) => m.events);
    return {
      deletions: events.filter((e) => e.event === 'DELETED' && isOp25b(e.cookie)).map((e) => e.text),
      adds: events.filter((e) => e.event !== 'DELETED' && isOp25b(e.cookie)).length,
    };
  }

  it('restarting the controller with sessions in place: zero deletions of OP25B flows; afterwards the flows equal the desired state', async () => {
    const before = op25bSnapshot();
    const syncs = (c: ControllerChild): number => c.log.filter((l) => l.includes('synced with switch')).length;
    const r = await watchDeletions(async () => {
      ctl!.child.kill('SIGTERM');
      assert.strictEqual(await ctl!.exited, 0, 'clean exit on SIGTERM');
      assert.ok(ctl!.log.some((l) => l.includes('flows stay on the switches')));
      assert.deepStrictEqual(op25bSnapshot(), before, 'flows stay while the controller is away');
      ctl = await spawnController(cfgFile, ROOT);
      ovs.setController(BR, ctl.ports.openflow);
      await waitFor('resync', () => syncs(ctl!) >= 1, 20_000);
    });
    assert.deepStrictEqual(r.deletions, []);
    assert.deepStrictEqual(op25bSnapshot(), before);
    const sync = JSON.parse(ctl!.log.find((l) => l.includes('synced with switch'))!) as { adds: number; deletes: number; found: number };
    assert.strictEqual(sync.deletes, 0);
    assert.strictEqual(sync.adds, 0);
    assert.strictEqual(sync.found, before.length);
    assertForeignFlow();
  });

  it('restarting ovs-vswitchd: zero deletions of OP25B flows; the controller puts back exactly the desired state', async () => {
    const before = op25bSnapshot();
    const syncs = (): number => ctl!.log.filter((l) => l.includes('synced with switch')).length;
    const n = syncs();
    const r = await watchDeletions(async (start) => {
      await ovs.restartVswitchd(BR, async () => { await start().ready; });
      await waitFor('resync after vswitchd restart', () => syncs() > n, 30_000, 200);
    });
    assert.deepStrictEqual(r.deletions, []);
    assert.deepStrictEqual(op25bSnapshot(), before);
    // the userspace datapath restarts empty: the other application's flow is its own to restore
    ovs.ofctl('add-flow', ovs.mgmt(BR), 'cookie=0x1234,priority=500,tcp,in_port=3,tp_dst=25,actions=drop');
  });

  it('SIGHUP: a bad config is refused and the old one kept; a good one reconciles only what changed', async () => {
    const before = op25bSnapshot();
    writeFileSync(cfgFile, configText(join(tmp, 'data')).replace('subscriber_ports: "2-5"', 'subscriber_ports: "2-x"'));
    ctl!.child.kill('SIGHUP');
    await waitFor('reload refused', () => ctl!.log.some((l) => l.includes('config reload refused')), 10_000);
    assert.deepStrictEqual(op25bSnapshot(), before);
    // default_policy allow: ports without a session (2, 4) lose their flows; 3 and 5 keep theirs
    writeFileSync(cfgFile, configText(join(tmp, 'data'), 'default_policy: allow'));
    ctl!.child.kill('SIGHUP');
    await waitFor('reloaded', () => ctl!.log.some((l) => l.includes('"config reloaded"')), 10_000);
    assert.strictEqual(portFlows(2).length, 0);
    assert.strictEqual(portFlows(4).length, 0);
    assert.strictEqual(portFlows(3).filter((x) => kindOf(x.cookie) === KIND.block).length, 2);
    assert.strictEqual(portFlows(5).filter((x) => kindOf(x.cookie) === KIND.exempt).length, 2);
    assertForeignFlow();
  });
});

describe('op25b start: start-up failures', function () {
  this.timeout(60_000);
  let tmp: string;
  let busy: Server | undefined;
  before(() => { tmp = mkdtempSync(join(tmpdir(), 'rc-start-')); });
  after(() => { busy?.close(); rmSync(tmp, { recursive: true, force: true }); });

  async function failing(cfg: string): Promise<{ code: number | null; lines: string[] }> {
    const file = join(tmp, `c${Math.random().toString(16).slice(2)}.yaml`);
    writeFileSync(file, cfg);
    try {
      const c = await spawnController(file, ROOT);
      c.child.kill('SIGTERM');
      await c.exited;
      throw new Error('controller started');
    } catch (e) {
      const m = /exited with (\S+) before ready:\n([\s\S]*)$/.exec((e as Error).message);
      if (!m) throw e;
      return { code: m[1] === 'null' ? null : Number(m[1]), lines: (m[2] ?? '').split('\n').filter((l) => l.startsWith('op25b start:')) };
    }
  }

  const base = (of: string) => `
openflow: { host: 127.0.0.1, port: ${of} }
switches: [{ dpid: "0x1", name: a1, uplinks: "1" }]
radius: { accounting: { host: 127.0.0.1, port: 0 }, coa: { host: 127.0.0.1, port: 0 }, clients: [], mapping: { rules: [] } }
store: { kind: embedded, path: ${tmp}/data }
api: { enabled: false }
`;

  it('a bad config: one line naming the key, exit code 1', async () => {
    const r = await failing(base('0').replace('uplinks: "1"', 'uplinks: "one"'));
    assert.strictEqual(r.code, 1);
    assert.strictEqual(r.lines.length, 1);
    assert.match(r.lines[0]!, /uplinks/);
  });

  it('the OpenFlow port in use: one line, exit code 1', async () => {
    busy = createServer();
    await new Promise<void>((res) => busy!.listen(0, '127.0.0.1', res));
    const port = (busy.address() as { port: number }).port;
    const r = await failing(base(String(port)));
    assert.strictEqual(r.code, 1);
    assert.strictEqual(r.lines.length, 1);
    assert.match(r.lines[0]!, /OpenFlow.*address already in use/);
  });

  it('a store that cannot be opened: one line, exit code 1', async () => {
    writeFileSync(join(tmp, 'notadir'), 'x');
    const r = await failing(base('0').replace(`path: ${tmp}/data`, `path: ${tmp}/notadir/sub`));
    assert.strictEqual(r.code, 1);
    assert.strictEqual(r.lines.length, 1);
    assert.match(r.lines[0]!, /store/);
  });
});
