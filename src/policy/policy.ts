/**
 * The OP25B policy: config + port state + now -> the flows a switch should
 * hold. Pure: no I/O, no clock (time is the `now` argument), no mutation of
 * its inputs. The reconciler diffs its output against the switch.
 *
 * Entry points
 *   compilePolicy(cfg)                                   Config -> PolicyConfig (precomputed; do once per config load)
 *   desiredPortFlows(pc, state, now)                     flows of one attachment point
 *   desiredSwitchFlows(pc, dpid, livePorts)              switch-wide flows: safety net, uplink allows, table-miss
 *   desiredFlowsForSwitch(pc, dpid, livePorts, states, now)
 *                                                        everything for one switch: switch-wide + every live
 *                                                        subscriber port (state or default) + stateful VLAN keys
 *   new Op25bPolicy(cfg)                                 the same as methods (the controller's AppPolicy shape)
 *
 * Rules (priorities from flows/op25b-rules.yaml, DESIGN.md defaults):
 * - A subscriber port blocks TCP to each blocked port (default [25]) for IPv4
 *   and IPv6 (`block`, drop), with the MTA whitelist above it (`mta-allow`,
 *   one flow per MTA prefix x blocked port, eth_type by the MTA's family).
 * - The block follows the port, not an address: a session with profile
 *   'default' is blocked whatever its address; a port with no session gets
 *   the switch's default policy (block unless configured allow).
 * - Exempt (session profile 'exempt', or an active NOC 'exempt' override):
 *   `exempt-allow` flows (continue) replace the drop (same priority and match,
 *   so a switch ADD replaces the drop in place); the MTA flows stay.
 * - NOC quarantine (active override) adds `quarantine` flows above
 *   everything: smtp-only (drop TCP to the blocked ports, toward the MTAs
 *   too) or all traffic (drop everything entering on the port). The flows
 *   below stay, so lifting a quarantine only deletes.
 * - An override with expiresAt <= now is ignored.
 * - Destination-scoped mode (global `destination_scope`, or per switch): the
 *   block, exempt-allow and safety-net flows carry ipv4_dst/ipv6_dst of each
 *   scope prefix; MTA flows are kept only for MTAs inside a scope prefix
 *   (elsewhere nothing blocks them). Quarantine ignores the scope.
 * - VLAN attachment points (key.vlan): flows add vlan_vid = VLAN|0x1000 and
 *   sit vlan_priority_offset above the port-wide ones, so an exempt or
 *   quarantined C-VLAN wins over its port's default. A VLAN key with neither
 *   session nor active override has no flows of its own (the port-wide
 *   default covers every VLAN of the port).
 * - Uplinks are never blocked (an uplink or non-subscriber port gets no
 *   per-port flows, whatever its state); they get `uplink` allows (continue)
 *   above the switch-wide safety net.
 * - Switch-wide: `safety-net` (drop TCP to the blocked ports from any port,
 *   below every per-port rule) when the switch has subscriber ports and its
 *   default policy is block; `table-miss` (continue) always.
 * - A switch the config does not list gets no flows at all.
 *
 * Matches are built with the codec's buildMatch (canonical order, prerequisites
 * checked) once per template; per port, only the in_port/vlan_vid TLVs are
 * substituted, so equal flows share their other TLV and instruction objects
 * (memory at 100k ports). Treat returned flows as immutable.
 */
import { buildMatch, type MatchSpec } from '../openflow/match';
import { OFPP_NORMAL } from '../openflow/constants';
import type { Instruction, Match, OxmTlv } from '../openflow/types';
import {
  findSwitch, isSubscriberPort, isUplink, rangesToList, type Config, type SwitchConfig,
} from '../app/config';
import { OP25B_COOKIE, OP25B_COOKIE_MASK, cookieFor, decodeCookie } from './cookie';
import { minimalPrefixes, prefixMatchValue, prefixesOverlap, type IpPrefix } from './prefix';
import type { FixedFields, FlowTemplates, MatchPart, TemplateName } from './templates';
import { portKeyString, type DesiredFlow, type Override, type PortKey, type PortState, type RuleKind } from './types';

export const OFPVID_PRESENT = 0x1000;

