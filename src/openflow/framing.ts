/**
 * Framing of a TCP byte stream into whole OpenFlow messages.
 *
 * Every message starts with ofp_header, whose length u16 (offset 2) counts
 * the whole message. Framer.push(chunk) returns the complete raw messages the
 * bytes so far contain, in order, and keeps at most one partial message
 * (< maxLength bytes): memory is bounded whatever the peer sends.
 *
 * A length below 8 (OF_ERR_BAD_LEN) or above maxLength (OF_ERR_TOO_LONG) is a
 * protocol error: the stream cannot be resynchronised, so the framer throws
 * and then stays failed (every later push throws the same error). The error's
 * offset is the position in the stream of the bad message's first byte.
 *
 * Returned buffers may share memory with the pushed chunk (no copy for the
 * common case of whole messages in one chunk); decode() copies what it keeps.
 */

import { OfError } from './errors';

export interface FramerOptions {
  /** Largest accepted message length; default 65535 (the u16 maximum). */
  maxLength?: number;
}

const HEADER = 8;

export class Framer {
  readonly maxLength: number;
  private parts: Buffer[] = [];
  private partLen = 0;
  /** Bytes the pending partial message needs before it is worth concatenating. */
  private need = HEADER;
  /** Stream offset of the first pending byte. */
  private streamOffset = 0;
  private failed: OfError | undefined;

  constructor(opts: FramerOptions = {}) {
    const max = opts.maxLength ?? 0xffff;
    if (!Number.isInteger(max) || max < HEADER) throw new OfError('OF_ERR_BAD_ARGUMENT', `maxLength ${max} < 8`);
    this.maxLength = max;
  }

  /** Bytes held for an incomplete message. */
  get pending(): number {
    return this.partLen;
  }

  get error(): OfError | undefined {
    return this.failed;
  }

  push(chunk: Buffer): Buffer[] {
    if (this.failed) throw this.failed;
    const out: Buffer[] = [];
    if (chunk.length === 0) return out;
    let buf: Buffer;
    if (this.partLen === 0) {
      buf = chunk;
    } else {
      this.parts.push(chunk);
      this.partLen += chunk.length;
      if (this.partLen < this.need) return out;
      buf = this.parts.length === 1 ? this.parts[0]! : Buffer.concat(this.parts, this.partLen);
      this.parts = [];
      this.partLen = 0;
    }
    let off = 0;
    let need = HEADER;
    while (buf.length - off >= HEADER) {
      const len = buf.readUInt16BE(off + 2);
      if (len < HEADER) this.fail('OF_ERR_BAD_LEN', `message length ${len} < 8`, off, buf);
      if (len > this.maxLength) this.fail('OF_ERR_TOO_LONG', `message length ${len} > maximum ${this.maxLength}`, off, buf);
      if (buf.length - off < len) { need = len; break; }
      out.push(buf.subarray(off, off + len));
      off += len;
    }
    this.streamOffset += off;
    if (off < buf.length) {
      // Copy the tail so the caller's chunk is not kept alive by a few bytes.
      const rest = Buffer.from(buf.subarray(off));
      this.parts = [rest];
      this.partLen = rest.length;
      this.need = buf.length - off >= HEADER ? need : HEADER;
    } else {
      this.need = HEADER;
    }
    return out;
  }

  private fail(code: 'OF_ERR_BAD_LEN' | 'OF_ERR_TOO_LONG', msg: string, off: number, buf: Buffer): never {
    const header = {
      version: buf[off]!, type: buf[off + 1]!, length: buf.readUInt16BE(off + 2), xid: buf.readUInt32BE(off + 4),
    };
    this.failed = new OfError(code, msg, this.streamOffset + off, header);
    this.parts = [];
    this.partLen = 0;
    throw this.failed;
  }
}
