/**
 * A small fake OpenFlow 1.3 flow table with the spec's semantics, for tests
 * that ask forwarding questions ("is a TCP SYN from port 3 to
 * 203.0.113.25:25 dropped?") instead of comparing flow lists, and as the
 * backing store of a fake Datapath.
 *
 * What it models (OpenFlow Switch Specification 1.3.5):
 * - 6.4 flow-mods: OFPFC_ADD replaces an entry with identical table, priority
 *   and match (counters kept unless OFPFF_RESET_COUNTS, duration restarted);
 *   OFPFF_CHECK_OVERLAP; MODIFY / MODIFY_STRICT change instructions only (no
 *   add when nothing matches, 1.2+ behaviour); DELETE (non-strict: every entry
 *   whose match is equal to or more specific than the request's) and
 *   DELETE_STRICT (identical match and priority); cookie/cookie_mask,
 *   out_port/out_group filters; OFPTT_ALL for delete and modify.
 * - 7.2.3.6/7.2.3.8 OXM: masks (IPv4/IPv6 prefixes, arbitrary bit masks),
 *   vlan_vid with OFPVID_PRESENT (0x1000), prerequisites (a flow-mod missing
 *   one is refused with OFPBMC_BAD_PREREQ, duplicated fields with
 *   OFPBMC_DUP_FIELD, as a real switch would).
 * - 5.3 lookup: highest-priority matching entry wins; no entry matched =
 *   table miss (dropped in 1.3 when no table-miss entry exists).
 *
 * Not modelled: timeouts, groups, meters, more than one lookup per call (a
 * goto is reported, not followed; see `forward` to follow it).
 */
import type { Action, FlowStats, Instruction, Match, OxmEntry, OxmFieldName, OxmValue } from '../../src/openflow/types';

// Constants (spec names). Local so this file does not depend on the codec.
export const OFPFC_ADD = 0;
export const OFPFC_MODIFY = 1;
export const OFPFC_MODIFY_STRICT = 2;
export const OFPFC_DELETE = 3;
export const OFPFC_DELETE_STRICT = 4;
export const OFPTT_ALL = 0xff;
export const OFPP_ANY = 0xffffffff;
export const OFPG_ANY = 0xffffffff;
export const OFPP_NORMAL = 0xfffffffa;
export const OFPP_CONTROLLER = 0xfffffffd;
export const OFPVID_PRESENT = 0x1000;
export const OFPVID_NONE = 0x0000;
export const OFPFF_CHECK_OVERLAP = 1 << 1;
export const OFPFF_RESET_COUNTS = 1 << 2;

/** A flow-mod as the fake accepts it: a FlowMod or FlowModInput, most fields optional. */
export interface FakeFlowMod {
  command: number;
  table_id?: number;
  priority?: number;
  cookie?: bigint;
  cookie_mask?: bigint;
  out_port?: number;
  out_group?: number;
  flags?: number;
  idle_timeout?: number;
  hard_timeout?: number;
  match?: Match;
  instructions?: Instruction[];
}

/** Error raised for a flow-mod a real switch would refuse (spec names). */
export class FakeFlowModError extends Error {
  override readonly name = 'FakeFlowModError';
  constructor(readonly typeName: string, readonly codeName: string, detail: string) {
    super(`${typeName}/${codeName}: ${detail}`);
  }
}

/**
 * A packet as the lookup sees it: OXM field names as Ryu spells them.
 * `vlan_vid` is the 12-bit VLAN id of a tagged frame (absent = untagged);
 * the table compares it with OFPVID_PRESENT added, as the spec does.
 * IP addresses as strings, MACs "aa:bb:..", everything else numbers.
 */
export type Packet = { in_port: number; eth_type: number; len?: number } & Partial<Record<OxmFieldName, OxmValue>>;

export type Verdict = 'drop' | 'continue' | 'miss';

export interface LookupResult {
  /**
   * drop: the matched entry has no instructions, or only empty action lists / no output;
   * continue: goto_table, or an output action (NORMAL, a port, the controller);
   * miss: no entry matched (OpenFlow 1.3 drops the packet).
   */
  verdict: Verdict;
  entry?: FlowStats;
  goto_table?: number;
  /** Ports of OUTPUT actions (OFPP_NORMAL = 0xfffffffa), in order. */
  output?: number[];
}