/** The config a policy needs, precomputed by compilePolicy. */
export interface PolicyConfig {
  table_id: number;
  flows: FlowTemplates;
  blocked_ports: readonly number[];
  mtas: readonly IpPrefix[];
  default_policy: 'block' | 'allow';
  destination_scope?: readonly IpPrefix[];
  /** Instructions of a `continue` rule (goto_table N, or apply-actions output NORMAL). */
  continueInstructions: Instruction[];
  switches: ReadonlyMap<bigint, CompiledSwitch>;
}

export interface CompiledSwitch {
  sw: SwitchConfig;
  default_policy: 'block' | 'allow';
  /** Effective scope (the switch's, else the global one); undefined = every destination. */
  scope?: readonly IpPrefix[];
  hasSubscriberPorts: boolean;
  /** Uplink ports listed explicitly in config (bounded expansion); live uplinks are added per call. */
  uplinkPorts: readonly number[];
  /** Per template, per (with VLAN?): built template matches. Filled lazily. */
  cache: Map<string, TemplateMatch[]>;
}

/** A built match with the positions of the TLVs to substitute per attachment point. */
interface TemplateMatch {
  match: Match;
  inPortAt: number;
  vlanAt: number;
}

const DROP: Instruction[] = [];

/** Cookie-space filter covering every OP25B flow (the reconciler's CookieSpace). */
export const OP25B_SPACE: { readonly cookie: bigint; readonly mask: bigint } = { cookie: OP25B_COOKIE, mask: OP25B_COOKIE_MASK };

/** The index key the reconciler uses for switch-wide flows (equal to reconcile's SWITCH_WIDE). */
export const SWITCH_WIDE_KEY = '*';

/** Rule kinds that are switch-wide (not one attachment point's). */
export const SWITCH_WIDE_RULES: ReadonlySet<RuleKind> = new Set<RuleKind>(['safety-net', 'uplink', 'table-miss']);

const MAX_EXPANDED_UPLINKS = 4096;

export function compilePolicy(cfg: Pick<Config, 'table_id' | 'flows' | 'blocked_ports' | 'mtas' | 'default_policy' | 'destination_scope' | 'continue' | 'switches'>): PolicyConfig {
  const continueInstructions: Instruction[] = 'goto_table' in cfg.continue
    ? [{ type: 'GOTO_TABLE', table_id: cfg.continue.goto_table }]
    : [{ type: 'APPLY_ACTIONS', actions: [{ type: 'OUTPUT', port: OFPP_NORMAL, max_len: 0 }] }];
  const switches = new Map<bigint, CompiledSwitch>();
  for (const sw of cfg.switches) {
    let count = 0;
    for (const [a, b] of sw.uplinks) count += b - a + 1;
    const cs: CompiledSwitch = {
      sw,
      default_policy: sw.default_policy ?? cfg.default_policy,
      hasSubscriberPorts: sw.subscriber_ports === 'all' || sw.subscriber_ports.length > 0,
      uplinkPorts: count <= MAX_EXPANDED_UPLINKS ? rangesToList(sw.uplinks) : [],
      cache: new Map(),
    };
    const scope = sw.destination_scope?.prefixes ?? cfg.destination_scope?.prefixes;
    if (scope) cs.scope = minimalPrefixes(scope);
    switches.set(sw.dpid, cs);
  }
  const pc: PolicyConfig = {
    table_id: cfg.table_id,
    flows: cfg.flows,
    blocked_ports: cfg.blocked_ports,
    mtas: minimalPrefixes(cfg.mtas),
    default_policy: cfg.default_policy,
    continueInstructions,
    switches,
  };
  if (cfg.destination_scope) pc.destination_scope = minimalPrefixes(cfg.destination_scope.prefixes);
  // Build every template once now, so a template the codec refuses fails at load, not at the first event.
  for (const cs of switches.values()) {
    for (const name of Object.keys(cfg.flows.templates) as TemplateName[]) {
      templateMatches(pc, cs, name, false);
      templateMatches(pc, cs, name, true);
    }
  }
  return pc;
}

/** Is the override in force at `now`? */
export function activeOverride(o: Override | undefined, now: number): Override | undefined {
  if (!o) return undefined;
  if (o.expiresAt !== undefined && o.expiresAt <= now) return undefined;
  return o;
}

// ---------------------------------------------------------------------------
// Template expansion

function familyDst(family: 4 | 6): 'ipv4_dst' | 'ipv6_dst' {
  return family === 4 ? 'ipv4_dst' : 'ipv6_dst';
}

