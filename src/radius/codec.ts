/**
 * A small strict RADIUS codec: RFC 2865 sections 3 and 5 (packet and
 * attribute format), RFC 2866 (Accounting Request Authenticator), RFC 5176
 * (CoA / Disconnect), RFC 3162 / RFC 4818 (IPv6 prefixes), RFC 3579 and
 * RFC 5997 (Message-Authenticator, Status-Server). Pure functions over Buffer:
 * no sockets here.
 *
 * Packet (RFC 2865 section 3):
 * | off | size | field         |
 * |-----|------|---------------|
 * | 0   | 1    | Code          |
 * | 1   | 1    | Identifier    |
 * | 2   | 2    | Length (20-4096, covers header and attributes) |
 * | 4   | 16   | Authenticator |
 * | 20  | ...  | Attributes: Type(1) Length(1, >= 2, includes the 2 header octets) Value |
 *
 * Octets past Length are padding (RFC 2865 section 3): ignored everywhere,
 * including in the authenticator checks.
 */
import { createHash, createHmac, hash as oneShotHash, randomBytes, timingSafeEqual } from 'crypto';
import { ADSL_FORUM_ATTRIBUTES, ATTRIBUTES_BY_NAME, ATTRIBUTES_BY_TYPE, CODE, VENDOR_ADSL_FORUM, type AttributeDef } from './dictionary';
import { RadiusError } from './errors';

export const HEADER_LENGTH = 20;
export const MAX_PACKET_LENGTH = 4096;
const MESSAGE_AUTHENTICATOR = 80;
const VENDOR_SPECIFIC = 26;

export interface VendorSubAttribute {
  type: number;
  /** Dictionary name for the decoded vendors (e.g. 'ADSL-Agent-Circuit-Id'). */
  name?: string;
  value: Buffer;
}

/** Vendor-Specific (26): opaque data, plus parsed sub-attributes for vendors we decode (3561). */
export interface VendorSpecific {
  vendorId: number;
  data: Buffer;
  sub?: VendorSubAttribute[];
}

/**
 * Decoded values: text -> string; string/octets -> Buffer; integer/date ->
 * number; ipaddr/ipv6addr -> canonical address string; ipv6prefix ->
 * "addr/len" (host bits cleared); ifid -> "xxxx:xxxx:xxxx:xxxx".
 */
export type AttributeValue = string | number | Buffer | VendorSpecific;

export interface Attribute {
  type: number;
  /** Dictionary name, or "Attr-N" for attributes not in the dictionary. */
  name: string;
  value: AttributeValue;
}

export interface RadiusPacket {
  code: number;
  identifier: number;
  /** Value of the Length field. */
  length: number;
  authenticator: Buffer;
  attributes: Attribute[];
  /** The first `length` octets of the datagram (padding removed). */
  raw: Buffer;
}

// ---------------------------------------------------------------- decoding

/** Decode a datagram. Throws RadiusError only. Does not check authenticators (see verifyRequest). */
export function decodePacket(buf: Buffer): RadiusPacket {
  if (buf.length < HEADER_LENGTH) throw new RadiusError('RADIUS_ERR_SHORT', `datagram of ${buf.length} octets is shorter than the 20-octet header`, 0);
  const length = buf.readUInt16BE(2);
  if (length < HEADER_LENGTH || length > MAX_PACKET_LENGTH) throw new RadiusError('RADIUS_ERR_BAD_LENGTH', `Length ${length} outside 20-4096`, 2);
  if (buf.length < length) throw new RadiusError('RADIUS_ERR_SHORT', `datagram of ${buf.length} octets is shorter than its Length ${length}`, 2);
  const raw = buf.subarray(0, length);
  const attributes: Attribute[] = [];
  let off = HEADER_LENGTH;
  while (off < length) {
    if (length - off < 2) throw new RadiusError('RADIUS_ERR_BAD_ATTRIBUTE', 'attribute header runs past Length', off);
    const type = raw[off]!;
    const alen = raw[off + 1]!;
    if (alen < 2) throw new RadiusError('RADIUS_ERR_BAD_ATTRIBUTE', `attribute ${type} has Length ${alen} < 2`, off + 1, type);
    if (off + alen > length) throw new RadiusError('RADIUS_ERR_BAD_ATTRIBUTE', `attribute ${type} of Length ${alen} runs past the packet Length ${length}`, off + 1, type);
    attributes.push(decodeAttribute(type, raw, off + 2, off + alen, off));
    off += alen;
  }
  return { code: raw[0]!, identifier: raw[1]!, length, authenticator: raw.subarray(4, 20), attributes, raw };
}

