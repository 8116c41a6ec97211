import assert from 'node:assert/strict';
import {
  formatIpv4, formatIpv6, formatMac, normalizeIpv6, parseIpv4, parseIpv6, parseMac, isOfError,
} from '../../src/openflow';

/**
 * Expected forms are what os-ken prints (os_ken.lib.addrconv.ipv6.bin_to_text,
 * i.e. netaddr over glibc inet_ntop), recorded from
 *   /usr/bin/python3 -c "from os_ken.lib import addrconv; print(addrconv.ipv6.bin_to_text(addrconv.ipv6.text_to_bin(S)))"
 */
const IPV6_AS_OSKEN: [string, string][] = [
  ['::ffff:1.2.3.4', '::ffff:1.2.3.4'],
  ['::1.2.3.4', '::1.2.3.4'],
  ['::', '::'],
  ['::1', '::1'],
  ['2001:db8::1', '2001:db8::1'],
  ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
  ['2001:0:0:1::1', '2001:0:0:1::1'],
  ['1:0:0:0:0:0:0:0', '1::'],
  ['0:0:0:0:0:0:0:1', '::1'],
  ['::ffff:0:0', '::ffff:0.0.0.0'],
  ['::ffff:0.0.0.1', '::ffff:0.0.0.1'],
  ['::2:3', '::0.2.0.3'],
  ['::ffff:ffff:1.2.3.4', '::ffff:ffff:102:304'],
  ['64:ff9b::1.2.3.4', '64:ff9b::102:304'],
  ['fe80::1:0:0:0', 'fe80::1:0:0:0'],
  ['1::', '1::'],
  ['::fffe:1.2.3.4', '::fffe:102:304'],
  ['0:0:0:0:0:ffff:0:1', '::ffff:0.0.0.1'],
  ['::0.0.1.0', '::100'],
  ['::0.1.0.0', '::0.1.0.0'],
  ['::1:0', '::0.1.0.0'],
  ['1:2:3:4:5:6:7:8', '1:2:3:4:5:6:7:8'],
  ['1:0:1:0:1:0:1:0', '1:0:1:0:1:0:1:0'],
  ['::a:b', '::0.10.0.11'],
  ['2001:db8:0:1:0:0:0:1', '2001:db8:0:1::1'],
  ['2001:DB8:0000:0000:0000:0000:0000:0025', '2001:db8::25'],
  ['1:0:0:2:0:0:0:3', '1:0:0:2::3'],
  ['1:0:0:0:2:0:0:3', '1::2:0:0:3'],
];

function bad(fn: () => unknown): void {
  try { fn(); } catch (e) { assert.ok(isOfError(e), String(e)); assert.equal(e.code, 'OF_ERR_BAD_ARGUMENT'); return; }
  assert.fail('expected OF_ERR_BAD_ARGUMENT');
}

describe('openflow addr', () => {
  it('IPv6 prints exactly as os-ken does', () => {
    for (const [input, want] of IPV6_AS_OSKEN) assert.equal(normalizeIpv6(input), want, input);
  });
  it('IPv6 parses to the right bytes', () => {
    assert.equal(parseIpv6('2001:db8::1').toString('hex'), '20010db8000000000000000000000001');
    assert.equal(parseIpv6('::ffff:192.0.2.1').toString('hex'), '00000000000000000000ffffc0000201');
    assert.equal(parseIpv6('::').toString('hex'), '0'.repeat(32));
    assert.equal(formatIpv6(Buffer.from('20010db8000000000000000000000001', 'hex')), '2001:db8::1');
  });
  it('IPv6 rejects malformed text', () => {
    for (const s of ['', ':', ':::', '1:::2', '1::2::3', '1:2:3:4:5:6:7:8:9', '1:2:3:4:5:6:7', '12345::', 'g::',
      '1:2:3:4:5:6:7::8', '::1.2.3', '::1.2.3.4.5', '::1.2.3.4:5', '1:', ':1', '1::2:']) bad(() => parseIpv6(s));
  });
  it('IPv4 parses and prints dotted decimal', () => {
    assert.equal(parseIpv4('203.0.113.25'), 0xcb007119);
    assert.equal(formatIpv4(0xcb007119), '203.0.113.25');
    assert.equal(formatIpv4(0), '0.0.0.0');
    assert.equal(formatIpv4(0xffffffff), '255.255.255.255');
    for (const s of ['', '1.2.3', '1.2.3.4.5', '256.0.0.0', '01.2.3.4', '1..2.3', 'a.b.c.d', '1.2.3.4 ', '-1.2.3.4']) bad(() => parseIpv4(s));
  });
  it('MAC parses either separator and any case, prints lowercase with colons', () => {
    assert.equal(parseMac('0A:1b:2C:3d:4E:5f').toString('hex'), '0a1b2c3d4e5f');
    assert.equal(parseMac('0a-1b-2c-3d-4e-5f').toString('hex'), '0a1b2c3d4e5f');
    assert.equal(formatMac(Buffer.from('0a1b2c3d4e5f', 'hex')), '0a:1b:2c:3d:4e:5f');
    for (const s of ['', '0a:1b:2c:3d:4e', '0a:1b:2c:3d:4e:5g', '0a1b2c3d4e5f', '0a:1b:2c:3d:4e:5f:00', '0a.1b.2c.3d.4e.5f']) bad(() => parseMac(s));
  });
});
