import { strict as assert } from 'assert';
import { parsePortKey, portKeyString } from '../../src/policy/types';

describe('policy/types: port keys', () => {
  it('round-trips whole-port and VLAN attachment points', () => {
    for (const k of [{ dpid: 1n, port: 3 }, { dpid: 0xfedcba9876543210n, port: 48, vlan: 101 }]) {
      assert.deepEqual(parsePortKey(portKeyString(k)), k);
    }
  });
  it('keeps 64-bit dpids exact', () => {
    assert.equal(portKeyString({ dpid: 0xffffffffffffffffn, port: 1 }), 'ffffffffffffffff:1');
  });
  it('rejects malformed keys with the input in the message', () => {
    assert.throws(() => parsePortKey('s1-eth3'), /s1-eth3/);
  });
});
