/**
 * The OP25B controller: wires the switch channel, the RADIUS servers, the
 * store, the policy and one reconciler per datapath.
 *
 *   switch events$ ──> connect: reconciler.start (dump, diff, adds, barrier, deletes)
 *                      port-status: the port's attachment points
 *   RADIUS recorded$ ─> in-memory port state (sessions) ─> reconciler.touch(affected ports)
 *   CoA / NOC ────────> store.setOverride ─> port state ─> touch, ACK after the barrier
 *
 * The in-memory port state mirrors the store: loaded at start, then updated
 * from each recorded event's ApplyResult (the store already applied the
 * ordering rule: a stale Stop is `applied: false` and changes nothing here),
 * so an event costs no store read.
 */
import { Subscription, asyncScheduler, type SchedulerLike } from 'rxjs';
import type { Dpid, FlowStats } from '../openflow/types';
import type { DesiredFlow, Override, PortKey, PortState, Session } from '../policy/types';
import { portKeyString } from '../policy/types';
import type { RecordedEvent } from '../radius/accounting';
import type { SubscriberEvent } from '../radius/events';
import type { CoaAction, CoaHandler, CoaMeta, CoaResult, CoaTarget } from '../radius/coa';
import type { AuditEntry, AuditQuery, SessionRecord, Store } from '../store/types';
import type { Datapath, FlowModInput, SwitchEvent } from '../switch/types';
import type { FlowChange, NocBackend, OverrideRequest, PortView, SwitchInfo } from '../api/backend';
import { Reconciler, SWITCH_WIDE, type ChangeResult, type ReconcileSource } from '../reconcile/reconciler';
import { dpidHex } from '../openflow/types';
import { inCookieSpace, type CookieSpace } from '../reconcile/diff';
import { logger as rootLogger, type Logger } from '../log';
import { counter } from '../metrics';
import type { Config } from './config';
import { policyFromConfig } from './policy-adapter';
import type { Observable } from 'rxjs';

/** What the controller needs from the configuration and the policy (pure functions). */
export interface AppPolicy {
  readonly space: CookieSpace;
  /** Configured switch name, undefined for a switch the config does not know. */
  switchName(dpid: Dpid): string | undefined;
  /** Subscriber ports of a switch given its live ports (configured ranges, or every port but the uplinks). */
  subscriberPorts(dpid: Dpid, live: ReadonlySet<number>): number[];
  /** Number of subscriber ports the config assigns (for the API's switch list). */
  configuredSubscriberPorts(dpid: Dpid): number;
  isUplink(dpid: Dpid, port: number): boolean;
  /** Default for a subscriber port with no session. */
  defaultPolicy(dpid: Dpid): 'block' | 'allow';
  /** Desired flows of one attachment point. */
  portFlows(state: PortState, now: number): DesiredFlow[];
  /** Switch-wide flows (safety net, uplinks, table-miss). */
  switchFlows(dpid: Dpid, live: ReadonlySet<number>, now: number): DesiredFlow[];
  /** The attachment point key string of a cookie, or SWITCH_WIDE. */
  keyOfCookie(dpid: Dpid, cookie: bigint): string;
}

export interface ControllerOptions {
  store: Store;
  policy: AppPolicy;
  /** Switch events (OpenFlowServer.events$). */
  switchEvents$?: Observable<SwitchEvent>;
  /** Recorded subscriber events (AccountingServer.recorded$, CoaServer.recorded$). */
  recorded$?: Observable<RecordedEvent>[];
  auditIntervalMs?: number;
  scheduler?: SchedulerLike;
  now?: () => number;
  logger?: Logger;
  /** Per-change log lines of the reconciler (default true). */
  logChanges?: boolean;
}

