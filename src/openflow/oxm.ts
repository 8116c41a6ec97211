/**
 * OXM TLVs (spec 7.2.3.2): header 32 bits = oxm_class (16) | oxm_field (7) |
 * oxm_hasmask (1) | oxm_length (8); oxm_length counts the payload only (value,
 * then mask of the same width when hasmask).
 *
 * The basic class (0x8000) fields are described once in OXM_FIELDS, indexed
 * by field number (Table 12 of the spec): width in bytes, value kind, the
 * number of significant bits, and whether the spec allows a mask. Any other
 * class, and basic-class field numbers above 39, stay opaque bytes.
 */

import { OfError } from './errors';
import type { OxmEntry, OxmFieldName, OxmTlv, OxmValue } from './types';
import * as addr from './addr';
import type { Reader, Writer } from './buffer';
import * as buffer from './buffer';
import * as constants from './constants';

// Imported bindings are copied to module-level constants: under tsx (esbuild's CommonJS
// output) every use of an imported name is a getter call, measurable on the hot path.
const { readIpv4, readIpv6, readMac, writeMac } = addr;
const { OFPXMC_OPENFLOW_BASIC } = constants;
const { put8, put16, put32, get16, get32 } = buffer;

export type OxmKind = 'uint' | 'u64' | 'mac' | 'ipv4' | 'ipv6';

export interface OxmFieldInfo {
  name: OxmFieldName;
  /** oxm_field number. */
  field: number;
  /** Value width in bytes on the wire. */
  width: number;
  kind: OxmKind;
  /** Significant bits of the value (vlan_vid 13, ip_dscp 6, ...). */
  bits: number;
  /** The spec allows a mask (Table 12, "Mask" column). */
  maskable: boolean;
  /** 2 ** (8 * width): the first value that does not fit (numeric kinds). */
  limit: number;
  /** The 32-bit TLV header, without and with a mask. */
  header: number;
  headerMasked: number;
}

function f(name: OxmFieldName, field: number, width: number, kind: OxmKind, bits: number, maskable: boolean): OxmFieldInfo {
  const base = (OFPXMC_OPENFLOW_BASIC << 16) | (field << 9);
  return {
    name, field, width, kind, bits, maskable, limit: 2 ** (8 * width),
    header: (base | width) >>> 0, headerMasked: (base | 0x100 | (width * 2)) >>> 0,
  };
}

/** Basic-class fields by oxm_field number (spec 1.3.5 Table 12). */
export const OXM_FIELDS: readonly OxmFieldInfo[] = [
  f('in_port', 0, 4, 'uint', 32, false),
  f('in_phy_port', 1, 4, 'uint', 32, false),
  f('metadata', 2, 8, 'u64', 64, true),
  f('eth_dst', 3, 6, 'mac', 48, true),
  f('eth_src', 4, 6, 'mac', 48, true),
  f('eth_type', 5, 2, 'uint', 16, false),
  f('vlan_vid', 6, 2, 'uint', 13, true),
  f('vlan_pcp', 7, 1, 'uint', 3, false),
  f('ip_dscp', 8, 1, 'uint', 6, false),
  f('ip_ecn', 9, 1, 'uint', 2, false),
  f('ip_proto', 10, 1, 'uint', 8, false),
  f('ipv4_src', 11, 4, 'ipv4', 32, true),
  f('ipv4_dst', 12, 4, 'ipv4', 32, true),
  f('tcp_src', 13, 2, 'uint', 16, false),
  f('tcp_dst', 14, 2, 'uint', 16, false),
  f('udp_src', 15, 2, 'uint', 16, false),
  f('udp_dst', 16, 2, 'uint', 16, false),
  f('sctp_src', 17, 2, 'uint', 16, false),
  f('sctp_dst', 18, 2, 'uint', 16, false),
  f('icmpv4_type', 19, 1, 'uint', 8, false),
  f('icmpv4_code', 20, 1, 'uint', 8, false),
  f('arp_op', 21, 2, 'uint', 16, false),
  f('arp_spa', 22, 4, 'ipv4', 32, true),
  f('arp_tpa', 23, 4, 'ipv4', 32, true),
  f('arp_sha', 24, 6, 'mac', 48, true),
  f('arp_tha', 25, 6, 'mac', 48, true),
  f('ipv6_src', 26, 16, 'ipv6', 128, true),
  f('ipv6_dst', 27, 16, 'ipv6', 128, true),
  f('ipv6_flabel', 28, 4, 'uint', 20, true),
  f('icmpv6_type', 29, 1, 'uint', 8, false),
  f('icmpv6_code', 30, 1, 'uint', 8, false),
  f('ipv6_nd_target', 31, 16, 'ipv6', 128, false),
  f('ipv6_nd_sll', 32, 6, 'mac', 48, false),
  f('ipv6_nd_tll', 33, 6, 'mac', 48, false),
  f('mpls_label', 34, 4, 'uint', 20, false),
  f('mpls_tc', 35, 1, 'uint', 3, false),
  f('mpls_bos', 36, 1, 'uint', 1, false),
  f('pbb_isid', 37, 3, 'uint', 24, true),
  f('tunnel_id', 38, 8, 'u64', 64, true),
  f('ipv6_exthdr', 39, 2, 'uint', 9, true),
];

