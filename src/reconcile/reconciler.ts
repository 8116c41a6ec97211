/**
 * The per-datapath reconciler: the one writer of OP25B flows on one switch.
 *
 * - Full sync (on connect, and the periodic audit): dump the switch's flows
 *   in the OP25B cookie space, diff against the desired flows of every
 *   covered attachment point and the switch-wide rules, apply adds, barrier,
 *   then deletes, barrier. It never wipes a table and never sends a flow-mod
 *   outside the cookie space (adds carry our cookies; deletes are
 *   DELETE_STRICT with the exact cookie and an all-ones cookie mask).
 * - Events: `touch(keys)` marks attachment points dirty. One worker per
 *   datapath drains the dirty set in batches: everything that arrives while a
 *   batch is in flight is merged into the next one (bursts coalesce), each
 *   batch reads the port state as it is when the batch starts (so events for
 *   one port apply in order and the newest state wins), and a port is never
 *   in two batches at once (one writer per port).
 * - An event costs O(flows of its port): the reconciler keeps an index of
 *   what it installed per attachment point (identity and instruction text
 *   only, compact strings) and diffs against that, not against a dump.
 * - Make before break on every change: all adds of a batch go first and are
 *   barrier-confirmed before any delete of the batch is sent; a port whose
 *   adds were refused keeps its old flows (no delete is sent for it).
 * - A refused flow-mod is logged (dpid, port, rule, the spec error name),
 *   counted, and its port retried with exponential backoff; other ports
 *   carry on.
 */
import { asyncScheduler, type SchedulerLike, type Subscription } from 'rxjs';
import { dpidHex, type Dpid, type FlowStats } from '../openflow/types';
import type { DesiredFlow, PortKey } from '../policy/types';
import { parsePortKey, portKeyString } from '../policy/types';
import { FlowModBatchError, type Datapath, type FlowModInput } from '../switch/types';
import { counter, gauge } from '../metrics';
import { logger as rootLogger, type Logger } from '../log';
import {
  addMod, byPriorityAsc, byPriorityDesc, deleteMod, encode, inCookieSpace, OFPFC_DELETE_STRICT, parseFlowId,
  type CookieSpace, type Encoded,
} from './diff';

/** Attachment points per batch of a full sync. */
const SYNC_CHUNK_KEYS = 2048;

/** Index key of the switch-wide rules (safety net, uplinks, table-miss). */
export const SWITCH_WIDE = '*';

/** What the reconciler asks of the application: the desired state, as pure functions of the current state. */
export interface ReconcileSource {
  readonly space: CookieSpace;
  /** Every attachment point the policy covers on this switch now (subscriber ports, stateful keys). */
  keys(dpid: Dpid, livePorts: ReadonlySet<number>): PortKey[];
  /** Whether one attachment point is covered (cheap; called per event). */
  covers(key: PortKey, livePorts: ReadonlySet<number>): boolean;
  /** Desired flows of one covered attachment point. */
  portFlows(key: PortKey): DesiredFlow[];
  /** Switch-wide desired flows. */
  switchFlows(dpid: Dpid, livePorts: ReadonlySet<number>): DesiredFlow[];
  /** The attachment point a cookie in our space belongs to (portKeyString), or SWITCH_WIDE. */
  keyOfCookie(dpid: Dpid, cookie: bigint): string;
  /** Extra fields for the per-change log line (e.g. the session bound to the port). */
  describe?(key: PortKey): Record<string, unknown>;
}

/** What one batch did to one attachment point. */
export interface KeyChange {
  adds: FlowModInput[];
  deletes: FlowModInput[];
  /** The spec error names when the switch refused some of its flow-mods (retried with backoff). */
  errors?: string[];
}

export interface ChangeResult {
  /** True when every flow-mod for the asked keys was barrier-confirmed. */
  confirmed: boolean;
  adds: FlowModInput[];
  deletes: FlowModInput[];
  errors: string[];
}

