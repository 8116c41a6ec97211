import assert from 'assert';
import { mkdtempSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { Subject } from 'rxjs';
import { Controller, type AppPolicy } from '../../src/app/controller';
import type { Dpid } from '../../src/openflow/types';
import type { DesiredFlow, PortState } from '../../src/policy/types';
import type { SubscriberEvent } from '../../src/radius/events';
import { SWITCH_WIDE } from '../../src/reconcile/reconciler';
import { openStore, type Store } from '../../src/store';
import type { ApplyResult } from '../../src/store/types';
import type { SwitchEvent } from '../../src/switch/types';
import { FakeDatapath } from '../support/fake-datapath';
import { syn } from '../support/flowtable';
import { ManualScheduler, SPACE, TestSource, testFlows } from '../reconcile/support';

const D = 0x2an;

/** AppPolicy over the reconciler tests' small policy (no dependency on src/policy). */
function testPolicy(subs: number[], uplinks: number[] = [99]): AppPolicy {
  const src = new TestSource(new Set(subs), 'block', uplinks);
  return {
    space: SPACE,
    switchName: (d: Dpid) => (d === D ? 'acc1' : undefined),
    subscriberPorts: (_d, live) => [...live].filter((p) => subs.includes(p)),
    configuredSubscriberPorts: () => subs.length,
    isUplink: (_d, p) => uplinks.includes(p),
    defaultPolicy: () => 'block',
    portFlows: (st: PortState, now: number): DesiredFlow[] => {
      const o = st.override && (st.override.expiresAt === undefined || st.override.expiresAt > now) ? st.override : undefined;
      const s = o ? (o.kind === 'exempt' ? 'exempt' : 'quarantine') : st.session?.profile === 'exempt' ? 'exempt' : 'block';
      return testFlows(st.key, s);
    },
    switchFlows: (d, live) => src.switchFlows(d, live),
    keyOfCookie: (d, c) => src.keyOfCookie(d, c),
  };
}

function ev(kind: SubscriberEvent['kind'], sessionId: string, port: number, t: number, profile: 'default' | 'exempt' = 'default'): SubscriberEvent {
  return { kind, nas: 'bng1', sessionId, key: { dpid: D, port }, dpid: D, port, profile, eventTime: t, receivedAt: t };
}

describe('app/controller', () => {
  let dir: string;
  let store: Store;
  let sw$: Subject<SwitchEvent>;
  let dp: FakeDatapath;
  let sched: ManualScheduler;
  let ctl: Controller;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'rc-ctl-'));
    store = await openStore({ kind: 'embedded', path: dir });
    sw$ = new Subject();
    dp = new FakeDatapath(D, [1, 2, 3, 4, 99]);
    sched = new ManualScheduler();
    ctl = new Controller({ store, policy: testPolicy([1, 2, 3, 4]), switchEvents$: sw$, scheduler: sched, now: () => 1_000_000 + sched.now() });
    await ctl.start();
  });
  afterEach(async () => {
    await ctl.stop();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function connect(d = dp): Promise<void> {
    sw$.next({ type: 'connected', dpid: D, datapath: d, ports: [...d.ports.values()], desc: d.desc });
    await ctl.idle();
  }
  async function record(e: SubscriberEvent): Promise<void> {
    const result = await store.recordEvent(e);
    await ctl.onRecorded({ event: e, result });
  }

  it('fails closed on connect; exempt Start allows, Stop returns the port to its default', async () => {
    await connect();
    assert.strictEqual(dp.table.verdict(0, syn(3, '203.0.113.25', 25)), 'drop');
    await record(ev('start', 's1', 3, 1000, 'exempt'));
    assert.strictEqual(dp.table.verdict(0, syn(3, '203.0.113.25', 25)), 'continue');
    await record(ev('stop', 's1', 3, 2000, 'exempt'));
    assert.strictEqual(dp.table.verdict(0, syn(3, '203.0.113.25', 25)), 'drop');
  });

  it('an event published on the early decision: flows before the commit; a failed commit puts the port back', async () => {
    await connect();
    const e = ev('start', 's9', 2, 1000, 'exempt');
    let fail!: (err: Error) => void;
    const durable = new Promise<ApplyResult>((_res, rej) => { fail = rej; });
    await ctl.onRecorded({ event: e, result: { applied: true, affected: [{ dpid: D, port: 2 }] }, durable });
    assert.strictEqual(dp.table.verdict(0, syn(2, '203.0.113.25', 25)), 'continue', 'flows applied while the commit is pending');
    fail(new Error('disk full'));
    await new Promise((r) => setImmediate(r));
    await ctl.idle();
    assert.strictEqual(dp.table.verdict(0, syn(2, '203.0.113.25', 25)), 'drop', 'the store has no session: the port is back to its default');
    assert.strictEqual(ctl.stateOf({ dpid: D, port: 2 }).session, undefined);
  });

  it('an early decision the commit contradicts is replaced by the store\'s state', async () => {
    await connect();
    await record(ev('start', 's1', 3, 1000, 'exempt'));
    // Early: a Stop applied; committed: stale (the store keeps s1).
    const e = ev('stop', 's1', 3, 500, 'exempt');
    let commit!: (r: ApplyResult) => void;
    const durable = new Promise<ApplyResult>((res) => { commit = res; });
    await ctl.onRecorded({ event: e, result: { applied: true, affected: [{ dpid: D, port: 3 }] }, durable });
    assert.strictEqual(dp.table.verdict(0, syn(3, '203.0.113.25', 25)), 'drop', 'the early decision applied');
    const committed = await store.recordEvent(e);
    assert.strictEqual(committed.applied, false);
    commit(committed);
    await new Promise((r) => setImmediate(r));
    await ctl.idle();
    assert.strictEqual(dp.table.verdict(0, syn(3, '203.0.113.25', 25)), 'continue', 're-read from the store: s1 is still open');
  });

  it('a stale Stop after a newer Start leaves the newer session\'s flows', async () => {
    await connect();
    await record(ev('start', 'old', 3, 1000));
    await record(ev('start', 'new', 3, 2000, 'exempt'));
    const mods = dp.mods.length;
    await record(ev('stop', 'old', 3, 1500));
    assert.strictEqual(dp.mods.length, mods, 'no flow-mod for a stale Stop');
    assert.strictEqual(dp.table.verdict(0, syn(3, '203.0.113.25', 25)), 'continue');
    assert.strictEqual(ctl.portStatus({ dpid: D, port: 3 }).session?.sessionId, 'new');
  });

  it('sessions recorded while the switch was away are enforced at connect; the restart keeps them', async () => {
    await record(ev('start', 'x', 2, 1000, 'exempt'));
    await connect();
    assert.strictEqual(dp.table.verdict(0, syn(2, '203.0.113.25', 25)), 'continue');
    await ctl.stop();
    // a new controller over the same store and the same switch table: nothing deleted
    const ctl2 = new Controller({ store, policy: testPolicy([1, 2, 3, 4]), switchEvents$: sw$, scheduler: sched });
    await ctl2.start();
    const dp2 = new FakeDatapath(D, [1, 2, 3, 4, 99], dp.table);
    sw$.next({ type: 'connected', dpid: D, datapath: dp2, ports: [...dp2.ports.values()], desc: dp2.desc });
    await ctl2.idle();
    assert.strictEqual(dp2.mods.length, 0, 'the switch already equals the desired state');
    await ctl2.stop();
  });

  it('CoA override: confirmed by barrier before the ACK; NOC override expires by itself and is audited', async () => {
    await connect();
    const r = await ctl.applyOverride({ key: { dpid: D, port: 4 } }, 'quarantine-all', {
      actor: 'radius-coa:test', reason: 'CoA', attributes: {}, receivedAt: 1,
    });
    assert.deepStrictEqual(r, { ok: true });
    assert.strictEqual(dp.table.verdict(0, syn(4, '192.0.2.25', 25)), 'drop');
    const res = await ctl.setOverride({ dpid: D, port: 1 }, {
      override: { kind: 'exempt', actor: 'noc:alice', reason: 'business', createdAt: 1, expiresAt: 1_000_000 + 60_000 },
      actor: 'noc:alice', reason: 'business',
    });
    assert.ok(res.confirmed);
    assert.ok(res.change.adds.length > 0);
    assert.strictEqual(dp.table.verdict(0, syn(1, '203.0.113.25', 25)), 'continue');
    sched.advance(60_000);
    await ctl.idle();
    assert.strictEqual(dp.table.verdict(0, syn(1, '203.0.113.25', 25)), 'drop');
    const audit = await store.queryAudit({ key: { dpid: D, port: 1 } });
    assert.ok(audit.some((a) => a.actor === 'expiry'));
    // not connected: recorded, not confirmed, NAK for CoA
    dp.connected = false;
    sw$.next({ type: 'disconnected', dpid: D, reason: 'test' });
    const nak = await ctl.applyOverride({ key: { dpid: D, port: 2 } }, 'exempt', { actor: 'c', reason: 'r', attributes: {}, receivedAt: 1 });
    assert.deepStrictEqual(nak, { ok: false, errorCause: 506 });
    assert.strictEqual((await store.overrides()).length, 2);
  });

  it('config reload reconciles only what changed', async () => {
    await connect();
    const before = dp.mods.length;
    await ctl.reload(testPolicy([1, 2, 3, 4, 5]));
    assert.strictEqual(dp.mods.length, before, 'nothing changed for live ports');
    await ctl.reload(testPolicy([1, 2, 3]));
    const sent = dp.mods.slice(before);
    assert.ok(sent.length > 0 && sent.every((m) => m.command === 4 && (m.cookie & 0xffffffffn) === 4n));
    assert.strictEqual(ctl.reconciler(D)?.installed(SWITCH_WIDE).length, 1);
  });
});