/** Port-independent match specs of a template for one switch (in_port/vlan_vid as placeholders). */
function templateSpecs(pc: PolicyConfig, cs: CompiledSwitch, name: TemplateName, withVlan: boolean): MatchSpec[] {
  const tpl = pc.flows.templates[name];
  const parts = tpl.match.filter((m): m is MatchPart => typeof m === 'string');
  const fixed = tpl.match.filter((m): m is FixedFields => typeof m !== 'string');
  const base: MatchSpec = {};
  for (const f of fixed) Object.assign(base, f);
  if (parts.includes('in_port')) base.in_port = 1;
  if (parts.includes('vlan') && withVlan) base.vlan_vid = OFPVID_PRESENT | 1;
  if (!parts.includes('ip_tcp')) return [base];

  const out: MatchSpec[] = [];
  for (const family of [4, 6] as const) {
    const famBase: MatchSpec = { ...base, eth_type: family === 4 ? 0x0800 : 0x86dd, ip_proto: 6 };
    // Destinations: MTA prefixes, scope prefixes, or none (one spec without a dst field).
    let dsts: (IpPrefix | undefined)[] = [undefined];
    if (parts.includes('mta')) {
      dsts = pc.mtas.filter((m) => m.family === family
        && (cs.scope === undefined || cs.scope.some((s) => prefixesOverlap(s, m))));
    }
    if (parts.includes('scope') && cs.scope !== undefined) {
      const scoped = cs.scope.filter((s) => s.family === family);
      // A template with both mta and scope would intersect them; the shipped ones never do, keep it simple.
      dsts = parts.includes('mta') ? dsts.filter((d) => d && scoped.some((s) => prefixesOverlap(s, d))) : scoped;
    }
    for (const d of dsts) {
      const withDst: MatchSpec = { ...famBase };
      if (d) {
        const v = prefixMatchValue(d);
        if (v !== undefined) withDst[familyDst(family)] = v;
      }
      if (parts.includes('blocked_port')) {
        for (const p of pc.blocked_ports) out.push({ ...withDst, tcp_dst: p });
      } else {
        out.push(withDst);
      }
    }
  }
  return out;
}

function templateMatches(pc: PolicyConfig, cs: CompiledSwitch, name: TemplateName, withVlan: boolean): TemplateMatch[] {
  const k = `${name}|${withVlan ? 'v' : '-'}`;
  let t = cs.cache.get(k);
  if (!t) {
    t = templateSpecs(pc, cs, name, withVlan).map((spec) => {
      const match = buildMatch(spec);
      return {
        match,
        inPortAt: match.findIndex((e) => e.field === 'in_port'),
        vlanAt: match.findIndex((e) => e.field === 'vlan_vid'),
      };
    });
    cs.cache.set(k, t);
  }
  return t;
}

/** The per-attachment-point TLVs, made once per call and shared by that port's flows. */
interface KeyTlvs {
  key: PortKey;
  inPort: OxmTlv;
  vlan?: OxmTlv;
}

function keyTlvs(key: PortKey): KeyTlvs {
  const t: KeyTlvs = { key, inPort: { field: 'in_port', value: key.port } };
  if (key.vlan !== undefined) t.vlan = { field: 'vlan_vid', value: OFPVID_PRESENT | key.vlan };
  return t;
}

function expand(pc: PolicyConfig, cs: CompiledSwitch, name: TemplateName, kt: KeyTlvs | undefined, out: DesiredFlow[]): void {
  const tpl = pc.flows.templates[name];
  const key = kt?.key;
  const vlan = key?.vlan;
  const priority = pc.flows.priorities[tpl.rule] + (vlan !== undefined ? pc.flows.vlan_priority_offset : 0);
  const cookie = cookieFor(tpl.rule, key);
  const instructions = tpl.action === 'drop' ? DROP : pc.continueInstructions;
  const switchWide = SWITCH_WIDE_RULES.has(tpl.rule);
  for (const t of templateMatches(pc, cs, name, vlan !== undefined)) {
    let match = t.match;
    if (kt && (t.inPortAt >= 0 || t.vlanAt >= 0)) {
      match = match.slice();
      if (t.inPortAt >= 0) match[t.inPortAt] = kt.inPort;
      if (t.vlanAt >= 0 && kt.vlan) match[t.vlanAt] = kt.vlan;
    }
    const f: DesiredFlow = { table_id: pc.table_id, priority, cookie, match, instructions, rule: tpl.rule };
    if (key && !switchWide) f.key = key;
    out.push(f);
  }
}

