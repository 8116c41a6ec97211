/**
 * Byte cursors for the codec: a bounds-checked Reader and a growable Writer.
 *
 * Reader: every read checks the remaining length first and throws
 * OfError OF_ERR_TRUNCATED carrying the offset and the header parsed so far,
 * so no malformed input can reach a RangeError from Buffer.
 *
 * Writer: one module-level scratch buffer is reused by every encode (no
 * per-message growth), and the finished message is copied out once. Nested
 * structures (match, actions, instructions, buckets) reserve their 16-bit
 * length field and patch it when they end: callers never give a length.
 */

import { OfError, type OfErrorCode, type OfHeaderSoFar } from './errors';

// ---------------------------------------------------------------------------
// Unchecked-offset byte access for the hot paths. Callers have already
// bounds-checked (Reader.need, Writer.ensure); the put* functions still check
// the VALUE (an integer that fits), which is the caller's input.

function outOfRange(v: number, bits: number, what?: string): never {
  throw new OfError('OF_ERR_BAD_ARGUMENT', `${what ? what + ': ' : ''}value ${String(v)} is not an unsigned ${bits}-bit integer`);
}

export function put8(b: Buffer, at: number, v: number, what?: string): void {
  if ((v & 0xff) !== v) outOfRange(v, 8, what);
  b[at] = v;
}

export function put16(b: Buffer, at: number, v: number, what?: string): void {
  if ((v & 0xffff) !== v) outOfRange(v, 16, what);
  b[at] = v >>> 8;
  b[at + 1] = v & 0xff;
}

export function put32(b: Buffer, at: number, v: number, what?: string): void {
  if (v >>> 0 !== v) outOfRange(v, 32, what);
  b[at] = v >>> 24;
  b[at + 1] = (v >>> 16) & 0xff;
  b[at + 2] = (v >>> 8) & 0xff;
  b[at + 3] = v & 0xff;
}

export function get16(b: Buffer, at: number): number {
  return (b[at]! << 8) | b[at + 1]!;
}

