import { strict as assert } from 'assert';
import { parseJson, stringifyJson } from '../../src/openflow/bigjson';
import { isOfError } from '../../src/openflow/errors';

describe('openflow/bigjson: JSON with exact 64-bit integers', () => {
  it('reads 0xffffffffffffffff back exactly, where JSON.parse rounds it', () => {
    const text = '{"cookie": 18446744073709551615}';
    assert.notEqual(BigInt((JSON.parse(text) as { cookie: number }).cookie), 0xffffffffffffffffn);
    assert.deepEqual(parseJson(text), { cookie: 0xffffffffffffffffn });
  });
  it('keeps safe integers and fractions as numbers; 2^53 becomes bigint', () => {
    assert.deepEqual(parseJson('[0, 9007199254740991, 9007199254740992, -3, 1.5, 1e3]'),
      [0, 9007199254740991, 9007199254740992n, -3, 1.5, 1000]);
  });
  it('writes bigint as a bare integer literal, as Ryu does', () => {
    assert.equal(stringifyJson({ cookie: 0xffffffffffffffffn, n: 1, s: 'x', a: [null, true] }),
      '{"cookie":18446744073709551615,"n":1,"s":"x","a":[null,true]}');
  });
  it('round-trips nested values through stringify then parse', () => {
    const v = { a: [1n << 63n, { b: 0xfedcba9876543210n, c: 'é"\\' }], d: {}, e: [] };
    assert.deepEqual(parseJson(stringifyJson(v)), { a: [9223372036854775808n, { b: 0xfedcba9876543210n, c: 'é"\\' }], d: {}, e: [] });
  });
  it('indents like JSON.stringify', () => {
    const v = { a: [1, { b: 2 }], c: {} };
    assert.equal(stringifyJson(v, 2), JSON.stringify(v, null, 2));
  });
  it('omits undefined properties like JSON.stringify', () => {
    assert.equal(stringifyJson({ a: undefined, b: 1 }), '{"b":1}');
  });
  it('refuses a Buffer rather than writing {type,data}', () => {
    assert.throws(() => stringifyJson({ data: Buffer.from('x') }), (e: unknown) => isOfError(e) && e.code === 'OF_ERR_BAD_ARGUMENT');
  });
  it('reports bad syntax as OF_ERR_BAD_JSON', () => {
    assert.throws(() => parseJson('{"a": 1,'), (e: unknown) => isOfError(e) && e.code === 'OF_ERR_BAD_JSON');
  });
});