export const OXM_BY_NAME: Readonly<Record<OxmFieldName, OxmFieldInfo>> = (() => {
  const m = {} as Record<OxmFieldName, OxmFieldInfo>;
  for (const fi of OXM_FIELDS) m[fi.name] = fi;
  return m;
})();

const BY_NAME_MAP = new Map<string, OxmFieldInfo>(OXM_FIELDS.map((fi) => [fi.name, fi]));

export function oxmFieldInfo(name: string): OxmFieldInfo | undefined {
  return BY_NAME_MAP.get(name);
}

function badArg(msg: string): never {
  throw new OfError('OF_ERR_BAD_ARGUMENT', msg);
}

// Parsed addresses, by text: flows repeat the same few prefixes and MACs.
// Bounded: cleared when full.
const CACHE_MAX = 4096;
const ipv4Cache = new Map<string, number>();
const ipv6Cache = new Map<string, Buffer>();

function ipv4Of(s: string): number {
  let n = ipv4Cache.get(s);
  if (n === undefined) {
    n = addr.parseIpv4(s);
    if (ipv4Cache.size >= CACHE_MAX) ipv4Cache.clear();
    ipv4Cache.set(s, n);
  }
  return n;
}

function writeIpv6Cached(buf: Buffer, at: number, s: string): void {
  let b = ipv6Cache.get(s);
  if (b === undefined) {
    b = addr.parseIpv6(s);
    if (ipv6Cache.size >= CACHE_MAX) ipv6Cache.clear();
    ipv6Cache.set(s, b);
  }
  for (let i = 0; i < 16; i++) buf[at + i] = b[i]!;
}

/** Writes one value of a basic field at w.pos (space already ensured). */
function writeValue(w: Writer, fi: OxmFieldInfo, v: OxmValue): void {
  const buf = w.buf;
  const at = w.pos;
  switch (fi.kind) {
    case 'uint': {
      const n = typeof v === 'bigint' ? Number(v) : (v as number);
      if (fi.width === 2) put16(buf, at, n, fi.name);
      else if (fi.width === 1) put8(buf, at, n, fi.name);
      else if (fi.width === 4) put32(buf, at, n, fi.name);
      else if (typeof n === 'number' && Number.isInteger(n) && n >= 0 && n < fi.limit) buf.writeUIntBE(n, at, fi.width); // pbb_isid, 3 bytes
      else badArg(`${fi.name}: value ${String(v)} does not fit ${fi.width} bytes`);
      break;
    }
    case 'u64': {
      if (typeof v === 'string') badArg(`${fi.name}: value ${v} is not an integer`);
      w.u64(v);
      w.pos = at; // u64 advanced pos; the caller advances by width
      break;
    }
    case 'mac':
      writeMac(buf, at, v as string);
      break;
    case 'ipv4':
      put32(buf, at, typeof v === 'number' ? v >>> 0 : ipv4Of(v as string));
      break;
    case 'ipv6':
      if (typeof v !== 'string') badArg(`${fi.name}: value ${String(v)} is not an IPv6 address`);
      writeIpv6Cached(buf, at, v);
      break;
  }
  w.pos = at + fi.width;
}