/** One attribute whose value is raw[start, end). Fixed-size values are read in place (no per-attribute Buffer: this runs per packet). */
function decodeAttribute(type: number, raw: Buffer, start: number, end: number, off: number): Attribute {
  const def = ATTRIBUTES_BY_TYPE.get(type);
  if (!def) return { type, name: `Attr-${type}`, value: raw.subarray(start, end) };
  return { type, name: def.name, value: decodeValue(def, raw, start, end, off) };
}

function bad(def: AttributeDef, off: number, why: string): RadiusError {
  return new RadiusError('RADIUS_ERR_BAD_ATTRIBUTE', `${def.name}: ${why}`, off, def.type);
}

function decodeValue(def: AttributeDef, raw: Buffer, start: number, end: number, off: number): AttributeValue {
  const n = end - start;
  switch (def.kind) {
    case 'integer':
    case 'date':
      if (n !== 4) throw bad(def, off, `${def.kind} must be 4 octets, got ${n}`);
      return raw.readUInt32BE(start);
    case 'ipaddr':
      if (n !== 4) throw bad(def, off, `ipaddr must be 4 octets, got ${n}`);
      return `${raw[start]}.${raw[start + 1]}.${raw[start + 2]}.${raw[start + 3]}`;
    case 'ipv6addr':
      if (n !== 16) throw bad(def, off, `ipv6addr must be 16 octets, got ${n}`);
      return formatIPv6(raw.subarray(start, end));
    case 'ifid':
      if (n !== 8) throw bad(def, off, `ifid must be 8 octets, got ${n}`);
      return [0, 2, 4, 6].map((i) => raw.readUInt16BE(start + i).toString(16).padStart(4, '0')).join(':');
    case 'ipv6prefix':
      return decodeIPv6Prefix(def, raw.subarray(start, end), off);
    case 'text':
      return raw.toString('utf8', start, end);
    case 'string':
      if (def.type === MESSAGE_AUTHENTICATOR && n !== 16) throw bad(def, off, `must be 16 octets, got ${n}`);
      return raw.subarray(start, end);
    case 'vsa':
      return decodeVsa(def, raw.subarray(start, end), off);
  }
}

/** RFC 3162 section 2.3 / RFC 4818: Reserved(1) Prefix-Length(1) Prefix(0-16); short encodings carry only ceil(len/8) octets. */
function decodeIPv6Prefix(def: AttributeDef, v: Buffer, off: number): string {
  if (v.length < 2 || v.length > 18) throw bad(def, off, `ipv6prefix value must be 2-18 octets, got ${v.length}`);
  if (v[0] !== 0) throw bad(def, off, `Reserved octet is ${v[0]}, must be 0`);
  const plen = v[1]!;
  if (plen > 128) throw bad(def, off, `prefix length ${plen} > 128`);
  const need = Math.ceil(plen / 8);
  const have = v.length - 2;
  if (have < need) throw bad(def, off, `prefix length ${plen} needs ${need} octets, got ${have}`);
  const addr = Buffer.alloc(16);
  v.copy(addr, 0, 2, 2 + Math.min(have, 16));
  clearHostBits(addr, plen);
  return `${formatIPv6(addr)}/${plen}`;
}

function clearHostBits(addr: Buffer, plen: number): void {
  for (let i = 0; i < 16; i++) {
    const bits = Math.max(0, Math.min(8, plen - i * 8));
    addr[i] = addr[i]! & ((0xff << (8 - bits)) & 0xff);
  }
}

function decodeVsa(def: AttributeDef, v: Buffer, off: number): VendorSpecific {
  // RFC 2865 section 5.26: Vendor-Id (4) then at least one octet of vendor data.
  if (v.length < 5) throw bad(def, off, `Vendor-Specific must be at least 5 octets, got ${v.length}`);
  const vendorId = v.readUInt32BE(0);
  const data = v.subarray(4);
  if (vendorId !== VENDOR_ADSL_FORUM) return { vendorId, data };
  // RFC 4679: the recommended format of RFC 2865, sub-attributes Type(1) Length(1, >= 2) Value.
  const sub: VendorSubAttribute[] = [];
  let p = 0;
  while (p < data.length) {
    if (data.length - p < 2) throw bad(def, off + 6 + p, 'vendor sub-attribute header runs past the attribute');
    const t = data[p]!;
    const l = data[p + 1]!;
    if (l < 2 || p + l > data.length) throw bad(def, off + 6 + p, `vendor sub-attribute ${t} has bad Length ${l}`);
    const name = ADSL_FORUM_ATTRIBUTES.get(t);
    sub.push(name !== undefined ? { type: t, name, value: data.subarray(p + 2, p + l) } : { type: t, value: data.subarray(p + 2, p + l) });
    p += l;
  }
  return { vendorId, data, sub };
}