export interface FlowTableChange {
  op: 'add' | 'replace' | 'modify' | 'delete';
  entry: FlowStats;
}

export interface EntryFilter {
  table_id?: number;
  out_port?: number;
  out_group?: number;
  cookie?: bigint;
  cookie_mask?: bigint;
  /** Non-strict: entries whose match is equal to or more specific than this. */
  match?: Match;
  /** Only entries with exactly this priority (not an OpenFlow filter; a test convenience). */
  priority?: number;
}

// ---------------------------------------------------------------------------
// OXM normalisation

const WIDTH: Record<OxmFieldName, number> = {
  in_port: 32, in_phy_port: 32, metadata: 64,
  eth_dst: 48, eth_src: 48, eth_type: 16,
  vlan_vid: 13, vlan_pcp: 3,
  ip_dscp: 6, ip_ecn: 2, ip_proto: 8,
  ipv4_src: 32, ipv4_dst: 32,
  tcp_src: 16, tcp_dst: 16, udp_src: 16, udp_dst: 16, sctp_src: 16, sctp_dst: 16,
  icmpv4_type: 8, icmpv4_code: 8,
  arp_op: 16, arp_spa: 32, arp_tpa: 32, arp_sha: 48, arp_tha: 48,
  ipv6_src: 128, ipv6_dst: 128, ipv6_flabel: 20,
  icmpv6_type: 8, icmpv6_code: 8,
  ipv6_nd_target: 128, ipv6_nd_sll: 48, ipv6_nd_tll: 48,
  mpls_label: 20, mpls_tc: 3, mpls_bos: 1,
  pbb_isid: 24, tunnel_id: 64, ipv6_exthdr: 9,
};

function fullMask(bits: number): bigint {
  return (1n << BigInt(bits)) - 1n;
}

function parseIpv4(s: string): bigint | undefined {
  const parts = s.split('.');
  if (parts.length !== 4) return undefined;
  let v = 0n;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p) || Number(p) > 255) return undefined;
    v = (v << 8n) | BigInt(p);
  }
  return v;
}

function parseIpv6(s: string): bigint | undefined {
  let text = s;
  const lastColon = text.lastIndexOf(':');
  if (text.includes('.') && lastColon >= 0) {
    // embedded IPv4 ("::ffff:192.0.2.1"): rewrite as two hex groups
    const v4 = parseIpv4(text.slice(lastColon + 1));
    if (v4 === undefined) return undefined;
    text = `${text.slice(0, lastColon + 1)}${(v4 >> 16n).toString(16)}:${(v4 & 0xffffn).toString(16)}`;
  }
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const parse = (h: string): bigint[] | undefined => {
    if (h === '') return [];
    const out: bigint[] = [];
    for (const g of h.split(':')) {
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
      out.push(BigInt('0x' + g));
    }
    return out;
  };
  const head = parse(halves[0] ?? '');
  if (head === undefined) return undefined;
  let groups: bigint[];
  if (halves.length === 2) {
    const rest = parse(halves[1] ?? '');
    if (rest === undefined) return undefined;
    const fill = 8 - head.length - rest.length;
    if (fill < 0) return undefined;
    groups = [...head, ...Array<bigint>(fill).fill(0n), ...rest];
  } else {
    groups = head;
  }
  if (groups.length !== 8) return undefined;
  return groups.reduce((acc, g) => (acc << 16n) | g, 0n);
}

function parseMac(s: string): bigint | undefined {
  if (!/^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$/.test(s)) return undefined;
  return BigInt('0x' + s.replace(/:/g, ''));
}

/** A value of `field` as bits; strings may carry a "/prefix-length" (returned as mask). */
function toBits(field: OxmFieldName, v: OxmValue): { value: bigint; mask?: bigint } {
  const width = WIDTH[field];
  if (typeof v === 'number') return { value: BigInt(v) };
  if (typeof v === 'bigint') return { value: v };
  let text = v;
  let prefix: number | undefined;
  const slash = text.indexOf('/');
  if (slash >= 0) {
    prefix = Number(text.slice(slash + 1));
    text = text.slice(0, slash);
  }
  let value: bigint | undefined;
  if (width === 48) value = parseMac(text);
  else if (width === 32) value = parseIpv4(text);
  else if (width === 128) value = parseIpv6(text);
  if (value === undefined && /^(0x[0-9a-fA-F]+|\d+)$/.test(text)) value = BigInt(text);
  if (value === undefined) throw new Error(`fake flow table: cannot read ${JSON.stringify(v)} as ${field}`);
  if (prefix === undefined) return { value };
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > width) {
    throw new Error(`fake flow table: bad prefix length in ${JSON.stringify(v)} for ${field}`);
  }
  const mask = fullMask(width) ^ fullMask(width - prefix);
  return { value, mask };
}