const eventsTotal = counter('op25b_subscriber_events_total', 'Subscriber events seen by the controller', ['kind', 'result'] as const);
/** The labelled children, looked up once (prom-client hashes the label object on every inc). */
const eventsChildren = new Map<string, ReturnType<typeof eventsTotal.labels>>();
function eventsCounter(kind: string, applied: boolean): ReturnType<typeof eventsTotal.labels> {
  const k = applied ? kind : `${kind}\0`;
  let c = eventsChildren.get(k);
  if (!c) { c = eventsTotal.labels({ kind, result: applied ? 'applied' : 'ignored' }); eventsChildren.set(k, c); }
  return c;
}

const COA_OVERRIDE: Record<Exclude<CoaAction, 'default'>, Override['kind']> = {
  'quarantine-smtp': 'quarantine-smtp', 'quarantine-all': 'quarantine-all', 'exempt': 'exempt',
};

export class Controller implements NocBackend, CoaHandler {
  private policy: AppPolicy;
  /** The store (sessions, overrides, audit), for the API and the CLI. */
  readonly store: Store;
  private readonly log: Logger;
  private readonly scheduler: SchedulerLike;
  private readonly now: () => number;
  private readonly auditIntervalMs: number;
  private readonly logChanges: boolean;
  private readonly sessionsByKey = new Map<string, Session>();
  private readonly overridesByKey = new Map<string, Override>();
  private readonly expiryTimers = new Map<string, Subscription>();
  private readonly reconcilers = new Map<Dpid, Reconciler>();
  private readonly known = new Map<Dpid, Datapath>();
  private readonly subs = new Subscription();
  private readonly pending = new Set<Promise<unknown>>();

  constructor(private readonly opts: ControllerOptions) {
    this.store = opts.store;
    this.policy = opts.policy;
    this.log = (opts.logger ?? rootLogger).child({ component: 'controller' });
    this.scheduler = opts.scheduler ?? asyncScheduler;
    this.now = opts.now ?? (() => this.scheduler.now());
    this.auditIntervalMs = opts.auditIntervalMs ?? 30_000;
    this.logChanges = opts.logChanges ?? true;
  }

  /** Load sessions and overrides from the store, then follow switch and subscriber events. */
  async start(): Promise<void> {
    for (const s of await this.store.sessions()) this.sessionsByKey.set(portKeyString(s.key), slim(s));
    for (const { key, override } of await this.store.overrides()) {
      this.overridesByKey.set(portKeyString(key), override);
      this.scheduleExpiry(key, override);
    }
    this.log.info('state loaded', { sessions: this.sessionsByKey.size, overrides: this.overridesByKey.size });
    if (this.opts.switchEvents$) this.subs.add(this.opts.switchEvents$.subscribe((ev) => this.onSwitchEvent(ev)));
    for (const r$ of this.opts.recorded$ ?? []) this.subs.add(r$.subscribe((r) => this.onRecorded(r)));
  }

  /** Stop following events and stop every reconciler (flows stay on the switches). Waits for work in flight. */
  async stop(): Promise<void> {
    this.subs.unsubscribe();
    for (const t of this.expiryTimers.values()) t.unsubscribe();
    this.expiryTimers.clear();
    await Promise.allSettled([...this.pending]);
    for (const rc of this.reconcilers.values()) {
      await rc.idle().catch(() => undefined);
      rc.stop();
    }
  }

  /** Swap the policy (config reload) and reconcile every switch against the new desired state, from the index (no dump). */
  async reload(policy: AppPolicy): Promise<ChangeResult[]> {
    this.policy = policy;
    const out: ChangeResult[] = [];
    for (const rc of this.reconcilers.values()) {
      if (rc.datapath.connected) out.push(await rc.recomputeAll());
    }
    return out;
  }

  reconciler(dpid: Dpid): Reconciler | undefined {
    return this.reconcilers.get(dpid);
  }

  /** Resolves when no event work and no reconciler batch is in flight. */
  async idle(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
    for (const rc of this.reconcilers.values()) await rc.idle();
  }

  // -------------------------------------------------------------------------
  // State

  stateOf(key: PortKey): PortState {
    const ks = portKeyString(key);
    const st: PortState = { key };
    const s = this.sessionsByKey.get(ks);
    if (s) st.session = s;
    const o = this.overridesByKey.get(ks);
    if (o && (o.expiresAt === undefined || o.expiresAt > this.now())) st.override = o;
    return st;
  }

