import { strict as assert } from 'assert';
import { VirtualTimeScheduler } from 'rxjs';
import { registry } from '../../src/metrics';
import type { FlowStats, OfMessage } from '../../src/openflow/types';
import type { OpenFlowServer } from '../../src/switch/server';
import { FlowModBatchError, SwitchRequestError, type SwitchEvent } from '../../src/switch/types';
import { FakeSwitch, FAKE_DESC, mkPort } from './fake-switch';
import { describeEvent, dropFlow, EventLog, startServer } from './helpers';

const isConnected = (dpid: bigint) => (e: SwitchEvent): boolean => e.type === 'connected' && e.dpid === dpid;
const isDisconnected = (dpid: bigint) => (e: SwitchEvent): boolean => e.type === 'disconnected' && e.dpid === dpid;

function flowStats(priority: number): FlowStats {
  return {
    table_id: 0, duration_sec: 1, duration_nsec: 2, priority, idle_timeout: 0, hard_timeout: 0, flags: 0,
    cookie: BigInt(priority), packet_count: 0n, byte_count: 0n,
    match: [{ field: 'in_port', value: priority }], instructions: [],
  };
}

async function errorCount(type: string, code: string): Promise<number> {
  const m = registry.getSingleMetric('op25b_openflow_errors_total');
  if (!m) return 0;
  const v = (await m.get()).values.find((x) => x.labels.type === type && x.labels.code === code);
  return v?.value ?? 0;
}

