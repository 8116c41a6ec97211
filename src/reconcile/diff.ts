/**
 * The pure diff: desired flows vs the flows a switch holds -> the flow-mods
 * that make the switch equal the desired state, touching nothing outside the
 * OP25B cookie space.
 *
 * Identity of a flow is (table_id, priority, normalised match, cookie), the
 * key of DESIGN.md; two flows with the same identity and different
 * instructions are "changed". An OFPFC_ADD with the same table, priority and
 * match replaces the entry on the switch (spec 6.4), so a change is an ADD
 * only, never a delete then an add: there is no moment without the flow.
 *
 * Deletes are OFPFC_DELETE_STRICT with the flow's exact cookie and
 * cookie_mask all-ones (spec 6.4: strict delete matches priority and match
 * exactly, and the cookie mask restricts it further), so a delete can only
 * remove the one flow we own and never another application's.
 *
 * Normalisation, so a switch's dump form compares equal to ours:
 * - OXM entries are compared as a set (OVS dumps them in its own order);
 * - a value is ANDed with its mask (OVS stores 192.0.2.5/24 as 192.0.2.0/24);
 * - an all-ones mask is dropped (OVS dumps /32 or /128 unmasked);
 * - IPv4/IPv6/MAC values compare as numbers (textual forms differ);
 * - vlan_vid keeps its OFPVID_PRESENT bit (0x1000) as on the wire;
 * - an APPLY_ACTIONS / WRITE_ACTIONS with no actions is dropped (OVS dumps a
 *   drop flow with no instructions), instructions compare in the spec's
 *   execution order, and an OUTPUT's max_len counts only towards CONTROLLER.
 */
import type { Action, FlowStats, Instruction, Match, OxmEntry, OxmFieldName, OxmValue } from '../openflow/types';
import type { DesiredFlow } from '../policy/types';
import type { FlowModInput } from '../switch/types';

// Spec constants (OpenFlow 1.3.5 7.3.4.1, 7.2.1): the project's one table of
// them (an import-free module), re-exported for the callers of this module.
import {
  OFPFC_ADD, OFPFC_DELETE_STRICT, OFP_NO_BUFFER, OFPP_ANY, OFPG_ANY, OFPP_CONTROLLER,
} from '../openflow/constants';
export { OFPFC_ADD, OFPFC_DELETE_STRICT, OFP_NO_BUFFER, OFPP_ANY, OFPG_ANY, OFPP_CONTROLLER };
export const ALL_ONES_64 = 0xffffffffffffffffn;

/** The OP25B cookie space: a flow is ours when (cookie & mask) === (space.cookie & mask). */
export interface CookieSpace {
  cookie: bigint;
  mask: bigint;
}

export function inCookieSpace(cookie: bigint, space: CookieSpace): boolean {
  return (cookie & space.mask) === (space.cookie & space.mask);
}

/** The part of a flow the diff looks at. */
export interface FlowLike {
  table_id: number;
  priority: number;
  cookie: bigint;
  match: Match;
  instructions: Instruction[];
}

// ---------------------------------------------------------------------------
// Normalisation

type Kind = 'num' | 'ipv4' | 'ipv6' | 'mac' | 'big';