interface NormField {
  value: bigint; // already ANDed with mask
  mask: bigint;
}

/** A match as a map field -> (value & mask, mask); opaque TLVs keyed by their bytes. */
interface NormMatch {
  fields: Map<OxmFieldName, NormField>;
  opaque: Set<string>;
}

function normalize(match: Match): NormMatch {
  const fields = new Map<OxmFieldName, NormField>();
  const opaque = new Set<string>();
  for (const e of match) {
    if (e.field === 'opaque') {
      const k = `${e.oxm_class}:${e.oxm_field}:${e.has_mask ? 1 : 0}:${e.data.toString('hex')}`;
      if (opaque.has(k)) throw new FakeFlowModError('OFPET_BAD_MATCH', 'OFPBMC_DUP_FIELD', `duplicate opaque TLV ${k}`);
      opaque.add(k);
      continue;
    }
    if (fields.has(e.field)) {
      throw new FakeFlowModError('OFPET_BAD_MATCH', 'OFPBMC_DUP_FIELD', `field ${e.field} appears twice`);
    }
    const full = fullMask(WIDTH[e.field]);
    const v = toBits(e.field, e.value);
    let mask = v.mask ?? full;
    if (e.mask !== undefined) mask = toBits(e.field, e.mask).value;
    mask &= full;
    if (mask === 0n) continue; // fully wildcarded: same as absent
    fields.set(e.field, { value: v.value & mask, mask });
  }
  return { fields, opaque };
}

function matchKey(n: NormMatch): string {
  const parts = [...n.fields.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([f, { value, mask }]) => `${f}=${value.toString(16)}/${mask.toString(16)}`);
  return [...parts, ...[...n.opaque].sort()].join(',');
}

/** true when `entry` is equal to or more specific than `filter` (non-strict delete/modify/stats). */
function coveredBy(entry: NormMatch, filter: NormMatch): boolean {
  for (const [f, want] of filter.fields) {
    const have = entry.fields.get(f);
    if (!have) return false;
    if ((have.mask & want.mask) !== want.mask) return false;
    if ((have.value & want.mask) !== want.value) return false;
  }
  for (const o of filter.opaque) if (!entry.opaque.has(o)) return false;
  return true;
}

/** Could one packet match both? (same-priority overlap check, OFPFF_CHECK_OVERLAP) */
function overlaps(a: NormMatch, b: NormMatch): boolean {
  for (const [f, x] of a.fields) {
    const y = b.fields.get(f);
    if (!y) continue;
    const common = x.mask & y.mask;
    if ((x.value & common) !== (y.value & common)) return false;
  }
  return true;
}

function exact(n: NormMatch, f: OxmFieldName): bigint | undefined {
  const e = n.fields.get(f);
  if (!e || e.mask !== fullMask(WIDTH[f])) return undefined;
  return e.value;
}