  /** The reconciler's view of the desired state under `override` (a proposed policy) or the current policy. */
  private sourceFor(override?: AppPolicy): ReconcileSource {
    const policy = (): AppPolicy => override ?? this.policy;
    return {
      get space() { return policy().space; },
      keys: (dpid, live) => {
        const out = new Map<string, PortKey>();
        for (const p of policy().subscriberPorts(dpid, live)) out.set(portKeyString({ dpid, port: p }), { dpid, port: p });
        for (const [ks, s] of this.sessionsByKey) if (s.key.dpid === dpid) out.set(ks, s.key);
        for (const ks of this.overridesByKey.keys()) {
          const k = parseKs(ks);
          if (k.dpid === dpid) out.set(ks, k);
        }
        return [...out.values()];
      },
      // Covered: a live subscriber port (fail closed), or any attachment point
      // with a session or override, live or not (the NAS says the subscriber
      // is there; OVS accepts in_port of a port not yet present, so the block
      // is in place before the port appears). The policy still gives no flows
      // to uplinks or ports outside the subscriber ranges. A deleted port
      // without state loses its flows.
      covers: (key, live) => {
        const ks = portKeyString(key);
        if (this.sessionsByKey.has(ks) || this.overridesByKey.has(ks)) return true;
        if (key.vlan !== undefined) return false;
        return live.has(key.port) && policy().subscriberPorts(key.dpid, new Set([key.port])).includes(key.port);
      },
      portFlows: (key) => policy().portFlows(this.stateOf(key), this.now()),
      switchFlows: (dpid, live) => policy().switchFlows(dpid, live, this.now()),
      keyOfCookie: (dpid, cookie) => policy().keyOfCookie(dpid, cookie),
      describe: (key) => {
        const st = this.stateOf(key);
        // Only what is there: a port with no session logs no session=undefined.
        const d: Record<string, unknown> = {};
        if (st.session) { d.session = st.session.sessionId; d.nas = st.session.nas; d.profile = st.session.profile; }
        if (st.override) d.override = st.override.kind;
        return d;
      },
    };
  }

  // -------------------------------------------------------------------------
  // Switch events

  private track<T>(p: Promise<T>): Promise<T> {
    this.pending.add(p);
    void p.finally(() => this.pending.delete(p)).catch(() => undefined);
    return p;
  }

  private onSwitchEvent(ev: SwitchEvent): void {
    const dpid = dpidHex(ev.dpid);
    switch (ev.type) {
      case 'connected': {
        this.known.set(ev.dpid, ev.datapath);
        let rc = this.reconcilers.get(ev.dpid);
        const name = this.policy.switchName(ev.dpid);
        this.log.info('switch connected', { dpid, name, peer: ev.datapath.peer, ports: ev.ports.length });
        if (!rc) {
          rc = new Reconciler(ev.datapath, this.sourceFor(), {
            auditIntervalMs: this.auditIntervalMs, scheduler: this.scheduler, logger: this.opts.logger ?? rootLogger,
            logChanges: this.logChanges,
          });
          this.reconcilers.set(ev.dpid, rc);
          this.track(rc.start()).catch((e: unknown) => this.log.error('initial sync failed', { dpid, error: errText(e) }));
        } else {
          this.track(rc.attach(ev.datapath)).catch((e: unknown) => this.log.error('sync after reconnect failed', { dpid, error: errText(e) }));
        }
        break;
      }
      case 'disconnected': {
        this.log.warn('switch disconnected', { dpid, reason: ev.reason });
        const rc = this.reconcilers.get(ev.dpid);
        rc?.stop();
        break;
      }
      case 'port-status': {
        const rc = this.reconcilers.get(ev.dpid);
        this.log.info('port status', { dpid, port: ev.port.port_no, name: ev.port.name, reason: ev.reason });
        if (rc && ev.reason !== 'modify') this.track(rc.portChanged(ev.port.port_no)).catch(() => undefined);
        break;
      }
      case 'error':
        this.log.warn('switch error', { dpid, xid: ev.xid, error: `${ev.error.typeName}/${ev.error.codeName}` });
        break;
      case 'flow-removed':
        break;
    }
  }

