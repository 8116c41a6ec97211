/**
 * ofp_match (spec 7.2.3.1): type u16 (OFPMT_OXM = 1), length u16 (header plus
 * TLVs, padding excluded), the OXM TLVs, then zero padding to a multiple of 8.
 * An empty match is 8 bytes: 00 01 00 04 00 00 00 00.
 *
 * buildMatch gives the canonical form os-ken's OFPMatch(**kwargs) produces:
 * fields sorted by OXM field number, value ANDed with its mask, masks only
 * where the spec allows, and the prerequisites of spec 7.2.3.6 checked.
 */

import { OfError } from './errors';
import type { Match, OxmEntry, OxmFieldName, OxmTlv, OxmValue } from './types';
import type { Reader, Writer } from './buffer';
import * as buffer from './buffer';
import * as constants from './constants';
import * as oxm from './oxm';
import type { OxmFieldInfo } from './oxm';
import { formatIpv4, formatIpv6, parseIpv4, parseIpv6, parseMac, formatMac } from './addr';

// Imported bindings are copied to module-level constants: under tsx (esbuild's CommonJS
// output) every use of an imported name is a getter call, measurable on the hot path.
const { OFPMT_OXM } = constants;
const { oxmFieldInfo, readOxm, writeOxm } = oxm;
const { put16, get16 } = buffer;

/** ofp_match header: type + length. */
export const OFP_MATCH_HEADER_LEN = 4;
/** An empty ofp_match, padded. */
export const OFP_MATCH_MIN_LEN = 8;

export function writeMatch(w: Writer, match: Match): void {
  const start = w.pos;
  w.ensure(4);
  put16(w.buf, start, OFPMT_OXM);
  w.pos += 4;
  for (let i = 0; i < match.length; i++) writeOxm(w, match[i]!);
  w.patchU16(start + 2, w.pos - start);
  w.pad8(start);
}

export function readMatch(r: Reader): Match {
  const start = r.pos;
  r.need(OFP_MATCH_HEADER_LEN, 'ofp_match header');
  const type = get16(r.buf, start);
  const length = get16(r.buf, start + 2);
  if (type !== OFPMT_OXM) r.fail('OF_ERR_BAD_VALUE', `ofp_match type ${type}, only OFPMT_OXM (1) is defined in 1.3`, start);
  if (length < OFP_MATCH_HEADER_LEN) r.fail('OF_ERR_BAD_LEN', `ofp_match length ${length} < 4`, start + 2);
  const padded = (length + 7) & ~7;
  r.need(padded, 'ofp_match');
  const outerEnd = r.end;
  r.end = start + length;
  r.pos = start + 4;
  const out: Match = [];
  while (r.pos < r.end) out.push(readOxm(r));
  r.end = outerEnd;
  r.pos = start + padded;
  return out;
}

// ---------------------------------------------------------------------------
// buildMatch

export type MatchSpecValue = OxmValue | { value: OxmValue; mask: OxmValue };
export type MatchSpec = Partial<Record<OxmFieldName, MatchSpecValue>>;

function prereqError(msg: string): never {
  throw new OfError('OF_ERR_BAD_PREREQ', msg);
}

/** Value bytes of a field (for masking), via the address parsers or big-endian integers. */
function toBytes(fi: OxmFieldInfo, v: OxmValue): Buffer {
  const b = Buffer.alloc(fi.width);
  switch (fi.kind) {
    case 'mac': return parseMac(v as string);
    case 'ipv4': b.writeUInt32BE(typeof v === 'number' ? v >>> 0 : parseIpv4(v as string)); return b;
    case 'ipv6': return parseIpv6(v as string);
    case 'u64': b.writeBigUInt64BE(BigInt(v)); return b;
    case 'uint': b.writeUIntBE(Number(v), 0, fi.width); return b;
  }
}

function fromBytes(fi: OxmFieldInfo, b: Buffer): OxmValue {
  switch (fi.kind) {
    case 'mac': return formatMac(b);
    case 'ipv4': return formatIpv4(b.readUInt32BE(0));
    case 'ipv6': return formatIpv6(b);
    case 'u64': return b.readBigUInt64BE(0);
    case 'uint': return b.readUIntBE(0, fi.width);
  }
}