const FIELD: Record<OxmFieldName, { bits: number; kind: Kind }> = {
  in_port: { bits: 32, kind: 'num' }, in_phy_port: { bits: 32, kind: 'num' }, metadata: { bits: 64, kind: 'big' },
  eth_dst: { bits: 48, kind: 'mac' }, eth_src: { bits: 48, kind: 'mac' }, eth_type: { bits: 16, kind: 'num' },
  vlan_vid: { bits: 13, kind: 'num' }, vlan_pcp: { bits: 3, kind: 'num' },
  ip_dscp: { bits: 6, kind: 'num' }, ip_ecn: { bits: 2, kind: 'num' }, ip_proto: { bits: 8, kind: 'num' },
  ipv4_src: { bits: 32, kind: 'ipv4' }, ipv4_dst: { bits: 32, kind: 'ipv4' },
  tcp_src: { bits: 16, kind: 'num' }, tcp_dst: { bits: 16, kind: 'num' },
  udp_src: { bits: 16, kind: 'num' }, udp_dst: { bits: 16, kind: 'num' },
  sctp_src: { bits: 16, kind: 'num' }, sctp_dst: { bits: 16, kind: 'num' },
  icmpv4_type: { bits: 8, kind: 'num' }, icmpv4_code: { bits: 8, kind: 'num' },
  arp_op: { bits: 16, kind: 'num' }, arp_spa: { bits: 32, kind: 'ipv4' }, arp_tpa: { bits: 32, kind: 'ipv4' },
  arp_sha: { bits: 48, kind: 'mac' }, arp_tha: { bits: 48, kind: 'mac' },
  ipv6_src: { bits: 128, kind: 'ipv6' }, ipv6_dst: { bits: 128, kind: 'ipv6' }, ipv6_flabel: { bits: 20, kind: 'num' },
  icmpv6_type: { bits: 8, kind: 'num' }, icmpv6_code: { bits: 8, kind: 'num' },
  ipv6_nd_target: { bits: 128, kind: 'ipv6' }, ipv6_nd_sll: { bits: 48, kind: 'mac' }, ipv6_nd_tll: { bits: 48, kind: 'mac' },
  mpls_label: { bits: 20, kind: 'num' }, mpls_tc: { bits: 3, kind: 'num' }, mpls_bos: { bits: 1, kind: 'num' },
  pbb_isid: { bits: 24, kind: 'num' }, tunnel_id: { bits: 64, kind: 'big' }, ipv6_exthdr: { bits: 9, kind: 'num' },
};

function ipv4ToBig(s: string): bigint {
  const p = s.split('.');
  if (p.length !== 4) throw new Error(`bad IPv4 address ${JSON.stringify(s)}`);
  let v = 0n;
  for (const x of p) v = (v << 8n) | BigInt(Number(x) & 0xff);
  return v;
}

function ipv4ToNum(s: string): number | undefined {
  const p = s.split('.');
  if (p.length !== 4) return undefined;
  return (((Number(p[0]) & 0xff) << 24) | ((Number(p[1]) & 0xff) << 16) | ((Number(p[2]) & 0xff) << 8) | (Number(p[3]) & 0xff)) >>> 0;
}

function ipv6ToBig(s: string): bigint {
  let text = s.toLowerCase();
  const lastColon = text.lastIndexOf(':');
  if (text.includes('.') && lastColon >= 0) {
    const v4 = ipv4ToBig(text.slice(lastColon + 1));
    text = `${text.slice(0, lastColon + 1)}${(v4 >> 16n).toString(16)}:${(v4 & 0xffffn).toString(16)}`;
  }
  const halves = text.split('::');
  const head = halves[0] ? halves[0].split(':') : [];
  const tail = halves.length > 1 && halves[1] ? halves[1].split(':') : [];
  const groups = halves.length > 1 ? [...head, ...Array<string>(8 - head.length - tail.length).fill('0'), ...tail] : head;
  if (groups.length !== 8) throw new Error(`bad IPv6 address ${JSON.stringify(s)}`);
  let v = 0n;
  for (const g of groups) v = (v << 16n) | BigInt(parseInt(g || '0', 16) & 0xffff);
  return v;
}

function macToBig(s: string): bigint {
  return BigInt('0x' + s.replace(/[:-]/g, ''));
}

function toBig(kind: Kind, v: OxmValue): bigint {
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number') return BigInt(v);
  switch (kind) {
    case 'ipv4': return ipv4ToBig(v);
    case 'ipv6': return ipv6ToBig(v);
    case 'mac': return macToBig(v);
    default: return BigInt(v);
  }
}