// ---------------------------------------------------------------- accessors

export function findAttribute(pkt: { attributes: Attribute[] }, name: string): Attribute | undefined {
  return pkt.attributes.find((a) => a.name === name);
}

/** First value of a text/address/prefix attribute, or the UTF-8 of an octets one. */
export function getString(pkt: { attributes: Attribute[] }, name: string): string | undefined {
  const a = findAttribute(pkt, name);
  if (!a) return undefined;
  if (typeof a.value === 'string') return a.value;
  if (Buffer.isBuffer(a.value)) return a.value.toString('utf8');
  if (typeof a.value === 'number') return String(a.value);
  return undefined;
}

export function getNumber(pkt: { attributes: Attribute[] }, name: string): number | undefined {
  const a = findAttribute(pkt, name);
  return a && typeof a.value === 'number' ? a.value : undefined;
}

/** ADSL-Agent-Circuit-Id (Vendor-Specific 3561, sub-attribute 1), as text. */
export function getAgentCircuitId(pkt: { attributes: Attribute[] }): string | undefined {
  for (const a of pkt.attributes) {
    if (a.type !== VENDOR_SPECIFIC || typeof a.value !== 'object' || Buffer.isBuffer(a.value)) continue;
    const s = a.value.sub?.find((x) => x.type === 1);
    if (a.value.vendorId === VENDOR_ADSL_FORUM && s) return s.value.toString('utf8');
  }
  return undefined;
}

/** A JSON-friendly view of the attributes, for logs and audit entries. */
export function attributesForLog(pkt: { attributes: Attribute[] }): Record<string, string | number> {
  const out: Record<string, string | number> = {};
  for (const a of pkt.attributes) {
    let v: string | number;
    if (typeof a.value === 'string' || typeof a.value === 'number') v = a.value;
    else if (Buffer.isBuffer(a.value)) v = a.type === 2 || a.type === 80 ? '<hidden>' : '0x' + a.value.toString('hex');
    else v = `vendor ${a.value.vendorId}: ` + (a.value.sub ? a.value.sub.map((s) => `${s.name ?? s.type}=${JSON.stringify(s.value.toString('utf8'))}`).join(', ') : '0x' + a.value.data.toString('hex'));
    const k = out[a.name] === undefined ? a.name : `${a.name}#${Object.keys(out).filter((x) => x.startsWith(a.name)).length + 1}`;
    out[k] = v;
  }
  return out;
}

// ---------------------------------------------------------------- authenticators

let md5Scratch = Buffer.allocUnsafe(MAX_PACKET_LENGTH + 256);

/**
 * MD5(a | b | c | d): the shape of every RADIUS authenticator (header,
 * authenticator, attributes, secret). One-shot crypto.hash over a reused
 * buffer: a createHash() object per packet is a native object the scavenger
 * must finalize, which made each young-generation GC pause several times
 * longer at thousands of packets per second.
 */
function md5(a: Buffer, b: Buffer, c: Buffer, d: Buffer): Buffer {
  if (typeof oneShotHash !== 'function') return createHash('md5').update(a).update(b).update(c).update(d).digest();
  const n = a.length + b.length + c.length + d.length;
  if (md5Scratch.length < n) md5Scratch = Buffer.allocUnsafe(n);
  let w = a.copy(md5Scratch, 0);
  w += b.copy(md5Scratch, w);
  w += c.copy(md5Scratch, w);
  d.copy(md5Scratch, w);
  return oneShotHash('md5', md5Scratch.subarray(0, n), 'buffer');
}

const ZERO16 = Buffer.alloc(16);

