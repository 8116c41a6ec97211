import { strict as assert } from 'assert';
import type { Instruction, Match } from '../../src/openflow/types';
import {
  FakeFlowModError, FakeFlowTable, OFPFC_ADD, OFPFC_DELETE, OFPFC_DELETE_STRICT, OFPFC_MODIFY,
  OFPFC_MODIFY_STRICT, OFPFF_CHECK_OVERLAP, OFPFF_RESET_COUNTS, OFPP_NORMAL, OFPTT_ALL, syn, udp,
} from '../support/flowtable';

const DROP: Instruction[] = [];
const NORMAL: Instruction[] = [{ type: 'APPLY_ACTIONS', actions: [{ type: 'OUTPUT', port: OFPP_NORMAL, max_len: 0 }] }];
const GOTO1: Instruction[] = [{ type: 'GOTO_TABLE', table_id: 1 }];

function tcp4(inPort: number, dst: string, dport: number): Match {
  return [
    { field: 'in_port', value: inPort },
    { field: 'eth_type', value: 0x0800 },
    { field: 'ip_proto', value: 6 },
    { field: 'ipv4_dst', value: dst },
    { field: 'tcp_dst', value: dport },
  ];
}

describe('test support: FakeFlowTable (OpenFlow 1.3 semantics)', () => {
  it('an empty table misses; a table-miss entry continues', () => {
    const t = new FakeFlowTable();
    assert.equal(t.lookup(0, syn(3, '203.0.113.25', 25)).verdict, 'miss');
    t.apply({ command: OFPFC_ADD, priority: 0, match: [], instructions: NORMAL });
    const r = t.lookup(0, syn(3, '203.0.113.25', 25));
    assert.equal(r.verdict, 'continue');
    assert.deepEqual(r.output, [OFPP_NORMAL]);
  });

  it('highest priority wins; no instructions = drop; goto = continue', () => {
    const t = new FakeFlowTable();
    t.apply({ command: OFPFC_ADD, priority: 0, instructions: GOTO1 });
    t.apply({ command: OFPFC_ADD, priority: 20000, match: [
      { field: 'in_port', value: 3 }, { field: 'eth_type', value: 0x0800 }, { field: 'ip_proto', value: 6 }, { field: 'tcp_dst', value: 25 },
    ], instructions: DROP });
    t.apply({ command: OFPFC_ADD, priority: 30000, match: tcp4(3, '198.51.100.25', 25), instructions: GOTO1 });
    assert.equal(t.lookup(0, syn(3, '203.0.113.25', 25)).verdict, 'drop');
    const mta = t.lookup(0, syn(3, '198.51.100.25', 25));
    assert.equal(mta.verdict, 'continue');
    assert.equal(mta.goto_table, 1);
    assert.equal(mta.entry?.priority, 30000);
    assert.equal(t.lookup(0, syn(4, '203.0.113.25', 25)).verdict, 'continue', 'other port');
    assert.equal(t.lookup(0, syn(3, '203.0.113.25', 587)).verdict, 'continue', 'other tcp port');
    assert.equal(t.lookup(0, udp(3, '203.0.113.25', 25)).verdict, 'continue', 'udp is not tcp');
    assert.equal(t.lookup(0, syn(3, '2001:db8::25', 25)).verdict, 'continue', 'IPv6 not matched by an IPv4 rule');
  });

  it('IPv4 and IPv6 prefix masks', () => {
    const t = new FakeFlowTable();
    t.apply({ command: OFPFC_ADD, priority: 10, match: [
      { field: 'eth_type', value: 0x0800 }, { field: 'ipv4_dst', value: '203.0.113.0', mask: '255.255.255.0' },
    ] });
    t.apply({ command: OFPFC_ADD, priority: 10, match: [
      { field: 'eth_type', value: 0x86dd }, { field: 'ipv6_dst', value: '2001:db8:100::/48' },
    ] });
    t.apply({ command: OFPFC_ADD, priority: 0, instructions: NORMAL });
    assert.equal(t.verdict(0, syn(1, '203.0.113.200', 80)), 'drop');
    assert.equal(t.verdict(0, syn(1, '203.0.114.1', 80)), 'continue');
    assert.equal(t.verdict(0, syn(1, '2001:db8:100:ffff::1', 80)), 'drop');
    assert.equal(t.verdict(0, syn(1, '2001:db8:101::1', 80)), 'continue');
    assert.equal(t.verdict(0, syn(1, '::ffff:203.0.113.1', 80)), 'continue');
  });

  it('vlan_vid carries OFPVID_PRESENT: a VLAN rule matches only frames tagged with that VLAN', () => {
    const t = new FakeFlowTable();
    t.apply({ command: OFPFC_ADD, priority: 10, match: [
      { field: 'in_port', value: 5 }, { field: 'vlan_vid', value: 0x1000 | 101 },
    ] });
    t.apply({ command: OFPFC_ADD, priority: 0, instructions: NORMAL });
    assert.equal(t.verdict(0, syn(5, '203.0.113.1', 25, { vlan: 101 })), 'drop');
    assert.equal(t.verdict(0, syn(5, '203.0.113.1', 25, { vlan: 102 })), 'continue');
    assert.equal(t.verdict(0, syn(5, '203.0.113.1', 25)), 'continue', 'untagged');
    // Any tagged frame: value 0x1000 mask 0x1000.
    t.apply({ command: OFPFC_ADD, priority: 5, match: [{ field: 'vlan_vid', value: 0x1000, mask: 0x1000 }] });
    assert.equal(t.verdict(0, syn(6, '203.0.113.1', 25, { vlan: 7 })), 'drop');
    assert.equal(t.verdict(0, syn(6, '203.0.113.1', 25)), 'continue');
  });

  it('ADD with identical table/priority/match replaces, keeping counters unless OFPFF_RESET_COUNTS', () => {
    const t = new FakeFlowTable();
    t.apply({ command: OFPFC_ADD, priority: 100, cookie: 1n, match: tcp4(3, '192.0.2.1', 25) });
    t.lookup(0, syn(3, '192.0.2.1', 25));
    t.lookup(0, syn(3, '192.0.2.1', 25));
    // Same match in another field order: still identical.
    const reordered = [...tcp4(3, '192.0.2.1', 25)].reverse();
    t.apply({ command: OFPFC_ADD, priority: 100, cookie: 2n, match: reordered, instructions: NORMAL });
    assert.equal(t.size, 1);
    const [e] = t.entries();
    assert.equal(e?.cookie, 2n);
    assert.equal(e?.packet_count, 2n);
    assert.equal(t.verdict(0, syn(3, '192.0.2.1', 25)), 'continue');
    t.apply({ command: OFPFC_ADD, priority: 100, cookie: 2n, match: reordered, flags: OFPFF_RESET_COUNTS });
    assert.equal(t.entries()[0]?.packet_count, 0n);
    // A different priority is a different entry.
    t.apply({ command: OFPFC_ADD, priority: 101, match: reordered });
    assert.equal(t.size, 2);
    assert.deepEqual(t.history.map((h) => h.op), ['add', 'replace', 'replace', 'add']);
  });

  it('refuses what a switch refuses: missing prerequisites, duplicate fields, bad goto, overlap', () => {
    const t = new FakeFlowTable();
    const err = (codeName: string) => (e: unknown) => e instanceof FakeFlowModError && e.codeName === codeName;
    assert.throws(() => t.apply({ command: OFPFC_ADD, match: [{ field: 'tcp_dst', value: 25 }] }), err('OFPBMC_BAD_PREREQ'));
    assert.throws(() => t.apply({ command: OFPFC_ADD, match: [
      { field: 'eth_type', value: 0x86dd }, { field: 'ip_proto', value: 6 }, { field: 'ipv4_dst', value: '192.0.2.1' },
    ] }), err('OFPBMC_BAD_PREREQ'));
    assert.throws(() => t.apply({ command: OFPFC_ADD, match: [
      { field: 'in_port', value: 1 }, { field: 'in_port', value: 2 },
    ] }), err('OFPBMC_DUP_FIELD'));
    assert.throws(() => t.apply({ command: OFPFC_ADD, table_id: 1, instructions: [{ type: 'GOTO_TABLE', table_id: 1 }] }),
      err('OFPBIC_BAD_TABLE_ID'));
    t.apply({ command: OFPFC_ADD, priority: 7, match: [{ field: 'in_port', value: 1 }] });
    assert.throws(() => t.apply({ command: OFPFC_ADD, priority: 7, flags: OFPFF_CHECK_OVERLAP, match: [{ field: 'eth_type', value: 0x0800 }] }),
      err('OFPFMFC_OVERLAP'));
    t.apply({ command: OFPFC_ADD, priority: 7, flags: OFPFF_CHECK_OVERLAP, match: [{ field: 'in_port', value: 2 }] });
    assert.equal(t.size, 2);
    t.reject = (m) => (m.priority === 9 ? { typeName: 'OFPET_FLOW_MOD_FAILED', codeName: 'OFPFMFC_TABLE_FULL' } : undefined);
    assert.throws(() => t.apply({ command: OFPFC_ADD, priority: 9 }), err('OFPFMFC_TABLE_FULL'));
    assert.equal(t.size, 2);
  });

  it('DELETE (non-strict) removes entries equal to or more specific than the match, filtered by cookie and table', () => {
    const t = new FakeFlowTable();
    t.apply({ command: OFPFC_ADD, priority: 20000, cookie: 0x0b25_0_000_00000003n, match: tcp4(3, '192.0.2.1', 25) });
    t.apply({ command: OFPFC_ADD, priority: 30000, cookie: 0x0b25_0_000_00000003n, match: [{ field: 'in_port', value: 3 }] });
    t.apply({ command: OFPFC_ADD, priority: 20000, cookie: 0x0b25_0_000_00000004n, match: tcp4(4, '192.0.2.1', 25) });
    t.apply({ command: OFPFC_ADD, priority: 20000, cookie: 0x1234n, match: tcp4(3, '192.0.2.1', 25).slice(0, 3) });
    t.apply({ command: OFPFC_ADD, table_id: 1, priority: 1, cookie: 0x0b25_0_000_00000003n, match: [{ field: 'in_port', value: 3 }] });
    assert.equal(t.entries({ cookie: 0x0b25n << 48n, cookie_mask: 0xffffn << 48n }).length, 4);
    // Non-strict delete by in_port=3 in table 0, OP25B cookie space only.
    t.apply({ command: OFPFC_DELETE, table_id: 0, cookie: 0x0b25n << 48n, cookie_mask: 0xffffn << 48n,
      match: [{ field: 'in_port', value: 3 }] });
    const left = t.entries().map((e) => [e.table_id, e.cookie]);
    assert.deepEqual(left, [[0, 0x0b25_0_000_00000004n], [0, 0x1234n], [1, 0x0b25_0_000_00000003n]]);
    // OFPTT_ALL with a match wider than everything.
    t.apply({ command: OFPFC_DELETE, table_id: OFPTT_ALL, cookie: 0x0b25n << 48n, cookie_mask: 0xffffn << 48n });
    assert.deepEqual(t.entries().map((e) => e.cookie), [0x1234n]);
  });

  it('DELETE with a masked field selects only entries at least as specific', () => {
    const t = new FakeFlowTable();
    t.apply({ command: OFPFC_ADD, priority: 1, match: [{ field: 'eth_type', value: 0x0800 }, { field: 'ipv4_dst', value: '10.1.2.3' }] });
    t.apply({ command: OFPFC_ADD, priority: 1, match: [{ field: 'eth_type', value: 0x0800 }, { field: 'ipv4_dst', value: '10.0.0.0/8' }] });
    t.apply({ command: OFPFC_ADD, priority: 1, match: [{ field: 'eth_type', value: 0x0800 }, { field: 'ipv4_dst', value: '0.0.0.0/1' }] });
    t.apply({ command: OFPFC_DELETE, table_id: OFPTT_ALL, match: [{ field: 'eth_type', value: 0x0800 }, { field: 'ipv4_dst', value: '10.0.0.0/8' }] });
    assert.deepEqual(t.entries().map((e) => e.match.find((m) => m.field === 'ipv4_dst')), [{ field: 'ipv4_dst', value: '0.0.0.0/1' }]);
  });

  it('DELETE_STRICT needs identical match and priority; MODIFY changes instructions but never adds', () => {
    const t = new FakeFlowTable();
    t.apply({ command: OFPFC_ADD, priority: 5, match: tcp4(3, '192.0.2.1', 25) });
    t.apply({ command: OFPFC_ADD, priority: 6, match: tcp4(3, '192.0.2.1', 25) });
    t.apply({ command: OFPFC_DELETE_STRICT, priority: 5, match: tcp4(3, '192.0.2.1', 25).slice(0, 4) });
    assert.equal(t.size, 2, 'not identical match');
    t.apply({ command: OFPFC_DELETE_STRICT, priority: 5, match: tcp4(3, '192.0.2.1', 25) });
    assert.deepEqual(t.entries().map((e) => e.priority), [6]);
    t.apply({ command: OFPFC_MODIFY_STRICT, priority: 5, match: tcp4(3, '192.0.2.1', 25), instructions: NORMAL });
    assert.equal(t.size, 1, 'modify does not add');
    assert.equal(t.verdict(0, syn(3, '192.0.2.1', 25)), 'drop');
    t.apply({ command: OFPFC_MODIFY, match: [{ field: 'in_port', value: 3 }], instructions: NORMAL });
    assert.equal(t.verdict(0, syn(3, '192.0.2.1', 25)), 'continue');
    assert.equal(t.entries()[0]?.priority, 6);
  });

  it('DELETE with out_port selects entries outputting to that port', () => {
    const t = new FakeFlowTable();
    t.apply({ command: OFPFC_ADD, priority: 1, match: [{ field: 'in_port', value: 1 }], instructions: NORMAL });
    t.apply({ command: OFPFC_ADD, priority: 1, match: [{ field: 'in_port', value: 2 }] });
    t.apply({ command: OFPFC_DELETE, table_id: OFPTT_ALL, out_port: OFPP_NORMAL });
    assert.deepEqual(t.entries().map((e) => e.match), [[{ field: 'in_port', value: 2 }]]);
  });

  it('counts packets on lookup and reports every change to listeners', () => {
    const t = new FakeFlowTable();
    const seen: string[] = [];
    const off = t.onChange((c) => seen.push(`${c.op}:${c.entry.priority}`));
    t.apply({ command: OFPFC_ADD, priority: 1 });
    t.lookup(0, syn(1, '192.0.2.1', 25));
    t.lookup(0, syn(1, '2001:db8::1', 25));
    assert.equal(t.entries()[0]?.packet_count, 2n);
    assert.equal(t.entries()[0]?.byte_count, 74n + 94n);
    t.verdict(0, syn(1, '192.0.2.1', 25));
    assert.equal(t.entries()[0]?.packet_count, 2n, 'verdict() does not count');
    t.apply({ command: OFPFC_DELETE, table_id: OFPTT_ALL });
    off();
    t.apply({ command: OFPFC_ADD, priority: 2 });
    assert.deepEqual(seen, ['add:1', 'delete:1']);
  });

  it('forward() follows goto_table through the pipeline', () => {
    const t = new FakeFlowTable();
    t.apply({ command: OFPFC_ADD, table_id: 0, priority: 0, instructions: GOTO1 });
    t.apply({ command: OFPFC_ADD, table_id: 1, priority: 0, match: [{ field: 'in_port', value: 1 }] });
    const r = t.forward(0, syn(1, '192.0.2.1', 25));
    assert.equal(r.verdict, 'drop');
    assert.equal(r.path.length, 2);
    assert.equal(t.forward(0, syn(2, '192.0.2.1', 25)).verdict, 'miss');
  });
});
