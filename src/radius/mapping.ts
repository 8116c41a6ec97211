/**
 * From a RADIUS session to an access-switch port: a pure function built from
 * config. Rules are tried in order; the first rule whose NAS filter and
 * pattern match decides (a rule that matches but cannot be resolved, e.g. an
 * unknown port name, is an error, not a fall-through, so a typo never maps a
 * subscriber to the wrong port).
 *
 * Rule kinds:
 * - table:    explicit entries keyed by NAS + NAS-Port-Id or NAS + NAS-Port.
 * - pattern:  a template on NAS-Port-Id or Agent-Circuit-Id ("olt1 eth 1/1/{port}:{vlan}")
 *             or a raw regular expression with named groups
 *             (?<dpid>..) (?<switch>..) (?<port>..) (?<vlan>..).
 * - nas-port: NAS-Port is the OpenFlow port number (labs).
 *
 * A port given as a name ("s1-eth3") is resolved by `lookup(dpid, name)`,
 * which the application backs with the live port lists (port-status).
 * Strings given as dpids are hexadecimal (optionally with 0x or colons), as
 * ovs-ofctl and Ryu's dpid_lib print them.
 */
import { dpidHex } from '../openflow/types';
import type { PortKey, Profile } from '../policy/types';

export interface MappingInput {
  /** NAS-Identifier, else NAS-IP-Address (the event's `nas`). */
  nas: string;
  nasIdentifier?: string;
  nasIpAddress?: string;
  nasIpv6Address?: string;
  nasPortId?: string;
  nasPort?: number;
  agentCircuitId?: string;
}

/** (dpid, port name) -> OpenFlow port number, or undefined when the switch has no such port (yet). */
export type PortLookup = (dpid: bigint, name: string) => number | undefined;

export type PortRef = number | string;

export interface TableEntry {
  /** Matches NAS-Identifier, NAS-IP-Address or NAS-IPv6-Address; absent = any NAS. */
  nas?: string;
  nasPortId?: string;
  nasPort?: number;
  dpid?: string | bigint | number;
  switch?: string;
  port: PortRef;
  vlan?: number;
}

export interface TableRule {
  kind: 'table';
  entries: TableEntry[];
}

export interface PatternRule {
  kind: 'pattern';
  attribute: 'NAS-Port-Id' | 'Agent-Circuit-Id';
  nas?: string;
  /** Template with {dpid} {switch} {port} {vlan} placeholders; the whole value must match. */
  template?: string;
  /** Raw regular expression with named groups; anchored by the author. */
  regex?: string;
  /** Fixed switch when the pattern carries neither {dpid} nor {switch}. */
  dpid?: string | bigint | number;
  switch?: string;
  /** Fixed VLAN when the pattern carries none. */
  vlan?: number;
}

export interface NasPortRule {
  kind: 'nas-port';
  nas?: string;
  dpid?: string | bigint | number;
  switch?: string;
}

export type MappingRule = TableRule | PatternRule | NasPortRule;

export interface MappingConfig {
  rules: MappingRule[];
  /** Switch names used by rules and {switch} groups -> dpid. */
  switches?: Record<string, string | bigint | number>;
}

export type MappingResult = PortKey | { error: string };
export type PortMapper = (input: MappingInput, lookup?: PortLookup) => MappingResult;

export function isMappingError(r: MappingResult): r is { error: string } {
  return 'error' in r;
}

export function parseDpid(v: string | bigint | number): bigint {
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number') {
    if (!Number.isSafeInteger(v) || v < 0) throw new Error(`bad dpid ${v}`);
    return BigInt(v);
  }
  const hex = v.replace(/^0x/i, '').replace(/:/g, '');
  if (!/^[0-9a-fA-F]{1,16}$/.test(hex)) throw new Error(`bad dpid ${JSON.stringify(v)} (hex, optionally 0x or colon-separated)`);
  return BigInt('0x' + hex);
}

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

const GROUPS = new Set(['dpid', 'switch', 'port', 'vlan']);

/** "olt1 eth 1/1/{port}:{vlan}" -> /^olt1 eth 1\/1\/(?<port>.+?):(?<vlan>\d+)$/ */
export function templateToRegex(template: string): RegExp {
  let src = '^';
  let last = 0;
  const re = /\{([a-z]+)\}/g;
  for (let m = re.exec(template); m; m = re.exec(template)) {
    const name = m[1]!;
    if (!GROUPS.has(name)) throw new Error(`template ${JSON.stringify(template)}: unknown placeholder {${name}} (use {dpid} {switch} {port} {vlan})`);
    src += escapeRegex(template.slice(last, m.index));
    src += name === 'vlan' ? '(?<vlan>\\d+)' : name === 'dpid' ? '(?<dpid>[0-9a-fA-F:x]+)' : `(?<${name}>.+?)`;
    last = m.index + m[0].length;
  }
  src += escapeRegex(template.slice(last)) + '$';
  return new RegExp(src);
}

function nasMatches(filter: string | undefined, i: MappingInput): boolean {
  return filter === undefined || filter === i.nas || filter === i.nasIdentifier || filter === i.nasIpAddress || filter === i.nasIpv6Address;
}

interface Compiled {
  (i: MappingInput, lookup: PortLookup | undefined): MappingResult | undefined;
}

