/**
 * A NocBackend for API tests: FakeDatapaths (test/support) with a real fake
 * flow table, an in-memory override/session/audit state, and a settable
 * clock. Its "policy" is tiny but real: every subscriber port gets one block
 * flow (priority 20000, tcp_dst 25), a quarantined port one more (40000), so
 * reconcileNow can put back what an ofctl delete removed.
 */
import type { Dpid, FlowStats, Match } from '../../src/openflow/types';
import { buildMatch } from '../../src/openflow/match';
import type { Override, PortKey, Session } from '../../src/policy/types';
import { portKeyString } from '../../src/policy/types';
import { cookieFor, isOp25bCookie, allCookieFilter } from '../../src/policy/cookie';
import type { AuditEntry, AuditInput, AuditQuery, SessionRecord } from '../../src/store/types';
import type { Datapath, FlowModInput } from '../../src/switch/types';
import type { FlowChange, NocBackend, OverrideRequest, PortView, SwitchInfo } from '../../src/api/backend';
import { FakeDatapath } from '../support/fake-datapath';
import type { Config } from '../../src/app/config';

export function mod(command: number, cookie: bigint, priority: number, match: Match, drop = true): FlowModInput {
  return {
    cookie, cookie_mask: command >= 3 ? 0xffffffffffffffffn : 0n, table_id: 0, command, idle_timeout: 0, hard_timeout: 0,
    priority, buffer_id: 0xffffffff, out_port: 0xffffffff, out_group: 0xffffffff, flags: 0, match,
    instructions: drop ? [] : [{ type: 'APPLY_ACTIONS', actions: [{ type: 'OUTPUT', port: 0xfffffffa, max_len: 0xffe5 }] }],
  };
}

export class FakeBackend implements NocBackend {
  clock = Date.parse('2026-11-28T10:00:00Z');
  readonly dps = new Map<Dpid, FakeDatapath>();
  readonly names = new Map<Dpid, string>();
  readonly overrides = new Map<string, Override>();
  sessionList: Session[] = [];
  history: SessionRecord[] = [];
  readonly auditLog: AuditEntry[] = [];
  reconcileCalls: Dpid[] = [];
  setOverrideCalls: { key: PortKey; req: OverrideRequest }[] = [];

  now = (): number => this.clock;

  addSwitch(dpid: Dpid, ports: number[], name?: string): FakeDatapath {
    const dp = new FakeDatapath(dpid, ports);
    this.dps.set(dpid, dp);
    if (name) this.names.set(dpid, name);
    for (const p of ports) for (const m of this.desired({ dpid, port: p })) dp.table.apply(m);
    return dp;
  }

  /** The fake policy: one block flow per port, plus a quarantine flow when quarantined. */
  desired(key: PortKey): FlowModInput[] {
    const out = [mod(0, cookieFor('block', key), 20000, buildMatch({ in_port: key.port, eth_type: 0x0800, ip_proto: 6, tcp_dst: 25 }))];
    const o = this.activeOverride(key);
    if (o && o.kind !== 'exempt') {
      const m = o.kind === 'quarantine-all' ? buildMatch({ in_port: key.port }) : buildMatch({ in_port: key.port, eth_type: 0x0800, ip_proto: 6, tcp_dst: 25 });
      out.push(mod(0, cookieFor('quarantine', key), 40000, m));
    }
    return out;
  }

  activeOverride(key: PortKey): Override | undefined {
    const o = this.overrides.get(portKeyString(key));
    return o && (o.expiresAt === undefined || o.expiresAt > this.clock) ? o : undefined;
  }

  switches(): SwitchInfo[] {
    return [...this.dps.values()].map((dp) => ({
      dpid: dp.dpid, connected: dp.connected, peer: dp.peer, ports: dp.connected ? dp.ports.size : 0, subscriberPorts: dp.ports.size,
      ...(this.names.has(dp.dpid) ? { name: this.names.get(dp.dpid)! } : {}),
    }));
  }

  datapath(dpid: Dpid): Datapath | undefined {
    const dp = this.dps.get(dpid);
    return dp?.connected ? dp : undefined;
  }

  private view(key: PortKey): PortView {
    const o = this.activeOverride(key);
    const s = this.sessionList.find((x) => portKeyString(x.key) === portKeyString(key));
    const v: PortView = { key, effective: 'blocked', reason: 'default' };
    if (s) { v.session = s; v.reason = s.profile === 'exempt' ? 'session-profile' : 'session'; if (s.profile === 'exempt') v.effective = 'allowed'; }
    if (o) {
      v.override = o; v.reason = 'override';
      v.effective = o.kind === 'exempt' ? 'allowed' : o.kind === 'quarantine-all' ? 'quarantined-all' : 'quarantined-smtp';
    }
    return v;
  }

  async ports(dpid?: Dpid): Promise<PortView[]> {
    const out: PortView[] = [];
    for (const dp of this.dps.values()) {
      if (dpid !== undefined && dp.dpid !== dpid) continue;
      for (const p of dp.ports.keys()) out.push(this.view({ dpid: dp.dpid, port: p }));
    }
    return out;
  }

  async port(key: PortKey): Promise<PortView | undefined> {
    return this.view(key);
  }

  async sessions(filter?: { key?: PortKey; nas?: string }): Promise<Session[]> {
    return this.sessionList.filter((s) => (!filter?.key || portKeyString(s.key) === portKeyString(filter.key)) && (!filter?.nas || s.nas === filter.nas));
  }