export interface SyncResult {
  adds: number;
  deletes: number;
  failed: number;
  /** Flows found on the switch in the OP25B space. */
  found: number;
}

export interface ReconcilerOptions {
  /** Periodic audit; default 30 000 ms; 0 disables. */
  auditIntervalMs?: number;
  scheduler?: SchedulerLike;
  logger?: Logger;
  /** Retry backoff for refused flow-mods: base * 2^n, capped. */
  retryBaseMs?: number;
  retryMaxMs?: number;
  /** Log one line per applied change of a port (default true). */
  logChanges?: boolean;
}

const actionsTotal = counter('op25b_reconcile_actions_total', 'Flow-mods sent by the reconciler', ['dpid', 'action'] as const);
const driftTotal = counter('op25b_drift_repairs_total', 'Flow-mods the audit sent to repair drift', ['dpid'] as const);
const rejectedTotal = counter('op25b_flow_mod_rejected_total', 'Flow-mods refused by a switch, by spec error name', ['dpid', 'error'] as const);
const batchesTotal = counter('op25b_reconcile_batches_total', 'Reconciler batches', ['dpid', 'kind'] as const);
const installedGauge = gauge('op25b_installed_flows', 'OP25B flows the reconciler believes installed', ['dpid'] as const);

interface Waiter {
  keys: string[] | undefined;
  resolve: (r: Map<string, KeyChange>) => void;
  reject: (e: unknown) => void;
}

interface Planned {
  ks: string;
  desired: Encoded[];
  desiredFlows: DesiredFlow[];
  adds: DesiredFlow[];
  deletes: string[];
}

export class Reconciler {
  readonly dpid: Dpid;
  private readonly log: Logger;
  private readonly scheduler: SchedulerLike;
  private readonly auditIntervalMs: number;
  private readonly retryBaseMs: number;
  private readonly retryMaxMs: number;
  private readonly logChanges: boolean;
  private readonly dpidLabel: string;

  /**
   * What is installed, per attachment point: one flat string of "id\tsig"
   * lines (~110 bytes a flow; one string per port, not five ropes: 100k ports
   * cost ~60 MB, not ~190).
   */
  private readonly index = new Map<string, string>();
  private flowCount = 0;
  private dirty = new Set<string>();
  private pendingSync: 'dump' | 'audit' | undefined;
  private waiters: Waiter[] = [];
  private running: Promise<void> | undefined;
  private auditTimer: Subscription | undefined;
  private readonly retries = new Map<string, { n: number; timer: Subscription }>();
  private stopped = false;
  private lastSync: SyncResult | undefined;

  constructor(private dp: Datapath, private readonly source: ReconcileSource, opts: ReconcilerOptions = {}) {
    this.dpid = dp.dpid;
    this.dpidLabel = dpidHex(dp.dpid);
    this.scheduler = opts.scheduler ?? asyncScheduler;
    this.auditIntervalMs = opts.auditIntervalMs ?? 30_000;
    this.retryBaseMs = opts.retryBaseMs ?? 500;
    this.retryMaxMs = opts.retryMaxMs ?? 30_000;
    this.logChanges = opts.logChanges ?? true;
    this.log = (opts.logger ?? rootLogger).child({ component: 'reconcile', dpid: this.dpidLabel });
  }

  get datapath(): Datapath {
    return this.dp;
  }

  /** The switch reconnected: same reconciler (its index is discarded: the switch is the truth), new channel. */
  attach(dp: Datapath): Promise<SyncResult> {
    this.dp = dp;
    this.clearIndex();
    return this.start();
  }

  /** Full sync now (connect), then the periodic audit. */
  async start(): Promise<SyncResult> {
    this.stopped = false;
    const r = await this.sync('dump');
    this.scheduleAudit();
    return r;
  }