/** Spec 7.2.3.8 table 12: prerequisites. */
function checkPrerequisites(n: NormMatch): void {
  const fail = (f: string, need: string): never => {
    throw new FakeFlowModError('OFPET_BAD_MATCH', 'OFPBMC_BAD_PREREQ', `${f} needs ${need}`);
  };
  const ethType = exact(n, 'eth_type');
  const ipProto = exact(n, 'ip_proto');
  const isIp = ethType === 0x0800n || ethType === 0x86ddn;
  for (const f of n.fields.keys()) {
    switch (f) {
      case 'vlan_pcp': {
        const v = n.fields.get('vlan_vid');
        if (!v || (v.value & BigInt(OFPVID_PRESENT)) === 0n) fail(f, 'vlan_vid != NONE');
        break;
      }
      case 'ip_dscp': case 'ip_ecn': case 'ip_proto':
        if (!isIp) fail(f, 'eth_type 0x0800 or 0x86dd');
        break;
      case 'ipv4_src': case 'ipv4_dst':
        if (ethType !== 0x0800n) fail(f, 'eth_type 0x0800');
        break;
      case 'ipv6_src': case 'ipv6_dst': case 'ipv6_flabel': case 'ipv6_exthdr':
        if (ethType !== 0x86ddn) fail(f, 'eth_type 0x86dd');
        break;
      case 'tcp_src': case 'tcp_dst':
        if (!isIp || ipProto !== 6n) fail(f, 'ip_proto 6 (and eth_type IPv4/IPv6)');
        break;
      case 'udp_src': case 'udp_dst':
        if (!isIp || ipProto !== 17n) fail(f, 'ip_proto 17 (and eth_type IPv4/IPv6)');
        break;
      case 'sctp_src': case 'sctp_dst':
        if (!isIp || ipProto !== 132n) fail(f, 'ip_proto 132 (and eth_type IPv4/IPv6)');
        break;
      case 'icmpv4_type': case 'icmpv4_code':
        if (ethType !== 0x0800n || ipProto !== 1n) fail(f, 'ip_proto 1 and eth_type 0x0800');
        break;
      case 'icmpv6_type': case 'icmpv6_code':
        if (ethType !== 0x86ddn || ipProto !== 58n) fail(f, 'ip_proto 58 and eth_type 0x86dd');
        break;
      case 'arp_op': case 'arp_spa': case 'arp_tpa': case 'arp_sha': case 'arp_tha':
        if (ethType !== 0x0806n) fail(f, 'eth_type 0x0806');
        break;
      case 'ipv6_nd_target': {
        const t = exact(n, 'icmpv6_type');
        if (t !== 135n && t !== 136n) fail(f, 'icmpv6_type 135 or 136');
        break;
      }
      case 'ipv6_nd_sll':
        if (exact(n, 'icmpv6_type') !== 135n) fail(f, 'icmpv6_type 135');
        break;
      case 'ipv6_nd_tll':
        if (exact(n, 'icmpv6_type') !== 136n) fail(f, 'icmpv6_type 136');
        break;
      case 'mpls_label': case 'mpls_tc': case 'mpls_bos':
        if (ethType !== 0x8847n && ethType !== 0x8848n) fail(f, 'eth_type 0x8847 or 0x8848');
        break;
      case 'pbb_isid':
        if (ethType !== 0x88e7n) fail(f, 'eth_type 0x88e7');
        break;
      default:
        break;
    }
  }
}

function packetBits(pkt: Packet, f: OxmFieldName): bigint | undefined {
  if (f === 'vlan_vid') {
    const v = pkt.vlan_vid;
    if (v === undefined) return BigInt(OFPVID_NONE);
    return (toBits(f, v).value & 0xfffn) | BigInt(OFPVID_PRESENT);
  }
  const v = pkt[f];
  if (v === undefined) return undefined;
  return toBits(f, v).value;
}

function matchesPacket(n: NormMatch, pkt: Packet): boolean {
  if (n.opaque.size > 0) return false;
  for (const [f, { value, mask }] of n.fields) {
    const have = packetBits(pkt, f);
    if (have === undefined) return false;
    if ((have & mask) !== value) return false;
  }
  return true;
}

/** The actions of a flow's APPLY_ACTIONS and WRITE_ACTIONS instructions, in order. */
function actionsOf(instructions: Instruction[]): Action[] {
  return instructions.flatMap((i) => (i.type === 'APPLY_ACTIONS' || i.type === 'WRITE_ACTIONS' ? i.actions : []));
}

function outputsOf(instructions: Instruction[]): number[] {
  return actionsOf(instructions).flatMap((a) => (a.type === 'OUTPUT' ? [a.port] : []));
}

function groupsOf(instructions: Instruction[]): number[] {
  return actionsOf(instructions).flatMap((a) => (a.type === 'GROUP' ? [a.group_id] : []));
}

// ---------------------------------------------------------------------------

