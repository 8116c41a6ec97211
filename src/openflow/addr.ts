/**
 * MAC, IPv4 and IPv6 text forms, read from and written to wire bytes.
 *
 * Output is exactly what Ryu/os-ken prints (os_ken.lib.addrconv, which goes
 * through netaddr and, for IPv6, glibc's inet_ntop):
 * - MAC: lowercase, two digits per byte, ':'-separated ("00:1b:21:0a:0b:0c").
 * - IPv4: dotted decimal.
 * - IPv6: RFC 5952 compression (lowercase, no leading zeros, the first longest
 *   run of two or more zero groups becomes "::"), and glibc's dotted tail for
 *   IPv4-mapped ("::ffff:192.0.2.1") and IPv4-compatible addresses: the tail
 *   is dotted when the first six groups are zero and the seventh is not
 *   ("::0.1.0.0", "::192.0.2.1", but "::1" and "::100"), or when the first five
 *   are zero and the sixth is ffff ("::ffff:0.0.0.0").
 *
 * Input accepts the usual forms (MAC with ':' or '-', any hex case; IPv6 with
 * "::" and a dotted tail) and throws OfError OF_ERR_BAD_ARGUMENT otherwise.
 */

import { OfError } from './errors';

const HEX2: string[] = [];
for (let i = 0; i < 256; i++) HEX2.push(i.toString(16).padStart(2, '0'));

function bad(kind: string, s: unknown): never {
  throw new OfError('OF_ERR_BAD_ARGUMENT', `not a valid ${kind} address: ${JSON.stringify(s)}`);
}

function hexVal(c: number): number {
  if (c >= 48 && c <= 57) return c - 48; // 0-9
  c |= 0x20; // fold case
  if (c >= 97 && c <= 102) return c - 87; // a-f
  return -1;
}

// ---------------------------------------------------------------------------
// MAC (6 bytes)

export function writeMac(buf: Buffer, off: number, s: string): void {
  if (typeof s !== 'string' || s.length !== 17) bad('MAC', s);
  for (let i = 0; i < 6; i++) {
    const p = i * 3;
    const h = hexVal(s.charCodeAt(p));
    const l = hexVal(s.charCodeAt(p + 1));
    if (h < 0 || l < 0) bad('MAC', s);
    if (i < 5) {
      const sep = s.charCodeAt(p + 2);
      if (sep !== 58 /* : */ && sep !== 45 /* - */) bad('MAC', s);
    }
    buf[off + i] = (h << 4) | l;
  }
}

export function readMac(buf: Buffer, off: number): string {
  return `${HEX2[buf[off]!]}:${HEX2[buf[off + 1]!]}:${HEX2[buf[off + 2]!]}:${HEX2[buf[off + 3]!]}:${HEX2[buf[off + 4]!]}:${HEX2[buf[off + 5]!]}`;
}

export function parseMac(s: string): Buffer {
  const b = Buffer.alloc(6);
  writeMac(b, 0, s);
  return b;
}

export function formatMac(b: Uint8Array): string {
  if (b.length !== 6) throw new OfError('OF_ERR_BAD_ARGUMENT', `MAC needs 6 bytes, got ${b.length}`);
  return readMac(Buffer.from(b.buffer, b.byteOffset, 6), 0);
}

export function isMac(s: string): boolean {
  try { parseMac(s); return true; } catch { return false; }
}

// ---------------------------------------------------------------------------
// IPv4 (4 bytes)

/** Dotted decimal to a 32-bit unsigned number; no leading zeros, each octet 0-255. */
export function parseIpv4(s: string): number {
  if (typeof s !== 'string') bad('IPv4', s);
  let v = 0;
  let octet = -1;
  let digits = 0;
  let dots = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 46 /* . */) {
      if (octet < 0 || dots === 3) bad('IPv4', s);
      v = v * 256 + octet;
      octet = -1;
      digits = 0;
      dots++;
    } else if (c >= 48 && c <= 57) {
      if (digits > 0 && octet === 0) bad('IPv4', s); // leading zero (ambiguous octal)
      octet = (octet < 0 ? 0 : octet * 10) + (c - 48);
      digits++;
      if (octet > 255) bad('IPv4', s);
    } else {
      bad('IPv4', s);
    }
  }
  if (dots !== 3 || octet < 0) bad('IPv4', s);
  return v * 256 + octet;
}

export function formatIpv4(n: number): string {
  return `${n >>> 24}.${(n >>> 16) & 0xff}.${(n >>> 8) & 0xff}.${n & 0xff}`;
}

export function writeIpv4(buf: Buffer, off: number, s: string): void {
  buf.writeUInt32BE(parseIpv4(s), off);
}