  stop(): void {
    this.stopped = true;
    this.auditTimer?.unsubscribe();
    this.auditTimer = undefined;
    for (const r of this.retries.values()) r.timer.unsubscribe();
    this.retries.clear();
    const w = this.waiters; this.waiters = [];
    for (const x of w) x.reject(new Error(`reconciler for ${this.dpidLabel} stopped`));
  }

  /** Resolves when nothing is queued or in flight. */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  /** Dump and repair now (the periodic audit calls this). */
  audit(): Promise<SyncResult> {
    return this.sync('audit');
  }

  /** Recompute the given attachment points; resolves when their flow-mods are barrier-confirmed (or refused). */
  async touch(keys: PortKey[]): Promise<ChangeResult> {
    const kss = keys.map(portKeyString);
    const res = await this.enqueue(kss);
    return summarise(kss, res);
  }

  /** Dump and repair now; returns the flow-mods the repair sent (confirmed ones). */
  async auditDetailed(): Promise<{ adds: FlowModInput[]; deletes: FlowModInput[] }> {
    if (this.pendingSync !== 'dump') this.pendingSync = 'audit';
    const res = await this.enqueue(undefined);
    const s = summarise(undefined, res);
    return { adds: s.adds, deletes: s.deletes };
  }

  /** Recompute every covered key and the switch-wide rules from the index (config reload): no dump. */
  async recomputeAll(): Promise<ChangeResult> {
    const live = this.livePorts();
    const kss = new Set<string>(this.index.keys());
    for (const k of this.source.keys(this.dpid, live)) kss.add(portKeyString(k));
    kss.add(SWITCH_WIDE);
    const res = await this.enqueue([...kss]);
    return summarise(undefined, res);
  }

  /** PORT_STATUS add/delete/modify: the port's attachment points and the switch-wide rules are recomputed. */
  portChanged(port: number): Promise<ChangeResult> {
    const kss = new Set<string>([SWITCH_WIDE]);
    for (const ks of this.index.keys()) {
      if (ks !== SWITCH_WIDE && parsePortKey(ks).port === port) kss.add(ks);
    }
    for (const k of this.source.keys(this.dpid, this.livePorts())) if (k.port === port) kss.add(portKeyString(k));
    return this.enqueue([...kss]).then((r) => summarise(undefined, r));
  }

  /** What the reconciler believes is installed for one attachment point (identity fields). */
  installed(key: PortKey | typeof SWITCH_WIDE): { table_id: number; priority: number; cookie: bigint }[] {
    const ks = typeof key === 'string' ? key : portKeyString(key);
    return this.lines(ks).map((s) => {
      const id = parseFlowId(s.slice(0, s.indexOf('\t')));
      return { table_id: id.table_id, priority: id.priority, cookie: id.cookie };
    });
  }

  /** The flow-mods touching one key would send now (for the API's plan). */
  plan(key: PortKey, flows: DesiredFlow[]): { adds: FlowModInput[]; deletes: FlowModInput[] } {
    const p = this.planKey(portKeyString(key), flows);
    return { adds: p.adds.map(addMod), deletes: p.deletes.map((id) => deleteMod(parseFlowId(id))) };
  }

  /**
   * What moving to another desired state (e.g. a proposed config) would send,
   * computed against what is installed, without sending anything: every key
   * installed now or covered by `source`, and the switch-wide rules.
   */
  planAll(source: ReconcileSource): { adds: FlowModInput[]; deletes: FlowModInput[] } {
    const live = this.livePorts();
    const kss = new Set<string>(this.index.keys());
    for (const k of source.keys(this.dpid, live)) kss.add(portKeyString(k));
    kss.add(SWITCH_WIDE);
    const adds: FlowModInput[] = [];
    const deletes: FlowModInput[] = [];
    for (const ks of kss) {
      const p = this.planKey(ks, this.desiredOf(ks, live, source));
      for (const f of p.adds) adds.push(addMod(f));
      for (const id of p.deletes) deletes.push(deleteMod(parseFlowId(id)));
    }
    return { adds, deletes };
  }