interface Entry {
  table_id: number;
  priority: number;
  cookie: bigint;
  flags: number;
  idle_timeout: number;
  hard_timeout: number;
  match: Match;
  norm: NormMatch;
  key: string;
  instructions: Instruction[];
  packet_count: bigint;
  byte_count: bigint;
  installedAt: number;
  /** Insertion sequence: a deterministic tie-break among equal priorities. */
  seq: number;
}

export interface FakeFlowTableOptions {
  /** Clock for durations, ms. Default Date.now. */
  now?: () => number;
  /** Number of tables (ids 0..n-1); an ADD to another table fails with OFPFMFC_BAD_TABLE_ID. Default 254. */
  nTables?: number;
  /**
   * Refuse a flow-mod as a switch would: return an error's spec names to
   * make `apply` throw FakeFlowModError (the table is unchanged).
   */
  reject?: (mod: FakeFlowMod) => { typeName: string; codeName: string } | undefined;
}

export class FakeFlowTable {
  private readonly byKey = new Map<string, Entry>();
  private seq = 0;
  private readonly now: () => number;
  private readonly nTables: number;
  private readonly listeners: ((c: FlowTableChange) => void)[] = [];
  /** Every change applied, in order (adds, replaces, modifies, deletes). */
  readonly history: FlowTableChange[] = [];
  /** Number of flow-mods applied (including ones that changed nothing). */
  modCount = 0;
  reject: FakeFlowTableOptions['reject'];

  constructor(opts: FakeFlowTableOptions = {}) {
    this.now = opts.now ?? Date.now;
    this.nTables = opts.nTables ?? 254;
    this.reject = opts.reject;
  }

  /** Called synchronously after each change: lets a test check an invariant between any two flow-mods. */
  onChange(fn: (c: FlowTableChange) => void): () => void {
    this.listeners.push(fn);
    return () => {
      const i = this.listeners.indexOf(fn);
      if (i >= 0) this.listeners.splice(i, 1);
    };
  }

  get size(): number {
    return this.byKey.size;
  }

  clear(): void {
    this.byKey.clear();
  }

  /** Apply several flow-mods in order (stops at the first refused one, which throws). */
  applyAll(mods: Iterable<FakeFlowMod>): void {
    for (const m of mods) this.apply(m);
  }

  /** Apply one flow-mod with spec 6.4 semantics; throws FakeFlowModError where a switch would send OFPT_ERROR. */
  apply(mod: FakeFlowMod): void {
    this.modCount++;
    const rej = this.reject?.(mod);
    if (rej) throw new FakeFlowModError(rej.typeName, rej.codeName, 'refused by the test');
    const table_id = mod.table_id ?? 0;
    const match = mod.match ?? [];
    const norm = normalize(match);
    checkPrerequisites(norm);
    const instructions = mod.instructions ?? [];
    for (const i of instructions) {
      if (i.type === 'GOTO_TABLE' && (table_id === OFPTT_ALL || i.table_id <= table_id || i.table_id >= this.nTables)) {
        throw new FakeFlowModError('OFPET_BAD_INSTRUCTION', 'OFPBIC_BAD_TABLE_ID', `goto_table ${i.table_id} from table ${table_id}`);
      }
    }
    switch (mod.command) {
      case OFPFC_ADD:
        this.add(mod, table_id, match, norm, instructions);
        return;
      case OFPFC_MODIFY:
      case OFPFC_MODIFY_STRICT:
        for (const e of this.select(mod, table_id, norm, mod.command === OFPFC_MODIFY_STRICT)) {
          e.instructions = instructions;
          if (((mod.flags ?? 0) & OFPFF_RESET_COUNTS) !== 0) {
            e.packet_count = 0n;
            e.byte_count = 0n;
          }
          this.emit({ op: 'modify', entry: this.stats(e) });
        }
        return;
      case OFPFC_DELETE:
      case OFPFC_DELETE_STRICT:
        for (const e of this.select(mod, table_id, norm, mod.command === OFPFC_DELETE_STRICT)) {
          this.byKey.delete(this.entryId(e.table_id, e.priority, e.key));
          this.emit({ op: 'delete', entry: this.stats(e) });
        }
        return;
      default:
        throw new FakeFlowModError('OFPET_FLOW_MOD_FAILED', 'OFPFMFC_BAD_COMMAND', `command ${mod.command}`);
    }
  }