  // -------------------------------------------------------------------------
  // Subscriber events

  /** Apply a recorded subscriber event to the port state and reconcile the affected ports. */
  onRecorded(r: RecordedEvent): Promise<ChangeResult[]> {
    const ev = r.event;
    const key = ev.key ?? (ev.dpid !== undefined && ev.port !== undefined ? { dpid: ev.dpid, port: ev.port } : undefined);
    const applied = r.result.applied;
    eventsCounter(ev.kind, applied).inc();
    // One line per subscriber event; its fields are built only when the line is written.
    if (this.log.isInfoEnabled()) {
      this.log.info(applied ? 'subscriber event' : 'subscriber event ignored', {
        kind: ev.kind, nas: ev.nas, session: ev.sessionId || undefined,
        dpid: key ? dpidHex(key.dpid) : undefined, port: key?.port, vlan: key?.vlan, profile: ev.profile,
        result: applied ? 'applied' : r.result.ignored ?? 'not applied',
        affected: applied ? r.result.affected.length : undefined,
      });
    }
    if (r.durable) this.watchDurable(r, key);
    if (!applied) return Promise.resolve([]);
    switch (ev.kind) {
      case 'start':
      case 'interim':
        if (key) this.sessionsByKey.set(portKeyString(key), this.sessionFrom(ev, key));
        break;
      case 'stop':
        if (key) this.sessionsByKey.delete(portKeyString(key));
        for (const k of r.result.affected) {
          const s = this.sessionsByKey.get(portKeyString(k));
          if (s && s.nas === ev.nas && s.sessionId === ev.sessionId) this.sessionsByKey.delete(portKeyString(k));
        }
        break;
      case 'nas-on':
      case 'nas-off':
        for (const k of r.result.affected) {
          const s = this.sessionsByKey.get(portKeyString(k));
          if (s && s.nas === ev.nas && s.startedAt <= ev.eventTime) this.sessionsByKey.delete(portKeyString(k));
        }
        break;
    }
    const keys = r.result.affected.length > 0 ? r.result.affected : key ? [key] : [];
    return this.track(this.touch(keys));
  }

  /**
   * An event applied on the store's early decision (before its commit): when
   * the commit fails, or decides otherwise, the ports go back to what the
   * store holds (fail closed: no committed session, the port's default).
   */
  private watchDurable(r: RecordedEvent, key: PortKey | undefined): void {
    const early = r.result;
    const keys = (): PortKey[] => {
      const m = new Map<string, PortKey>();
      for (const k of early.affected) m.set(portKeyString(k), k);
      if (key) m.set(portKeyString(key), key);
      return [...m.values()];
    };
    r.durable?.then((d) => {
      if (d.applied === early.applied && d.affected.length === early.affected.length
        && d.affected.every((k, i) => { const e = early.affected[i]; return e !== undefined && portKeyString(e) === portKeyString(k); })) return;
      this.log.warn('subscriber event: committed decision differs from the early one; ports re-read from the store', {
        kind: r.event.kind, nas: r.event.nas, session: r.event.sessionId || undefined, early: early.ignored ?? 'applied', durable: d.ignored ?? 'applied',
      });
      const ks = keys();
      for (const k of d.affected) if (!ks.some((x) => portKeyString(x) === portKeyString(k))) ks.push(k);
      void this.track(this.resync(ks)).catch((e: unknown) => this.log.error('port resync failed', { error: String(e) }));
    }, (e: unknown) => {
      if (!early.applied) return;
      this.log.error('subscriber event applied before its commit, and the commit failed; ports re-read from the store', {
        kind: r.event.kind, nas: r.event.nas, session: r.event.sessionId || undefined, error: e instanceof Error ? e.message : String(e),
      });
      void this.track(this.resync(keys())).catch((e2: unknown) => this.log.error('port resync failed', { error: String(e2) }));
    });
  }

