/** The overlap check behind API_ERR_WEAKENS_OP25B, on plain matches. */
import { strict as assert } from 'assert';
import { buildMatch } from '../../src/openflow/match';
import { forwards, matchesOverlap, shadowedDrop } from '../../src/api/shadow';
import type { FlowStats } from '../../src/openflow/types';

const block6 = buildMatch({ in_port: 3, eth_type: 0x86dd, ip_proto: 6, tcp_dst: 25 });

describe('api: OP25B shadow check', () => {
  it('overlap: fields both constrain must agree under both masks; absent fields are wildcards', () => {
    assert.equal(matchesOverlap(buildMatch({ in_port: 3 }), block6), true);
    assert.equal(matchesOverlap(buildMatch({ in_port: 4 }), block6), false);
    assert.equal(matchesOverlap(buildMatch({ eth_type: 0x0800 }), block6), false);
    assert.equal(matchesOverlap(buildMatch({ eth_type: 0x86dd, ipv6_dst: { value: '2001:db8::', mask: 'ffff:ffff::' } }), block6), true);
    const v6dst = buildMatch({ eth_type: 0x86dd, ip_proto: 6, ipv6_dst: '2001:db8:100::25', tcp_dst: 25 });
    assert.equal(matchesOverlap(buildMatch({ eth_type: 0x86dd, ipv6_dst: { value: '2001:db8::', mask: 'ffff:ffff::' } }), v6dst), true);
    assert.equal(matchesOverlap(buildMatch({ eth_type: 0x86dd, ipv6_dst: { value: '2001:db9::', mask: 'ffff:ffff::' } }), v6dst), false);
    assert.equal(matchesOverlap(buildMatch({ eth_type: 0x0800, ipv4_dst: { value: '203.0.113.0', mask: '255.255.255.0' } }),
      buildMatch({ eth_type: 0x0800, ipv4_dst: '203.0.113.25' })), true);
    assert.equal(matchesOverlap(buildMatch({ eth_type: 0x0800, ipv4_dst: { value: '203.0.113.0', mask: '255.255.255.0' } }),
      buildMatch({ eth_type: 0x0800, ipv4_dst: '198.51.100.25' })), false);
    assert.equal(matchesOverlap(buildMatch({ eth_src: '02:00:00:00:00:01' }), buildMatch({ eth_src: { value: '02:00:00:00:00:00', mask: 'ff:ff:ff:00:00:00' } })), true);
  });

  it('only forwarding flows above the drop, in its table, shadow it', () => {
    const drop: FlowStats = {
      table_id: 0, duration_sec: 0, duration_nsec: 0, priority: 20000, idle_timeout: 0, hard_timeout: 0, flags: 0,
      cookie: 0n, packet_count: 0n, byte_count: 0n, match: block6, instructions: [],
    };
    const out = [{ type: 'APPLY_ACTIONS' as const, actions: [{ type: 'OUTPUT' as const, port: 1, max_len: 0 }] }];
    assert.equal(forwards(out), true);
    assert.equal(forwards([]), false);
    assert.equal(forwards([{ type: 'APPLY_ACTIONS', actions: [{ type: 'DEC_NW_TTL' }] }]), false);
    assert.ok(shadowedDrop({ table_id: 0, priority: 20001, match: [], instructions: out }, [drop]));
    assert.equal(shadowedDrop({ table_id: 0, priority: 20000, match: [], instructions: out }, [drop]), undefined);
    assert.equal(shadowedDrop({ table_id: 1, priority: 30000, match: [], instructions: out }, [drop]), undefined);
    assert.equal(shadowedDrop({ table_id: 0, priority: 30000, match: [], instructions: [{ type: 'GOTO_TABLE', table_id: 1 }] }, [drop])?.drop, drop);
  });
});