export function readIpv4(buf: Buffer, off: number): string {
  return `${buf[off]}.${buf[off + 1]}.${buf[off + 2]}.${buf[off + 3]}`;
}

export function isIpv4(s: string): boolean {
  try { parseIpv4(s); return true; } catch { return false; }
}

// ---------------------------------------------------------------------------
// IPv6 (16 bytes)

/** Parses text into 8 16-bit groups written at buf[off..off+16). */
export function writeIpv6(buf: Buffer, off: number, s: string): void {
  if (typeof s !== 'string' || s.length < 2 || s.length > 45) bad('IPv6', s);
  const groups: number[] = [];
  let gap = -1; // index in groups where "::" stands
  let i = 0;
  const n = s.length;
  if (s.charCodeAt(0) === 58) {
    if (s.charCodeAt(1) !== 58) bad('IPv6', s);
    gap = 0;
    i = 2;
    if (i === n) { buf.fill(0, off, off + 16); return; }
  }
  while (i < n) {
    // One group: hex digits, or a dotted IPv4 tail.
    let j = i;
    let v = 0;
    while (j < n && j - i < 5) {
      const h = hexVal(s.charCodeAt(j));
      if (h < 0) break;
      v = (v << 4) | h;
      j++;
    }
    if (j < n && s.charCodeAt(j) === 46 /* . */) {
      // IPv4 tail: must be last and leave room for two groups.
      const v4 = parseIpv4(s.slice(i));
      groups.push(v4 >>> 16, v4 & 0xffff);
      break;
    }
    if (j === i || j - i > 4) bad('IPv6', s);
    groups.push(v);
    i = j;
    if (i === n) break;
    if (s.charCodeAt(i) !== 58) bad('IPv6', s);
    i++;
    if (i < n && s.charCodeAt(i) === 58) {
      if (gap >= 0) bad('IPv6', s);
      gap = groups.length;
      i++;
    } else if (i === n) {
      bad('IPv6', s); // trailing single ':'
    }
  }
  if (gap < 0) {
    if (groups.length !== 8) bad('IPv6', s);
  } else if (groups.length > 7) {
    bad('IPv6', s);
  }
  const fill = 8 - groups.length;
  let g = 0;
  for (let k = 0; k < 8; k++) {
    let w: number;
    if (gap >= 0 && k >= gap && k < gap + fill) w = 0;
    else w = groups[g++]!;
    buf.writeUInt16BE(w, off + k * 2);
  }
}

export function readIpv6(buf: Buffer, off: number): string {
  const w: number[] = new Array<number>(8);
  for (let k = 0; k < 8; k++) w[k] = buf.readUInt16BE(off + k * 2);
  // First longest run of >= 2 zero groups.
  let bestBase = -1;
  let bestLen = 0;
  let runBase = -1;
  for (let k = 0; k <= 8; k++) {
    if (k < 8 && w[k] === 0) {
      if (runBase < 0) runBase = k;
    } else if (runBase >= 0) {
      const len = k - runBase;
      if (len > bestLen) { bestBase = runBase; bestLen = len; }
      runBase = -1;
    }
  }
  if (bestLen < 2) bestBase = -1;
  // glibc inet_ntop: IPv4-compatible (6 zero groups) and IPv4-mapped (5 zero, ffff).
  if (bestBase === 0 && (bestLen === 6 || (bestLen === 5 && w[5] === 0xffff))) {
    const tail = `${buf[off + 12]}.${buf[off + 13]}.${buf[off + 14]}.${buf[off + 15]}`;
    return bestLen === 5 ? `::ffff:${tail}` : `::${tail}`;
  }
  let out = '';
  for (let k = 0; k < 8; k++) {
    if (k === bestBase) {
      out += '::';
      k += bestLen - 1;
      continue;
    }
    if (out.length > 0 && !out.endsWith(':')) out += ':';
    out += w[k]!.toString(16);
  }
  return out;
}

export function parseIpv6(s: string): Buffer {
  const b = Buffer.alloc(16);
  writeIpv6(b, 0, s);
  return b;
}

export function formatIpv6(b: Uint8Array): string {
  if (b.length !== 16) throw new OfError('OF_ERR_BAD_ARGUMENT', `IPv6 needs 16 bytes, got ${b.length}`);
  return readIpv6(Buffer.from(b.buffer, b.byteOffset, 16), 0);
}

export function isIpv6(s: string): boolean {
  try { parseIpv6(s); return true; } catch { return false; }
}

/** Canonical (Ryu) text of an IPv6 address given in any accepted form. */
export function normalizeIpv6(s: string): string {
  return formatIpv6(parseIpv6(s));
}