  /** Reload the sessions of `keys` from the store and reconcile them. */
  async resync(keys: PortKey[]): Promise<ChangeResult[]> {
    for (const k of keys) {
      const [s] = await this.store.sessions({ key: k });
      if (s) this.sessionsByKey.set(portKeyString(k), slim(s));
      else this.sessionsByKey.delete(portKeyString(k));
    }
    return this.touch(keys);
  }

  private sessionFrom(ev: SubscriberEvent, key: PortKey): Session {
    const prev = this.sessionsByKey.get(portKeyString(key));
    const same = prev && prev.nas === ev.nas && prev.sessionId === ev.sessionId;
    const s: Session = {
      nas: ev.nas, sessionId: ev.sessionId, key, profile: ev.profile,
      startedAt: same ? prev.startedAt : ev.eventTime, updatedAt: ev.eventTime,
    };
    return s;
  }

  /** Reconcile attachment points on their switches; a switch not connected yields confirmed: false. */
  async touch(keys: PortKey[]): Promise<ChangeResult[]> {
    if (keys.length === 1) return [await this.touchOne((keys[0] as PortKey).dpid, keys)]; // a Start: one port, no grouping
    const byDp = new Map<Dpid, PortKey[]>();
    for (const k of keys) {
      const l = byDp.get(k.dpid) ?? [];
      l.push(k);
      byDp.set(k.dpid, l);
    }
    const out: ChangeResult[] = [];
    await Promise.all([...byDp].map(async ([dpid, ks]) => { out.push(await this.touchOne(dpid, ks)); }));
    return out;
  }

  private async touchOne(dpid: Dpid, ks: PortKey[]): Promise<ChangeResult> {
    const rc = this.reconcilers.get(dpid);
    if (!rc || !rc.datapath.connected) return { confirmed: false, adds: [], deletes: [], errors: ['switch not connected'] };
    try {
      return await rc.touch(ks);
    } catch (e) {
      return { confirmed: false, adds: [], deletes: [], errors: [errText(e)] };
    }
  }

  // -------------------------------------------------------------------------
  // Overrides (NOC API and RADIUS CoA)

  async setOverride(key: PortKey, req: OverrideRequest): Promise<{ confirmed: boolean; change: FlowChange }> {
    const ks = portKeyString(key);
    const before = this.overridesByKey.get(ks);
    const audit = {
      actor: req.actor, action: req.override ? `override:${req.override.kind}` : 'override:clear', key,
      reason: req.reason, before, after: req.override, at: this.now(),
      ...(req.ticket !== undefined ? { ticket: req.ticket } : {}),
    };
    await this.store.setOverride(key, req.override, audit);
    if (req.override) this.overridesByKey.set(ks, req.override); else this.overridesByKey.delete(ks);
    this.expiryTimers.get(ks)?.unsubscribe();
    this.expiryTimers.delete(ks);
    if (req.override) this.scheduleExpiry(key, req.override);
    const [r] = await this.touch([key]);
    const confirmed = r?.confirmed ?? false;
    this.log.info('override', {
      dpid: dpidHex(key.dpid), port: key.port, vlan: key.vlan, override: req.override?.kind ?? 'cleared',
      actor: req.actor, result: confirmed ? 'confirmed' : `not confirmed: ${(r?.errors ?? []).join(',')}`,
    });
    return { confirmed, change: { adds: r?.adds ?? [], deletes: r?.deletes ?? [] } };
  }

  async planOverride(key: PortKey, override: Override | undefined): Promise<FlowChange> {
    const st = this.stateOf(key);
    if (override) st.override = override; else delete st.override;
    const rc = this.reconcilers.get(key.dpid);
    const flows = this.policy.portFlows(st, this.now());
    if (!rc) return { adds: flows.map((f) => ({ ...addLike(f) })), deletes: [] };
    return rc.plan(key, flows);
  }

