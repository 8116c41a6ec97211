/**
 * Test support for the reconciler: a small policy of its own (the DESIGN.md
 * flow model, cookie layout 0x0B25 | kind | vlan | port), so these tests do
 * not depend on src/policy, and a manual scheduler (virtual clock).
 */
import { Subscription, type SchedulerAction, type SchedulerLike } from 'rxjs';
import type { Dpid, Instruction, Match } from '../../src/openflow/types';
import type { DesiredFlow, PortKey, RuleKind } from '../../src/policy/types';
import { portKeyString } from '../../src/policy/types';
import { SWITCH_WIDE, type ReconcileSource } from '../../src/reconcile/reconciler';

export const TAG = 0x0b25n << 48n;
const KIND: Record<RuleKind, bigint> = {
  'quarantine': 1n, 'mta-allow': 2n, 'block': 3n, 'exempt-allow': 4n, 'safety-net': 5n, 'uplink': 6n, 'table-miss': 7n,
};
export const SPACE = { cookie: TAG, mask: 0xffffn << 48n };

export function cookieOf(kind: RuleKind, port: number, vlan = 0): bigint {
  return TAG | (KIND[kind] << 44n) | (BigInt(vlan) << 32n) | BigInt(port);
}

export type TestState = 'block' | 'exempt' | 'quarantine' | 'allow';
export const MTAS = ['192.0.2.25', '198.51.100.0/24', '2001:db8:25::/48'];
const CONTINUE: Instruction[] = [{ type: 'GOTO_TABLE', table_id: 1 }];

function ipMatch(inPort: number, v6: boolean, dst?: string, vlan?: number): Match {
  const m: Match = [{ field: 'in_port', value: inPort }];
  if (vlan !== undefined) m.push({ field: 'vlan_vid', value: 0x1000 | vlan });
  m.push({ field: 'eth_type', value: v6 ? 0x86dd : 0x0800 }, { field: 'ip_proto', value: 6 });
  if (dst) {
    const [a, len] = dst.split('/');
    const bits = Number(len ?? (v6 ? 128 : 32));
    if (v6) {
      m.push(bits === 128 ? { field: 'ipv6_dst', value: a as string } : { field: 'ipv6_dst', value: a as string, mask: v6mask(bits) });
    } else {
      m.push(bits === 32 ? { field: 'ipv4_dst', value: a as string } : { field: 'ipv4_dst', value: a as string, mask: v4mask(bits) });
    }
  }
  m.push({ field: 'tcp_dst', value: 25 });
  return m;
}
function v4mask(bits: number): string {
  const v = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
  return [24, 16, 8, 0].map((s) => (v >>> s) & 0xff).join('.');
}
function v6mask(bits: number): string {
  const g: string[] = [];
  for (let i = 0; i < 8; i++) {
    const b = Math.max(0, Math.min(16, bits - i * 16));
    g.push(((0xffff << (16 - b)) & 0xffff).toString(16));
  }
  return g.join(':');
}

/** Desired flows of one port in a state (DESIGN.md priorities). */
export function testFlows(key: PortKey, state: TestState): DesiredFlow[] {
  const out: DesiredFlow[] = [];
  const v = key.vlan;
  const mk = (rule: RuleKind, priority: number, match: Match, instructions: Instruction[]): void => {
    out.push({ table_id: 0, priority, cookie: cookieOf(rule, key.port, v ?? 0), match, instructions, rule, key });
  };
  if (state === 'quarantine') {
    mk('quarantine', 40000, [{ field: 'in_port', value: key.port }, ...(v !== undefined ? [{ field: 'vlan_vid' as const, value: 0x1000 | v }] : [])], []);
  }
  if (state === 'block' || state === 'quarantine') {
    for (const mta of MTAS) mk('mta-allow', 30000, ipMatch(key.port, mta.includes(':'), mta, v), CONTINUE);
    mk('block', 20000, ipMatch(key.port, false, undefined, v), []);
    mk('block', 20000, ipMatch(key.port, true, undefined, v), []);
  }
  if (state === 'exempt') {
    mk('exempt-allow', 20000, ipMatch(key.port, false, undefined, v), CONTINUE);
    mk('exempt-allow', 20000, ipMatch(key.port, true, undefined, v), CONTINUE);
  }
  return out;
}