function safeEqual(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Codes whose Request Authenticator is MD5(Code+Id+Length+16 zero octets+Attributes+Secret): RFC 2866 section 3, RFC 5176 section 3.5. */
export function hasComputedRequestAuthenticator(code: number): boolean {
  return code === CODE.ACCOUNTING_REQUEST || code === CODE.COA_REQUEST || code === CODE.DISCONNECT_REQUEST;
}

/** HMAC-MD5 over the packet with the Message-Authenticator value zeroed and the given authenticator in the header (RFC 3579 section 3.2). */
function messageAuthenticator(raw: Buffer, maValueOffset: number, authenticator: Buffer, secret: Buffer): Buffer {
  const copy = Buffer.from(raw);
  authenticator.copy(copy, 4);
  ZERO16.copy(copy, maValueOffset);
  return createHmac('md5', secret).update(copy).digest();
}

function findMessageAuthenticatorOffset(raw: Buffer): number | undefined {
  let off = HEADER_LENGTH;
  while (off + 2 <= raw.length) {
    const alen = raw[off + 1]!;
    if (raw[off] === MESSAGE_AUTHENTICATOR) return off + 2;
    if (alen < 2) return undefined;
    off += alen;
  }
  return undefined;
}

/**
 * Check a request's authenticators with the client's secret. Accounting-,
 * CoA- and Disconnect-Request: the computed Request Authenticator; Status-Server
 * (and Access-Request when present): Message-Authenticator, required for
 * Status-Server (RFC 5997 section 3). A Message-Authenticator present in any
 * request is checked too. Throws RadiusError.
 */
export function verifyRequest(pkt: RadiusPacket, secret: string | Buffer): void {
  const s = typeof secret === 'string' ? Buffer.from(secret, 'utf8') : secret;
  const raw = pkt.raw;
  const computed = hasComputedRequestAuthenticator(pkt.code);
  if (computed) {
    const expect = md5(raw.subarray(0, 4), ZERO16, raw.subarray(HEADER_LENGTH), s);
    if (!safeEqual(expect, pkt.authenticator)) throw new RadiusError('RADIUS_ERR_BAD_AUTHENTICATOR', 'Request Authenticator does not match the shared secret', 4);
  }
  const maOff = findMessageAuthenticatorOffset(raw);
  if (maOff === undefined) {
    if (pkt.code === CODE.STATUS_SERVER) throw new RadiusError('RADIUS_ERR_MISSING_AUTHENTICATOR', 'Status-Server without Message-Authenticator (RFC 5997)');
    return;
  }
  // For the computed-authenticator codes the HMAC is taken with the authenticator field zeroed (as FreeRADIUS does).
  const expect = messageAuthenticator(raw, maOff, computed ? ZERO16 : pkt.authenticator, s);
  if (!safeEqual(expect, raw.subarray(maOff, maOff + 16))) throw new RadiusError('RADIUS_ERR_BAD_AUTHENTICATOR', 'Message-Authenticator does not match the shared secret', maOff);
}

/** Check a reply's Response Authenticator (and Message-Authenticator when present) against the request's authenticator. */
export function verifyResponse(pkt: RadiusPacket, requestAuthenticator: Buffer, secret: string | Buffer): void {
  const s = typeof secret === 'string' ? Buffer.from(secret, 'utf8') : secret;
  const raw = pkt.raw;
  const expect = md5(raw.subarray(0, 4), requestAuthenticator, raw.subarray(HEADER_LENGTH), s);
  if (!safeEqual(expect, pkt.authenticator)) throw new RadiusError('RADIUS_ERR_BAD_AUTHENTICATOR', 'Response Authenticator does not match', 4);
  const maOff = findMessageAuthenticatorOffset(raw);
  if (maOff !== undefined) {
    const ma = messageAuthenticator(raw, maOff, requestAuthenticator, s);
    if (!safeEqual(ma, raw.subarray(maOff, maOff + 16))) throw new RadiusError('RADIUS_ERR_BAD_AUTHENTICATOR', 'Message-Authenticator does not match', maOff);
  }
}

// ---------------------------------------------------------------- encoding

export type AttributeInputValue = string | number | Buffer | { vendorId: number; data?: Buffer; sub?: { type: number; value: Buffer | string }[] };

export interface PacketInput {
  code: number;
  identifier: number;
  /** [name or type number, value]. A 'Message-Authenticator' entry is a placeholder: its value is computed. */
  attributes: [string | number, AttributeInputValue][];
  /** Responses: the request's authenticator (required). Access-Request/Status-Server: the Request Authenticator (random when absent). */
  requestAuthenticator?: Buffer;
  /** Add a Message-Authenticator (at the end) if the attributes carry none. */
  messageAuthenticator?: boolean;
}

const RESPONSE_CODES = new Set<number>([CODE.ACCESS_ACCEPT, CODE.ACCESS_REJECT, CODE.ACCOUNTING_RESPONSE, CODE.ACCESS_CHALLENGE, CODE.DISCONNECT_ACK, CODE.DISCONNECT_NAK, CODE.COA_ACK, CODE.COA_NAK]);

function encErr(msg: string): RadiusError {
  return new RadiusError('RADIUS_ERR_ENCODE', msg);
}

function encodeValue(def: AttributeDef | undefined, name: string, v: AttributeInputValue): Buffer {
  const kind = def?.kind ?? 'string';
  switch (kind) {
    case 'integer':
    case 'date': {
      if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 0xffffffff) throw encErr(`${name}: ${kind} needs an integer 0..2^32-1`);
      const b = Buffer.alloc(4);
      b.writeUInt32BE(v, 0);
      return b;
    }
    case 'ipaddr': {
      if (typeof v !== 'string') throw encErr(`${name}: ipaddr needs a dotted-quad string`);
      const b = parseIPv4(v);
      if (!b) throw encErr(`${name}: not an IPv4 address: ${v}`);
      return b;
    }
    case 'ipv6addr': {
      const b = typeof v === 'string' ? parseIPv6(v) : undefined;
      if (!b) throw encErr(`${name}: not an IPv6 address: ${String(v)}`);
      return b;
    }
    case 'ifid': {
      const hex = typeof v === 'string' ? v.replace(/:/g, '') : '';
      if (!/^[0-9a-fA-F]{16}$/.test(hex)) throw encErr(`${name}: ifid needs 8 octets`);
      return Buffer.from(hex, 'hex');
    }
    case 'ipv6prefix': {
      const m = typeof v === 'string' ? /^(.+)\/(\d{1,3})$/.exec(v) : null;
      const addr = m ? parseIPv6(m[1]!) : undefined;
      const plen = m ? Number(m[2]) : NaN;
      if (!addr || !(plen <= 128)) throw encErr(`${name}: ipv6prefix needs "addr/len": ${String(v)}`);
      clearHostBits(addr, plen);
      return Buffer.concat([Buffer.from([0, plen]), addr.subarray(0, Math.ceil(plen / 8))]);
    }
    case 'vsa': {
      if (typeof v !== 'object' || Buffer.isBuffer(v)) throw encErr(`${name}: Vendor-Specific needs { vendorId, data | sub }`);
      const head = Buffer.alloc(4);
      head.writeUInt32BE(v.vendorId, 0);
      const data = v.data ?? Buffer.concat((v.sub ?? []).map((s) => {
        const val = typeof s.value === 'string' ? Buffer.from(s.value, 'utf8') : s.value;
        if (val.length > 245) throw encErr(`${name}: vendor sub-attribute too long`);
        return Buffer.concat([Buffer.from([s.type, val.length + 2]), val]);
      }));
      return Buffer.concat([head, data]);
    }
    case 'text':
    case 'string':
      if (typeof v === 'string') return Buffer.from(v, 'utf8');
      if (Buffer.isBuffer(v)) return v;
      throw encErr(`${name}: needs a string or Buffer`);
  }
}