/** Build the mapping function; throws on a bad config (so a bad config fails at start-up). */
export function compileMapping(config: MappingConfig): PortMapper {
  const switches = new Map<string, bigint>();
  for (const [n, d] of Object.entries(config.switches ?? {})) switches.set(n, parseDpid(d));

  const fixedSwitch = (where: string, dpid: string | bigint | number | undefined, sw: string | undefined): bigint | undefined => {
    if (dpid !== undefined) return parseDpid(dpid);
    if (sw !== undefined) {
      const d = switches.get(sw);
      if (d === undefined) throw new Error(`${where}: unknown switch ${JSON.stringify(sw)} (not in switches)`);
      return d;
    }
    return undefined;
  };

  const resolvePort = (dpid: bigint, port: PortRef, lookup: PortLookup | undefined): number | { error: string } => {
    if (typeof port === 'number') return port;
    if (/^\d+$/.test(port)) return Number(port);
    const n = lookup?.(dpid, port);
    if (n === undefined) return { error: `port name ${JSON.stringify(port)} not found on switch ${dpidHex(dpid)}` };
    return n;
  };

  const key = (dpid: bigint, port: number, vlan: number | undefined): MappingResult => {
    if (!Number.isInteger(port) || port < 1 || port > 0xffffff00) return { error: `port ${port} is not a physical OpenFlow port number` };
    if (vlan !== undefined && (!Number.isInteger(vlan) || vlan < 1 || vlan > 4094)) return { error: `VLAN ${vlan} outside 1-4094` };
    return vlan === undefined ? { dpid, port } : { dpid, port, vlan };
  };

  const compiled: Compiled[] = config.rules.map((rule, idx): Compiled => {
    const where = `mapping rule ${idx + 1} (${rule.kind})`;
    switch (rule.kind) {
      case 'table': {
        const entries = rule.entries.map((e, j) => {
          if (e.nasPortId === undefined && e.nasPort === undefined) throw new Error(`${where} entry ${j + 1}: needs nasPortId or nasPort`);
          const dpid = fixedSwitch(`${where} entry ${j + 1}`, e.dpid, e.switch);
          if (dpid === undefined) throw new Error(`${where} entry ${j + 1}: needs dpid or switch`);
          return { e, dpid };
        });
        return (i, lookup) => {
          for (const { e, dpid } of entries) {
            if (!nasMatches(e.nas, i)) continue;
            if (e.nasPortId !== undefined && e.nasPortId !== i.nasPortId) continue;
            if (e.nasPort !== undefined && e.nasPort !== i.nasPort) continue;
            const p = resolvePort(dpid, e.port, lookup);
            return typeof p === 'number' ? key(dpid, p, e.vlan) : p;
          }
          return undefined;
        };
      }
      case 'pattern': {
        if ((rule.template === undefined) === (rule.regex === undefined)) throw new Error(`${where}: give exactly one of template or regex`);
        let re: RegExp;
        try {
          re = rule.template !== undefined ? templateToRegex(rule.template) : new RegExp(rule.regex!);
        } catch (e) {
          throw new Error(`${where}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
        }
        const names = new Set(Object.keys(new RegExp(re.source + '|').exec('')?.groups ?? {}));
        if (!names.has('port')) throw new Error(`${where}: the pattern needs a port group`);
        const fixed = fixedSwitch(where, rule.dpid, rule.switch);
        if (!names.has('dpid') && !names.has('switch') && fixed === undefined) throw new Error(`${where}: needs a dpid or switch group, or a fixed dpid/switch`);
        return (i, lookup) => {
          if (!nasMatches(rule.nas, i)) return undefined;
          const v = rule.attribute === 'NAS-Port-Id' ? i.nasPortId : i.agentCircuitId;
          if (v === undefined) return undefined;
          const g = re.exec(v)?.groups;
          if (!g) return undefined;
          let dpid = fixed;
          if (g.dpid !== undefined) {
            try {
              dpid = parseDpid(g.dpid);
            } catch {
              return { error: `${rule.attribute} ${JSON.stringify(v)}: bad dpid ${JSON.stringify(g.dpid)}` };
            }
          } else if (g.switch !== undefined) {
            dpid = switches.get(g.switch);
            if (dpid === undefined) return { error: `${rule.attribute} ${JSON.stringify(v)}: unknown switch ${JSON.stringify(g.switch)}` };
          }
          if (dpid === undefined) return { error: `${where}: no switch` };
          const p = resolvePort(dpid, g.port ?? '', lookup);
          if (typeof p !== 'number') return p;
          const vlan = g.vlan !== undefined ? Number(g.vlan) : rule.vlan;
          return key(dpid, p, vlan);
        };
      }
      case 'nas-port': {
        const dpid = fixedSwitch(where, rule.dpid, rule.switch);
        if (dpid === undefined) throw new Error(`${where}: needs dpid or switch`);
        return (i) => {
          if (!nasMatches(rule.nas, i) || i.nasPort === undefined) return undefined;
          return key(dpid, i.nasPort, undefined);
        };
      }
    }
  });

  return (input, lookup) => {
    for (const c of compiled) {
      const r = c(input, lookup);
      if (r !== undefined) return r;
    }
    return { error: 'no mapping rule matched' };
  };
}

// ---------------------------------------------------------------- profile

/** The values that mark an exempt subscriber by default (config radius.exempt_values). */
export const DEFAULT_EXEMPT_VALUES: readonly string[] = ['op25b-exempt'];

/**
 * Subscriber profile from the first present of `attributes` values
 * (Filter-Id, then Class by default): one of `exemptValues` (by default
 * "op25b-exempt"; an operator may list its own plan names, e.g. a static-IP
 * business plan) -> exempt; "op25b-default" or absent -> default; anything
 * else -> default, with `unknown` set so the caller logs it.
 */
export function profileFrom(values: (string | undefined)[], exemptValues: readonly string[] = DEFAULT_EXEMPT_VALUES): { profile: Profile; unknown?: string } {
  const v = values.find((x) => x !== undefined);
  if (v === undefined) return { profile: 'default' };
  if (exemptValues.includes(v)) return { profile: 'exempt' };
  if (v === 'op25b-default') return { profile: 'default' };
  return { profile: 'default', unknown: v };
}