function checkValue(fi: OxmFieldInfo, v: OxmValue, what: string): OxmValue {
  switch (fi.kind) {
    case 'uint': {
      const n = typeof v === 'bigint' ? Number(v) : v;
      if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n >= 2 ** fi.bits) {
        throw new OfError('OF_ERR_BAD_ARGUMENT', `${fi.name}: ${what} ${String(v)} is not an integer of ${fi.bits} bits`);
      }
      return n;
    }
    case 'u64': {
      let n: bigint;
      try { n = BigInt(v); } catch { throw new OfError('OF_ERR_BAD_ARGUMENT', `${fi.name}: ${what} ${String(v)} is not an integer`); }
      if (n < 0n || n > 0xffffffffffffffffn) throw new OfError('OF_ERR_BAD_ARGUMENT', `${fi.name}: ${what} ${String(v)} is not a 64-bit unsigned integer`);
      return n;
    }
    case 'ipv4':
      if (typeof v === 'number') return formatIpv4(v >>> 0);
      return formatIpv4(parseIpv4(v as string));
    case 'ipv6':
      return formatIpv6(parseIpv6(v as string));
    case 'mac':
      return formatMac(parseMac(v as string));
  }
}

/** "a.b.c.d/24", "a.b.c.d/255.255.255.0", "2001:db8::/32" -> value and mask. */
function splitPrefix(fi: OxmFieldInfo, s: string): { value: OxmValue; mask: OxmValue } | undefined {
  const slash = s.indexOf('/');
  if (slash < 0) return undefined;
  const addr = s.slice(0, slash);
  const m = s.slice(slash + 1);
  const bits = fi.width * 8;
  let maskBytes: Buffer;
  if (/^\d+$/.test(m)) {
    const len = Number(m);
    if (len > bits) throw new OfError('OF_ERR_BAD_ARGUMENT', `${fi.name}: prefix length ${len} > ${bits}`);
    maskBytes = Buffer.alloc(fi.width);
    for (let i = 0; i < len; i++) maskBytes[i >> 3] = maskBytes[i >> 3]! | (0x80 >> (i & 7));
  } else {
    maskBytes = toBytes(fi, m);
  }
  return { value: addr, mask: fromBytes(fi, maskBytes) };
}

/**
 * A match from field names to values (or { value, mask }), in canonical order.
 * Address fields also take prefixes: ipv4_dst: '203.0.113.0/24'.
 * Throws OF_ERR_BAD_ARGUMENT for unknown names or values out of range,
 * OF_ERR_BAD_PREREQ for a mask the spec forbids or a missing prerequisite.
 */
export function buildMatch(spec: MatchSpec): Match {
  const out: OxmTlv[] = [];
  for (const name of Object.keys(spec)) {
    const raw = (spec as Record<string, MatchSpecValue | undefined>)[name];
    if (raw === undefined) continue;
    const fi = oxmFieldInfo(name);
    if (fi === undefined) throw new OfError('OF_ERR_BAD_ARGUMENT', `unknown match field ${JSON.stringify(name)}`);
    let value: OxmValue;
    let mask: OxmValue | undefined;
    if (typeof raw === 'object' && raw !== null && !(typeof raw === 'bigint')) {
      value = raw.value;
      mask = raw.mask ?? undefined;
    } else if (typeof raw === 'string' && (fi.kind === 'ipv4' || fi.kind === 'ipv6')) {
      const p = splitPrefix(fi, raw);
      value = p ? p.value : raw;
      mask = p?.mask;
    } else {
      value = raw;
    }
    value = checkValue(fi, value, 'value');
    if (mask !== undefined) {
      if (!fi.maskable) prereqError(`${fi.name} cannot be masked (spec 1.3.5 Table 12)`);
      mask = checkValue(fi, mask, 'mask');
      // As os-ken's OFPMatch does: the value is stored ANDed with its mask.
      const vb = toBytes(fi, value);
      const mb = toBytes(fi, mask);
      for (let i = 0; i < vb.length; i++) vb[i] = vb[i]! & mb[i]!;
      value = fromBytes(fi, vb);
      out.push({ field: fi.name, value, mask });
    } else {
      out.push({ field: fi.name, value });
    }
  }
  out.sort((a, b) => oxmFieldInfo(a.field)!.field - oxmFieldInfo(b.field)!.field);
  checkPrerequisites(out);
  return out;
}

// ---------------------------------------------------------------------------
// Prerequisites (spec 7.2.3.6, Table 12 "Prerequisite" column)

interface Prereq { field: OxmFieldName; values?: readonly number[] }

