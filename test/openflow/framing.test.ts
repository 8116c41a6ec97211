import assert from 'node:assert/strict';
import { Framer, encode, decode, isOfError, OfError } from '../../src/openflow';
import { sampleMessages } from './support/samples';

const encoded = sampleMessages().map(([, m]) => encode(m));
const stream = Buffer.concat(encoded);

function hexes(bufs: Buffer[]): string[] {
  return bufs.map((b) => b.toString('hex'));
}

function catchOf(fn: () => unknown): OfError {
  try { fn(); } catch (e) { assert.ok(isOfError(e), String(e)); return e; }
  assert.fail('expected OfError');
}

describe('openflow framing', () => {
  it('splits each encoded message at every byte offset into two chunks', () => {
    for (const msg of encoded) {
      for (let k = 0; k <= msg.length; k++) {
        const f = new Framer();
        const out = [...f.push(msg.subarray(0, k)), ...f.push(msg.subarray(k))];
        assert.deepStrictEqual(hexes(out), [msg.toString('hex')], `split at ${k}`);
        assert.equal(f.pending, 0);
      }
    }
  });

  it('splits the whole stream of every sample at every byte offset', () => {
    const want = hexes(encoded);
    for (let k = 0; k <= stream.length; k += 1) {
      const f = new Framer();
      const out = [...f.push(stream.subarray(0, k)), ...f.push(stream.subarray(k))];
      assert.deepStrictEqual(hexes(out), want, `split at ${k}`);
    }
  });

  it('glues every sample into one chunk, and feeds one byte at a time', () => {
    const f = new Framer();
    assert.deepStrictEqual(hexes(f.push(stream)), hexes(encoded));
    const g = new Framer();
    const out: Buffer[] = [];
    for (let i = 0; i < stream.length; i++) out.push(...g.push(stream.subarray(i, i + 1)));
    assert.deepStrictEqual(hexes(out), hexes(encoded));
    // Every framed message decodes.
    for (const m of out) decode(m);
  });

  it('three-way splits at pseudo-random offsets', () => {
    let seed = 7;
    const rnd = (n: number) => { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return seed % n; };
    for (let t = 0; t < 300; t++) {
      const a = rnd(stream.length + 1);
      const b = a + rnd(stream.length + 1 - a);
      const f = new Framer();
      const out = [...f.push(stream.subarray(0, a)), ...f.push(stream.subarray(a, b)), ...f.push(stream.subarray(b))];
      assert.deepStrictEqual(hexes(out), hexes(encoded));
    }
  });

  it('a length below 8 is OF_ERR_BAD_LEN at its stream offset, and the framer stays failed', () => {
    const f = new Framer();
    const good = encoded[0]!;
    const bad = Buffer.from('0400000600000001', 'hex');
    const e = catchOf(() => f.push(Buffer.concat([good, bad])));
    assert.equal(e.code, 'OF_ERR_BAD_LEN');
    assert.equal(e.offset, good.length);
    assert.deepStrictEqual(e.header, { version: 4, type: 0, length: 6, xid: 1 });
    const again = catchOf(() => f.push(good));
    assert.equal(again, e);
    // Across chunks: the header arrives in pieces.
    const g = new Framer();
    assert.deepStrictEqual(g.push(good), [good]);
    assert.deepStrictEqual(g.push(bad.subarray(0, 3)), []);
    assert.equal(catchOf(() => g.push(bad.subarray(3))).offset, good.length);
  });

  it('a length above maxLength is OF_ERR_TOO_LONG before the body arrives', () => {
    const f = new Framer({ maxLength: 100 });
    const big = encode({ type: 'ECHO_REQUEST', xid: 9, data: Buffer.alloc(200) });
    const e = catchOf(() => f.push(big.subarray(0, 8)));
    assert.equal(e.code, 'OF_ERR_TOO_LONG');
    assert.equal(e.offset, 0);
    assert.equal(e.header?.length, 208);
    assert.equal(catchOf(() => f.push(Buffer.alloc(1))).code, 'OF_ERR_TOO_LONG');
    assert.equal(f.pending, 0);
  });

  it('never holds more than one partial message', () => {
    const f = new Framer();
    const big = encode({ type: 'ECHO_REQUEST', xid: 9, data: Buffer.alloc(65535 - 8) });
    let max = 0;
    for (let i = 0; i < big.length - 1; i += 1000) {
      assert.deepStrictEqual(f.push(big.subarray(i, Math.min(i + 1000, big.length - 1))), []);
      max = Math.max(max, f.pending);
    }
    assert.ok(max < 65535);
    assert.equal(f.push(big.subarray(big.length - 1)).length, 1);
    assert.equal(f.pending, 0);
  });

  it('rejects a maxLength below 8', () => {
    assert.throws(() => new Framer({ maxLength: 4 }), OfError);
  });
});
