/**
 * The switch channel against real Open vSwitch 3.1 (userspace datapath).
 * Skips, saying why, unless root with a working ovs-vsctl. Bridges: sw<pid>b1..b4, removed afterwards.
 */
import { strict as assert } from 'assert';
import { execFile, execFileSync } from 'child_process';
import { mkdtempSync, readFileSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { promisify } from 'util';
import type { FlowStats, Instruction, Match } from '../../src/openflow/types';
import type { OpenFlowServer } from '../../src/switch/server';
import { FlowModBatchError, type Datapath, type FlowModInput, type SwitchEvent } from '../../src/switch/types';
import { FakeSwitch } from './fake-switch';
import { describeEvent, EventLog, startServer } from './helpers';
import { addBridgeArgs, addBridges, deleteBridges, ofctl, ovsUnavailable, vsctl } from './ovs';

// Named per test run (sw<pid>b<n>, under 16 characters) so two runs on one machine never delete each other's bridges.
const RUN = `sw${process.pid % 100000}`;
const [SW1, SW2, SW3, SW4] = [`${RUN}b1`, `${RUN}b2`, `${RUN}b3`, `${RUN}b4`] as const;
const BRIDGES = [
  { name: SW1, dpid: 0xa1n },
  { name: SW2, dpid: 0xa2n },
  { name: SW3, dpid: 0xa3n },
];
const OFPP_NORMAL = 0xfffffffa;
const OFPP_LOCAL = 0xfffffffe;
const COOKIE = 0x0b25_0000_0000_0000n;

const isConnected = (dpid: bigint) => (e: SwitchEvent): boolean => e.type === 'connected' && e.dpid === dpid;
const isDisconnected = (dpid: bigint) => (e: SwitchEvent): boolean => e.type === 'disconnected' && e.dpid === dpid;

function flow(f: Partial<FlowModInput> & { match: Match; instructions: Instruction[] }): FlowModInput {
  return {
    cookie: 0n, cookie_mask: 0n, table_id: 0, command: 0, idle_timeout: 0, hard_timeout: 0, priority: 0x8000,
    buffer_id: 0xffffffff, out_port: 0xffffffff, out_group: 0xffffffff, flags: 0, ...f,
  };
}

const tcp4 = (in_port: number): Match => [
  { field: 'in_port', value: in_port }, { field: 'eth_type', value: 0x0800 }, { field: 'ip_proto', value: 6 },
];

/** What a flow is, independent of OXM order and counters: the fields a dump must give back. */
function norm(f: { table_id: number; priority: number; cookie: bigint; idle_timeout: number; hard_timeout: number; flags: number; match: Match; instructions: Instruction[] }): string {
  const match = [...f.match].sort((a, b) => (a.field < b.field ? -1 : 1));
  return JSON.stringify({ t: f.table_id, p: f.priority, c: f.cookie, i: f.idle_timeout, h: f.hard_timeout, fl: f.flags, match, ins: f.instructions },
    (_k, v: unknown) => (typeof v === 'bigint' ? `0x${v.toString(16)}` : v));
}

const exec = promisify(execFile);

describe('switch channel against Open vSwitch', function () {
  this.timeout(60000);
  let server: OpenFlowServer;
  let port: number;
  let log: EventLog;
  let created = false;

  before(async function () {
    const why = ovsUnavailable();
    if (why) {
      console.log(`  skipped: ${why}`);
      this.skip();
    }
    ({ server, port, log } = await startServer({ host: '127.0.0.1', echoIntervalMs: 2000 }));
    await deleteBridges(BRIDGES.map((b) => b.name));
    created = true;
    await addBridges(BRIDGES, port);
    // Every test needs the bridges connected; the first one checks how they connected.
    for (const b of BRIDGES) await log.wait(isConnected(b.dpid), `connected ${b.name}`, 30000);
  });

  after(async function () {
    if (created) await deleteBridges(BRIDGES.map((b) => b.name));
    await server?.close();
  });

  function dp(dpid: bigint): Datapath {
    const d = server.datapath(dpid);
    assert.ok(d, `datapath ${dpid.toString(16)} connected`);
    return d;
  }

  it('handshakes with several bridges at once; dpids from other-config:datapath-id', async () => {
    for (const b of BRIDGES) {
      const ev = await log.wait(isConnected(b.dpid), `connected ${b.name}`, 30000);
      assert.ok(ev.type === 'connected');
      // The bridge's own LOCAL port carries the bridge name: this dpid is that bridge.
      assert.equal(ev.ports.find((p) => p.port_no === OFPP_LOCAL)?.name, b.name);
      assert.match(ev.desc?.mfr_desc ?? '', /Nicira/);
      assert.ok(ev.datapath.nTables > 1);
    }
    assert.deepEqual([...server.datapaths.keys()].sort(), BRIDGES.map((b) => b.dpid).sort());
  });

  it('puts flows in place: ovs-ofctl dump-flows shows them, and an API dump matches them field for field', async () => {
    const d = dp(0xa1n);
    const mods: FlowModInput[] = [
      flow({ cookie: COOKIE | 1n, priority: 20000, match: [...tcp4(1), { field: 'tcp_dst', value: 25 }], instructions: [] }),
      flow({
        cookie: COOKIE | 2n, priority: 30000,
        match: [...tcp4(1), { field: 'ipv4_dst', value: '192.0.2.0', mask: '255.255.255.0' }, { field: 'tcp_dst', value: 25 }],
        instructions: [{ type: 'GOTO_TABLE', table_id: 1 }],
      }),
      flow({
        cookie: COOKIE | 3n, priority: 30000,
        match: [{ field: 'in_port', value: 1 }, { field: 'eth_type', value: 0x86dd }, { field: 'ip_proto', value: 6 },
          { field: 'ipv6_dst', value: '2001:db8::', mask: 'ffff:ffff::' }, { field: 'tcp_dst', value: 25 }],
        instructions: [{ type: 'GOTO_TABLE', table_id: 1 }],
      }),
      flow({
        cookie: COOKIE | 4n, priority: 1001, match: [{ field: 'in_port', value: 2 }],
        instructions: [{ type: 'APPLY_ACTIONS', actions: [{ type: 'OUTPUT', port: OFPP_NORMAL, max_len: 0 }] }],
      }),
    ];
    await d.sendFlowMods(mods);

    const text = await ofctl('dump-flows', SW1);
    const lines = text.split('\n').filter((l) => l.includes('cookie=0xb25'));
    assert.equal(lines.length, mods.length, text);
    const line = (c: bigint): string => lines.find((l) => l.includes(`cookie=0x${c.toString(16)},`)) ?? assert.fail(`no flow with cookie ${c.toString(16)} in\n${text}`);
    assert.match(line(COOKIE | 1n), /table=0, .*priority=20000,tcp,in_port=1,tp_dst=25 actions=drop/);
    assert.match(line(COOKIE | 2n), /priority=30000,tcp,in_port=1,nw_dst=192\.0\.2\.0\/24,tp_dst=25 actions=goto_table:1/);
    assert.match(line(COOKIE | 3n), /priority=30000,tcp6,in_port=1,ipv6_dst=2001:db8::\/32,tp_dst=25 actions=goto_table:1/);
    assert.match(line(COOKIE | 4n), /priority=1001,in_port=2 actions=NORMAL/);

    const dumped: FlowStats[] = await d.dumpFlows({ cookie: COOKIE, cookie_mask: 0xffffn << 48n });
    assert.deepEqual(dumped.map(norm).sort(), mods.map(norm).sort());
    const one = await d.dumpFlows({ table_id: 0, cookie: COOKIE | 4n, cookie_mask: ~0n & 0xffffffffffffffffn });
    assert.deepEqual(one.map((f) => f.cookie), [COOKIE | 4n]);
    const agg = await d.aggregate({ cookie: COOKIE, cookie_mask: 0xffffn << 48n });
    assert.equal(agg.flow_count, mods.length);
  });

  it('rejects an invalid flow-mod by the switch\'s error name; the valid ones of the batch are in place', async () => {
    const d = dp(0xa2n);
    const mods = [
      flow({ cookie: COOKIE | 0x11n, priority: 100, match: tcp4(3), instructions: [] }),
      // A goto may only go forward (spec 7.2.4); OVS refuses a goto from table 5 to table 3.
      flow({ cookie: COOKIE | 0x12n, table_id: 5, priority: 100, match: tcp4(3), instructions: [{ type: 'GOTO_TABLE', table_id: 3 }] }),
      flow({ cookie: COOKIE | 0x13n, priority: 101, match: tcp4(4), instructions: [] }),
    ];
    await assert.rejects(d.sendFlowMods(mods), (e: unknown) => {
      assert.ok(e instanceof FlowModBatchError, String(e));
      assert.deepEqual(e.failures.map((f) => f.index), [1]);
      assert.equal(e.failures[0]?.error.typeName, 'OFPET_BAD_INSTRUCTION');
      assert.equal(e.failures[0]?.error.codeName, 'OFPBIC_BAD_TABLE_ID');
      return true;
    });
    const text = await ofctl('dump-flows', SW2);
    assert.match(text, /cookie=0xb25000000000011,/);
    assert.match(text, /cookie=0xb25000000000013,/);
    assert.doesNotMatch(text, /cookie=0xb25000000000012,/);
    const errEv = log.events.find((e) => e.type === 'error' && e.dpid === 0xa2n);
    assert.ok(errEv && errEv.type === 'error' && errEv.error.codeName === 'OFPBIC_BAD_TABLE_ID');
  });

  it('reports ports added and deleted with ovs-vsctl as port-status events', async () => {
    const d = dp(0xa1n);
    const since = log.mark();
    const P = `${SW1}p1`;
    await vsctl('add-port', SW1, P, '--', 'set', 'interface', P, 'type=internal');
    const add = await log.wait((e) => e.type === 'port-status' && e.dpid === 0xa1n && e.reason === 'add' && e.port.name === P, 'port-status add', 20000, since);
    assert.ok(add.type === 'port-status');
    assert.equal(d.ports.get(add.port.port_no)?.name, P);
    await vsctl('del-port', SW1, P);
    await log.wait((e) => e.type === 'port-status' && e.dpid === 0xa1n && e.reason === 'delete' && e.port.name === P, 'port-status delete', 20000, since);
    assert.equal(d.ports.has(add.port.port_no), false);
  });

  it('a fake switch sending malformed bytes does not disturb a real bridge', async () => {
    const since = log.mark();
    const evil = await FakeSwitch.connect(port, { dpid: 0xeeeen });
    await log.wait(isConnected(0xeeeen), 'fake connected', 10000, since);
    evil.sendRaw(Buffer.concat([Buffer.from('04c8000800000001', 'hex'), Buffer.from('0400000300000002', 'hex'), Buffer.from('garbage')]));
    await evil.closed;
    const d = dp(0xa3n);
    await d.sendFlowMods([flow({ cookie: COOKIE | 0x21n, priority: 7, match: tcp4(5), instructions: [] })]);
    assert.match(await ofctl('dump-flows', SW3), /cookie=0xb25000000000021,/);
    const disturbed = log.events.slice(since).filter((e) => e.type === 'disconnected' && BRIDGES.some((b) => b.dpid === e.dpid));
    assert.deepEqual(disturbed.map(describeEvent), []);
    assert.ok(log.events.slice(since).some(isDisconnected(0xeeeen)));
  });

  it('reconnects after del-controller / set-controller', async function () {
    this.timeout(90000);
    const since = log.mark();
    await vsctl('del-controller', SW2);
    await log.wait(isDisconnected(0xa2n), `disconnected ${SW2}`, 30000, since);
    assert.equal(server.datapath(0xa2n), undefined);
    await vsctl('set-controller', SW2, `tcp:127.0.0.1:${port}`);
    await log.wait(isConnected(0xa2n), `connected ${SW2} again`, 60000, since);
    // Measured here (OVS 3.1): del-controller flushes the bridge's flows, and so does set-controller on a
    // bridge with none (unlike a controller merely going away). So the new connection is checked by using it.
    const d = dp(0xa2n);
    await d.sendFlowMods([flow({ cookie: COOKIE | 0x31n, priority: 9, match: tcp4(6), instructions: [] })]);
    assert.match(await ofctl('dump-flows', SW2), /cookie=0xb25000000000031,/);
    assert.equal((await d.dumpFlows({ cookie: COOKIE | 0x31n, cookie_mask: 0xffffffffffffffffn })).length, 1);
  });

  it('reconnects every bridge after ovs-vswitchd restarts', async function () {
    this.timeout(120000);
    const since = log.mark();
    try {
      await exec('ovs-appctl', ['-t', 'ovs-vswitchd', 'exit']);
      for (const b of BRIDGES) await log.wait(isDisconnected(b.dpid), `disconnected ${b.name}`, 30000, since);
    } finally {
      await startVswitchd();
    }
    for (const b of BRIDGES) await log.wait(isConnected(b.dpid), `connected ${b.name} after restart`, 60000, since);
    // Flows survive a vswitchd restart only if someone restores them; the channel just has to work again.
    await dp(0xa1n).sendFlowMods([flow({ cookie: COOKIE | 0x41n, priority: 9, match: tcp4(6), instructions: [] })]);
    assert.match(await ofctl('dump-flows', SW1), /cookie=0xb25000000000041,/);
  });
});

describe('switch channel against Open vSwitch over TLS (ssl: controller target)', function () {
  this.timeout(60000);
  let server: OpenFlowServer | undefined;
  let log: EventLog;
  let dir = '';
  let sslSet = false;

  before(async function () {
    const why = ovsUnavailable();
    if (why) {
      console.log(`  skipped: ${why}`);
      this.skip();
    }
    // The SSL settings are global to the Open_vSwitch record: never take them from someone else.
    if ((await vsctl('get-ssl')).trim() !== '') {
      console.log('  skipped: Open vSwitch already has an SSL configuration (ovs-vsctl get-ssl) that this test must not replace');
      this.skip();
    }
    dir = mkdtempSync(join(tmpdir(), 'op25b-ovs-tls-'));
    const mk = (cn: string): void => {
      execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
        '-subj', `/CN=${cn}`, '-days', '1', '-keyout', join(dir, `${cn}.key`), '-out', join(dir, `${cn}.pem`)], { stdio: 'ignore' });
    };
    mk('controller');
    mk('switch');
    let port: number;
    ({ server, port, log } = await startServer({
      tls: { cert: readFileSync(join(dir, 'controller.pem')), key: readFileSync(join(dir, 'controller.key')), ca: readFileSync(join(dir, 'switch.pem')) },
    }));
    sslSet = true;
    await vsctl('set-ssl', join(dir, 'switch.key'), join(dir, 'switch.pem'), join(dir, 'controller.pem'));
    await deleteBridges([SW4]);
    await vsctl(...addBridgeArgs(SW4, 0xa4n, port).map((a) => (a.startsWith('tcp:') ? a.replace('tcp:', 'ssl:') : a)));
  });

  after(async () => {
    if (sslSet) {
      await deleteBridges([SW4]);
      await vsctl('del-ssl');
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
    await server?.close();
  });

  it('completes the handshake with a bridge whose controller is ssl:, certificates checked both ways', async () => {
    const ev = await log.wait(isConnected(0xa4n), `connected ${SW4} over TLS`, 45000);
    assert.ok(ev.type === 'connected');
    assert.equal(ev.ports.find((p) => p.port_no === OFPP_LOCAL)?.name, SW4);
    await ev.datapath.sendFlowMods([flow({ cookie: COOKIE | 0x51n, priority: 9, match: tcp4(6), instructions: [] })]);
    assert.match(await ofctl('dump-flows', SW4), /cookie=0xb25000000000051,/);
  });
});

/** Starts ovs-vswitchd alone (ovsdb-server and everyone else's bridges untouched); waits until it answers. */
async function startVswitchd(): Promise<void> {
  // ovs-ctl says "already running" and does nothing if the exit did not happen.
  await exec('/usr/share/openvswitch/scripts/ovs-ctl', ['start', '--no-ovsdb-server', '--no-record-hostname']);
  for (let i = 0; i < 100; i++) {
    try {
      await exec('ovs-appctl', ['-t', 'ovs-vswitchd', 'version']);
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  throw new Error('ovs-vswitchd did not come back');
}