describe('app/controller: planning a proposed policy (config)', () => {
  let dir: string;
  let store: Store;
  let sw$: Subject<SwitchEvent>;
  let dp: FakeDatapath;
  let ctl: Controller;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'rc-plan-'));
    store = await openStore({ kind: 'embedded', path: dir });
    sw$ = new Subject();
    dp = new FakeDatapath(D, [1, 2, 3, 4, 99]);
    const sched = new ManualScheduler();
    ctl = new Controller({ store, policy: testPolicy([1, 2, 3, 4]), switchEvents$: sw$, scheduler: sched, now: () => 1_000_000 + sched.now() });
    await ctl.start();
    sw$.next({ type: 'connected', dpid: D, datapath: dp, ports: [...dp.ports.values()], desc: dp.desc });
    await ctl.idle();
  });
  afterEach(async () => {
    await ctl.stop();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('the current policy plans no change', () => {
    const plans = ctl.planPolicy(testPolicy([1, 2, 3, 4]));
    assert.strictEqual(plans.length, 1);
    assert.deepStrictEqual([plans[0]?.change.adds.length, plans[0]?.change.deletes.length], [0, 0]);
  });

  it('a proposed policy is planned against what is installed, and nothing reaches the switch', async () => {
    const mods = dp.mods.length;
    // Port 4 leaves the subscriber ranges: its flows would go, nothing would be added.
    const plans = ctl.planPolicy(testPolicy([1, 2, 3]));
    const change = plans[0]?.change;
    assert.ok(change);
    assert.strictEqual(change.adds.length, 0);
    assert.ok(change.deletes.length > 0, 'port 4 flows planned for deletion');
    assert.ok(change.deletes.every((m) => (m.cookie & 0xffffffffn) === 4n), 'only port 4 flows are deleted');
    assert.strictEqual(dp.mods.length, mods, 'planning sent no flow-mod');
    assert.strictEqual(dp.table.verdict(0, syn(4, '203.0.113.25', 25)), 'drop', 'the switch still enforces the current policy');
    // Applying the same policy does exactly what was planned.
    const applied = await ctl.reload(testPolicy([1, 2, 3]));
    assert.strictEqual(applied.reduce((n, r) => n + r.deletes.length, 0), change.deletes.length);
  });
});