describe('switch channel (fake switch over loopback TCP)', function () {
  let server: OpenFlowServer;
  let port: number;
  let log: EventLog;
  const fakes: FakeSwitch[] = [];

  async function connect(opts: Parameters<typeof FakeSwitch.connect>[1]): Promise<FakeSwitch> {
    const sw = await FakeSwitch.connect(port, opts);
    fakes.push(sw);
    return sw;
  }

  async function start(opts: Parameters<typeof startServer>[0] = {}): Promise<void> {
    ({ server, port, log } = await startServer(opts));
  }

  afterEach(async () => {
    for (const f of fakes.splice(0)) f.end();
    await server?.close();
  });

  it('completes the handshake: dpid, ports from a multipart PORT_DESC, description, SET_CONFIG', async () => {
    await start();
    const ports = [1, 2, 3, 4, 5].map((n) => mkPort(n));
    const sw = await connect({ dpid: 0xa1n, ports, portDescParts: 3 });
    const ev = await log.wait(isConnected(0xa1n), 'connected');
    assert.equal(ev.type, 'connected');
    if (ev.type !== 'connected') return;
    assert.deepEqual(ev.ports.map((p) => p.port_no), [1, 2, 3, 4, 5]);
    assert.deepEqual(ev.desc, FAKE_DESC);
    const dp = server.datapath(0xa1n);
    assert.ok(dp, 'datapath registered');
    assert.equal(dp, ev.datapath);
    assert.equal(dp.connected, true);
    assert.equal(dp.nTables, 254);
    assert.deepEqual([...dp.ports.keys()], [1, 2, 3, 4, 5]);
    const hello = sw.received.find((m) => m.type === 'HELLO');
    assert.ok(hello && hello.type === 'HELLO');
    assert.deepEqual(hello.elements, [{ type: 'VERSIONBITMAP', bitmaps: [1 << 4] }]);
    assert.ok(sw.received.some((m) => m.type === 'SET_CONFIG'), 'SET_CONFIG sent');
  });

  it('negotiates 1.3 from a bitmap even when the switch speaks a newer version', async () => {
    await start();
    await connect({ dpid: 0xa2n, helloVersion: 6, helloBitmaps: [(1 << 1) | (1 << 4) | (1 << 6)] });
    await log.wait(isConnected(0xa2n), 'connected');
  });

  for (const [name, helloVersion, helloBitmaps] of [
    ['a 1.0-only switch (no bitmap)', 1, null],
    ['a switch whose bitmap lacks 1.3', 6, [(1 << 1) | (1 << 5) | (1 << 6)]],
  ] as const) {
    it(`refuses ${name} with HELLO_FAILED/INCOMPATIBLE and a text, then closes`, async () => {
      await start();
      const sw = await connect({ dpid: 0xa3n, helloVersion, helloBitmaps: helloBitmaps === null ? null : [...helloBitmaps] });
      const err = await sw.waitFor((m) => m.type === 'ERROR', 'ERROR');
      assert.ok(err.type === 'ERROR');
      assert.equal(err.err_type, 0, 'OFPET_HELLO_FAILED');
      assert.equal(err.code, 0, 'OFPHFC_INCOMPATIBLE');
      assert.match(err.data.toString('ascii'), /1\.3/);
      await sw.closed;
      assert.equal(log.events.length, 0, 'no events for a switch that never connected');
      assert.equal(server.datapaths.size, 0);
    });
  }

  it('answers the switch\'s echo requests with the same xid and data', async () => {
    await start();
    const sw = await connect({ dpid: 0xb1n });
    await log.wait(isConnected(0xb1n), 'connected');
    sw.send({ type: 'ECHO_REQUEST', xid: 0x77, data: Buffer.from('ping') });
    const r = await sw.waitFor((m) => m.type === 'ECHO_REPLY' && m.xid === 0x77, 'ECHO_REPLY');
    assert.ok(r.type === 'ECHO_REPLY');
    assert.equal(r.data.toString(), 'ping');
  });

  it('declares a silent switch dead after echoMissLimit intervals and closes it', async () => {
    await start({ echoIntervalMs: 30, echoMissLimit: 2 });
    const sw = await connect({ dpid: 0xb2n, answerEcho: false });
    await log.wait(isConnected(0xb2n), 'connected');
    const ev = await log.wait(isDisconnected(0xb2n), 'disconnected');
    assert.ok(ev.type === 'disconnected');
    assert.match(ev.reason, /silent .*dead/);
    assert.ok(sw.received.some((m) => m.type === 'ECHO_REQUEST'), 'the controller probed with echoes');
    await sw.closed;
    assert.equal(server.datapath(0xb2n), undefined);
  });

  it('takes its clock from the injected scheduler: dead detection in virtual time', async () => {
    const scheduler = new VirtualTimeScheduler();
    await start({ scheduler, echoIntervalMs: 5000, echoMissLimit: 3 });
    const sw = await connect({ dpid: 0xb4n, answerEcho: false });
    await log.wait(isConnected(0xb4n), 'connected');
    // Two intervals: the first sees the handshake traffic, the second is one miss. Still connected.
    scheduler.maxFrames = 2 * 5000;
    scheduler.flush();
    assert.equal(server.datapath(0xb4n)?.connected, true);
    // Three more silent intervals pass in virtual time: dead at the third miss.
    scheduler.maxFrames = 5 * 5000;
    scheduler.flush();
    const ev = await log.wait(isDisconnected(0xb4n), 'disconnected');
    assert.ok(ev.type === 'disconnected');
    assert.match(ev.reason, /silent for 3 echo intervals of 5000 ms/);
    await sw.closed;
  });

  it('keeps a switch that answers its echoes', async () => {
    await start({ echoIntervalMs: 20, echoMissLimit: 2 });
    const sw = await connect({ dpid: 0xb3n });
    await log.wait(isConnected(0xb3n), 'connected');
    // Several intervals pass (counted by probes, not by the clock).
    await sw.waitFor((() => { let n = 0; return (m: OfMessage) => m.type === 'ECHO_REQUEST' && ++n >= 6; })(), '6 echo requests');
    assert.equal(server.datapath(0xb3n)?.connected, true);
    assert.equal(log.events.filter((e) => e.type === 'disconnected').length, 0);
  });

  it('correlates concurrent replies by xid, whatever their order', async () => {
    await start();
    const held: OfMessage[] = [];
    const sw = await connect({
      dpid: 0xc1n,
      onMessage: (m) => {
        if (m.type === 'MULTIPART_REQUEST' && (m.multipart === 'TABLE' || m.multipart === 'PORT_STATS')) { held.push(m); return true; }
        return false;
      },
    });
    const ev = await log.wait(isConnected(0xc1n), 'connected');
    assert.ok(ev.type === 'connected');
    const tables = ev.datapath.tableStats();
    const portStats = ev.datapath.portStats(7);
    await sw.waitFor((() => { let n = 0; return (m: OfMessage) => m.type === 'MULTIPART_REQUEST' && (m.multipart === 'TABLE' || m.multipart === 'PORT_STATS') && ++n >= 2; })(), 'two requests');
    const [t, p] = [held.find((m) => m.type === 'MULTIPART_REQUEST' && m.multipart === 'TABLE'), held.find((m) => m.type === 'MULTIPART_REQUEST' && m.multipart === 'PORT_STATS')];
    assert.ok(t && p && t.xid !== p.xid);
    // Reverse order: the port-stats reply first.
    sw.send({
      type: 'MULTIPART_REPLY', xid: p.xid, flags: 0, multipart: 'PORT_STATS', body: [{
        port_no: 7, rx_packets: 1n, tx_packets: 2n, rx_bytes: 3n, tx_bytes: 4n, rx_dropped: 0n, tx_dropped: 0n,
        rx_errors: 0n, tx_errors: 0n, rx_frame_err: 0n, rx_over_err: 0n, rx_crc_err: 0n, collisions: 0n, duration_sec: 5, duration_nsec: 6,
      }],
    });
    sw.send({ type: 'MULTIPART_REPLY', xid: t.xid, flags: 0, multipart: 'TABLE', body: [{ table_id: 0, active_count: 9, lookup_count: 10n, matched_count: 11n }] });
    assert.deepEqual((await portStats).map((s) => [s.port_no, s.tx_bytes]), [[7, 4n]]);
    assert.deepEqual((await tables).map((s) => [s.table_id, s.active_count]), [[0, 9]]);
  });

  it('rejects an unanswered request with SWITCH_ERR_TIMEOUT and stays usable', async () => {
    await start({ requestTimeoutMs: 150 });
    let swallow = true;
    const sw = await connect({
      dpid: 0xc2n,
      onMessage: (m) => m.type === 'MULTIPART_REQUEST' && m.multipart === 'TABLE' && swallow,
    });
    const ev = await log.wait(isConnected(0xc2n), 'connected');
    assert.ok(ev.type === 'connected');
    await assert.rejects(ev.datapath.tableStats(), (e: unknown) => e instanceof SwitchRequestError && e.code === 'SWITCH_ERR_TIMEOUT' && e.dpid === 0xc2n);
    swallow = false;
    await ev.datapath.barrier();
    assert.equal(ev.datapath.connected, true);
    assert.ok(sw.received.length > 0);
  });

  it('reassembles a flow dump sent in REPLY_MORE parts, in order', async () => {
    await start();
    const sw = await connect({
      dpid: 0xc3n,
      onMessage: (m, s) => {
        if (m.type !== 'MULTIPART_REQUEST' || m.multipart !== 'FLOW') return false;
        s.send({ type: 'MULTIPART_REPLY', xid: m.xid, flags: 1, multipart: 'FLOW', body: [flowStats(1), flowStats(2)] });
        s.send({ type: 'MULTIPART_REPLY', xid: m.xid, flags: 1, multipart: 'FLOW', body: [flowStats(3)] });
        // An unrelated async message between the parts.
        s.send({ type: 'PORT_STATUS', xid: 0, reason: 0, desc: mkPort(9) });
        s.send({ type: 'MULTIPART_REPLY', xid: m.xid, flags: 0, multipart: 'FLOW', body: [flowStats(4)] });
        return true;
      },
    });
    const ev = await log.wait(isConnected(0xc3n), 'connected');
    assert.ok(ev.type === 'connected');
    const flows = await ev.datapath.dumpFlows({ table_id: 0, cookie: 0x0b25n << 48n, cookie_mask: 0xffffn << 48n });
    assert.deepEqual(flows.map((f) => f.priority), [1, 2, 3, 4]);
    const req = sw.received.find((m) => m.type === 'MULTIPART_REQUEST' && m.multipart === 'FLOW');
    assert.ok(req && req.type === 'MULTIPART_REQUEST' && req.multipart === 'FLOW');
    assert.equal(req.table_id, 0);
    assert.equal(req.cookie_mask, 0xffffn << 48n);
    const ps = await log.wait((e) => e.type === 'port-status', 'port-status');
    assert.ok(ps.type === 'port-status' && ps.reason === 'add' && ps.port.port_no === 9);
    assert.ok(ev.datapath.ports.has(9), 'ports map follows PORT_STATUS');
  });

  it('rejects a request answered by OFPT_ERROR with the spec names', async () => {
    await start();
    await connect({
      dpid: 0xc4n,
      onMessage: (m, s) => {
        if (m.type !== 'ROLE_REQUEST') return false;
        // OFPET_ROLE_REQUEST_FAILED (11) / OFPRRFC_STALE (0)
        s.send({ type: 'ERROR', xid: m.xid, err_type: 11, code: 0, data: Buffer.alloc(24) });
        return true;
      },
    });
    const ev = await log.wait(isConnected(0xc4n), 'connected');
    assert.ok(ev.type === 'connected');
    await assert.rejects(ev.datapath.requestRole(2, 5n), (e: unknown) => {
      assert.ok(e instanceof SwitchRequestError);
      assert.equal(e.code, 'SWITCH_ERR_REJECTED');
      assert.equal(e.error?.typeName, 'OFPET_ROLE_REQUEST_FAILED');
      assert.equal(e.error?.codeName, 'OFPRRFC_STALE');
      return true;
    });
  });

  it('sends role requests and returns the switch\'s answer', async () => {
    await start();
    const sw = await connect({ dpid: 0xc5n });
    const ev = await log.wait(isConnected(0xc5n), 'connected');
    assert.ok(ev.type === 'connected');
    assert.deepEqual(await ev.datapath.requestRole(3, 42n), { role: 3, generation_id: 42n });
    assert.ok(sw.received.some((m) => m.type === 'ROLE_REQUEST' && m.role === 3 && m.generation_id === 42n));
  });

  it('ties errors inside a flow-mod batch to the flow-mods that caused them; the barrier ends the batch', async () => {
    await start();
    const bad = new Set([1, 3]);
    const sw = await connect({
      dpid: 0xd1n,
      onMessage: (m, s) => {
        if (m.type === 'FLOW_MOD' && bad.has(m.priority)) {
          // OFPET_BAD_INSTRUCTION (3) / OFPBIC_BAD_TABLE_ID (2), sent before the barrier reply as OVS does.
          s.send({ type: 'ERROR', xid: m.xid, err_type: 3, code: 2, data: Buffer.alloc(64) });
          return true;
        }
        return false;
      },
    });
    const ev = await log.wait(isConnected(0xd1n), 'connected');
    assert.ok(ev.type === 'connected');
    const before = await errorCount('OFPET_BAD_INSTRUCTION', 'OFPBIC_BAD_TABLE_ID');
    const mods = [0, 1, 2, 3, 4].map((i) => dropFlow(10 + i, i));
    await assert.rejects(ev.datapath.sendFlowMods(mods), (e: unknown) => {
      assert.ok(e instanceof FlowModBatchError, String(e));
      assert.equal(e.dpid, 0xd1n);
      assert.deepEqual(e.failures.map((f) => f.index), [1, 3]);
      assert.equal(e.failures[0]?.flowMod, mods[1]);
      assert.equal(e.failures[1]?.error.typeName, 'OFPET_BAD_INSTRUCTION');
      assert.equal(e.failures[1]?.error.codeName, 'OFPBIC_BAD_TABLE_ID');
      assert.match(e.message, /#1 OFPET_BAD_INSTRUCTION\/OFPBIC_BAD_TABLE_ID/);
      return true;
    });
    assert.equal(await errorCount('OFPET_BAD_INSTRUCTION', 'OFPBIC_BAD_TABLE_ID'), before + 2);
    const errEvents = log.events.filter((e) => e.type === 'error');
    assert.equal(errEvents.length, 2);
    const sentXids = sw.received.filter((m) => m.type === 'FLOW_MOD').map((m) => m.xid);
    assert.equal(new Set(sentXids).size, 5, 'each flow-mod has its own xid');
    const lastFlowMod = sw.received.map((m) => m.type).lastIndexOf('FLOW_MOD');
    assert.ok(sw.received.slice(lastFlowMod).some((m) => m.type === 'BARRIER_REQUEST'), 'barrier after the flow-mods');
    // A clean batch resolves.
    bad.clear();
    await ev.datapath.sendFlowMods(mods);
  });

  it('replaces an older connection with the same dpid: old closed, its requests rejected, events in order', async () => {
    await start();
    const a = await connect({ dpid: 0xe1n, onMessage: (m) => m.type === 'BARRIER_REQUEST' });
    const evA = await log.wait(isConnected(0xe1n), 'connected A');
    assert.ok(evA.type === 'connected');
    const pendingA = evA.datapath.barrier();
    await a.waitFor((m) => m.type === 'BARRIER_REQUEST', 'barrier');
    const b = await connect({ dpid: 0xe1n });
    const evB = await log.wait((e) => isConnected(0xe1n)(e) && e !== evA, 'connected B');
    assert.ok(evB.type === 'connected');
    await assert.rejects(pendingA, (e: unknown) => e instanceof SwitchRequestError && e.code === 'SWITCH_ERR_DISCONNECTED');
    await a.closed;
    assert.deepEqual(log.events.map((e) => e.type), ['connected', 'disconnected', 'connected']);
    const disc = log.events[1];
    assert.ok(disc?.type === 'disconnected' && /replaced/.test(disc.reason));
    // The old socket's close came and went: the new datapath stays.
    await evB.datapath.barrier();
    assert.equal(server.datapath(0xe1n), evB.datapath);
    assert.equal(evA.datapath.connected, false);
    assert.ok(b.received.length > 0);
  });

  const malformed: [string, Buffer, number, number?][] = [
    ['a header length below 8', Buffer.from('0400000400000009', 'hex'), 6],
    ['an unknown message type', Buffer.from('04c80008000000aa', 'hex'), 1, 0xaa],
    ['a length above maxMessageLength', Buffer.concat([Buffer.from('0402138800000005', 'hex'), Buffer.alloc(64)]), 6],
    ['a body shorter than its type needs', Buffer.from('04060010000000070000000000000001', 'hex'), 6],
    ['a message with another version', Buffer.from('0102000800000005', 'hex'), 0],
  ];
  for (const [name, bytes, code, xid] of malformed) {
    it(`answers ${name} with OFPT_ERROR BAD_REQUEST, closes, and other switches carry on`, async () => {
      await start({ maxMessageLength: 4096 });
      const good = await connect({ dpid: 0xf1n });
      const evGood = await log.wait(isConnected(0xf1n), 'connected good');
      const evil = await connect({ dpid: 0xf2n });
      await log.wait(isConnected(0xf2n), 'connected evil');
      evil.sendRaw(bytes);
      const err = await evil.waitFor((m) => m.type === 'ERROR', 'ERROR');
      assert.ok(err.type === 'ERROR');
      assert.equal(err.err_type, 1, 'OFPET_BAD_REQUEST');
      assert.equal(err.code, code);
      if (xid !== undefined) assert.equal(err.xid, xid);
      await evil.closed;
      const disc = await log.wait(isDisconnected(0xf2n), 'disconnected');
      assert.ok(disc.type === 'disconnected' && /malformed|unknown message type/.test(disc.reason), describeEvent(disc));
      assert.ok(evGood.type === 'connected');
      await evGood.datapath.sendFlowMods([dropFlow(1)]);
      assert.equal(server.datapath(0xf1n)?.connected, true);
      assert.ok(good.received.some((m) => m.type === 'FLOW_MOD'));
    });
  }

  it('closes a switch that stops reading once its queue passes maxQueuedBytes; others are not delayed', async () => {
    await start({ maxQueuedBytes: 256 * 1024 });
    const good = await connect({ dpid: 0x101n });
    const evGood = await log.wait(isConnected(0x101n), 'connected good');
    const hung = await connect({ dpid: 0x102n });
    const evHung = await log.wait(isConnected(0x102n), 'connected hung');
    assert.ok(evGood.type === 'connected' && evHung.type === 'connected');
    hung.socket.pause();
    const big = Buffer.alloc(60000, 0x55);
    let closed = false;
    const gone = log.wait(isDisconnected(0x102n), 'disconnected hung', 20000).then((e) => { closed = true; return e; });
    let rejected = 0;
    for (let i = 0; i < 1000 && !closed; i++) {
      evHung.datapath.request({ type: 'ECHO_REQUEST', xid: 0, data: big }).catch(() => { rejected++; });
      await new Promise((r) => setImmediate(r));
      if (i % 20 === 0) await evGood.datapath.barrier();
    }
    const ev = await gone;
    assert.ok(ev.type === 'disconnected');
    assert.match(ev.reason, /not reading/);
    await new Promise((r) => setImmediate(r));
    assert.ok(rejected > 0, 'queued requests were rejected');
    await evGood.datapath.barrier();
    assert.equal(server.datapath(0x101n)?.connected, true);
    hung.socket.resume();
    assert.ok(good.received.length > 0);
  });

  it('answers bytes that are not OpenFlow at all (an HTTP request) at once, without waiting for a made-up length', async () => {
    await start();
    const sw = await FakeSwitch.connect(port, { dpid: 0x121n }, false);
    fakes.push(sw);
    sw.sendRaw(Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'));
    const err = await sw.waitFor((m) => m.type === 'ERROR', 'ERROR');
    assert.ok(err.type === 'ERROR' && err.err_type === 1 && err.code === 1, 'OFPET_BAD_REQUEST/OFPBRC_BAD_TYPE');
    await sw.closed;
    assert.equal(log.events.length, 0);
  });

  it('closes a switch that takes no bytes for a whole request timeout, even under the queue bound', async () => {
    await start({ requestTimeoutMs: 300, maxQueuedBytes: 1024 * 1024 * 1024, echoIntervalMs: 60000 });
    const hung = await connect({ dpid: 0x131n });
    const ev = await log.wait(isConnected(0x131n), 'connected');
    assert.ok(ev.type === 'connected');
    hung.socket.pause();
    const gone = log.wait(isDisconnected(0x131n), 'disconnected', 20000);
    const big = Buffer.alloc(60000, 0x55);
    // More than loopback's socket buffers hold (a few MB), so the controller's own queue blocks.
    for (let i = 0; i < 400 && ev.datapath.connected; i++) {
      ev.datapath.request({ type: 'ECHO_REQUEST', xid: 0, data: big }).catch(() => undefined);
      await new Promise((r) => setImmediate(r));
    }
    const disc = await gone;
    assert.ok(disc.type === 'disconnected');
    assert.match(disc.reason, /stopped reading/);
    hung.socket.resume();
  });

  it('rejects calls on a closed datapath with SWITCH_ERR_DISCONNECTED', async () => {
    await start();
    const sw = await connect({ dpid: 0x111n });
    const ev = await log.wait(isConnected(0x111n), 'connected');
    assert.ok(ev.type === 'connected');
    sw.end();
    await log.wait(isDisconnected(0x111n), 'disconnected');
    await assert.rejects(ev.datapath.sendFlowMods([dropFlow(1)]), (e: unknown) => e instanceof SwitchRequestError && e.code === 'SWITCH_ERR_DISCONNECTED');
  });
});
