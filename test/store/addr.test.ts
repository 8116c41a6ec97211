import { strict as assert } from 'assert';
import { lookupKeys, maskTo, parseIp, parsePrefix, prefixContains, prefixKey, recordHolds, recordKeys } from '../../src/store/addr';

describe('store/addr: address and prefix math', () => {
  it('parses IPv4 and IPv6 (compressed, full, embedded IPv4, zone) to integers', () => {
    assert.deepEqual(parseIp('192.0.2.1'), { family: 4, value: 0xc0000201n });
    assert.deepEqual(parseIp('2001:db8::1'), { family: 6, value: (0x20010db8n << 96n) | 1n });
    assert.deepEqual(parseIp('2001:0db8:0000:0000:0000:0000:0000:0001'), parseIp('2001:db8::1'));
    assert.deepEqual(parseIp('::'), { family: 6, value: 0n });
    assert.deepEqual(parseIp('::1'), { family: 6, value: 1n });
    assert.deepEqual(parseIp('1::'), { family: 6, value: 1n << 112n });
    assert.deepEqual(parseIp('64:ff9b::192.0.2.33'), { family: 6, value: (0x64n << 112n) | (0xff9bn << 96n) | 0xc0000221n });
    assert.deepEqual(parseIp('fe80::1%eth0'), { family: 6, value: (0xfe80n << 112n) | 1n });
    assert.deepEqual(parseIp('ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff'), { family: 6, value: (1n << 128n) - 1n });
  });
  it('looks up IPv4-mapped IPv6 as IPv4', () => {
    assert.deepEqual(parseIp('::ffff:192.0.2.1'), { family: 4, value: 0xc0000201n });
    assert.deepEqual(parsePrefix('::ffff:192.0.2.0/120'), { family: 4, value: 0xc0000200n, length: 24 });
  });
  it('rejects what is not an address or prefix', () => {
    for (const s of ['', 'x', '256.0.0.1', '1.2.3', '2001:db8:::1', '2001:db8::1::2', 'g::1']) assert.equal(parseIp(s), undefined, s);
    for (const s of ['192.0.2.0/33', '2001:db8::/129', '2001:db8::/-1', '2001:db8::/x', '2001:db8::/', 'x/8']) assert.equal(parsePrefix(s), undefined, s);
  });
  it('masks prefixes to their length and keeps a bare address as a host prefix', () => {
    assert.deepEqual(parsePrefix('192.0.2.77/24'), { family: 4, value: 0xc0000200n, length: 24 });
    assert.deepEqual(parsePrefix('192.0.2.77'), { family: 4, value: 0xc000024dn, length: 32 });
    assert.deepEqual(parsePrefix('2001:db8:abcd:12ff::1/56'), { family: 6, value: (0x20010db8abcd1200n << 64n), length: 56 });
    assert.deepEqual(parsePrefix('2001:db8::1/0'), { family: 6, value: 0n, length: 0 });
    assert.equal(maskTo(6, (1n << 128n) - 1n, 1), 1n << 127n);
    assert.equal(maskTo(6, (1n << 128n) - 1n, 127), (1n << 128n) - 2n);
    assert.equal(maskTo(4, 0xffffffffn, 31), 0xfffffffen);
  });
  it('containment is exact at every prefix length 0..128 (and 0..32)', () => {
    const addr = parseIp('2001:db8:abcd:1234:5678:9abc:def0:1357');
    assert.ok(addr);
    for (let len = 0; len <= 128; len++) {
      const p = { family: 6 as const, value: maskTo(6, addr.value, len), length: len };
      assert.ok(prefixContains(p, addr), `inside /${len}`);
      if (len > 0) {
        // Flip the last prefix bit: the address is no longer inside.
        const flipped = { ...p, value: p.value ^ (1n << BigInt(128 - len)) };
        assert.ok(!prefixContains(flipped, addr), `outside /${len}`);
      }
    }
    const a4 = parseIp('100.64.12.34');
    assert.ok(a4);
    for (let len = 0; len <= 32; len++) {
      const p = { family: 4 as const, value: maskTo(4, a4.value, len), length: len };
      assert.ok(prefixContains(p, a4));
      if (len > 0) assert.ok(!prefixContains({ ...p, value: p.value ^ (1n << BigInt(32 - len)) }, a4));
    }
    assert.ok(!prefixContains({ family: 6, value: 0n, length: 0 }, a4), 'families never mix');
  });
  it('lookup keys are every truncation of the address; a record key matches exactly when the prefix contains it', () => {
    const keys = lookupKeys('2001:db8:1:2::99');
    assert.equal(keys.length, 129);
    assert.equal(new Set(keys).size, 129);
    assert.equal(lookupKeys('100.64.0.1').length, 33);
    assert.deepEqual(lookupKeys('nope'), []);
    const inside = ['2001:db8:1::/48', '2001:db8:1:2::/64', '2001:db8::/32', '::/0', '2001:db8:1:2::99/128', '2001:db8:1:2::98/127'];
    const outside = ['2001:db8:2::/48', '2001:db8:1:3::/64', '2001:db8:1:2::98/128', '2001:db8:1:2::9a/127'];
    for (const p of inside) {
      const parsed = parsePrefix(p);
      assert.ok(parsed);
      assert.ok(keys.includes(prefixKey(parsed)), p);
    }
    for (const p of outside) {
      const parsed = parsePrefix(p);
      assert.ok(parsed);
      assert.ok(!keys.includes(prefixKey(parsed)), p);
    }
  });
  it('keys agree with containment for random prefixes (index never disagrees with the math)', () => {
    let seed = 12345;
    const rnd = (): bigint => { seed = (seed * 1103515245 + 12345) % 2147483648; return BigInt(seed); };
    for (let i = 0; i < 300; i++) {
      const base = (rnd() << 96n) | (rnd() << 64n) | (rnd() << 32n) | rnd();
      const len = Number(rnd() % 129n);
      const addr = { family: 6 as const, value: (i % 2 ? base ^ (rnd() & 0xffffn) : (rnd() << 97n) | rnd()) & ((1n << 128n) - 1n) };
      const p = { family: 6 as const, value: maskTo(6, base & ((1n << 128n) - 1n), len), length: len };
      const keys = lookupKeys(formatV6(addr.value));
      assert.equal(keys.includes(prefixKey(p)), prefixContains(p, addr), `${formatV6(p.value)}/${len} vs ${formatV6(addr.value)}`);
    }
  });
  it('record keys and recordHolds', () => {
    const r = { framedIp: '100.64.0.1', framedIpv6Prefix: '2001:db8:0:1::/64', delegatedIpv6Prefix: '2001:db8:100::/56' };
    assert.deepEqual(recordKeys(r).sort(), ['4:64400001/32', '6:20010db8000000010000000000000000/64', '6:20010db8010000000000000000000000/56'].sort());
    assert.deepEqual(recordKeys({ framedIp: 'garbage' }), []);
    assert.ok(recordHolds(r, '100.64.0.1'));
    assert.ok(!recordHolds(r, '100.64.0.2'));
    assert.ok(recordHolds(r, '2001:db8:100:ff::1'));
    assert.ok(!recordHolds(r, '2001:db8:101::1'));
    assert.ok(recordHolds(r, '2001:db8:0:1:ffff::'));
  });
});

function formatV6(v: bigint): string {
  const groups: string[] = [];
  for (let i = 7; i >= 0; i--) groups.push(((v >> BigInt(i * 16)) & 0xffffn).toString(16));
  return groups.join(':');
}