  private entryId(table: number, priority: number, key: string): string {
    return `${table}|${priority}|${key}`;
  }

  private add(mod: FakeFlowMod, table_id: number, match: Match, norm: NormMatch, instructions: Instruction[]): void {
    if (table_id === OFPTT_ALL || table_id >= this.nTables) {
      throw new FakeFlowModError('OFPET_FLOW_MOD_FAILED', 'OFPFMFC_BAD_TABLE_ID', `table ${table_id}`);
    }
    const priority = mod.priority ?? 0x8000;
    const flags = mod.flags ?? 0;
    const key = matchKey(norm);
    const id = this.entryId(table_id, priority, key);
    const old = this.byKey.get(id);
    if ((flags & OFPFF_CHECK_OVERLAP) !== 0) {
      for (const e of this.byKey.values()) {
        if (e !== old && e.table_id === table_id && e.priority === priority && overlaps(e.norm, norm)) {
          throw new FakeFlowModError('OFPET_FLOW_MOD_FAILED', 'OFPFMFC_OVERLAP', `overlaps an entry at priority ${priority}`);
        }
      }
    }
    const keep = old && (flags & OFPFF_RESET_COUNTS) === 0;
    const e: Entry = {
      table_id, priority,
      cookie: mod.cookie ?? 0n,
      flags,
      idle_timeout: mod.idle_timeout ?? 0,
      hard_timeout: mod.hard_timeout ?? 0,
      match: match.map((m) => ({ ...m })) as OxmEntry[],
      norm, key, instructions,
      packet_count: keep ? old.packet_count : 0n,
      byte_count: keep ? old.byte_count : 0n,
      installedAt: this.now(),
      seq: old ? old.seq : this.seq++,
    };
    this.byKey.set(id, e);
    this.emit({ op: old ? 'replace' : 'add', entry: this.stats(e) });
  }

  /** Entries a modify/delete (or stats request) selects. */
  private select(f: {
    cookie?: bigint; cookie_mask?: bigint; out_port?: number; out_group?: number; priority?: number;
  }, table_id: number, norm: NormMatch, strict: boolean): Entry[] {
    const cookieMask = f.cookie_mask ?? 0n;
    const cookie = (f.cookie ?? 0n) & cookieMask;
    const outPort = f.out_port ?? OFPP_ANY;
    const outGroup = f.out_group ?? OFPG_ANY;
    const key = strict ? matchKey(norm) : '';
    const priority = f.priority ?? 0x8000;
    const out: Entry[] = [];
    for (const e of this.byKey.values()) {
      if (table_id !== OFPTT_ALL && e.table_id !== table_id) continue;
      if ((e.cookie & cookieMask) !== cookie) continue;
      if (strict) {
        if (e.priority !== priority || e.key !== key) continue;
      } else if (!coveredBy(e.norm, norm)) continue;
      if (outPort !== OFPP_ANY && !outputsOf(e.instructions).includes(outPort)) continue;
      if (outGroup !== OFPG_ANY && !groupsOf(e.instructions).includes(outGroup)) continue;
      out.push(e);
    }
    return out.sort(byPriority);
  }

  private stats(e: Entry): FlowStats {
    const ms = Math.max(0, this.now() - e.installedAt);
    return {
      table_id: e.table_id,
      duration_sec: Math.floor(ms / 1000),
      duration_nsec: (ms % 1000) * 1e6,
      priority: e.priority,
      idle_timeout: e.idle_timeout,
      hard_timeout: e.hard_timeout,
      flags: e.flags,
      cookie: e.cookie,
      packet_count: e.packet_count,
      byte_count: e.byte_count,
      match: e.match.map((m) => ({ ...m })) as OxmEntry[],
      instructions: e.instructions,
    };
  }

  private emit(c: FlowTableChange): void {
    this.history.push(c);
    for (const l of this.listeners) l(c);
  }

  /**
   * Flow stats as a switch would reply to OFPMP_FLOW with this filter
   * (table default OFPTT_ALL, non-strict match, cookie/cookie_mask,
   * out_port/out_group), highest priority first.
   */
  entries(filter: EntryFilter = {}): FlowStats[] {
    const norm = normalize(filter.match ?? []);
    const sel = this.select({ ...filter, priority: undefined }, filter.table_id ?? OFPTT_ALL, norm, false);
    return sel.filter((e) => filter.priority === undefined || e.priority === filter.priority).map((e) => this.stats(e));
  }

