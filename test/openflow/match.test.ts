import assert from 'node:assert/strict';
import {
  buildMatch, checkPrerequisites, encode, decode, flowMod, isOfError, OXM_FIELDS, OfError,
  type Match, type MatchSpec,
} from '../../src/openflow';
import { ALL_FIELDS } from './support/samples';

function err(fn: () => unknown): OfError {
  try { fn(); } catch (e) { assert.ok(isOfError(e), String(e)); return e; }
  assert.fail('expected OfError');
}

function prereqFails(spec: MatchSpec, mentions: RegExp): void {
  const e = err(() => buildMatch(spec));
  assert.equal(e.code, 'OF_ERR_BAD_PREREQ');
  assert.match(e.message, mentions);
}

describe('openflow match', () => {
  describe('buildMatch', () => {
    it('orders fields by OXM field number, as os-ken OFPMatch(**kwargs) does', () => {
      const m = buildMatch({ tcp_dst: 25, ipv4_dst: '203.0.113.25', ip_proto: 6, eth_type: 0x0800, in_port: 3 });
      assert.deepStrictEqual(m.map((e) => e.field), ['in_port', 'eth_type', 'ip_proto', 'ipv4_dst', 'tcp_dst']);
      const m6 = buildMatch({ tcp_dst: 25, ipv6_dst: '2001:db8::25', ip_proto: 6, eth_type: 0x86dd, vlan_vid: 0x1000 | 10, in_port: 1 });
      assert.deepStrictEqual(m6.map((e) => e.field), ['in_port', 'eth_type', 'vlan_vid', 'ip_proto', 'tcp_dst', 'ipv6_dst']);
    });

    it('stores the value ANDed with its mask and takes prefixes', () => {
      const m = buildMatch({ eth_type: 0x0800, ipv4_src: { value: '100.64.7.9', mask: '255.192.0.0' }, ipv4_dst: '203.0.113.77/24' });
      assert.deepStrictEqual(m, [
        { field: 'eth_type', value: 0x0800 },
        { field: 'ipv4_src', value: '100.64.0.0', mask: '255.192.0.0' },
        { field: 'ipv4_dst', value: '203.0.113.0', mask: '255.255.255.0' },
      ]);
      const m6 = buildMatch({ eth_type: 0x86dd, ipv6_dst: '2001:DB8:0:0:0:0:0:25/32', ipv6_src: '2001:db8::1/255.255.255.0'.replace('255.255.255.0', 'ffff:ffff::') });
      assert.deepStrictEqual(m6, [
        { field: 'eth_type', value: 0x86dd },
        { field: 'ipv6_src', value: '2001:db8::', mask: 'ffff:ffff::' },
        { field: 'ipv6_dst', value: '2001:db8::', mask: 'ffff:ffff::' },
      ]);
      const mm = buildMatch({ eth_dst: { value: '01:00:5E:AA:BB:CC', mask: 'ff:ff:ff:00:00:00' }, metadata: { value: 0x1234n, mask: 0xff00n } });
      assert.deepStrictEqual(mm, [
        { field: 'metadata', value: 0x1200n, mask: 0xff00n },
        { field: 'eth_dst', value: '01:00:5e:00:00:00', mask: 'ff:ff:ff:00:00:00' },
      ]);
    });

    it('normalises text forms: lowercase MAC, compressed IPv6', () => {
      const m = buildMatch({ eth_type: 0x86dd, eth_src: '0A-1B-2C-3D-4E-5F', ipv6_src: '2001:0db8:0000:0000:0000:0000:0000:0001' });
      assert.deepStrictEqual(m, [
        { field: 'eth_src', value: '0a:1b:2c:3d:4e:5f' },
        { field: 'eth_type', value: 0x86dd },
        { field: 'ipv6_src', value: '2001:db8::1' },
      ]);
    });

    it('allows masks only where the spec does', () => {
      for (const fi of OXM_FIELDS) {
        const spec = { [fi.name]: { value: sampleValue(fi.kind), mask: sampleValue(fi.kind) } } as MatchSpec;
        try {
          buildMatch(spec);
          assert.ok(fi.maskable, `${fi.name} accepted a mask`);
        } catch (e) {
          assert.ok(isOfError(e));
          if (!fi.maskable) {
            assert.equal(e.code, 'OF_ERR_BAD_PREREQ');
            assert.match(e.message, new RegExp(`${fi.name} cannot be masked`));
          } else {
            assert.match(e.message, /requires/, `${fi.name}: ${e.message}`); // only a prerequisite may fail
          }
        }
      }
    });

    it('rejects unknown names and out-of-range values', () => {
      assert.equal(err(() => buildMatch({ tcp_port: 25 } as unknown as MatchSpec)).code, 'OF_ERR_BAD_ARGUMENT');
      assert.equal(err(() => buildMatch({ vlan_vid: 0x2000 })).code, 'OF_ERR_BAD_ARGUMENT');
      assert.equal(err(() => buildMatch({ vlan_vid: 0x1001, vlan_pcp: 8 })).code, 'OF_ERR_BAD_ARGUMENT');
      assert.equal(err(() => buildMatch({ in_port: -1 })).code, 'OF_ERR_BAD_ARGUMENT');
      assert.equal(err(() => buildMatch({ eth_type: 0x0800, ipv4_src: '10.0.0.256' })).code, 'OF_ERR_BAD_ARGUMENT');
      assert.equal(err(() => buildMatch({ eth_type: 0x0800, ipv4_src: '10.0.0.0/33' })).code, 'OF_ERR_BAD_ARGUMENT');
    });
  });

  describe('prerequisites (spec 7.2.3.6)', () => {
    it('tcp_dst needs ip_proto=6, which needs eth_type 0x0800 or 0x86dd', () => {
      prereqFails({ tcp_dst: 25 }, /tcp_dst requires ip_proto=6 \(ip_proto is missing\)/);
      prereqFails({ ip_proto: 6, tcp_dst: 25 }, /ip_proto requires eth_type=0x0800 or 0x86dd \(eth_type is missing\)/);
      prereqFails({ eth_type: 0x0800, ip_proto: 17, tcp_dst: 25 }, /tcp_dst requires ip_proto=6 \(ip_proto is 17\)/);
      prereqFails({ eth_type: 0x0806, ip_proto: 6, tcp_dst: 25 }, /ip_proto requires eth_type/);
      buildMatch({ eth_type: 0x0800, ip_proto: 6, tcp_dst: 25 });
      buildMatch({ eth_type: 0x86dd, ip_proto: 6, tcp_src: 25 });
    });
    it('each family of fields', () => {
      prereqFails({ in_phy_port: 1 }, /in_port is missing/);
      prereqFails({ vlan_pcp: 3 }, /vlan_pcp requires vlan_vid != OFPVID_NONE \(vlan_vid is missing\)/);
      prereqFails({ vlan_vid: 0, vlan_pcp: 3 }, /vlan_vid is OFPVID_NONE/);
      buildMatch({ vlan_vid: { value: 0x1000, mask: 0x1000 }, vlan_pcp: 3 });
      prereqFails({ eth_type: 0x86dd, ipv4_dst: '192.0.2.1' }, /ipv4_dst requires eth_type=0x0800 \(eth_type is 34525\)/);
      prereqFails({ eth_type: 0x0800, ipv6_dst: '2001:db8::1' }, /ipv6_dst requires eth_type=0x86dd/);
      prereqFails({ eth_type: 0x0800, arp_op: 1 }, /arp_op requires eth_type=0x0806/);
      buildMatch({ eth_type: 0x0806, arp_op: 1, arp_spa: '192.0.2.1', arp_tha: '00:00:00:00:00:00' });
      prereqFails({ eth_type: 0x0800, ip_proto: 6, udp_dst: 53 }, /udp_dst requires ip_proto=17/);
      prereqFails({ eth_type: 0x0800, ip_proto: 6, sctp_dst: 53 }, /sctp_dst requires ip_proto=132/);
      prereqFails({ eth_type: 0x0800, ip_proto: 6, icmpv4_type: 8 }, /icmpv4_type requires ip_proto=1/);
      prereqFails({ eth_type: 0x86dd, ip_proto: 1, icmpv6_type: 135 }, /icmpv6_type requires ip_proto=58/);
      prereqFails({ eth_type: 0x86dd, ip_proto: 58, ipv6_nd_target: '::1' }, /ipv6_nd_target requires icmpv6_type=135 or 136 \(icmpv6_type is missing\)/);
      prereqFails({ eth_type: 0x86dd, ip_proto: 58, icmpv6_type: 136, ipv6_nd_sll: '02:00:00:00:00:01' }, /ipv6_nd_sll requires icmpv6_type=135/);
      prereqFails({ eth_type: 0x86dd, ip_proto: 58, icmpv6_type: 135, ipv6_nd_tll: '02:00:00:00:00:01' }, /ipv6_nd_tll requires icmpv6_type=136/);
      buildMatch({ eth_type: 0x86dd, ip_proto: 58, icmpv6_type: 135, ipv6_nd_target: 'fe80::1', ipv6_nd_sll: '02:00:00:00:00:01' });
      prereqFails({ eth_type: 0x0800, mpls_label: 5 }, /mpls_label requires eth_type=0x8847 or 0x8848/);
      buildMatch({ eth_type: 0x8848, mpls_label: 5, mpls_tc: 1, mpls_bos: 1 });
      prereqFails({ pbb_isid: 5 }, /pbb_isid requires eth_type=0x88e7/);
      prereqFails({ eth_type: 0x0800, ipv6_exthdr: 1 }, /ipv6_exthdr requires eth_type=0x86dd/);
      prereqFails({ ip_dscp: 46 }, /ip_dscp requires eth_type/);
      prereqFails({ ip_ecn: 1 }, /ip_ecn requires eth_type/);
      buildMatch({ metadata: 1n, tunnel_id: 2n, eth_src: '02:00:00:00:00:01', in_port: 1, in_phy_port: 1 });
    });
    it('checkPrerequisites works on any Match and rejects duplicates', () => {
      const dup: Match = [{ field: 'in_port', value: 1 }, { field: 'in_port', value: 2 }];
      assert.equal(err(() => checkPrerequisites(dup)).code, 'OF_ERR_BAD_PREREQ');
      assert.equal(err(() => checkPrerequisites(ALL_FIELDS)).code, 'OF_ERR_BAD_PREREQ');
      checkPrerequisites([{ field: 'opaque', oxm_class: 1, oxm_field: 1, has_mask: false, data: Buffer.alloc(4) }]);
    });
  });

  describe('OXM basic fields on the wire', () => {
    it('each field has its width, with the mask doubling it', () => {
      for (const fi of OXM_FIELDS) {
        const m: Match = [{ field: fi.name, value: sampleValue(fi.kind) }, { field: fi.name, value: sampleValue(fi.kind), mask: sampleValue(fi.kind) }];
        const b = encode(flowMod({ match: m }));
        // match at 48: type, length, then TLVs
        assert.equal(b.readUInt16BE(52), 0x8000);
        assert.equal(b[54], fi.field << 1);
        assert.equal(b[55], fi.width, fi.name);
        const second = 56 + fi.width;
        assert.equal(b[second + 2], (fi.field << 1) | 1);
        assert.equal(b[second + 3], fi.width * 2, fi.name);
        assert.equal(b.readUInt16BE(50), 4 + 8 + 3 * fi.width);
        assert.deepStrictEqual((decode(b) as { match: Match }).match, m);
      }
    });
    it('table covers in_port (0) through ipv6_exthdr (39)', () => {
      assert.equal(OXM_FIELDS.length, 40);
      OXM_FIELDS.forEach((fi, i) => assert.equal(fi.field, i));
      assert.equal(OXM_FIELDS[0]!.name, 'in_port');
      assert.equal(OXM_FIELDS[39]!.name, 'ipv6_exthdr');
    });
  });
});

function sampleValue(kind: string): string | number | bigint {
  switch (kind) {
    case 'mac': return '02:00:00:00:00:01';
    case 'ipv4': return '192.0.2.1';
    case 'ipv6': return '2001:db8::1';
    case 'u64': return 1n;
    default: return 1;
  }
}
