/**
 * The rule templates of flows/op25b-rules.yaml as values: priority per rule
 * kind, and per template the match parts and the action. The policy expands
 * a template's parts into concrete OXM matches:
 *
 * | part         | adds to the match                                  | expands over            |
 * |--------------|----------------------------------------------------|-------------------------|
 * | in_port      | in_port = the attachment point's port              | -                       |
 * | vlan         | vlan_vid = VLAN | OFPVID_PRESENT (VLAN points only) | -                       |
 * | ip_tcp       | eth_type 0x0800 / 0x86dd, ip_proto 6               | IPv4, IPv6              |
 * | blocked_port | tcp_dst                                            | blocked ports           |
 * | mta          | ipv4_dst / ipv6_dst of an MTA                      | MTAs of the family      |
 * | scope        | ipv4_dst / ipv6_dst of a destination-scope prefix  | scope prefixes (scoped mode only; nothing otherwise) |
 * | { field: v } | fixed OXM fields, as given                         | -                       |
 *
 * Actions: drop (no instructions) or continue (the config's goto_table N or
 * output NORMAL).
 */
import type { OxmFieldName } from '../openflow/types';
import type { RuleKind } from './types';

export type MatchPart = 'in_port' | 'vlan' | 'ip_tcp' | 'blocked_port' | 'mta' | 'scope';
export type FixedFields = Partial<Record<OxmFieldName, number | string>>;

export type TemplateName =
  | 'quarantine-smtp' | 'quarantine-all' | 'mta-allow' | 'block' | 'exempt-allow'
  | 'safety-net' | 'uplink' | 'table-miss';

export const TEMPLATE_NAMES: readonly TemplateName[] = [
  'quarantine-smtp', 'quarantine-all', 'mta-allow', 'block', 'exempt-allow', 'safety-net', 'uplink', 'table-miss',
];

export const RULE_KINDS: readonly RuleKind[] = [
  'quarantine', 'mta-allow', 'block', 'exempt-allow', 'safety-net', 'uplink', 'table-miss',
];

export interface RuleTemplate {
  rule: RuleKind;
  description?: string;
  match: (MatchPart | FixedFields)[];
  action: 'drop' | 'continue';
}

export interface FlowTemplates {
  /** Priority of each rule kind (DESIGN.md defaults; the config's `priorities` override). */
  priorities: Record<RuleKind, number>;
  /**
   * Added to the priority of a VLAN attachment point's flows, so they win over
   * the port-wide defaults of their port (an exempt VLAN over the port's block).
   */
  vlan_priority_offset: number;
  templates: Record<TemplateName, RuleTemplate>;
}

/** Default priorities of DESIGN.md's flow model. */
export const DEFAULT_PRIORITIES: Readonly<Record<RuleKind, number>> = {
  'quarantine': 40000,
  'mta-allow': 30000,
  'block': 20000,
  'exempt-allow': 20000,
  'uplink': 1001,
  'safety-net': 1000,
  'table-miss': 0,
};

/**
 * Ordering the policy relies on; returns a message per broken rule, naming the
 * priorities. (The VLAN offset must not lift a rule over the next level.)
 */
export function checkPriorityOrder(p: Record<RuleKind, number>, vlanOffset: number): { kind: RuleKind; message: string }[] {
  const out: { kind: RuleKind; message: string }[] = [];
  const above = (hi: RuleKind, lo: RuleKind, off: number, why: string): void => {
    if (!(p[hi] > p[lo] + off)) {
      out.push({ kind: hi, message: `${hi} (${p[hi]}) must be above ${lo} (${p[lo]})${off ? ` + vlan_priority_offset (${off})` : ''}: ${why}` });
    }
  };
  above('quarantine', 'mta-allow', vlanOffset, 'a quarantine also stops mail to the MTAs');
  above('mta-allow', 'block', vlanOffset, 'the MTA whitelist sits above the drop');
  above('mta-allow', 'exempt-allow', vlanOffset, 'the MTA whitelist sits above the per-port rules');
  above('block', 'safety-net', 0, 'a port rule overrides the switch-wide safety net');
  above('exempt-allow', 'safety-net', 0, 'an exempt port is allowed over the safety net');
  above('uplink', 'safety-net', 0, 'uplinks are never blocked');
  above('safety-net', 'table-miss', 0, 'the safety net sits above the table-miss');
  if (p.quarantine + vlanOffset > 65535) out.push({ kind: 'quarantine', message: `quarantine (${p.quarantine}) + vlan_priority_offset (${vlanOffset}) exceeds 65535` });
  return out;
}