/** A ReconcileSource over a mutable state map; ports in `subscriberPorts` default to `defaultState`. */
export class TestSource implements ReconcileSource {
  readonly space = SPACE;
  readonly state = new Map<string, TestState>();
  constructor(public subscriberPorts: Set<number>, public defaultState: TestState = 'block', readonly uplinks = [99]) {}
  set(key: PortKey, s: TestState | undefined): void {
    if (s === undefined) this.state.delete(portKeyString(key)); else this.state.set(portKeyString(key), s);
  }
  keys(dpid: Dpid, live: ReadonlySet<number>): PortKey[] {
    const out: PortKey[] = [];
    for (const p of live) if (this.subscriberPorts.has(p)) out.push({ dpid, port: p });
    for (const ks of this.state.keys()) {
      const [d, rest] = ks.split(':');
      const [p, vl] = (rest ?? '').split('.');
      const k: PortKey = { dpid: BigInt('0x' + d), port: Number(p) };
      if (vl !== undefined) k.vlan = Number(vl);
      if (k.dpid === dpid && (vl !== undefined || !this.subscriberPorts.has(k.port) || !live.has(k.port))) out.push(k);
    }
    return out;
  }
  covers(key: PortKey, live: ReadonlySet<number>): boolean {
    return (live.has(key.port) && this.subscriberPorts.has(key.port)) || this.state.has(portKeyString(key));
  }
  portFlows(key: PortKey): DesiredFlow[] {
    const s = this.state.get(portKeyString(key)) ?? this.defaultState;
    return testFlows(key, s);
  }
  switchFlows(_dpid: Dpid, live: ReadonlySet<number>): DesiredFlow[] {
    return this.uplinks.filter((u) => live.has(u)).map((u) => ({
      table_id: 0, priority: 1001, cookie: cookieOf('uplink', u), match: [{ field: 'in_port', value: u }],
      instructions: CONTINUE, rule: 'uplink' as const,
    }));
  }
  keyOfCookie(dpid: Dpid, cookie: bigint): string {
    const kind = Number((cookie >> 44n) & 0xfn);
    if (kind === 6 || kind === 5 || kind === 7) return SWITCH_WIDE;
    const vlan = Number((cookie >> 32n) & 0xfffn);
    const port = Number(cookie & 0xffffffffn);
    return portKeyString(vlan ? { dpid, port, vlan } : { dpid, port });
  }
}

/** A virtual clock implementing rxjs SchedulerLike: nothing runs until advance(). */
export class ManualScheduler implements SchedulerLike {
  private t = 0;
  private q: { at: number; run: () => void; cancelled: boolean; seq: number }[] = [];
  private seq = 0;
  now(): number { return this.t; }
  schedule<T>(work: (this: SchedulerAction<T>, state?: T) => void, delay = 0, state?: T): Subscription {
    const item = { at: this.t + delay, run: () => work.call({} as SchedulerAction<T>, state), cancelled: false, seq: this.seq++ };
    this.q.push(item);
    return new Subscription(() => { item.cancelled = true; });
  }
  get pending(): number { return this.q.filter((i) => !i.cancelled).length; }
  advance(ms: number): void {
    const target = this.t + ms;
    for (;;) {
      this.q = this.q.filter((i) => !i.cancelled);
      const due = this.q.filter((i) => i.at <= target).sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
      if (!due) break;
      this.q.splice(this.q.indexOf(due), 1);
      this.t = due.at;
      due.run();
    }
    this.t = target;
  }
}