function readValue(buf: Buffer, at: number, fi: OxmFieldInfo): OxmValue {
  switch (fi.kind) {
    case 'uint':
      if (fi.width === 1) return buf[at]!;
      if (fi.width === 2) return get16(buf, at);
      if (fi.width === 4) return get32(buf, at);
      return buf.readUIntBE(at, fi.width);
    case 'u64': {
      const hi = get32(buf, at);
      const lo = get32(buf, at + 4);
      return hi === 0 ? BigInt(lo) : (BigInt(hi) << 32n) | BigInt(lo);
    }
    case 'mac':
      return readMac(buf, at);
    case 'ipv4':
      return readIpv4(buf, at);
    case 'ipv6':
      return readIpv6(buf, at);
  }
}

/** Encoded size of one TLV (header included). */
export function oxmSize(e: OxmEntry): number {
  if (e.field === 'opaque') return 4 + e.data.length;
  const fi = oxmFieldInfo(e.field);
  if (fi === undefined) badArg(`unknown OXM field ${JSON.stringify(e.field)}`);
  return 4 + (e.mask === undefined ? fi.width : fi.width * 2);
}

/** Writes one OXM TLV. */
export function writeOxm(w: Writer, e: OxmEntry): void {
  if (e.field === 'opaque') {
    if (e.data.length > 255) badArg(`opaque OXM payload of ${e.data.length} bytes exceeds 255`);
    w.ensure(4 + e.data.length);
    w.u16(e.oxm_class);
    w.u8(((e.oxm_field & 0x7f) << 1) | (e.has_mask ? 1 : 0));
    w.u8(e.data.length);
    w.bytes(e.data);
    return;
  }
  const fi = BY_NAME_MAP.get(e.field);
  if (fi === undefined) badArg(`unknown OXM field ${JSON.stringify(e.field)}`);
  const hasMask = e.mask !== undefined;
  w.ensure(4 + 2 * fi.width);
  put32(w.buf, w.pos, hasMask ? fi.headerMasked : fi.header);
  w.pos += 4;
  writeValue(w, fi, e.value);
  if (hasMask) writeValue(w, fi, e.mask as OxmValue);
}

/** Reads one OXM TLV at r.pos, within r.end. */
export function readOxm(r: Reader): OxmEntry {
  const start = r.pos;
  r.need(4, 'OXM header');
  const buf = r.buf;
  const oxmClass = get16(buf, start);
  const fh = buf[start + 2]!;
  const len = buf[start + 3]!;
  const field = fh >> 1;
  const hasMask = (fh & 1) === 1;
  r.pos += 4;
  if (r.pos + len > r.end) r.fail('OF_ERR_TRUNCATED', `OXM TLV (class 0x${oxmClass.toString(16)}, field ${field}) needs ${len} bytes, ${r.end - r.pos} left`);
  const fi = oxmClass === OFPXMC_OPENFLOW_BASIC ? OXM_FIELDS[field] : undefined;
  if (fi === undefined) {
    if (oxmClass === 0xffff && len < 4) r.fail('OF_ERR_BAD_VALUE', `experimenter OXM with length ${len} < 4`, start);
    const data = r.bytes(len);
    return { field: 'opaque', oxm_class: oxmClass, oxm_field: field, has_mask: hasMask, data };
  }
  const expect = hasMask ? fi.width * 2 : fi.width;
  if (len !== expect) r.fail('OF_ERR_BAD_VALUE', `OXM ${fi.name} length ${len}, expected ${expect}`, start);
  const at = r.pos;
  r.pos += len;
  const value = readValue(buf, at, fi);
  if (!hasMask) return { field: fi.name, value };
  const tlv: OxmTlv = { field: fi.name, value, mask: readValue(buf, at + fi.width, fi) };
  return tlv;
}
