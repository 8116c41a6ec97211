import assert from 'assert';
import type { FlowStats, Match } from '../../src/openflow/types';
import {
  ALL_ONES_64, OFPFC_ADD, OFPFC_DELETE_STRICT, diff, flowId, inCookieSpace, instructionsKey, matchFromKey, matchKey,
} from '../../src/reconcile/diff';
import { FakeFlowTable, syn } from '../support/flowtable';
import { SPACE, cookieOf, testFlows } from './support';

const D = 1n;
const opts = { space: SPACE };

function dumpOf(t: FakeFlowTable): FlowStats[] {
  return t.entries({ cookie: SPACE.cookie, cookie_mask: SPACE.mask });
}

describe('reconcile/diff', () => {
  it('normalises a switch dump form to compare equal to ours', () => {
    const ours: Match = [
      { field: 'in_port', value: 3 }, { field: 'eth_type', value: 0x0800 }, { field: 'ip_proto', value: 6 },
      { field: 'ipv4_dst', value: '198.51.100.7', mask: '255.255.255.0' }, { field: 'tcp_dst', value: 25 },
    ];
    // OVS: own field order, value ANDed with the mask, an all-ones mask dropped.
    const ovs: Match = [
      { field: 'eth_type', value: 2048 }, { field: 'in_port', value: 3, mask: 0xffffffff }, { field: 'ip_proto', value: 6 },
      { field: 'ipv4_dst', value: '198.51.100.0', mask: '255.255.255.0' }, { field: 'tcp_dst', value: 25, mask: 0xffff },
    ];
    assert.strictEqual(matchKey(ours), matchKey(ovs));
    const v6a: Match = [{ field: 'ipv6_dst', value: '2001:DB8:0:0::25', mask: 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff' }];
    const v6b: Match = [{ field: 'ipv6_dst', value: '2001:db8::25' }];
    assert.strictEqual(matchKey(v6a), matchKey(v6b));
    assert.notStrictEqual(matchKey([{ field: 'vlan_vid', value: 0x1000 | 101 }]), matchKey([{ field: 'vlan_vid', value: 101 }]));
    // a drop flow: OVS dumps no instructions for an empty apply-actions
    assert.strictEqual(instructionsKey([{ type: 'APPLY_ACTIONS', actions: [] }]), instructionsKey([]));
    // max_len only matters toward the controller
    assert.strictEqual(
      instructionsKey([{ type: 'APPLY_ACTIONS', actions: [{ type: 'OUTPUT', port: 0xfffffffa, max_len: 0xffe5 }] }]),
      instructionsKey([{ type: 'APPLY_ACTIONS', actions: [{ type: 'OUTPUT', port: 0xfffffffa, max_len: 0 }] }]));
  });

  it('rebuilds a match from its key (deletes from the index)', () => {
    for (const f of [...testFlows({ dpid: D, port: 3 }, 'block'), ...testFlows({ dpid: D, port: 4, vlan: 101 }, 'quarantine')]) {
      const back = matchFromKey(matchKey(f.match));
      assert.strictEqual(matchKey(back), matchKey(f.match));
    }
    assert.deepStrictEqual(matchFromKey(matchKey([{ field: 'ipv4_dst', value: '198.51.100.0', mask: '255.255.255.0' }])),
      [{ field: 'ipv4_dst', value: '198.51.100.0', mask: '255.255.255.0' }]);
  });

  it('a diff applied to a flow table gives an empty diff; re-applying it is a no-op', () => {
    const t = new FakeFlowTable();
    const desired = [...testFlows({ dpid: D, port: 3 }, 'block'), ...testFlows({ dpid: D, port: 4 }, 'exempt')];
    const d1 = diff(desired, dumpOf(t), opts);
    assert.strictEqual(d1.adds.length, desired.length);
    assert.strictEqual(d1.deletes.length, 0);
    t.applyAll(d1.adds);
    assert.deepStrictEqual(diff(desired, dumpOf(t), opts), { adds: [], deletes: [] });
    const before = JSON.stringify(dumpOf(t).map((f) => flowId(f)).sort());
    t.applyAll(d1.adds);
    assert.strictEqual(JSON.stringify(dumpOf(t).map((f) => flowId(f)).sort()), before);
    // forwarding: port 3 blocked except toward the MTA; port 4 exempt
    assert.strictEqual(t.verdict(0, syn(3, '203.0.113.25', 25)), 'drop');
    assert.strictEqual(t.verdict(0, syn(3, '2001:db8:99::1', 25)), 'drop');
    assert.strictEqual(t.verdict(0, syn(3, '192.0.2.25', 25)), 'continue');
    assert.strictEqual(t.verdict(0, syn(3, '2001:db8:25::9', 25)), 'continue');
    assert.strictEqual(t.verdict(0, syn(3, '203.0.113.25', 587)), 'miss');
    assert.strictEqual(t.verdict(0, syn(4, '203.0.113.25', 25)), 'continue');
  });

  it('changes are ADD only (replace in place); removals are strict deletes with exact cookie, lowest priority first', () => {
    const t = new FakeFlowTable();
    const k = { dpid: D, port: 3 };
    t.applyAll(diff(testFlows(k, 'quarantine'), [], opts).adds);
    // same identity, other instructions: replaced by an ADD, nothing deleted
    const changed = testFlows(k, 'quarantine').map((f) => (f.rule === 'mta-allow' ? { ...f, instructions: [{ type: 'GOTO_TABLE' as const, table_id: 2 }] } : f));
    const d = diff(changed, dumpOf(t), opts);
    assert.strictEqual(d.deletes.length, 0);
    assert.strictEqual(d.adds.length, 3);
    assert.ok(d.adds.every((m) => m.command === OFPFC_ADD));
    // quarantine -> exempt: new allow flows first (desc priority), then deletes asc priority
    const d2 = diff(testFlows(k, 'exempt'), dumpOf(t), opts);
    assert.ok(d2.adds.every((m, i, a) => i === 0 || (a[i - 1]?.priority ?? 0) >= m.priority));
    assert.ok(d2.deletes.length > 0);
    assert.ok(d2.deletes.every((m, i, a) => i === 0 || (a[i - 1]?.priority ?? 0) <= m.priority));
    for (const m of d2.deletes) {
      assert.strictEqual(m.command, OFPFC_DELETE_STRICT);
      assert.strictEqual(m.cookie_mask, ALL_ONES_64);
      assert.ok(inCookieSpace(m.cookie, SPACE));
    }
    t.applyAll(d2.adds); t.applyAll(d2.deletes);
    assert.deepStrictEqual(diff(testFlows(k, 'exempt'), dumpOf(t), opts), { adds: [], deletes: [] });
  });

  it('never deletes a flow outside the cookie space, even one with the same match', () => {
    const t = new FakeFlowTable();
    const k = { dpid: D, port: 3 };
    const foreign = testFlows(k, 'block').map((f) => ({ ...f, cookie: 0x1234n }));
    t.applyAll(foreign.map((f) => ({ command: OFPFC_ADD, ...f, priority: f.priority + 1 })));
    t.applyAll(diff(testFlows(k, 'block'), [], opts).adds);
    // hand the diff every flow (as a switch ignoring cookie_mask would): only ours may go
    const d = diff([], t.entries(), opts);
    assert.strictEqual(d.deletes.length, testFlows(k, 'block').length);
    t.applyAll(d.deletes);
    assert.strictEqual(t.entries({ cookie: 0x1234n, cookie_mask: ALL_ONES_64 }).length, foreign.length);
    assert.strictEqual(dumpOf(t).length, 0);
    assert.throws(() => diff([{ ...foreign[0]!, cookie: 0x1234n }], [], opts), /outside the OP25B cookie space/);
  });

  it('removes duplicates on both sides', () => {
    const f = testFlows({ dpid: D, port: 3 }, 'block');
    const d = diff([...f, ...f], [], opts);
    assert.strictEqual(d.adds.length, f.length);
    const t = new FakeFlowTable();
    t.applyAll(d.adds);
    const dump = dumpOf(t);
    assert.deepStrictEqual(diff(f, [...dump, ...dump], opts), { adds: [], deletes: [] });
    assert.strictEqual(cookieOf('block', 3) >> 48n, 0x0b25n);
  });
});