function fromBig(kind: Kind, v: bigint): OxmValue {
  switch (kind) {
    case 'num': return Number(v);
    case 'big': return v;
    case 'ipv4': return [24n, 16n, 8n, 0n].map((s) => String((v >> s) & 0xffn)).join('.');
    case 'mac': return v.toString(16).padStart(12, '0').replace(/(..)(?!$)/g, '$1:');
    case 'ipv6': {
      // RFC 5952 form: longest run (>= 2) of zero groups compressed.
      const g: number[] = [];
      for (let i = 7; i >= 0; i--) g.push(Number((v >> BigInt(i * 16)) & 0xffffn));
      let best = -1; let bestLen = 0;
      for (let i = 0; i < 8;) {
        if (g[i] !== 0) { i++; continue; }
        let j = i; while (j < 8 && g[j] === 0) j++;
        if (j - i > bestLen && j - i >= 2) { best = i; bestLen = j - i; }
        i = j;
      }
      const hex = g.map((x) => x.toString(16));
      if (best < 0) return hex.join(':');
      return `${hex.slice(0, best).join(':')}::${hex.slice(best + bestLen).join(':')}`;
    }
  }
}

/**
 * Keys of entries already seen. The policy's flows share their template
 * entries (only in_port / vlan_vid are made per port), so per event most
 * entries are found here instead of normalised again (IPv6 through bigint).
 * Entries are treated as immutable once keyed (the policy's are; a dump's
 * are fresh objects).
 */
const entryKeys = new WeakMap<OxmEntry, string>();

/** Canonical text of one OXM entry: "field=hexvalue" or "field=hexvalue/hexmask". */
function entryKey(e: OxmEntry): string {
  let k = entryKeys.get(e);
  if (k === undefined) {
    k = entryKeyOf(e);
    if (e.field !== 'in_port') entryKeys.set(e, k); // made per port: caching it would only cost
  }
  return k;
}

function entryKeyOf(e: OxmEntry): string {
  if (e.field === 'opaque') {
    return `opaque:${e.oxm_class}:${e.oxm_field}:${e.has_mask ? 1 : 0}=${e.data.toString('hex')}`;
  }
  const f = FIELD[e.field];
  // Fast path (no BigInt): fields of <= 32 bits given as numbers, IPv4 as text.
  if (f.bits <= 32 && (f.kind === 'num' || f.kind === 'ipv4')) {
    const full = f.bits === 32 ? 0xffffffff : (1 << f.bits) - 1;
    const num = (v: OxmValue): number | undefined => (typeof v === 'number' ? v : f.kind === 'ipv4' && typeof v === 'string' ? ipv4ToNum(v) : undefined);
    const v = num(e.value);
    const m = e.mask === undefined ? full : num(e.mask);
    if (v !== undefined && m !== undefined) {
      const mask = (m & full) >>> 0;
      const value = (v & full & mask) >>> 0;
      return mask === full ? `${e.field}=${value.toString(16)}` : `${e.field}=${value.toString(16)}/${mask.toString(16)}`;
    }
  }
  const full = (1n << BigInt(f.bits)) - 1n;
  let value = toBig(f.kind, e.value) & full;
  if (e.mask === undefined) return `${e.field}=${value.toString(16)}`;
  const mask = toBig(f.kind, e.mask) & full;
  value &= mask;
  if (mask === full) return `${e.field}=${value.toString(16)}`;
  return `${e.field}=${value.toString(16)}/${mask.toString(16)}`;
}

/** Canonical text of a match: its entries, normalised, as a sorted set. */
export function matchKey(m: Match): string {
  if (m.length === 1) return entryKey(m[0] as OxmEntry);
  return m.map(entryKey).sort().join(',');
}