  get installedCount(): number {
    return this.flowCount;
  }

  /** Index updates keep the flow count current (a batch must not cost O(switch)). */
  private lines(ks: string): string[] {
    const v = this.index.get(ks);
    return v === undefined ? [] : unpack(v).split('\n');
  }

  private setIndex(ks: string, lines: string[] | undefined): void {
    const old = this.index.get(ks);
    if (old !== undefined) this.flowCount -= countLines(old);
    if (lines && lines.length > 0) {
      this.index.set(ks, pack(lines.join('\n')));
      this.flowCount += lines.length;
    } else {
      this.index.delete(ks);
    }
  }

  private clearIndex(): void {
    this.index.clear();
    this.flowCount = 0;
  }

  get lastSyncResult(): SyncResult | undefined {
    return this.lastSync;
  }

  // -------------------------------------------------------------------------

  private livePorts(): ReadonlySet<number> {
    return new Set(this.dp.ports.keys());
  }

  private scheduleAudit(): void {
    this.auditTimer?.unsubscribe();
    if (this.auditIntervalMs <= 0 || this.stopped) return;
    this.auditTimer = this.scheduler.schedule(() => {
      this.auditTimer = undefined;
      this.audit()
        .catch((e: unknown) => this.log.warn('audit failed', { error: errText(e) }))
        .finally(() => this.scheduleAudit());
    }, this.auditIntervalMs);
  }

  private sync(kind: 'dump' | 'audit'): Promise<SyncResult> {
    if (this.pendingSync !== 'dump') this.pendingSync = kind;
    return this.enqueue(undefined).then(() => this.lastSync ?? { adds: 0, deletes: 0, failed: 0, found: 0 });
  }

  private enqueue(kss: string[] | undefined): Promise<Map<string, KeyChange>> {
    if (this.stopped) return Promise.reject(new Error(`reconciler for ${this.dpidLabel} stopped`));
    if (kss) for (const ks of kss) this.dirty.add(ks);
    return new Promise((resolve, reject) => {
      this.waiters.push({ keys: kss, resolve, reject });
      this.kick();
    });
  }

  private kick(): void {
    if (this.running) return;
    // Start on the next turn of the event loop, not inside the caller: the
    // event source (RADIUS answering, the next datagrams) is not held up by
    // flow-mod building, and everything that arrives in the same I/O turn
    // lands in the same batch.
    this.running = new Promise<void>((r) => setImmediate(r)).then(() => this.loop()).finally(() => {
      this.running = undefined;
      // stop() then start() while a batch was in flight: work queued meanwhile still runs.
      if (!this.stopped && (this.dirty.size > 0 || this.pendingSync)) this.kick();
    });
  }

  private async loop(): Promise<void> {
    while (!this.stopped && (this.dirty.size > 0 || this.pendingSync)) {
      const keys = this.dirty; this.dirty = new Set();
      const sync = this.pendingSync; this.pendingSync = undefined;
      const waiters = this.waiters; this.waiters = [];
      try {
        const res = sync ? await this.runSync(sync, keys) : await this.runBatch(keys, 'event');
        for (const w of waiters) w.resolve(res);
      } catch (e) {
        // Channel error (disconnect, timeout): the keys are not known to be
        // applied; the reconnect's full sync covers them.
        for (const w of waiters) w.reject(e);
        if (!this.dp.connected) {
          this.log.warn('switch channel lost during reconcile; waiting for reconnect', { error: errText(e) });
          this.dirty.clear();
          this.pendingSync = undefined;
          return;
        }
        this.log.warn('reconcile batch failed', { error: errText(e) });
        for (const ks of keys) this.scheduleRetry(ks, errText(e));
      }
    }
  }