// ---------------------------------------------------------------------------
// Public policy functions

/** What the policy decided for one attachment point, for logs and the API. */
export interface PortDecision {
  /** false: not a subscriber port of a configured switch (no flows). */
  covered: boolean;
  /** The effective base rule: blocked (drop + MTA whitelist), exempt (allow), allowed (default allow, no flows), none (VLAN key with nothing of its own). */
  base: 'blocked' | 'exempt' | 'allowed' | 'none';
  quarantine?: 'quarantine-smtp' | 'quarantine-all';
  /** Why: 'session', 'default', 'profile-exempt', 'override-exempt', 'uplink', 'not-subscriber-port', 'unknown-switch'. */
  reason: string;
}

/** The decision behind desiredPortFlows (same rules, no flows built). */
export function decidePort(pc: PolicyConfig, state: PortState, now: number): PortDecision {
  const { key } = state;
  const cs = pc.switches.get(key.dpid);
  if (!cs) return { covered: false, base: 'none', reason: 'unknown-switch' };
  if (isUplink(cs.sw, key.port)) return { covered: false, base: 'none', reason: 'uplink' };
  if (!isSubscriberPort(cs.sw, key.port)) return { covered: false, base: 'none', reason: 'not-subscriber-port' };
  const override = activeOverride(state.override, now);
  const session = state.session;
  const d: PortDecision = { covered: true, base: 'blocked', reason: 'default' };
  if (override?.kind === 'quarantine-smtp' || override?.kind === 'quarantine-all') d.quarantine = override.kind;
  if (override?.kind === 'exempt') {
    d.base = 'exempt';
    d.reason = 'override-exempt';
  } else if (session?.profile === 'exempt') {
    d.base = 'exempt';
    d.reason = 'profile-exempt';
  } else if (session) {
    d.base = 'blocked';
    d.reason = 'session';
  } else if (key.vlan !== undefined) {
    // No session: the port-wide default covers this VLAN, unless a quarantine needs its own flows.
    d.base = 'none';
  } else {
    d.base = cs.default_policy === 'block' ? 'blocked' : 'allowed';
  }
  return d;
}

/**
 * Desired flows of one attachment point (state.key): its block or exempt
 * allow, the MTA whitelist, and a NOC quarantine on top. [] for a port that
 * is not a subscriber port of a configured switch (uplinks are never blocked).
 */
export function desiredPortFlows(pc: PolicyConfig, state: PortState, now: number): DesiredFlow[] {
  const d = decidePort(pc, state, now);
  if (!d.covered) return [];
  const cs = pc.switches.get(state.key.dpid)!;
  const out: DesiredFlow[] = [];
  if (d.base === 'none' && !d.quarantine) return out;
  const kt = keyTlvs(state.key);
  if (d.quarantine) expand(pc, cs, d.quarantine, kt, out);
  if (d.base === 'blocked') {
    expand(pc, cs, 'mta-allow', kt, out);
    expand(pc, cs, 'block', kt, out);
  } else if (d.base === 'exempt') {
    expand(pc, cs, 'mta-allow', kt, out);
    expand(pc, cs, 'exempt-allow', kt, out);
  }
  return out;
}

/**
 * Switch-wide flows of one switch: the safety net (when it has subscriber
 * ports and its default is block), an allow per uplink (configured uplink
 * ports, plus live ports inside the uplink ranges), and the table-miss.
 * [] for a switch the config does not list.
 */
export function desiredSwitchFlows(pc: PolicyConfig, dpid: bigint, livePorts: Iterable<number> = []): DesiredFlow[] {
  const cs = pc.switches.get(dpid);
  if (!cs) return [];
  const out: DesiredFlow[] = [];
  const uplinks = new Set(cs.uplinkPorts);
  for (const p of livePorts) if (isUplink(cs.sw, p)) uplinks.add(p);
  for (const p of [...uplinks].sort((a, b) => a - b)) expand(pc, cs, 'uplink', keyTlvs({ dpid, port: p }), out);
  if (cs.hasSubscriberPorts && cs.default_policy === 'block') expand(pc, cs, 'safety-net', undefined, out);
  expand(pc, cs, 'table-miss', undefined, out);
  return out;
}

