/**
 * IPv4/IPv6 prefixes as the config and the policy use them (MTAs,
 * destination scopes): parsed once, host bits cleared, canonical text as Ryu
 * prints addresses, so a match built from them equals what a switch returns.
 */
import { formatIpv4, formatIpv6, parseIpv4, parseIpv6 } from '../openflow/addr';

export interface IpPrefix {
  family: 4 | 6;
  /** Network address with host bits cleared, canonical text ("2001:db8:100::25"). */
  network: string;
  /** 0..32 or 0..128 */
  length: number;
  /** Network address as an unsigned integer. */
  value: bigint;
}

function bits(family: 4 | 6): number {
  return family === 4 ? 32 : 128;
}

function maskOf(family: 4 | 6, length: number): bigint {
  const w = BigInt(bits(family));
  return ((1n << w) - 1n) ^ ((1n << (w - BigInt(length))) - 1n);
}

/** "198.51.100.25", "203.0.113.0/24", "2001:db8::/32" -> a prefix; undefined when not one. Host bits are cleared. */
export function parsePrefix(s: string): IpPrefix | undefined {
  if (typeof s !== 'string') return undefined;
  const slash = s.indexOf('/');
  const addr = (slash < 0 ? s : s.slice(0, slash)).trim();
  const lenText = slash < 0 ? undefined : s.slice(slash + 1).trim();
  let family: 4 | 6;
  let value: bigint;
  try {
    if (addr.includes(':')) {
      family = 6;
      value = BigInt('0x' + parseIpv6(addr).toString('hex'));
    } else {
      family = 4;
      value = BigInt(parseIpv4(addr));
    }
  } catch {
    return undefined;
  }
  let length = bits(family);
  if (lenText !== undefined) {
    if (!/^\d{1,3}$/.test(lenText)) return undefined;
    length = Number(lenText);
    if (length > bits(family)) return undefined;
  }
  value &= maskOf(family, length);
  return { family, network: formatValue(family, value), length, value };
}

function formatValue(family: 4 | 6, v: bigint): string {
  if (family === 4) return formatIpv4(Number(v));
  return formatIpv6(Buffer.from(v.toString(16).padStart(32, '0'), 'hex'));
}

/** "198.51.100.25/32", "2001:db8::/32": canonical text of a prefix. */
export function prefixText(p: IpPrefix): string {
  return `${p.network}/${p.length}`;
}

/** True when some address lies in both prefixes (one contains the other). */
export function prefixesOverlap(a: IpPrefix, b: IpPrefix): boolean {
  if (a.family !== b.family) return false;
  const len = Math.min(a.length, b.length);
  const m = maskOf(a.family, len);
  return (a.value & m) === (b.value & m);
}

/**
 * The prefix as a buildMatch value: the bare address for a host prefix (a
 * switch reports an all-ones mask as no mask), "net/len" otherwise, and
 * undefined for length 0 (match every destination: leave the field out).
 */
export function prefixMatchValue(p: IpPrefix): string | undefined {
  if (p.length === 0) return undefined;
  if (p.length === bits(p.family)) return p.network;
  return `${p.network}/${p.length}`;
}

/**
 * The prefixes without repeats and without any prefix inside another of the
 * list (the broader one covers it): the same addresses, fewer flows, and no
 * two flows of one rule overlapping at one priority.
 */
export function minimalPrefixes(list: readonly IpPrefix[]): IpPrefix[] {
  const out: IpPrefix[] = [];
  for (const p of list) {
    if (list.some((q) => q !== p && q.family === p.family && prefixesOverlap(p, q)
      && (q.length < p.length || (q.length === p.length && list.indexOf(q) < list.indexOf(p))))) continue;
    out.push(p);
  }
  return out;
}