  private async runSync(kind: 'dump' | 'audit', extra: Set<string>): Promise<Map<string, KeyChange>> {
    const space = this.source.space;
    const flows: FlowStats[] = await this.dp.dumpFlows({ table_id: 0xff, cookie: space.cookie, cookie_mask: space.mask });
    const live = this.livePorts();
    // The switch is the truth: rebuild the index from the dump.
    this.clearIndex();
    const dumped = new Map<string, string[]>();
    let found = 0;
    for (const f of flows) {
      if (!inCookieSpace(f.cookie, space)) continue; // a switch that ignores cookie_mask must not make us touch others
      found++;
      const ks = this.source.keyOfCookie(this.dpid, f.cookie);
      const e = encode(f);
      const line = `${e.id}\t${e.sig}`;
      const list = dumped.get(ks);
      if (!list) dumped.set(ks, [line]);
      else if (!list.some((l) => l.startsWith(e.id + '\t'))) list.push(line);
    }
    for (const [ks, l] of dumped) this.setIndex(ks, l);
    dumped.clear();
    const kss = new Set<string>(extra);
    kss.add(SWITCH_WIDE);
    for (const ks of this.index.keys()) kss.add(ks);
    for (const k of this.source.keys(this.dpid, live)) kss.add(portKeyString(k));
    // In chunks: each attachment point's adds and deletes stay in one chunk
    // (make before break holds per port), and memory peaks at one chunk's
    // flow-mods instead of the whole switch's (100k ports = 500k flow-mods).
    // Results are kept only where someone waits for them (keys touched while
    // the sync was queued) or, for an audit, where something was repaired:
    // after a connect with 100k ports, 500k flow-mod objects must not stay
    // alive until the sync ends.
    const res = new Map<string, KeyChange>();
    let adds = 0; let deletes = 0; let failed = 0;
    const fold = (r: Map<string, KeyChange>): void => {
      for (const [k, c] of r) {
        adds += c.adds.length; deletes += c.deletes.length; if (c.errors?.length) failed++;
        if (extra.has(k) || (kind === 'audit' && (c.adds.length > 0 || c.deletes.length > 0 || c.errors))) res.set(k, c);
      }
    };
    let chunk = new Set<string>();
    for (const ks of kss) {
      chunk.add(ks);
      if (chunk.size >= SYNC_CHUNK_KEYS) {
        fold(await this.runBatch(chunk, kind));
        chunk = new Set();
      }
    }
    if (chunk.size > 0) fold(await this.runBatch(chunk, kind));
    if (kind === 'audit' && adds + deletes > 0) {
      driftTotal.inc({ dpid: this.dpidLabel }, adds + deletes);
      this.log.warn('audit repaired drift', { adds, deletes, found });
    } else {
      this.log.info(kind === 'dump' ? 'synced with switch' : 'audit clean', { found, adds, deletes, failed, keys: kss.size });
    }
    this.lastSync = { adds, deletes, failed, found };
    return res;
  }

  private desiredOf(ks: string, live: ReadonlySet<number>, source: ReconcileSource = this.source): DesiredFlow[] {
    if (ks === SWITCH_WIDE) return source.switchFlows(this.dpid, live);
    const key = parsePortKey(ks);
    key.dpid = this.dpid;
    return source.covers(key, live) ? source.portFlows(key) : [];
  }

  private planKey(ks: string, desiredFlows: DesiredFlow[]): Planned {
    const old = this.lines(ks);
    const desired: Encoded[] = [];
    const adds: DesiredFlow[] = [];
    const seen = new Set<string>();
    for (const f of desiredFlows) {
      const e = encode(f);
      if (seen.has(e.id)) continue; // duplicates: first wins
      seen.add(e.id);
      desired.push(e);
      const line = `${e.id}\t${e.sig}`;
      if (!old.includes(line)) adds.push(f);
    }
    const deletes: string[] = [];
    for (const line of old) {
      const id = line.slice(0, line.indexOf('\t'));
      if (!seen.has(id)) deletes.push(id);
    }
    return { ks, desired, desiredFlows, adds, deletes };
  }