/** Live ports of a switch that are subscriber ports, ascending. [] for an unknown switch. */
export function subscriberPorts(pc: PolicyConfig, dpid: bigint, livePorts: Iterable<number>): number[] {
  const cs = pc.switches.get(dpid);
  if (!cs) return [];
  const out: number[] = [];
  for (const p of livePorts) if (isSubscriberPort(cs.sw, p)) out.push(p);
  return out.sort((a, b) => a - b);
}

/**
 * Every desired flow of one switch: switch-wide flows, each live subscriber
 * port's flows (its state from `states`, else the port's default), and every
 * stateful VLAN attachment point on a live subscriber port.
 * `states` is keyed by portKeyString.
 */
export function desiredFlowsForSwitch(
  pc: PolicyConfig, dpid: bigint, livePorts: Iterable<number>,
  states: ReadonlyMap<string, PortState>, now: number,
): DesiredFlow[] {
  const live = [...livePorts];
  const out = desiredSwitchFlows(pc, dpid, live);
  const subs = subscriberPorts(pc, dpid, live);
  const subSet = new Set(subs);
  for (const port of subs) {
    const key = { dpid, port };
    out.push(...desiredPortFlows(pc, states.get(portKeyString(key)) ?? { key }, now));
  }
  for (const st of states.values()) {
    if (st.key.dpid === dpid && st.key.vlan !== undefined && subSet.has(st.key.port)) out.push(...desiredPortFlows(pc, st, now));
  }
  return out;
}

/** The attachment point (portKeyString) a cookie serves, or SWITCH_WIDE_KEY for switch-wide rules and foreign cookies. */
export function keyOfCookie(dpid: bigint, cookie: bigint): string {
  const d = decodeCookie(cookie);
  if (!d || SWITCH_WIDE_RULES.has(d.kind) || d.port === 0) return SWITCH_WIDE_KEY;
  return portKeyString(d.vlan === undefined ? { dpid, port: d.port } : { dpid, port: d.port, vlan: d.vlan });
}

/**
 * The policy as an object with the controller's AppPolicy method names, over
 * one compiled config (build a new one on reload).
 */
export class Op25bPolicy {
  readonly pc: PolicyConfig;
  readonly space = OP25B_SPACE;
  constructor(readonly cfg: Config) {
    this.pc = compilePolicy(cfg);
  }
  switchName(dpid: bigint): string | undefined {
    return findSwitch(this.cfg, dpid)?.name;
  }
  subscriberPorts(dpid: bigint, live: Iterable<number>): number[] {
    return subscriberPorts(this.pc, dpid, live);
  }
  /** Number of configured subscriber ports; -1 when the switch covers every port but its uplinks; 0 for an unknown switch. */
  configuredSubscriberPorts(dpid: bigint): number {
    const sw = findSwitch(this.cfg, dpid);
    if (!sw) return 0;
    if (sw.subscriber_ports === 'all') return -1;
    let n = 0;
    for (const [a, b] of sw.subscriber_ports) n += b - a + 1;
    return n;
  }
  isSubscriberPort(dpid: bigint, port: number): boolean {
    const sw = findSwitch(this.cfg, dpid);
    return sw !== undefined && isSubscriberPort(sw, port);
  }
  isUplink(dpid: bigint, port: number): boolean {
    const sw = findSwitch(this.cfg, dpid);
    return sw !== undefined && isUplink(sw, port);
  }
  defaultPolicy(dpid: bigint): 'block' | 'allow' {
    return this.pc.switches.get(dpid)?.default_policy ?? this.pc.default_policy;
  }
  decide(state: PortState, now: number): PortDecision {
    return decidePort(this.pc, state, now);
  }
  portFlows(state: PortState, now: number): DesiredFlow[] {
    return desiredPortFlows(this.pc, state, now);
  }
  switchFlows(dpid: bigint, live: Iterable<number>, _now?: number): DesiredFlow[] {
    return desiredSwitchFlows(this.pc, dpid, live);
  }
  flowsForSwitch(dpid: bigint, live: Iterable<number>, states: ReadonlyMap<string, PortState>, now: number): DesiredFlow[] {
    return desiredFlowsForSwitch(this.pc, dpid, live, states, now);
  }
  keyOfCookie(dpid: bigint, cookie: bigint): string {
    return keyOfCookie(dpid, cookie);
  }
}