  /**
   * What a proposed policy (a new config) would change on every connected
   * switch, against what is installed now; nothing is applied.
   */
  planPolicy(policy: AppPolicy): { dpid: Dpid; change: FlowChange }[] {
    const source = this.sourceFor(policy);
    const out: { dpid: Dpid; change: FlowChange }[] = [];
    for (const [dpid, rc] of this.reconcilers) {
      if (!rc.datapath.connected) continue;
      out.push({ dpid, change: rc.planAll(source) });
    }
    return out;
  }

  async planConfig(cfg: Config): Promise<{ dpid: Dpid; name?: string; change: FlowChange }[]> {
    const policy = policyFromConfig(cfg);
    return this.planPolicy(policy).map((p) => {
      const name = policy.switchName(p.dpid);
      return name === undefined ? p : { ...p, name };
    });
  }

  private scheduleExpiry(key: PortKey, o: Override): void {
    if (o.expiresAt === undefined) return;
    const ks = portKeyString(key);
    const delay = Math.max(0, Math.min(o.expiresAt - this.now(), 2 ** 31 - 1));
    const t = this.scheduler.schedule(() => {
      this.expiryTimers.delete(ks);
      const cur = this.overridesByKey.get(ks);
      if (cur !== o) return;
      if ((o.expiresAt ?? 0) > this.now()) { this.scheduleExpiry(key, o); return; }
      this.track(this.setOverride(key, { override: undefined, actor: 'expiry', reason: `override ${o.kind} expired` }))
        .catch((e: unknown) => this.log.error('override expiry failed', { dpid: dpidHex(key.dpid), port: key.port, error: errText(e) }));
    }, delay);
    this.expiryTimers.set(ks, t);
  }

  async applyOverride(target: CoaTarget, action: CoaAction, meta: CoaMeta): Promise<CoaResult> {
    const override: Override | undefined = action === 'default'
      ? undefined
      : { kind: COA_OVERRIDE[action], actor: meta.actor, reason: meta.reason, createdAt: meta.receivedAt };
    const r = await this.setOverride(target.key, { override, actor: meta.actor, reason: meta.reason });
    return r.confirmed ? { ok: true } : { ok: false, errorCause: 506 };
  }

  // -------------------------------------------------------------------------
  // NocBackend

  switches(): SwitchInfo[] {
    const out: SwitchInfo[] = [];
    for (const [dpid, dp] of this.known) {
      const info: SwitchInfo = {
        dpid, connected: dp.connected, ports: dp.connected ? dp.ports.size : 0,
        subscriberPorts: this.policy.configuredSubscriberPorts(dpid), peer: dp.peer,
      };
      const name = this.policy.switchName(dpid);
      if (name !== undefined) info.name = name;
      out.push(info);
    }
    return out;
  }

  datapath(dpid: Dpid): Datapath | undefined {
    const dp = this.known.get(dpid);
    return dp?.connected ? dp : undefined;
  }

  get datapaths(): ReadonlyMap<Dpid, Datapath> {
    return this.known;
  }

  async ports(dpid?: Dpid): Promise<PortView[]> {
    const full = new Map<string, Session>();
    for (const s of await this.store.sessions()) if (dpid === undefined || s.key.dpid === dpid) full.set(portKeyString(s.key), s);
    const keys = new Map<string, PortKey>();
    for (const [d, dp] of this.known) {
      if (dpid !== undefined && d !== dpid) continue;
      const live = new Set(dp.ports.keys());
      for (const p of live) keys.set(portKeyString({ dpid: d, port: p }), { dpid: d, port: p });
    }
    for (const s of this.sessionsByKey.values()) if (dpid === undefined || s.key.dpid === dpid) keys.set(portKeyString(s.key), s.key);
    for (const ks of this.overridesByKey.keys()) { const k = parseKs(ks); if (dpid === undefined || k.dpid === dpid) keys.set(ks, k); }
    return [...keys.values()].map((k) => this.view(k, full.get(portKeyString(k))));
  }

  async port(key: PortKey): Promise<PortView | undefined> {
    const [s] = await this.store.sessions({ key });
    return this.view(key, s);
  }