  async audit(q: AuditQuery): Promise<AuditEntry[]> {
    return this.auditLog.filter((a) =>
      (!q.key || (a.key && portKeyString(a.key) === portKeyString(q.key))) &&
      (!q.subscriber || a.subscriber === q.subscriber) &&
      (q.from === undefined || a.at >= q.from) && (q.to === undefined || a.at <= q.to)).reverse().slice(0, q.limit ?? 1000);
  }

  appendAudit(a: AuditInput): void {
    this.auditLog.push({ ...a, id: String(this.auditLog.length + 1) });
  }

  async whois(address: string, at: number): Promise<SessionRecord[]> {
    return this.history.filter((r) => (r.framedIp === address || (r.delegatedIpv6Prefix !== undefined && inPrefix6(address, r.delegatedIpv6Prefix))) && r.from <= at && (r.to === undefined || at < r.to));
  }

  async setOverride(key: PortKey, req: OverrideRequest): Promise<{ confirmed: boolean; change: FlowChange }> {
    this.setOverrideCalls.push({ key, req });
    const ks = portKeyString(key);
    const before = this.overrides.get(ks);
    if (req.override) this.overrides.set(ks, req.override); else this.overrides.delete(ks);
    this.appendAudit({ actor: req.actor, action: req.override ? `override:${req.override.kind}` : 'override:clear', key, reason: req.reason, before, after: req.override, at: this.clock, ...(req.ticket ? { ticket: req.ticket } : {}) });
    const dp = this.datapath(key.dpid);
    const change = await this.planOverride(key, req.override);
    if (!dp) return { confirmed: false, change: { adds: [], deletes: [] } };
    await dp.sendFlowMods([...change.adds, ...change.deletes]);
    return { confirmed: true, change };
  }

  async planOverride(key: PortKey, override: Override | undefined): Promise<FlowChange> {
    const dp = this.dps.get(key.dpid);
    const ks = portKeyString(key);
    const saved = this.overrides.get(ks);
    if (override) this.overrides.set(ks, override); else this.overrides.delete(ks);
    const want = this.desired(key);
    if (saved) this.overrides.set(ks, saved); else this.overrides.delete(ks);
    const have = dp ? dp.table.entries({ table_id: 0, cookie: cookieFor('quarantine', key), cookie_mask: 0xffffffffffffffffn }) : [];
    const wantQ = want.filter((m) => m.priority === 40000);
    const adds = wantQ.filter((m) => !have.some((h) => h.priority === m.priority && JSON.stringify(h.match) === JSON.stringify(m.match)));
    const deletes = have.filter((h) => !wantQ.some((m) => m.priority === h.priority && JSON.stringify(h.match) === JSON.stringify(m.match)))
      .map((h) => mod(4, h.cookie, h.priority, h.match));
    return { adds, deletes };
  }

  /** Configs the API asked to plan (the real planning is tested on the controller). */
  readonly plannedConfigs: Config[] = [];
  async planConfig(cfg: Config): Promise<{ dpid: Dpid; name?: string; change: FlowChange }[]> {
    this.plannedConfigs.push(cfg);
    const out: { dpid: Dpid; name?: string; change: FlowChange }[] = [];
    for (const [dpid, dp] of this.dps) {
      if (!dp.connected) continue;
      const adds = [...dp.ports.keys()].flatMap((p) => this.desired({ dpid, port: p }));
      out.push({ dpid, name: cfg.switches.find((s) => s.dpid === dpid)?.name ?? 'unnamed', change: { adds, deletes: [] } });
    }
    return out;
  }

  async reconcileNow(dpid: Dpid): Promise<FlowChange> {
    this.reconcileCalls.push(dpid);
    const dp = this.datapath(dpid);
    if (!dp) throw new Error('not connected');
    const f = dp as FakeDatapath;
    const adds: FlowModInput[] = [];
    for (const p of f.ports.keys()) {
      for (const m of this.desired({ dpid, port: p })) {
        const have = f.table.entries({ table_id: 0, cookie: m.cookie, cookie_mask: 0xffffffffffffffffn })
          .some((h) => h.priority === m.priority && JSON.stringify(h.match) === JSON.stringify(m.match) && h.instructions.length === m.instructions.length);
        if (!have) adds.push(m);
      }
    }
    if (adds.length) await f.sendFlowMods(adds);
    return { adds, deletes: [] };
  }

  isOp25bCookie(cookie: bigint): boolean {
    return isOp25bCookie(cookie);
  }

  async op25bFlows(dpid: Dpid): Promise<FlowStats[]> {
    const dp = this.datapath(dpid);
    if (!dp) throw new Error('not connected');
    return dp.dumpFlows({ table_id: 0xff, ...allCookieFilter() });
  }
}

function inPrefix6(addr: string, prefix: string): boolean {
  const [p, len] = prefix.split('/');
  const toBig = (a: string): bigint => {
    const [head, tail] = a.split('::');
    const h = head ? head.split(':') : [];
    const t = tail !== undefined && tail !== '' ? tail.split(':') : [];
    const parts = tail === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill('0'), ...t];
    return parts.reduce((acc, x) => (acc << 16n) | BigInt(parseInt(x || '0', 16)), 0n);
  };
  if (!addr.includes(':') || !p) return false;
  const n = BigInt(128 - Number(len));
  return (toBig(addr) >> n) === (toBig(p) >> n);
}
