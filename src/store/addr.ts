/**
 * Address and prefix math for whois (pure). An address A is inside prefix
 * N/L when the first L bits of A equal the first L bits of N (L = 0..32 for
 * IPv4, 0..128 for IPv6; L = 0 contains everything of its family).
 *
 * Indexing: each history row stores one key per address or prefix it holds,
 * `"<family>:<network as fixed-width hex>/<L>"` with the host bits cleared.
 * The prefixes that can contain an address are exactly its 33 (IPv4) or 129
 * (IPv6) truncations, so a lookup is an indexed `IN` over those keys:
 * exact for every prefix length, no range scan. IPv4-mapped IPv6 addresses
 * (::ffff:a.b.c.d) are looked up as IPv4.
 */
import { isIPv4, isIPv6 } from 'net';

export interface IpValue {
  family: 4 | 6;
  /** The address as an unsigned integer (32 or 128 bits). */
  value: bigint;
}

export interface IpPrefix extends IpValue {
  /** Prefix length: 0..32 or 0..128. */
  length: number;
}

function bitsOf(family: 4 | 6): number {
  return family === 4 ? 32 : 128;
}

function parseV4(s: string): bigint {
  let v = 0n;
  for (const part of s.split('.')) v = (v << 8n) | BigInt(Number(part));
  return v;
}

function parseV6(s: string): bigint {
  let text = s;
  const zone = text.indexOf('%');
  if (zone >= 0) text = text.slice(0, zone);
  // An embedded IPv4 tail (::ffff:192.0.2.1) is two 16-bit groups.
  const lastColon = text.lastIndexOf(':');
  const tail = text.slice(lastColon + 1);
  if (tail.includes('.')) {
    const v4 = parseV4(tail);
    text = `${text.slice(0, lastColon + 1)}${(v4 >> 16n).toString(16)}:${(v4 & 0xffffn).toString(16)}`;
  }
  const halves = text.split('::');
  const head = halves[0] ? halves[0].split(':') : [];
  const rest = halves.length > 1 && halves[1] ? halves[1].split(':') : [];
  const groups = halves.length > 1 ? [...head, ...Array<string>(8 - head.length - rest.length).fill('0'), ...rest] : head;
  let v = 0n;
  for (const g of groups) v = (v << 16n) | BigInt(parseInt(g, 16));
  return v;
}

const V4_MAPPED = 0xffffn << 32n;

/** Parse an IPv4 or IPv6 address; undefined when it is neither. IPv4-mapped IPv6 becomes IPv4. */
export function parseIp(s: string): IpValue | undefined {
  const t = s.trim();
  if (isIPv4(t)) return { family: 4, value: parseV4(t) };
  if (isIPv6(t)) {
    const v = parseV6(t);
    if (v >> 32n === 0xffffn) return { family: 4, value: v & 0xffffffffn };
    return { family: 6, value: v };
  }
  return undefined;
}

/** Mask an address to its first `length` bits. */
export function maskTo(family: 4 | 6, value: bigint, length: number): bigint {
  const bits = bitsOf(family);
  if (length <= 0) return 0n;
  if (length >= bits) return value;
  const host = bits - length;
  return (value >> BigInt(host)) << BigInt(host);
}

/**
 * Parse "ADDR/LEN" (or a bare address: a host prefix). Host bits are cleared.
 * undefined when malformed or the length is out of range. An IPv4-mapped IPv6
 * prefix of length >= 96 becomes the IPv4 prefix it covers.
 */
export function parsePrefix(s: string): IpPrefix | undefined {
  const slash = s.indexOf('/');
  const addrText = slash < 0 ? s : s.slice(0, slash);
  const t = addrText.trim();
  let family: 4 | 6;
  let value: bigint;
  if (isIPv4(t)) { family = 4; value = parseV4(t); } else if (isIPv6(t)) { family = 6; value = parseV6(t); } else return undefined;
  let length = bitsOf(family);
  if (slash >= 0) {
    const lenText = s.slice(slash + 1).trim();
    if (!/^\d{1,3}$/.test(lenText)) return undefined;
    length = Number(lenText);
    if (length > bitsOf(family)) return undefined;
  }
  if (family === 6 && length >= 96 && (value & (0xffffffffffffffffffffffffn << 32n)) === V4_MAPPED) {
    return { family: 4, value: maskTo(4, value & 0xffffffffn, length - 96), length: length - 96 };
  }
  return { family, value: maskTo(family, value, length), length };
}

/** The index key of a prefix: "4:c0000200/24", "6:20010db8000000000000000000000000/48". */
export function prefixKey(p: IpPrefix): string {
  const width = p.family === 4 ? 8 : 32;
  return `${p.family}:${maskTo(p.family, p.value, p.length).toString(16).padStart(width, '0')}/${p.length}`;
}

/** True when `address` lies inside `prefix` (same family, first `length` bits equal). */
export function prefixContains(prefix: IpPrefix, address: IpValue): boolean {
  if (prefix.family !== address.family) return false;
  return maskTo(prefix.family, address.value, prefix.length) === maskTo(prefix.family, prefix.value, prefix.length);
}

/** Keys of every prefix that can contain `address` (33 for IPv4, 129 for IPv6); [] when it is not an address. */
export function lookupKeys(address: string): string[] {
  const a = parseIp(address);
  if (!a) return [];
  const keys: string[] = [];
  for (let len = bitsOf(a.family); len >= 0; len--) keys.push(prefixKey({ family: a.family, value: a.value, length: len }));
  return keys;
}

/** Index keys of what a session held: its Framed-IP-Address and its framed and delegated IPv6 prefixes. */
export function recordKeys(r: { framedIp?: string; framedIpv6Prefix?: string; delegatedIpv6Prefix?: string }): string[] {
  const keys = new Set<string>();
  for (const text of [r.framedIp, r.framedIpv6Prefix, r.delegatedIpv6Prefix]) {
    if (text === undefined || text === '') continue;
    const p = parsePrefix(text);
    if (p) keys.add(prefixKey(p));
  }
  return [...keys];
}

/** True when the record held `address`: exact Framed-IP-Address or inside a framed/delegated prefix. */
export function recordHolds(r: { framedIp?: string; framedIpv6Prefix?: string; delegatedIpv6Prefix?: string }, address: string): boolean {
  const a = parseIp(address);
  if (!a) return false;
  for (const text of [r.framedIp, r.framedIpv6Prefix, r.delegatedIpv6Prefix]) {
    if (text === undefined || text === '') continue;
    const p = parsePrefix(text);
    if (p && prefixContains(p, a)) return true;
  }
  return false;
}