export function get32(b: Buffer, at: number): number {
  return b[at]! * 0x1000000 + ((b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!);
}

export class Reader {
  /** Absolute position in `buf`. */
  pos: number;
  /** Exclusive end of the readable window (a structure's end, or the message's). */
  end: number;
  header: OfHeaderSoFar;

  constructor(readonly buf: Buffer, start = 0, end = buf.length, header: OfHeaderSoFar = {}) {
    this.pos = start;
    this.end = end;
    this.header = header;
  }

  get remaining(): number {
    return this.end - this.pos;
  }

  fail(code: OfErrorCode, message: string, offset = this.pos): never {
    throw new OfError(code, message, offset, this.header);
  }

  /** Throws OF_ERR_TRUNCATED unless `n` bytes remain; `what` names the structure. */
  need(n: number, what: string): void {
    if (this.end - this.pos < n) {
      this.fail('OF_ERR_TRUNCATED', `${what} needs ${n} bytes, ${this.end - this.pos} left`);
    }
  }

  /**
   * An action or instruction TLV starting at `start` (type, then a 16-bit
   * length that counts the header and pads to 8): the length is valid and the
   * whole TLV is there. `what` ('action', 'instruction') names it in errors.
   */
  tlv(what: string, type: number, len: number, start: number): void {
    if (len < 8 || (len & 7) !== 0) this.fail('OF_ERR_BAD_LEN', `${what} type ${type} length ${len} (must be >= 8 and a multiple of 8)`, start + 2);
    this.need(len, `${what} type ${type}`);
  }

  /** A fixed-size TLV (see tlv): its length must be `want`. */
  tlvFixed(what: string, type: number, len: number, want: number, start: number): void {
    if (len !== want) this.fail('OF_ERR_BAD_LEN', `${what} type ${type} length ${len}, expected ${want}`, start + 2);
  }

  u8(): number {
    if (this.pos + 1 > this.end) this.need(1, 'u8');
    return this.buf[this.pos++]!;
  }

  u16(): number {
    if (this.pos + 2 > this.end) this.need(2, 'u16');
    const v = get16(this.buf, this.pos);
    this.pos += 2;
    return v;
  }

  u32(): number {
    if (this.pos + 4 > this.end) this.need(4, 'u32');
    const v = get32(this.buf, this.pos);
    this.pos += 4;
    return v;
  }

  u64(): bigint {
    if (this.pos + 8 > this.end) this.need(8, 'u64');
    const hi = get32(this.buf, this.pos);
    const lo = get32(this.buf, this.pos + 4);
    this.pos += 8;
    if (hi === 0) return BigInt(lo);
    return (BigInt(hi) << 32n) | BigInt(lo);
  }

  skip(n: number): void {
    if (this.pos + n > this.end) this.need(n, 'padding');
    this.pos += n;
  }

  /** A copy of the next n bytes (copied so a decoded value never aliases the input). */
  bytes(n: number): Buffer {
    if (this.pos + n > this.end) this.need(n, 'data');
    const out = Buffer.from(this.buf.subarray(this.pos, this.pos + n));
    this.pos += n;
    return out;
  }

  /** Everything up to `end`, copied. */
  rest(): Buffer {
    return this.bytes(this.end - this.pos);
  }

  /**
   * A NUL-terminated string in a fixed-width field (ofp_port name, ofp_desc).
   * Read as latin1: one character per byte, so any bytes a switch sends come
   * back unchanged when re-encoded (ASCII, what switches send, is unaffected).
   */
  str(width: number): string {
    if (this.pos + width > this.end) this.need(width, 'string');
    let stop = this.buf.indexOf(0, this.pos);
    if (stop < 0 || stop > this.pos + width) stop = this.pos + width;
    const s = this.buf.toString('latin1', this.pos, stop);
    this.pos += width;
    return s;
  }
}

const INITIAL_SCRATCH = 64 * 1024;
/** Slab for encode(): a retained message keeps at most this much alive, as Node's 8 KiB pool does. */
const SLAB_SIZE = 32 * 1024;
const SLAB_MIN_ROOM = 2048;
const U64_MAX = 0xffffffffffffffffn;

/** Zero-fills buf[from, to): a loop, cheaper than Buffer.fill for the few pad bytes structures have. */
export function zero(buf: Buffer, from: number, to: number): void {
  if (to - from > 64) {
    buf.fill(0, from, to);
    return;
  }
  for (let i = from; i < to; i++) buf[i] = 0;
}

export class Writer {
  buf: Buffer;
  pos = 0;
  private view: DataView;

  constructor(size = INITIAL_SCRATCH) {
    this.buf = Buffer.allocUnsafe(size);
    this.view = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.length);
  }

  reset(): void {
    this.pos = 0;
  }

  /** Starts a fresh buffer when fewer than `min` bytes are left (slab use: see `begin`). */
  private renew(size: number): void {
    this.buf = Buffer.allocUnsafe(size);
    this.view = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.length);
    this.pos = 0;
  }

  /**
   * Slab use: messages are written one after another into one buffer and
   * handed out as subarrays of it (no copy), the way Node's own Buffer pool
   * works. A new slab is started when little room is left; a message that
   * outgrows the slab moves to a larger buffer (ensure). Returns the start.
   */
  begin(): number {
    // A buffer grown for one large message is not reused: growing copies
    // everything before the message, so a reused grown buffer would keep
    // doubling.
    if (this.buf.length - this.pos < SLAB_MIN_ROOM || this.buf.length > SLAB_SIZE) this.renew(SLAB_SIZE);
    return this.pos;
  }

  ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
    this.view = new DataView(next.buffer, next.byteOffset, next.length);
  }

  u8(v: number): void {
    this.ensure(1);
    put8(this.buf, this.pos, v);
    this.pos += 1;
  }

  u16(v: number): void {
    this.ensure(2);
    put16(this.buf, this.pos, v);
    this.pos += 2;
  }

  u32(v: number): void {
    this.ensure(4);
    put32(this.buf, this.pos, v);
    this.pos += 4;
  }

  u64(v: bigint | number): void {
    this.ensure(8);
    if (typeof v === 'number') {
      if (!Number.isSafeInteger(v) || v < 0) throw new OfError('OF_ERR_BAD_ARGUMENT', `64-bit value ${v} is not a non-negative safe integer`);
      put32(this.buf, this.pos, Math.floor(v / 0x100000000));
      put32(this.buf, this.pos + 4, v >>> 0);
    } else if (v === 0n) {
      put32(this.buf, this.pos, 0);
      put32(this.buf, this.pos + 4, 0);
    } else {
      if (typeof v !== 'bigint' || v < 0n || v > U64_MAX) throw new OfError('OF_ERR_BAD_ARGUMENT', `64-bit value ${String(v)} out of range`);
      this.view.setBigUint64(this.pos, v);
    }
    this.pos += 8;
  }

  zeros(n: number): void {
    this.ensure(n);
    zero(this.buf, this.pos, this.pos + n);
    this.pos += n;
  }

  bytes(b: Uint8Array): void {
    this.ensure(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }

  /**
   * A fixed-width, zero-filled string field; longer input is cut at the width.
   * latin1 when every character fits a byte (the inverse of Reader.str),
   * UTF-8 otherwise.
   */
  str(s: string, width: number): void {
    this.ensure(width);
    // eslint-disable-next-line no-control-regex
    const enc = /^[\u0000-\u00ff]*$/.test(s) ? 'latin1' : 'utf8';
    const n = this.buf.write(s, this.pos, width, enc);
    zero(this.buf, this.pos + n, this.pos + width);
    this.pos += width;
  }

  /** Zero bytes up to the next multiple of 8 counted from `start`. */
  pad8(start: number): void {
    const over = (this.pos - start) & 7;
    if (over !== 0) this.zeros(8 - over);
  }

  /** End a variable-size TLV begun at `start`: zero-pad to 8 and write its length at start + 2. */
  endTlv(start: number): void {
    this.pad8(start);
    this.patchU16(start + 2, this.pos - start);
  }

  patchU16(at: number, v: number): void {
    if (v > 0xffff) throw new OfError('OF_ERR_BAD_ARGUMENT', `length ${v} does not fit the 16-bit length field`);
    put16(this.buf, at, v);
  }

  /** A copy of what was written since `start`. */
  take(start = 0): Buffer {
    const n = this.pos - start;
    const out = Buffer.allocUnsafe(n);
    if (n <= 256) {
      // Small messages (most flow-mods): a plain loop beats Buffer#copy's per-call view allocation.
      const src = this.buf;
      for (let i = 0; i < n; i++) out[i] = src[start + i]!;
    } else {
      this.buf.copy(out, 0, start, this.pos);
    }
    return out;
  }
}