  /**
   * One table lookup (spec 5.3): the highest-priority entry of `table_id`
   * matching `pkt`; its counters count the packet unless `count: false`.
   */
  lookup(table_id: number, pkt: Packet, opts: { count?: boolean } = {}): LookupResult {
    let best: Entry | undefined;
    for (const e of this.byKey.values()) {
      if (e.table_id !== table_id) continue;
      if (best && byPriority(e, best) >= 0) continue;
      if (matchesPacket(e.norm, pkt)) best = e;
    }
    if (!best) return { verdict: 'miss' };
    if (opts.count !== false) {
      best.packet_count += 1n;
      best.byte_count += BigInt(pkt.len ?? 60);
    }
    const entry = this.stats(best);
    const gotoI = best.instructions.find((i) => i.type === 'GOTO_TABLE');
    const output = outputsOf(best.instructions);
    const res: LookupResult = { verdict: 'drop', entry };
    if (output.length > 0) {
      res.verdict = 'continue';
      res.output = output;
    }
    if (gotoI && gotoI.type === 'GOTO_TABLE') {
      res.verdict = 'continue';
      res.goto_table = gotoI.table_id;
    }
    return res;
  }

  /**
   * Follow gotos from `table_id` until an entry without goto (or a miss):
   * the pipeline's final answer, plus every entry hit on the way.
   */
  forward(table_id: number, pkt: Packet): LookupResult & { path: FlowStats[] } {
    const path: FlowStats[] = [];
    let t = table_id;
    for (;;) {
      const r = this.lookup(t, pkt);
      if (r.entry) path.push(r.entry);
      if (r.goto_table === undefined) return { ...r, path };
      t = r.goto_table;
    }
  }

  /** Shorthand: lookup(...).verdict without touching counters. */
  verdict(table_id: number, pkt: Packet): Verdict {
    return this.lookup(table_id, pkt, { count: false }).verdict;
  }
}

/** Higher priority first; among equals, the older entry first (deterministic; the spec leaves it undefined). */
function byPriority(a: Entry, b: Entry): number {
  return b.priority - a.priority || a.seq - b.seq;
}

export interface SynOptions {
  /** Source address; default 100.64.0.2 or 2001:db8:ffff::2 by the destination's family. */
  src?: string;
  sport?: number;
  /** 12-bit C-VLAN id of a tagged frame. */
  vlan?: number;
}

/** A TCP SYN entering on `inPort` toward dst:dport (IPv4 or IPv6 by the address's form). */
export function syn(inPort: number, dst: string, dport: number, opts: SynOptions = {}): Packet {
  const v6 = dst.includes(':');
  const pkt: Packet = v6
    ? { in_port: inPort, eth_type: 0x86dd, ip_proto: 6, ipv6_src: opts.src ?? '2001:db8:ffff::2', ipv6_dst: dst }
    : { in_port: inPort, eth_type: 0x0800, ip_proto: 6, ipv4_src: opts.src ?? '100.64.0.2', ipv4_dst: dst };
  pkt.tcp_src = opts.sport ?? 49152;
  pkt.tcp_dst = dport;
  if (opts.vlan !== undefined) pkt.vlan_vid = opts.vlan;
  pkt.len = v6 ? 74 + 20 : 74;
  return pkt;
}

/** A UDP datagram (e.g. DNS) entering on `inPort`: for "other traffic continues" questions. */
export function udp(inPort: number, dst: string, dport: number, opts: SynOptions = {}): Packet {
  const v6 = dst.includes(':');
  const pkt: Packet = v6
    ? { in_port: inPort, eth_type: 0x86dd, ip_proto: 17, ipv6_src: opts.src ?? '2001:db8:ffff::2', ipv6_dst: dst }
    : { in_port: inPort, eth_type: 0x0800, ip_proto: 17, ipv4_src: opts.src ?? '100.64.0.2', ipv4_dst: dst };
  pkt.udp_src = opts.sport ?? 49152;
  pkt.udp_dst = dport;
  if (opts.vlan !== undefined) pkt.vlan_vid = opts.vlan;
  return pkt;
}