/** Rebuild a Match from matchKey's text (values in the model's forms). */
export function matchFromKey(key: string): Match {
  if (key === '') return [];
  const out: Match = [];
  for (const part of key.split(',')) {
    if (part.startsWith('opaque:')) {
      const m = /^opaque:(\d+):(\d+):([01])=([0-9a-f]*)$/.exec(part);
      if (!m) throw new Error(`bad match key part ${part}`);
      out.push({ field: 'opaque', oxm_class: Number(m[1]), oxm_field: Number(m[2]), has_mask: m[3] === '1', data: Buffer.from(m[4] ?? '', 'hex') });
      continue;
    }
    const eq = part.indexOf('=');
    const field = part.slice(0, eq) as OxmFieldName;
    const f = FIELD[field];
    const [v, mk] = part.slice(eq + 1).split('/');
    const e: OxmEntry = { field, value: fromBig(f.kind, BigInt('0x' + (v ?? '0'))) };
    if (mk !== undefined) e.mask = fromBig(f.kind, BigInt('0x' + mk));
    out.push(e);
  }
  return out;
}

/** Spec 5.9 execution order of instructions (meter, apply, clear, write, metadata, goto). */
const INSTR_ORDER: Record<Instruction['type'], number> = {
  METER: 0, APPLY_ACTIONS: 1, CLEAR_ACTIONS: 2, WRITE_ACTIONS: 3, WRITE_METADATA: 4, GOTO_TABLE: 5, EXPERIMENTER: 6, OPAQUE: 7,
};

function actionKey(a: Action): string {
  switch (a.type) {
    case 'OUTPUT': return a.port === OFPP_CONTROLLER ? `output:${a.port}:${a.max_len}` : `output:${a.port}`;
    case 'SET_FIELD': return `set_field:${entryKey(a.field)}`;
    case 'EXPERIMENTER': return `experimenter:${a.experimenter}:${a.data.toString('hex')}`;
    case 'OPAQUE': return `opaque:${a.action_type}:${a.data.toString('hex')}`;
    default: return JSON.stringify(a);
  }
}

function instructionKey(i: Instruction): string {
  switch (i.type) {
    case 'GOTO_TABLE': return `goto:${i.table_id}`;
    case 'WRITE_METADATA': return `meta:${i.metadata.toString(16)}/${i.metadata_mask.toString(16)}`;
    case 'APPLY_ACTIONS': return `apply(${i.actions.map(actionKey).join(',')})`;
    case 'WRITE_ACTIONS': return `write(${[...i.actions.map(actionKey)].sort().join(',')})`;
    case 'CLEAR_ACTIONS': return 'clear';
    case 'METER': return `meter:${i.meter_id}`;
    case 'EXPERIMENTER': return `experimenter:${i.experimenter}:${i.data.toString('hex')}`;
    case 'OPAQUE': return `opaque:${i.instruction_type}:${i.data.toString('hex')}`;
  }
}

/** Instruction lists are shared by the policy's flows (drop, continue): keyed once each. */
const instructionKeys = new WeakMap<Instruction[], string>();

/** Canonical text of an instruction list ('' for a drop flow). */
export function instructionsKey(ins: Instruction[]): string {
  if (ins.length === 0) return '';
  let k = instructionKeys.get(ins);
  if (k === undefined) {
    k = instructionsKeyOf(ins);
    instructionKeys.set(ins, k);
  }
  return k;
}

function instructionsKeyOf(ins: Instruction[]): string {
  return ins
    .filter((i) => !((i.type === 'APPLY_ACTIONS' || i.type === 'WRITE_ACTIONS') && i.actions.length === 0))
    .sort((a, b) => INSTR_ORDER[a.type] - INSTR_ORDER[b.type])
    .map(instructionKey)
    .join(';');
}

/** Identity of a flow: "table|priority|cookiehex|matchkey". */
export function flowId(f: { table_id: number; priority: number; cookie: bigint; match: Match }): string {
  return `${f.table_id}|${f.priority}|${f.cookie.toString(16)}|${matchKey(f.match)}`;
}

/** The identity fields of a flow, back from flowId's text. */
export function parseFlowId(id: string): { table_id: number; priority: number; cookie: bigint; match: Match } {
  const a = id.indexOf('|'); const b = id.indexOf('|', a + 1); const c = id.indexOf('|', b + 1);
  return {
    table_id: Number(id.slice(0, a)),
    priority: Number(id.slice(a + 1, b)),
    cookie: BigInt('0x' + id.slice(b + 1, c)),
    match: matchFromKey(id.slice(c + 1)),
  };
}