  private async runBatch(kss: Set<string>, kind: 'event' | 'dump' | 'audit'): Promise<Map<string, KeyChange>> {
    batchesTotal.inc({ dpid: this.dpidLabel, kind });
    const live = this.livePorts();
    const plans: Planned[] = [];
    for (const ks of kss) {
      const p = this.planKey(ks, this.desiredOf(ks, live));
      plans.push(p);
    }
    const result = new Map<string, KeyChange>();
    for (const p of plans) result.set(p.ks, { adds: [], deletes: [] });

    // Phase 1: adds (make), one barrier.
    const addMods: FlowModInput[] = [];
    const addOwner: { p: Planned; f: DesiredFlow }[] = [];
    for (const p of plans) {
      for (const f of [...p.adds].sort(byPriorityDesc)) {
        addMods.push(addMod(f));
        addOwner.push({ p, f });
      }
    }
    const failedKeys = new Map<string, string[]>();
    await this.sendPhase(addMods, addOwner, result, 'adds',
      (o, err) => this.noteFailure(failedKeys, o.p.ks, o.f.rule, o.f, err));

    // Phase 2: deletes (break), only for keys whose adds all landed.
    const delMods: FlowModInput[] = [];
    const delOwner: { p: Planned; id: string }[] = [];
    const delList: { p: Planned; id: string; mod: FlowModInput }[] = [];
    for (const p of plans) {
      if (failedKeys.has(p.ks)) continue;
      for (const id of p.deletes) delList.push({ p, id, mod: deleteMod(parseFlowId(id)) });
    }
    delList.sort((a, b) => byPriorityAsc(a.mod, b.mod));
    for (const d of delList) { delMods.push(d.mod); delOwner.push({ p: d.p, id: d.id }); }
    const failedDel = await this.sendPhase(delMods, delOwner, result, 'deletes',
      (o, err) => this.noteFailure(failedKeys, o.p.ks, 'delete', undefined, err));

    // Index: what is now on the switch, per key.
    const failedDelIds = new Set<string>();
    delOwner.forEach((o, i) => { if (failedDel.has(i)) failedDelIds.add(o.id); });
    for (const p of plans) {
      const errs = failedKeys.get(p.ks);
      if (!errs) {
        this.setIndex(p.ks, p.desired.map((e) => `${e.id}\t${e.sig}`));
        this.clearRetry(p.ks);
      } else {
        // Old flows that were not deleted stay; adds that landed are added.
        const old = this.lines(p.ks);
        const now = new Map<string, string>();
        const landedDeletes = new Set((result.get(p.ks)?.deletes ?? []).map((m) => encode({ ...m, instructions: [] }).id));
        for (const line of old) {
          const id = line.slice(0, line.indexOf('\t'));
          if (!landedDeletes.has(id)) now.set(id, line);
        }
        for (const m of result.get(p.ks)?.adds ?? []) {
          const e = encode(m);
          now.set(e.id, `${e.id}\t${e.sig}`);
        }
        this.setIndex(p.ks, [...now.values()]);
        (result.get(p.ks) as KeyChange).errors = errs;
        this.scheduleRetry(p.ks, errs.join(','));
      }
      const c = result.get(p.ks) as KeyChange;
      if (this.logChanges && (c.adds.length > 0 || c.deletes.length > 0 || c.errors)) this.logChange(p, c);
    }
    installedGauge.set({ dpid: this.dpidLabel }, this.installedCount);
    return result;
  }

