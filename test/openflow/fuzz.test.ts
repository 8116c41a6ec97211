/**
 * Fuzzing the framer and the decoder with a seeded PRNG: random byte streams
 * and mutations of valid messages (bit flips, truncation, lying lengths,
 * overwritten nested lengths, inserted and deleted bytes). Only values or
 * OfError may come out, and everything terminates; a decoded value must
 * re-encode, and decode again to the same value. Any other exception fails
 * the build. Set OFC_FUZZ_SEED to replay a seed.
 */
import assert from 'node:assert/strict';
import { Framer, decode, encode, isOfError, type OfMessage } from '../../src/openflow';
import { sampleMessages } from './support/samples';
import { mulberry32 } from '../support/prng';

const SEED = Number(process.env.OFC_FUZZ_SEED ?? 0x0b25);
const valid = sampleMessages().map(([, m]) => encode(m));

function check(label: string, fn: () => void): void {
  try {
    fn();
  } catch (e) {
    if (isOfError(e)) return;
    throw new Error(`${label}: non-OfError escaped: ${e instanceof Error ? e.stack : String(e)}`, { cause: e });
  }
}

/** decode, and when it yields a value, encode it and decode again to the same value. */
function decodeProperty(b: Buffer, label: string): 'value' | 'error' {
  let m: OfMessage | undefined;
  check(label, () => { m = decode(b); });
  if (m === undefined) return 'error';
  // A decoded value must re-encode without any error, to the same value.
  let again: OfMessage;
  try {
    again = decode(encode(m));
  } catch (e) {
    throw new Error(`${label}: decoded value does not re-encode (input ${b.toString('hex')}): ${String(e)}`, { cause: e });
  }
  assert.deepStrictEqual(again, m, `${label}: re-encode changed the value (input ${b.toString('hex')})`);
  return 'value';
}

function mutate(rnd: () => number, src: Buffer): Buffer {
  const b = Buffer.from(src);
  const int = (n: number) => Math.floor(rnd() * n);
  switch (int(7)) {
    case 0: { // bit flips
      const n = 1 + int(4);
      for (let i = 0; i < n; i++) { const p = int(b.length); b[p] = b[p]! ^ (1 << int(8)); }
      return b;
    }
    case 1: // truncation, header length left lying
      return b.subarray(0, int(b.length));
    case 2: { // truncation with header length fixed up
      const t = Buffer.from(b.subarray(0, 8 + int(Math.max(1, b.length - 8))));
      if (t.length >= 4) t.writeUInt16BE(t.length, 2);
      return t;
    }
    case 3: // lying header length
      if (b.length >= 4) b.writeUInt16BE(int(0x10000), 2);
      return b;
    case 4: { // overwrite a 16-bit word (often a nested length) with a small or random value
      if (b.length < 10) return b;
      const p = 8 + int(b.length - 9);
      b.writeUInt16BE(rnd() < 0.5 ? int(64) : int(0x10000), p);
      return b;
    }
    case 5: { // insert random bytes, fix header length
      const p = 8 + int(Math.max(1, b.length - 8));
      const ins = Buffer.from(Array.from({ length: 1 + int(16) }, () => int(256)));
      const out = Buffer.concat([b.subarray(0, p), ins, b.subarray(p)]);
      if (out.length <= 0xffff && out.length >= 4) out.writeUInt16BE(out.length, 2);
      return out;
    }
    default: { // delete bytes, fix header length
      const p = 8 + int(Math.max(1, b.length - 8));
      const out = Buffer.concat([b.subarray(0, p), b.subarray(Math.min(b.length, p + 1 + int(16)))]);
      if (out.length >= 4) out.writeUInt16BE(out.length, 2);
      return out;
    }
  }
}

describe('openflow fuzz (seeded; only values or OfError escape)', function () {
  this.timeout(120000);

  it(`mutated valid messages into decode (seed ${SEED})`, () => {
    const rnd = mulberry32(SEED);
    let values = 0;
    let errors = 0;
    for (let i = 0; i < 12000; i++) {
      const src = valid[Math.floor(rnd() * valid.length)]!;
      let b = mutate(rnd, src);
      if (rnd() < 0.3) b = mutate(rnd, b);
      if (decodeProperty(b, `case ${i}`) === 'value') values++; else errors++;
    }
    // Both outcomes must occur, or the mutations are not reaching the parsers.
    assert.ok(values > 500 && errors > 500, `values ${values}, errors ${errors}`);
  });

  it(`random bodies behind a plausible header into decode (seed ${SEED + 1})`, () => {
    const rnd = mulberry32(SEED + 1);
    for (let i = 0; i < 6000; i++) {
      const len = 8 + Math.floor(rnd() * 200);
      const b = Buffer.alloc(len);
      for (let j = 8; j < len; j++) b[j] = Math.floor(rnd() * 256);
      b[0] = rnd() < 0.9 ? 4 : Math.floor(rnd() * 256);
      b[1] = Math.floor(rnd() * 32);
      b.writeUInt16BE(len, 2);
      // Bias toward structures: small 16-bit words where lengths live.
      if (rnd() < 0.5) for (let j = 8; j + 4 <= len; j += 8) if (rnd() < 0.5) b.writeUInt16BE(Math.floor(rnd() * 48), j + (rnd() < 0.5 ? 0 : 2));
      decodeProperty(b, `random ${i}`);
    }
  });

  it(`random and mutated streams into the framer, framed messages into decode (seed ${SEED + 2})`, () => {
    const rnd = mulberry32(SEED + 2);
    const int = (n: number) => Math.floor(rnd() * n);
    let framed = 0;
    for (let i = 0; i < 3000; i++) {
      const parts: Buffer[] = [];
      const n = 1 + int(6);
      for (let k = 0; k < n; k++) {
        const r = rnd();
        if (r < 0.6) parts.push(valid[int(valid.length)]!);
        else if (r < 0.9) parts.push(mutate(rnd, valid[int(valid.length)]!));
        else parts.push(Buffer.from(Array.from({ length: int(40) }, () => int(256))));
      }
      const stream = Buffer.concat(parts);
      const f = new Framer({ maxLength: rnd() < 0.5 ? 0xffff : 64 + int(4096) });
      let off = 0;
      check(`stream ${i}`, () => {
        while (off < stream.length) {
          const step = 1 + int(rnd() < 0.3 ? 8 : 512);
          const out = f.push(stream.subarray(off, off + step));
          off += step;
          for (const m of out) {
            framed++;
            assert.equal(m.readUInt16BE(2), m.length);
            assert.ok(m.length <= f.maxLength && m.length >= 8);
            decodeProperty(m, `stream ${i} message`);
          }
        }
        assert.ok(f.pending < f.maxLength);
      });
    }
    assert.ok(framed > 1000, `framed ${framed}`);
  });
});