const IP = [0x0800, 0x86dd] as const;
const PREREQS: Partial<Record<OxmFieldName, Prereq>> = {
  in_phy_port: { field: 'in_port' },
  ip_dscp: { field: 'eth_type', values: IP },
  ip_ecn: { field: 'eth_type', values: IP },
  ip_proto: { field: 'eth_type', values: IP },
  ipv4_src: { field: 'eth_type', values: [0x0800] },
  ipv4_dst: { field: 'eth_type', values: [0x0800] },
  tcp_src: { field: 'ip_proto', values: [6] },
  tcp_dst: { field: 'ip_proto', values: [6] },
  udp_src: { field: 'ip_proto', values: [17] },
  udp_dst: { field: 'ip_proto', values: [17] },
  sctp_src: { field: 'ip_proto', values: [132] },
  sctp_dst: { field: 'ip_proto', values: [132] },
  icmpv4_type: { field: 'ip_proto', values: [1] },
  icmpv4_code: { field: 'ip_proto', values: [1] },
  arp_op: { field: 'eth_type', values: [0x0806] },
  arp_spa: { field: 'eth_type', values: [0x0806] },
  arp_tpa: { field: 'eth_type', values: [0x0806] },
  arp_sha: { field: 'eth_type', values: [0x0806] },
  arp_tha: { field: 'eth_type', values: [0x0806] },
  ipv6_src: { field: 'eth_type', values: [0x86dd] },
  ipv6_dst: { field: 'eth_type', values: [0x86dd] },
  ipv6_flabel: { field: 'eth_type', values: [0x86dd] },
  icmpv6_type: { field: 'ip_proto', values: [58] },
  icmpv6_code: { field: 'ip_proto', values: [58] },
  ipv6_nd_target: { field: 'icmpv6_type', values: [135, 136] },
  ipv6_nd_sll: { field: 'icmpv6_type', values: [135] },
  ipv6_nd_tll: { field: 'icmpv6_type', values: [136] },
  mpls_label: { field: 'eth_type', values: [0x8847, 0x8848] },
  mpls_tc: { field: 'eth_type', values: [0x8847, 0x8848] },
  mpls_bos: { field: 'eth_type', values: [0x8847, 0x8848] },
  pbb_isid: { field: 'eth_type', values: [0x88e7] },
  ipv6_exthdr: { field: 'eth_type', values: [0x86dd] },
};

function showValues(p: Prereq): string {
  const vs = p.values ?? [];
  const fmt = (v: number) => (p.field === 'eth_type' ? `0x${v.toString(16).padStart(4, '0')}` : String(v));
  return vs.map(fmt).join(' or ');
}

/**
 * Throws OfError OF_ERR_BAD_PREREQ when a field's prerequisite is missing or
 * has another value (the message names the missing field), when vlan_pcp is
 * given without a VLAN (vlan_vid absent or OFPVID_NONE), or a field repeats.
 * Prerequisites chain: tcp_dst needs ip_proto=6, which needs eth_type IPv4/IPv6.
 */
export function checkPrerequisites(match: Match): void {
  const byName = new Map<string, OxmTlv>();
  for (const e of match) {
    if (e.field === 'opaque') continue;
    if (byName.has(e.field)) prereqError(`${e.field} appears twice (OFPBMC_DUP_FIELD)`);
    byName.set(e.field, e);
  }
  for (const e of byName.values()) {
    if (e.field === 'vlan_pcp') {
      const vid = byName.get('vlan_vid');
      if (vid === undefined) prereqError('vlan_pcp requires vlan_vid != OFPVID_NONE (vlan_vid is missing)');
      if (vid.mask === undefined && vid.value === 0) prereqError('vlan_pcp requires vlan_vid != OFPVID_NONE (vlan_vid is OFPVID_NONE)');
      continue;
    }
    const p = PREREQS[e.field];
    if (p === undefined) continue;
    const have = byName.get(p.field);
    if (p.values === undefined) {
      if (have === undefined) prereqError(`${e.field} requires ${p.field} (${p.field} is missing)`);
      continue;
    }
    if (have === undefined) prereqError(`${e.field} requires ${p.field}=${showValues(p)} (${p.field} is missing)`);
    if (have.mask !== undefined || typeof have.value !== 'number' || !p.values.includes(have.value)) {
      prereqError(`${e.field} requires ${p.field}=${showValues(p)} (${p.field} is ${String(have.value)}${have.mask !== undefined ? ' masked' : ''})`);
    }
  }
}

/** Looks up a field's value in a match (first occurrence). */
export function matchGet(match: Match, field: OxmFieldName): OxmValue | undefined {
  for (const e of match) if (e.field === field) return (e as OxmTlv).value;
  return undefined;
}

export type { OxmEntry };