  /**
   * Send one phase of a batch (adds or deletes): each refused flow-mod is
   * reported to onRefused with its owner, each one that landed goes into its
   * key's change. Returns the indexes refused.
   */
  private async sendPhase<O extends { p: Planned }>(
    mods: FlowModInput[], owners: O[], result: Map<string, KeyChange>, side: 'adds' | 'deletes',
    onRefused: (owner: O, err: string) => void,
  ): Promise<Set<number>> {
    const failed = new Set<number>();
    if (mods.length === 0) return failed;
    const refused = await this.send(mods);
    for (const [i, err] of refused) {
      const o = owners[i];
      if (!o) continue;
      failed.add(i);
      onRefused(o, err);
    }
    owners.forEach((o, i) => {
      if (!failed.has(i)) (result.get(o.p.ks) as KeyChange)[side].push(mods[i] as FlowModInput);
    });
    return failed;
  }

  /** Send a phase; returns refused flow-mods by index (channel errors throw). */
  private async send(mods: FlowModInput[]): Promise<Map<number, string>> {
    const refused = new Map<number, string>();
    try {
      await this.dp.sendFlowMods(mods);
    } catch (e) {
      if (!(e instanceof FlowModBatchError)) throw e;
      for (const f of e.failures) refused.set(f.index, `${f.error.typeName}/${f.error.codeName}`);
    }
    let adds = 0; let dels = 0;
    mods.forEach((m, i) => {
      if (refused.has(i)) return;
      if (m.command === OFPFC_DELETE_STRICT) dels++; else adds++;
    });
    if (adds) actionsTotal.inc({ dpid: this.dpidLabel, action: 'add' }, adds);
    if (dels) actionsTotal.inc({ dpid: this.dpidLabel, action: 'delete' }, dels);
    return refused;
  }

  private noteFailure(failed: Map<string, string[]>, ks: string, rule: string, f: DesiredFlow | undefined, err: string): void {
    const list = failed.get(ks) ?? [];
    list.push(err);
    failed.set(ks, list);
    rejectedTotal.inc({ dpid: this.dpidLabel, error: err.split('/')[1] ?? err });
    const where = ks === SWITCH_WIDE ? { port: SWITCH_WIDE } : portFields(ks);
    this.log.error('switch refused flow-mod', {
      ...where, rule, priority: f?.priority, cookie: f ? '0x' + f.cookie.toString(16) : undefined, error: err,
    });
  }

  private scheduleRetry(ks: string, why: string): void {
    if (this.stopped) return;
    const prev = this.retries.get(ks);
    prev?.timer.unsubscribe();
    const n = (prev?.n ?? 0) + 1;
    const delay = Math.min(this.retryMaxMs, this.retryBaseMs * 2 ** (n - 1));
    const timer = this.scheduler.schedule(() => {
      const r = this.retries.get(ks);
      if (r) r.timer = emptySub;
      this.log.info('retrying refused flow-mods', { ...portFields(ks), attempt: n + 1, why });
      this.enqueue([ks]).catch(() => undefined);
    }, delay);
    this.retries.set(ks, { n, timer });
  }

  private clearRetry(ks: string): void {
    const r = this.retries.get(ks);
    if (!r) return;
    r.timer.unsubscribe();
    this.retries.delete(ks);
  }

  private logChange(p: Planned, c: KeyChange): void {
    if (!this.log.isInfoEnabled()) return;
    // The distinct rule names in the policy's order (a port has a handful of flows: no Set).
    let rules = '';
    for (const f of p.desiredFlows) {
      if (rules === f.rule || rules.startsWith(f.rule + ',') || rules.endsWith(',' + f.rule) || rules.includes(',' + f.rule + ',')) continue;
      rules = rules === '' ? f.rule : `${rules},${f.rule}`;
    }
    const fields: Record<string, unknown> = {};
    if (p.ks === SWITCH_WIDE) {
      fields.port = SWITCH_WIDE;
    } else {
      const key = parsePortKey(p.ks); key.dpid = this.dpid;
      fields.port = key.port;
      if (key.vlan !== undefined) fields.vlan = key.vlan;
      if (this.source.describe) Object.assign(fields, this.source.describe(key));
    }
    fields.rules = rules || 'none';
    fields.adds = c.adds.length;
    fields.deletes = c.deletes.length;
    fields.result = c.errors ? `refused: ${c.errors.join(',')}` : 'confirmed';
    this.log.info('flows applied', fields);
  }
}