// ---------------------------------------------------------------------------
// Flow-mods

export function addMod(f: FlowLike): FlowModInput {
  return {
    cookie: f.cookie, cookie_mask: 0n, table_id: f.table_id, command: OFPFC_ADD,
    idle_timeout: 0, hard_timeout: 0, priority: f.priority,
    buffer_id: OFP_NO_BUFFER, out_port: OFPP_ANY, out_group: OFPG_ANY,
    flags: 0, match: f.match, instructions: f.instructions,
  };
}

/** DELETE_STRICT of exactly this flow: its cookie, cookie_mask all-ones. */
export function deleteMod(f: { table_id: number; priority: number; cookie: bigint; match: Match }): FlowModInput {
  return {
    cookie: f.cookie, cookie_mask: ALL_ONES_64, table_id: f.table_id, command: OFPFC_DELETE_STRICT,
    idle_timeout: 0, hard_timeout: 0, priority: f.priority,
    buffer_id: OFP_NO_BUFFER, out_port: OFPP_ANY, out_group: OFPG_ANY,
    flags: 0, match: f.match, instructions: [],
  };
}

/**
 * Make-before-break order. Adds: highest priority first, so an allow above a
 * drop (MTA whitelist over the block) is in place before the drop it pierces.
 * Deletes: lowest priority first, so a drop goes before the allows above it.
 */
export function byPriorityDesc(a: { priority: number }, b: { priority: number }): number {
  return b.priority - a.priority;
}
export function byPriorityAsc(a: { priority: number }, b: { priority: number }): number {
  return a.priority - b.priority;
}

// ---------------------------------------------------------------------------
// The diff

/** A flow as the reconciler's index keeps it: identity and instruction text only. */
export interface Encoded {
  id: string;
  sig: string;
}

export function encode(f: FlowLike): Encoded {
  return { id: flowId(f), sig: instructionsKey(f.instructions) };
}

export interface DiffOptions {
  /** Only actual flows in this space are considered (and so could be deleted). */
  space: CookieSpace;
}

export interface DiffResult {
  /** ADDs, highest priority first: new flows and changed instructions (ADD replaces in place). */
  adds: FlowModInput[];
  /** DELETE_STRICTs with exact cookie and all-ones mask, lowest priority first; applied after the adds' barrier. */
  deletes: FlowModInput[];
}

/**
 * desired vs actual -> flow-mods. Duplicates (same identity) are removed on
 * both sides (the last desired one wins). A desired flow outside the cookie
 * space is refused: the controller would never be able to find it again.
 */
export function diff(desired: readonly FlowLike[], actual: readonly FlowStats[] | readonly FlowLike[], opts: DiffOptions): DiffResult {
  const want = new Map<string, { f: FlowLike; sig: string }>();
  for (const f of desired) {
    if (!inCookieSpace(f.cookie, opts.space)) {
      throw new Error(`desired flow cookie 0x${f.cookie.toString(16)} is outside the OP25B cookie space`);
    }
    want.set(flowId(f), { f, sig: instructionsKey(f.instructions) });
  }
  const have = new Map<string, { f: FlowLike; sig: string }>();
  for (const f of actual) {
    if (!inCookieSpace(f.cookie, opts.space)) continue;
    const id = flowId(f);
    if (!have.has(id)) have.set(id, { f, sig: instructionsKey(f.instructions) });
  }
  const adds: FlowLike[] = [];
  const dels: FlowLike[] = [];
  for (const [id, w] of want) {
    const h = have.get(id);
    if (!h || h.sig !== w.sig) adds.push(w.f);
  }
  for (const [id, h] of have) if (!want.has(id)) dels.push(h.f);
  adds.sort(byPriorityDesc);
  dels.sort(byPriorityAsc);
  return { adds: adds.map(addMod), deletes: dels.map(deleteMod) };
}

export type { DesiredFlow };