interface Encoded {
  types: number[];
  values: Buffer[];
  /** Packet length so far. */
  len: number;
  /** Offset of the Message-Authenticator value, when there is one. */
  maOff: number | undefined;
}

function addAttribute(acc: Encoded, n: string | number, v: AttributeInputValue): void {
  const def = typeof n === 'number' ? ATTRIBUTES_BY_TYPE.get(n) : ATTRIBUTES_BY_NAME.get(n);
  if (!def && typeof n === 'string') throw encErr(`unknown attribute ${n}`);
  const type = def ? def.type : (n as number);
  if (!Number.isInteger(type) || type < 1 || type > 255) throw encErr(`bad attribute type ${String(n)}`);
  const val = type === MESSAGE_AUTHENTICATOR ? ZERO16 : encodeValue(def, def?.name ?? `Attr-${type}`, v);
  if (val.length > 253) throw encErr(`${def?.name ?? type}: value of ${val.length} octets > 253`);
  if (type === MESSAGE_AUTHENTICATOR) acc.maOff = acc.len + 2;
  acc.types.push(type);
  acc.values.push(val);
  acc.len += val.length + 2;
}

/**
 * Encode a packet and compute its authenticators with `secret`: the
 * RFC 2866 / RFC 5176 Request Authenticator for Accounting/CoA/Disconnect
 * requests, the Response Authenticator for replies (requestAuthenticator
 * required), a random one for Access-Request and Status-Server. The
 * Message-Authenticator, when present, is computed first (RFC 3579 3.2).
 */