  /** The effective state of one attachment point. */
  portStatus(key: PortKey): PortView & { installed: { priority: number; cookie: bigint }[] } {
    const rc = this.reconcilers.get(key.dpid);
    return { ...this.view(key), installed: rc ? rc.installed(key) : [] };
  }

  /** `full`: the store's session row (addresses included); the in-memory one carries only what the policy needs. */
  private view(key: PortKey, full?: Session): PortView {
    const st = this.stateOf(key);
    if (full && st.session && full.sessionId === st.session.sessionId && full.nas === st.session.nas) st.session = full;
    const dp = this.known.get(key.dpid);
    const v: PortView = { key, effective: 'blocked', reason: 'default' };
    const name = dp?.ports.get(key.port)?.name;
    if (name !== undefined) v.name = name;
    if (st.session) v.session = st.session;
    if (st.override) v.override = st.override;
    if (key.vlan === undefined && this.policy.isUplink(key.dpid, key.port)) {
      v.effective = 'uplink'; v.reason = 'default';
    } else if (st.override) {
      v.reason = 'override';
      v.effective = st.override.kind === 'exempt' ? 'allowed' : st.override.kind === 'quarantine-all' ? 'quarantined-all' : 'quarantined-smtp';
    } else if (st.session?.profile === 'exempt') {
      v.effective = 'allowed'; v.reason = 'session-profile';
    } else if (st.session) {
      v.effective = 'blocked'; v.reason = 'session';
    } else {
      v.effective = this.policy.defaultPolicy(key.dpid) === 'allow' ? 'allowed' : 'blocked';
    }
    return v;
  }

  sessions(filter?: { key?: PortKey; nas?: string }): Promise<Session[]> {
    return this.store.sessions(filter);
  }

  audit(q: AuditQuery): Promise<AuditEntry[]> {
    return this.store.queryAudit(q);
  }

  whois(address: string, at: number): Promise<SessionRecord[]> {
    return this.store.whois(address, at);
  }

  async reconcileNow(dpid: Dpid): Promise<FlowChange> {
    const rc = this.reconcilers.get(dpid);
    if (!rc || !rc.datapath.connected) throw new Error(`switch ${dpidHex(dpid)} is not connected`);
    return rc.auditDetailed();
  }

  isOp25bCookie(cookie: bigint): boolean {
    return inCookieSpace(cookie, this.policy.space);
  }

  async op25bFlows(dpid: Dpid): Promise<FlowStats[]> {
    const dp = this.datapath(dpid);
    if (!dp) throw new Error(`switch ${dpidHex(dpid)} is not connected`);
    const s = this.policy.space;
    return (await dp.dumpFlows({ table_id: 0xff, cookie: s.cookie, cookie_mask: s.mask })).filter((f) => inCookieSpace(f.cookie, s));
  }
}

/**
 * The in-memory copy of a session keeps what the policy and the ordering of
 * events need (100k ports: every byte counts); addresses stay in the store.
 */
function slim(s: Session): Session {
  return { nas: s.nas, sessionId: s.sessionId, key: s.key, profile: s.profile, startedAt: s.startedAt, updatedAt: s.updatedAt };
}

function addLike(f: DesiredFlow): FlowModInput {
  return {
    cookie: f.cookie, cookie_mask: 0n, table_id: f.table_id, command: 0, idle_timeout: 0, hard_timeout: 0,
    priority: f.priority, buffer_id: 0xffffffff, out_port: 0xffffffff, out_group: 0xffffffff, flags: 0,
    match: f.match, instructions: f.instructions,
  };
}

function parseKs(ks: string): PortKey {
  const m = /^([0-9a-f]{16}):(\d+)(?:\.(\d+))?$/.exec(ks);
  if (!m) throw new Error(`bad key ${ks}`);
  const k: PortKey = { dpid: BigInt('0x' + m[1]), port: Number(m[2]) };
  if (m[3] !== undefined) k.vlan = Number(m[3]);
  return k;
}

function errText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

export { SWITCH_WIDE };