/**
 * The index text, packed: the substrings every port's flows repeat (field
 * names, the usual values, runs of zeros in cookies and IPv6 addresses, the
 * common instructions) stand for one byte each, a control or Latin-1 code that
 * flow ids and instruction texts (ASCII, no control characters but the index's
 * own tab and newline) never hold, so unpack(pack(s)) === s for any text.
 * 100k ports x 5 flows: ~100 bytes a flow -> ~35 (the index was ~60 MB).
 */
const PACK_TOKENS: readonly string[] = [
  '\tapply(output:4294967290)', '\tapply(output:', 'eth_type=800,', 'eth_type=86dd,', 'eth_type=', 'in_port=',
  'ip_proto=6,', 'ip_proto=17,', 'ip_proto=', 'ipv4_dst=', 'ipv6_dst=', 'ipv4_src=', 'ipv6_src=', 'tcp_dst=19', 'tcp_dst=',
  'vlan_vid=', 'goto:', '/ffffff00', '/ffffffff', '0000000000000000', '00000000', '0000', '|30000|', '|20000|', '|10000|',
  '0|', 'b25', '/ffff', 'udp_dst=', 'meta:', 'write(', 'output:',
];
const PACK_CODES: readonly string[] = (() => {
  const codes: string[] = [];
  for (let c = 1; c < 0x20 && codes.length < PACK_TOKENS.length; c++) if (c !== 9 && c !== 10) codes.push(String.fromCharCode(c));
  for (let c = 0x80; codes.length < PACK_TOKENS.length; c++) codes.push(String.fromCharCode(c));
  return codes;
})();
const PACK_OF = new Map(PACK_TOKENS.map((t, i) => [t, PACK_CODES[i] as string]));
const TOKEN_OF = new Map(PACK_CODES.map((c, i) => [c, PACK_TOKENS[i] as string]));
// Longest first, so a token's prefix never wins over it.
const PACK_RE = new RegExp([...PACK_TOKENS].sort((a, b) => b.length - a.length).map((t) => t.replace(/[|()/\\.^$*+?[\]{}]/g, '\\$&')).join('|'), 'g');
const UNPACK_RE = new RegExp(`[${PACK_CODES.map((c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`).join('')}]`, 'g');

function pack(s: string): string {
  return s.replace(PACK_RE, (t) => PACK_OF.get(t) as string);
}

function unpack(s: string): string {
  return s.replace(UNPACK_RE, (c) => TOKEN_OF.get(c) as string);
}

const emptySub = { unsubscribe(): void { /* fired */ } } as Subscription;

function countLines(s: string): number {
  let n = 1;
  for (let i = s.indexOf('\n'); i >= 0; i = s.indexOf('\n', i + 1)) n++;
  return n;
}

function portFields(ks: string): Record<string, unknown> {
  if (ks === SWITCH_WIDE) return { port: SWITCH_WIDE };
  const k = parsePortKey(ks);
  return k.vlan === undefined ? { port: k.port } : { port: k.port, vlan: k.vlan };
}

function summarise(kss: string[] | undefined, res: Map<string, KeyChange>): ChangeResult {
  const out: ChangeResult = { confirmed: true, adds: [], deletes: [], errors: [] };
  const pick = kss ?? [...res.keys()];
  for (const ks of pick) {
    const c = res.get(ks);
    if (!c) continue;
    out.adds.push(...c.adds);
    out.deletes.push(...c.deletes);
    if (c.errors) { out.confirmed = false; out.errors.push(...c.errors); }
  }
  return out;
}

function errText(e: unknown): string {
  return e instanceof Error ? `${(e as { code?: string }).code ?? e.name}: ${e.message}` : String(e);
}