export function encodePacket(p: PacketInput, secret: string | Buffer): Buffer {
  const s = typeof secret === 'string' ? Buffer.from(secret, 'utf8') : secret;
  // Values first (to size the packet), then one allocation: this runs for every reply.
  const acc: Encoded = { types: [], values: [], len: HEADER_LENGTH, maOff: undefined };
  let hasMa = false;
  for (const [n, v] of p.attributes) {
    if (n === 'Message-Authenticator' || n === MESSAGE_AUTHENTICATOR) hasMa = true;
    addAttribute(acc, n, v);
  }
  if (p.messageAuthenticator && !hasMa) addAttribute(acc, 'Message-Authenticator', ZERO16);
  const { types, values, len, maOff } = acc;
  if (len > MAX_PACKET_LENGTH) throw encErr(`packet of ${len} octets > 4096`);
  // Pooled (no ArrayBuffer of its own per reply); every octet is written below: header, authenticator, attributes.
  const buf = Buffer.allocUnsafe(len);
  let w = HEADER_LENGTH;
  for (let i = 0; i < values.length; i++) {
    const val = values[i]!;
    buf[w] = types[i]!;
    buf[w + 1] = val.length + 2;
    val.copy(buf, w + 2);
    w += val.length + 2;
  }
  buf[0] = p.code;
  buf[1] = p.identifier;
  buf.writeUInt16BE(len, 2);
  buf.fill(0, 4, HEADER_LENGTH);
  const isResponse = RESPONSE_CODES.has(p.code);
  const computedReq = hasComputedRequestAuthenticator(p.code);
  if (isResponse && !p.requestAuthenticator) throw encErr('a response needs the request authenticator');
  const headerAuth = isResponse ? p.requestAuthenticator! : computedReq ? ZERO16 : (p.requestAuthenticator ?? randomBytes(16));
  if (maOff !== undefined) messageAuthenticator(buf, maOff, headerAuth, s).copy(buf, maOff);
  if (isResponse || computedReq) md5(buf.subarray(0, 4), headerAuth, buf.subarray(HEADER_LENGTH), s).copy(buf, 4);
  else headerAuth.copy(buf, 4);
  return buf;
}

// ---------------------------------------------------------------- addresses

export function parseIPv4(s: string): Buffer | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s);
  if (!m) return undefined;
  const b = Buffer.from([1, 2, 3, 4].map((i) => Number(m[i])));
  return [1, 2, 3, 4].every((i) => Number(m[i]) <= 255) ? b : undefined;
}

export function parseIPv6(s: string): Buffer | undefined {
  let str = s;
  // An embedded IPv4 tail ("::ffff:192.0.2.1") becomes two hex groups.
  const v4 = /:(\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3})$/.exec(str);
  if (v4) {
    const b = parseIPv4(v4[1]!);
    if (!b) return undefined;
    str = str.slice(0, str.length - v4[1]!.length) + b.readUInt16BE(0).toString(16) + ':' + b.readUInt16BE(2).toString(16);
  }
  const halves = str.split('::');
  if (halves.length > 2) return undefined;
  const parse = (h: string): number[] | undefined => {
    if (h === '') return [];
    const out: number[] = [];
    for (const g of h.split(':')) {
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
      out.push(parseInt(g, 16));
    }
    return out;
  };
  const head = parse(halves[0]!);
  const rest = halves.length === 2 ? parse(halves[1]!) : [];
  if (!head || !rest) return undefined;
  const n = head.length + rest.length;
  if (halves.length === 2 ? n > 7 : n !== 8) return undefined;
  const full = [...head, ...new Array<number>(8 - n).fill(0), ...rest];
  const b = Buffer.alloc(16);
  full.forEach((g, i) => b.writeUInt16BE(g, i * 2));
  return b;
}

/** RFC 5952 text form: lower case, no leading zeros, the longest run (>= 2) of zero groups as "::". */
export function formatIPv6(b: Buffer): string {
  const g: number[] = [];
  for (let i = 0; i < 16; i += 2) g.push(b.readUInt16BE(i));
  let bestAt = -1;
  let bestLen = 1;
  for (let i = 0; i < 8;) {
    if (g[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) { bestAt = i; bestLen = j - i; }
    i = j;
  }
  const hex = g.map((x) => x.toString(16));
  if (bestAt < 0) return hex.join(':');
  return hex.slice(0, bestAt).join(':') + '::' + hex.slice(bestAt + bestLen).join(':');
}
