import assert from 'assert';
import { Reconciler } from '../../src/reconcile/reconciler';
import { registry } from '../../src/metrics';
import { OFPFC_DELETE_STRICT } from '../../src/reconcile/diff';
import { FakeDatapath, switchError } from '../support/fake-datapath';
import { syn } from '../support/flowtable';
import { ManualScheduler, SPACE, TestSource, cookieOf, testFlows } from './support';

const D = 0x1n;

async function metric(name: string, labels: Record<string, string>): Promise<number> {
  const m = (await registry.getMetricsAsJSON()).find((x) => x.name === name);
  const v = m?.values.find((x) => Object.entries(labels).every(([k, l]) => x.labels[k] === l));
  return v ? Number(v.value) : 0;
}

function setup(ports = [1, 2, 3, 4, 99], subs = [1, 2, 3, 4]) {
  const dp = new FakeDatapath(D, ports);
  const src = new TestSource(new Set(subs));
  const sched = new ManualScheduler();
  const rc = new Reconciler(dp, src, { scheduler: sched, auditIntervalMs: 30_000, retryBaseMs: 100 });
  return { dp, src, sched, rc };
}

describe('reconcile/reconciler', () => {
  it('fails closed on connect: every subscriber port blocked before any event, uplink allowed', async () => {
    const { dp, rc } = setup();
    const r = await rc.start();
    assert.strictEqual(r.found, 0);
    for (const p of [1, 2, 3, 4]) {
      assert.strictEqual(dp.table.verdict(0, syn(p, '203.0.113.25', 25)), 'drop', `port ${p} v4`);
      assert.strictEqual(dp.table.verdict(0, syn(p, '2001:db8:77::1', 25)), 'drop', `port ${p} v6`);
      assert.strictEqual(dp.table.verdict(0, syn(p, '192.0.2.25', 25)), 'continue', `port ${p} MTA`);
    }
    assert.strictEqual(dp.table.verdict(0, syn(99, '203.0.113.25', 25)), 'continue');
    assert.strictEqual(rc.installedCount, dp.table.entries({ cookie: SPACE.cookie, cookie_mask: SPACE.mask }).length);
    // never a delete on a fresh switch, and a second sync changes nothing
    assert.ok(dp.mods.every((m) => m.command !== OFPFC_DELETE_STRICT));
    const n = dp.mods.length;
    const r2 = await rc.audit();
    assert.strictEqual(r2.adds + r2.deletes, 0);
    assert.strictEqual(dp.mods.length, n);
    rc.stop();
  });

  it('start -> exempt -> stop -> quarantine: make before break, a blocked port never loses its drop', async () => {
    const { dp, src, rc } = setup();
    await rc.start();
    const k = { dpid: D, port: 3 };
    // Invariant checked after every single flow-mod the switch applies.
    let mustBlock = true;
    const violations: string[] = [];
    dp.table.onChange(() => {
      if (mustBlock && dp.table.verdict(0, syn(3, '203.0.113.25', 25)) !== 'drop') violations.push(`open at mod #${dp.table.modCount}`);
    });
    src.set(k, 'exempt'); mustBlock = false;
    const r1 = await rc.touch([k]);
    assert.ok(r1.confirmed);
    assert.strictEqual(dp.table.verdict(0, syn(3, '203.0.113.25', 25)), 'continue');
    // exempt -> blocked (Stop): the drops go in before the allows are removed
    const start = dp.log.length;
    src.set(k, undefined);
    const r2 = await rc.touch([k]);
    mustBlock = true;
    assert.ok(r2.confirmed);
    const seq = dp.log.slice(start);
    const firstDel = seq.findIndex((e) => e.kind === 'mod' && e.mod.command === OFPFC_DELETE_STRICT);
    const lastAdd = seq.map((e) => e.kind === 'mod' && e.mod.command === 0).lastIndexOf(true);
    if (firstDel >= 0) {
      assert.ok(lastAdd < firstDel, 'all adds before any delete');
      assert.ok(seq.slice(lastAdd, firstDel).some((e) => e.kind === 'barrier'), 'a barrier between adds and deletes');
    }
    assert.strictEqual(dp.table.verdict(0, syn(3, '203.0.113.25', 25)), 'drop');
    // blocked -> quarantine -> blocked: drop throughout
    src.set(k, 'quarantine');
    await rc.touch([k]);
    assert.strictEqual(dp.table.verdict(0, syn(3, '192.0.2.25', 25)), 'drop', 'quarantine blocks the MTA too');
    src.set(k, undefined);
    await rc.touch([k]);
    assert.deepStrictEqual(violations, []);
    assert.strictEqual(dp.table.verdict(0, syn(3, '192.0.2.25', 25)), 'continue');
    // the switch equals the desired state exactly
    const ours = dp.table.entries({ cookie: SPACE.cookie, cookie_mask: SPACE.mask }).filter((f) => (f.cookie & 0xffffffffn) === 3n);
    assert.strictEqual(ours.length, testFlows(k, 'block').length);
    rc.stop();
  });

  it('the audit repairs a flow deleted by hand and counts it, and never touches another cookie', async () => {
    const { dp, sched, rc } = setup();
    dp.table.apply({ command: 0, cookie: 0x4242n, priority: 20000, match: [{ field: 'in_port', value: 3 }], instructions: [] });
    dp.table.apply({ command: 0, cookie: 0x4243n, priority: 5, match: [], instructions: [{ type: 'GOTO_TABLE', table_id: 1 }] });
    await rc.start();
    const before = await metric('op25b_drift_repairs_total', { dpid: '0000000000000001' });
    dp.table.apply({ command: 4, cookie: cookieOf('block', 2), cookie_mask: -1n & 0xffffffffffffffffn, priority: 20000,
      match: testFlows({ dpid: D, port: 2 }, 'block').find((f) => f.rule === 'block')!.match });
    assert.strictEqual(dp.table.verdict(0, syn(2, '203.0.113.25', 25)), 'continue', 'the foreign flow shows through');
    sched.advance(30_000);
    await rc.idle();
    assert.strictEqual(dp.table.verdict(0, syn(2, '203.0.113.25', 25)), 'drop');
    const after = await metric('op25b_drift_repairs_total', { dpid: '0000000000000001' });
    assert.strictEqual(after - before, 1);
    assert.strictEqual(dp.table.entries({ cookie: 0x4242n, cookie_mask: 0xffffffffffffffffn }).length, 1);
    assert.strictEqual(dp.table.entries({ cookie: 0x4243n, cookie_mask: 0xffffffffffffffffn }).length, 1);
    assert.ok(dp.mods.every((m) => (m.cookie >> 48n) === 0x0b25n));
    // the next audit is scheduled again
    sched.advance(30_000);
    await rc.idle();
    rc.stop();
  });

  it('a refused flow-mod is retried with backoff; the other ports carry on', async () => {
    const { dp, src, sched, rc } = setup();
    await rc.start();
    let refuse = true;
    dp.refuse = (m) => (refuse && m.command === 0 && (m.cookie & 0xffffffffn) === 3n ? switchError('OFPET_FLOW_MOD_FAILED', 'OFPFMFC_TABLE_FULL') : undefined);
    const before = await metric('op25b_flow_mod_rejected_total', { error: 'OFPFMFC_TABLE_FULL' });
    src.set({ dpid: D, port: 3 }, 'exempt');
    src.set({ dpid: D, port: 4 }, 'exempt');
    const r = await rc.touch([{ dpid: D, port: 3 }, { dpid: D, port: 4 }]);
    assert.strictEqual(r.confirmed, false);
    assert.ok(r.errors.some((e) => e.includes('OFPFMFC_TABLE_FULL')));
    assert.strictEqual(dp.table.verdict(0, syn(4, '203.0.113.25', 25)), 'continue', 'port 4 applied');
    assert.strictEqual(dp.table.verdict(0, syn(3, '203.0.113.25', 25)), 'drop', 'port 3 keeps its old (blocked) flows');
    assert.ok((await metric('op25b_flow_mod_rejected_total', { error: 'OFPFMFC_TABLE_FULL' })) > before);
    sched.advance(100); await rc.idle(); // still refused: backoff doubles
    assert.strictEqual(dp.table.verdict(0, syn(3, '203.0.113.25', 25)), 'drop');
    refuse = false;
    sched.advance(150); await rc.idle();
    assert.strictEqual(dp.table.verdict(0, syn(3, '203.0.113.25', 25)), 'drop', 'not yet: backoff is 200 ms now');
    sched.advance(50); await rc.idle();
    assert.strictEqual(dp.table.verdict(0, syn(3, '203.0.113.25', 25)), 'continue');
    rc.stop();
  });

  it('coalesces a burst arriving while a batch is in flight into one next batch', async () => {
    const ports = Array.from({ length: 60 }, (_, i) => i + 1);
    const { dp, src, rc } = setup(ports, ports);
    await rc.start();
    const b0 = dp.batches;
    const release = dp.hold();
    src.set({ dpid: D, port: 1 }, 'exempt');
    const first = rc.touch([{ dpid: D, port: 1 }]);
    await Promise.resolve();
    const rest: Promise<unknown>[] = [];
    for (let p = 2; p <= 60; p++) {
      src.set({ dpid: D, port: p }, p % 2 ? 'exempt' : 'quarantine');
      rest.push(rc.touch([{ dpid: D, port: p }]));
    }
    // a later event for port 2 in the same burst: the newest state wins
    src.set({ dpid: D, port: 2 }, 'exempt');
    rest.push(rc.touch([{ dpid: D, port: 2 }]));
    release();
    await first; await Promise.all(rest);
    // batch 1: adds only (port 1); batch 2: adds then deletes (ports 2..60)
    assert.ok(dp.batches - b0 <= 4, `batches: ${dp.batches - b0}`);
    for (let p = 1; p <= 60; p++) {
      const want = p === 2 || p % 2 ? 'continue' : 'drop';
      assert.strictEqual(dp.table.verdict(0, syn(p, '192.0.2.25', 25)), want, `port ${p}`);
    }
    rc.stop();
  });

  it('a port added later is covered at once; a deleted port loses its flows', async () => {
    const { dp, rc } = setup([1, 99], [1, 2, 3]);
    await rc.start();
    assert.strictEqual(dp.table.verdict(0, syn(2, '203.0.113.25', 25)), 'miss');
    dp.ports.set(2, { ...dp.ports.get(1)!, port_no: 2, name: 'p2' });
    await rc.portChanged(2);
    assert.strictEqual(dp.table.verdict(0, syn(2, '203.0.113.25', 25)), 'drop');
    dp.ports.delete(1);
    await rc.portChanged(1);
    assert.strictEqual(dp.table.entries({ cookie: cookieOf('block', 1), cookie_mask: 0xffffffffffffffffn }).length, 0);
    assert.strictEqual(dp.table.verdict(0, syn(1, '192.0.2.25', 25)), 'miss');
    rc.stop();
  });

  it('reconnect: the switch kept its flows, the sync deletes nothing and fixes what changed meanwhile', async () => {
    const { dp, src, rc } = setup();
    await rc.start();
    src.set({ dpid: D, port: 1 }, 'exempt');
    const dp2 = new FakeDatapath(D, [1, 2, 3, 4, 99], dp.table);
    const r = await rc.attach(dp2);
    assert.ok(r.found > 0);
    const drops = dp2.mods.filter((m) => m.command === OFPFC_DELETE_STRICT);
    assert.ok(drops.every((m) => (m.cookie & 0xffffffffn) === 1n), 'only port 1 (now exempt) loses flows');
    assert.strictEqual(dp2.table.verdict(0, syn(1, '203.0.113.25', 25)), 'continue');
    assert.strictEqual(dp2.table.verdict(0, syn(2, '203.0.113.25', 25)), 'drop');
    assert.strictEqual(rc.installedCount, dp2.table.entries({ cookie: SPACE.cookie, cookie_mask: SPACE.mask }).length);
    rc.stop();
  });
});
