import { strict as assert } from 'assert';
import { parseConfig, type Config } from '../../src/app/config';
import { decodeCookie, isOp25bCookie } from '../../src/policy/cookie';
import {
  Op25bPolicy, compilePolicy, decidePort, desiredFlowsForSwitch, desiredPortFlows, desiredSwitchFlows, keyOfCookie,
  subscriberPorts, type PolicyConfig,
} from '../../src/policy/policy';
import { portKeyString, type DesiredFlow, type Override, type PortKey, type PortState, type Session } from '../../src/policy/types';
import { FakeFlowTable, OFPFC_ADD, OFPFF_CHECK_OVERLAP, syn, udp, type Packet } from '../support/flowtable';

const BASE = `
switches:
  - { dpid: 1, name: a1, uplinks: "1", subscriber_ports: "2-48", vlan_attachment: { ports: "40-48" } }
  - { dpid: 2, name: a2, uplinks: [1, 2] }
  - { dpid: 0x100, name: agg, subscriber_ports: [] }
mtas: [198.51.100.25, "2001:db8:100::25"]
`;
const NOW = 1_800_000_000_000;
const REMOTE4 = '203.0.113.25';
const REMOTE6 = '2001:db8:203::25';
const MTA4 = '198.51.100.25';
const MTA6 = '2001:db8:100::25';

function cfgOf(extra = ''): Config {
  return parseConfig(BASE + extra, 'test.yaml');
}

function session(key: PortKey, over: Partial<Session> = {}): Session {
  return { nas: 'a1', sessionId: 's1', key, framedIp: '100.64.0.10', profile: 'default', startedAt: NOW - 1000, updatedAt: NOW - 1000, ...over };
}

function override(kind: Override['kind'], over: Partial<Override> = {}): Override {
  return { kind, actor: 'noc', reason: 'test', createdAt: NOW - 1000, ...over };
}

/** A switch's table loaded with the policy's flows; OFPFF_CHECK_OVERLAP proves no two flows tie at one priority. */
function load(flows: DesiredFlow[]): FakeFlowTable {
  const t = new FakeFlowTable();
  for (const f of flows) {
    t.apply({ command: OFPFC_ADD, table_id: f.table_id, priority: f.priority, cookie: f.cookie, match: f.match, instructions: f.instructions, flags: OFPFF_CHECK_OVERLAP });
  }
  return t;
}

/** Table of switch `dpid` with live ports 1..48 and the given states. */
function switchTable(pc: PolicyConfig, dpid: bigint, states: PortState[] = [], live = range(1, 48)): FakeFlowTable {
  const m = new Map(states.map((s) => [portKeyString(s.key), s]));
  return load(desiredFlowsForSwitch(pc, dpid, live, m, NOW));
}

function range(a: number, b: number): number[] {
  return Array.from({ length: b - a + 1 }, (_, i) => a + i);
}

function v(t: FakeFlowTable, pkt: Packet): string {
  return t.lookup(0, pkt).verdict;
}

const k3: PortKey = { dpid: 1n, port: 3 };

describe('policy: forwarding answers of the desired flows', () => {
  const pc = compilePolicy(cfgOf());

  it('blocks TCP SYN from a subscriber port to a remote port 25 over IPv4 and IPv6 (no session: default block)', () => {
    const t = switchTable(pc, 1n);
    assert.equal(v(t, syn(3, REMOTE4, 25)), 'drop');
    assert.equal(v(t, syn(3, REMOTE6, 25)), 'drop');
    assert.equal(t.lookup(0, syn(3, REMOTE4, 25)).entry?.priority, 20000, 'the per-port block, not the safety net');
  });

  it('lets the ISP MTAs through on port 25 (IPv4 and IPv6)', () => {
    const t = switchTable(pc, 1n, [{ key: k3, session: session(k3) }]);
    assert.equal(v(t, syn(3, MTA4, 25)), 'continue');
    assert.equal(v(t, syn(3, MTA6, 25)), 'continue');
    assert.equal(t.lookup(0, syn(3, MTA4, 25)).entry?.priority, 30000);
  });

  it('never blocks submission: 587 and 465 continue, and the default blocked_ports is exactly [25]', () => {
    assert.deepEqual(cfgOf().blocked_ports, [25]);
    const t = switchTable(pc, 1n, [{ key: k3, session: session(k3) }]);
    for (const dst of [REMOTE4, REMOTE6]) {
      assert.equal(v(t, syn(3, dst, 587)), 'continue');
      assert.equal(v(t, syn(3, dst, 465)), 'continue');
      assert.equal(v(t, syn(3, dst, 80)), 'continue');
      assert.equal(v(t, udp(3, dst, 25)), 'continue', 'UDP to 25 is not SMTP');
    }
  });

  it('blocks 587 too when the operator lists it', () => {
    const t = switchTable(compilePolicy(cfgOf('blocked_ports: [25, 587]')), 1n);
    assert.equal(v(t, syn(3, REMOTE4, 587)), 'drop');
    assert.equal(v(t, syn(3, MTA4, 587)), 'continue');
    assert.equal(v(t, syn(3, REMOTE4, 465)), 'continue');
  });

  it('exempt subscriber (RADIUS profile or NOC override): the allow replaces the drop', () => {
    for (const st of [
      { key: k3, session: session(k3, { profile: 'exempt' }) },
      { key: k3, session: session(k3), override: override('exempt') },
      { key: k3, override: override('exempt') },
    ] as PortState[]) {
      const t = switchTable(pc, 1n, [st]);
      assert.equal(v(t, syn(3, REMOTE4, 25)), 'continue');
      assert.equal(v(t, syn(3, REMOTE6, 25)), 'continue');
      assert.equal(t.lookup(0, syn(3, REMOTE4, 25)).entry?.cookie, desiredPortFlows(pc, st, NOW).find((f) => f.rule === 'exempt-allow')?.cookie);
      assert.equal(v(t, syn(4, REMOTE4, 25)), 'drop', 'the neighbour port stays blocked');
      const flows = desiredPortFlows(pc, st, NOW);
      assert.ok(!flows.some((f) => f.rule === 'block'));
    }
  });

  it('quarantine-all drops everything from the port, even port 80 and UDP', () => {
    const t = switchTable(pc, 1n, [{ key: k3, session: session(k3, { profile: 'exempt' }), override: override('quarantine-all') }]);
    for (const p of [syn(3, REMOTE4, 80), syn(3, REMOTE6, 443), udp(3, REMOTE4, 53), syn(3, MTA4, 25)]) assert.equal(v(t, p), 'drop');
    assert.equal(t.lookup(0, syn(3, REMOTE4, 80)).entry?.priority, 40000);
    assert.equal(v(t, syn(4, REMOTE4, 80)), 'continue');
  });

  it('quarantine-smtp drops mail toward the MTAs too, but not the web', () => {
    const t = switchTable(pc, 1n, [{ key: k3, session: session(k3), override: override('quarantine-smtp') }]);
    assert.equal(v(t, syn(3, MTA4, 25)), 'drop');
    assert.equal(v(t, syn(3, MTA6, 25)), 'drop');
    assert.equal(v(t, syn(3, REMOTE4, 25)), 'drop');
    assert.equal(v(t, syn(3, REMOTE4, 80)), 'continue');
    assert.equal(v(t, syn(3, REMOTE4, 587)), 'continue');
    assert.equal(v(t, syn(4, MTA4, 25)), 'continue');
  });

  it('ignores an expired override (expiresAt <= now)', () => {
    const expired = { key: k3, session: session(k3), override: override('quarantine-all', { expiresAt: NOW }) };
    const live = { key: k3, session: session(k3), override: override('quarantine-all', { expiresAt: NOW + 1 }) };
    assert.equal(v(switchTable(pc, 1n, [expired]), syn(3, REMOTE4, 80)), 'continue');
    assert.equal(v(switchTable(pc, 1n, [live]), syn(3, REMOTE4, 80)), 'drop');
    const exemptExpired = { key: k3, override: override('exempt', { expiresAt: NOW - 5 }) };
    assert.equal(v(switchTable(pc, 1n, [exemptExpired]), syn(3, REMOTE4, 25)), 'drop');
  });

  it('a port with no session: blocked by default, allowed with default_policy allow (a session is then blocked)', () => {
    const allow = compilePolicy(cfgOf('default_policy: allow'));
    const t = switchTable(allow, 1n);
    assert.equal(v(t, syn(3, REMOTE4, 25)), 'continue');
    assert.equal(v(t, syn(3, REMOTE6, 25)), 'continue');
    assert.deepEqual(desiredPortFlows(allow, { key: k3 }, NOW), []);
    const t2 = switchTable(allow, 1n, [{ key: k3, session: session(k3) }]);
    assert.equal(v(t2, syn(3, REMOTE4, 25)), 'drop');
    assert.equal(v(t2, syn(3, MTA4, 25)), 'continue');
    assert.equal(v(t2, syn(4, REMOTE4, 25)), 'continue');
    // Five flows per attach with one IPv4 and one IPv6 MTA: 2 MTA + 2 drops.
    assert.equal(desiredPortFlows(allow, { key: k3, session: session(k3) }, NOW).length, 4);
  });

  it('a per-switch default_policy overrides the global one', () => {
    const c = compilePolicy(parseConfig('switches: [{ dpid: 1, uplinks: "1", default_policy: allow }, { dpid: 2, uplinks: "1" }]', 'x.yaml'));
    assert.equal(v(switchTable(c, 1n), syn(3, REMOTE4, 25)), 'continue');
    assert.equal(v(switchTable(c, 2n), syn(3, REMOTE4, 25)), 'drop');
  });

  it('a re-dial with a new address on the same port is still blocked: the block follows the port', () => {
    const first = { key: k3, session: session(k3, { sessionId: 's1', framedIp: '100.64.0.10' }) };
    const redial = { key: k3, session: session(k3, { sessionId: 's2', framedIp: '100.64.7.77', framedIpv6Prefix: '2001:db8:ffff:1::/64', startedAt: NOW }) };
    assert.deepEqual(desiredPortFlows(pc, redial, NOW), desiredPortFlows(pc, first, NOW));
    const t = switchTable(pc, 1n, [redial]);
    assert.equal(v(t, syn(3, REMOTE4, 25, { src: '100.64.7.77' })), 'drop');
    assert.equal(v(t, syn(3, REMOTE6, 25, { src: '2001:db8:ffff:1::1' })), 'drop');
  });

  it('uplink traffic to port 25 continues; a subscriber port not covered yet falls under the safety net', () => {
    const t = load(desiredSwitchFlows(pc, 1n, range(1, 48)));
    assert.equal(v(t, syn(1, REMOTE4, 25)), 'continue');
    assert.equal(v(t, syn(1, REMOTE6, 25)), 'continue');
    assert.equal(t.lookup(0, syn(1, REMOTE4, 25)).entry?.priority, 1001);
    assert.equal(v(t, syn(7, REMOTE4, 25)), 'drop', 'safety net');
    assert.equal(t.lookup(0, syn(7, REMOTE4, 25)).entry?.priority, 1000);
    assert.equal(v(t, syn(7, REMOTE4, 80)), 'continue', 'table-miss');
    // Uplinks get no per-port flows whatever the state says.
    assert.deepEqual(desiredPortFlows(pc, { key: { dpid: 1n, port: 1 }, session: session({ dpid: 1n, port: 1 }), override: override('quarantine-all') }, NOW), []);
    assert.equal(decidePort(pc, { key: { dpid: 1n, port: 1 } }, NOW).reason, 'uplink');
    // Switch a2 has two uplinks and every other port is a subscriber port.
    const t2 = switchTable(pc, 2n, [], range(1, 10));
    assert.equal(v(t2, syn(2, REMOTE4, 25)), 'continue');
    assert.equal(v(t2, syn(3, REMOTE4, 25)), 'drop');
  });

  it('an aggregation switch without subscriber ports gets only the table-miss; an unknown switch nothing', () => {
    const flows = desiredFlowsForSwitch(pc, 0x100n, range(1, 4), new Map(), NOW);
    assert.deepEqual(flows.map((f) => f.rule), ['table-miss']);
    assert.equal(v(load(flows), syn(2, REMOTE4, 25)), 'continue');
    assert.deepEqual(desiredFlowsForSwitch(pc, 0x999n, range(1, 4), new Map(), NOW), []);
    assert.deepEqual(desiredPortFlows(pc, { key: { dpid: 0x999n, port: 3 }, session: session({ dpid: 0x999n, port: 3 }) }, NOW), []);
    assert.deepEqual(subscriberPorts(pc, 1n, [1, 2, 49, 0xfffffffe, 3]), [2, 3]);
  });

  it('a VLAN attachment point blocks or allows only its own C-VLAN', () => {
    const k101: PortKey = { dpid: 1n, port: 40, vlan: 101 };
    const k102: PortKey = { dpid: 1n, port: 40, vlan: 102 };
    const exempt = { key: k101, session: session(k101, { profile: 'exempt' }) };
    const t = switchTable(pc, 1n, [exempt, { key: k102, session: session(k102) }]);
    assert.equal(v(t, syn(40, REMOTE4, 25, { vlan: 101 })), 'continue');
    assert.equal(v(t, syn(40, REMOTE6, 25, { vlan: 101 })), 'continue');
    assert.equal(v(t, syn(40, REMOTE4, 25, { vlan: 102 })), 'drop');
    assert.equal(v(t, syn(40, REMOTE4, 25, { vlan: 103 })), 'drop', 'port default covers other VLANs');
    assert.equal(v(t, syn(40, REMOTE4, 25)), 'drop', 'untagged');
    assert.equal(v(t, syn(40, MTA4, 25, { vlan: 102 })), 'continue');
    assert.equal(t.lookup(0, syn(40, REMOTE4, 25, { vlan: 101 })).entry?.priority, 20100);
    // Quarantine of one C-VLAN leaves its neighbours alone.
    const q = switchTable(pc, 1n, [{ key: k101, override: override('quarantine-all') }]);
    assert.equal(v(q, syn(40, REMOTE4, 80, { vlan: 101 })), 'drop');
    assert.equal(v(q, syn(40, REMOTE4, 80, { vlan: 102 })), 'continue');
    assert.equal(v(q, syn(40, REMOTE4, 80)), 'continue');
    // A VLAN key with no state of its own adds nothing.
    assert.deepEqual(desiredPortFlows(pc, { key: k102 }, NOW), []);
    // With default allow, a VLAN session is blocked on its VLAN only.
    const allow = compilePolicy(cfgOf('default_policy: allow'));
    const a = switchTable(allow, 1n, [{ key: k102, session: session(k102) }]);
    assert.equal(v(a, syn(40, REMOTE4, 25, { vlan: 102 })), 'drop');
    assert.equal(v(a, syn(40, REMOTE4, 25, { vlan: 101 })), 'continue');
  });

  it('destination-scoped mode blocks only toward the listed prefixes (globally, or per switch)', () => {
    const c = compilePolicy(parseConfig(`
switches:
  - { dpid: 1, uplinks: "1" }
  - { dpid: 2, uplinks: "1", destination_scope: { prefixes: [192.0.2.0/24] } }
mtas: [198.51.100.25, 203.0.113.25, "2001:db8:100::25"]
destination_scope: { prefixes: [203.0.113.0/24, "2001:db8:203::/48"] }
`, 'scoped.yaml'));
    const t = switchTable(c, 1n, [{ key: k3, session: session(k3) }], range(1, 8));
    assert.equal(v(t, syn(3, '203.0.113.99', 25)), 'drop');
    assert.equal(v(t, syn(3, '2001:db8:203:1::9', 25)), 'drop');
    assert.equal(v(t, syn(3, '192.0.2.99', 25)), 'continue');
    assert.equal(v(t, syn(3, '2001:db8:999::9', 25)), 'continue');
    assert.equal(v(t, syn(3, '203.0.113.25', 25)), 'continue', 'MTA inside the scope stays reachable');
    assert.equal(v(t, syn(5, '203.0.113.99', 25)), 'drop', 'a port with no session, default block');
    assert.equal(v(t, syn(1, '203.0.113.99', 25)), 'continue', 'uplink');
    // MTA flows only where a scope could block them.
    const mtaFlows = desiredPortFlows(c, { key: k3, session: session(k3) }, NOW).filter((f) => f.rule === 'mta-allow');
    assert.equal(mtaFlows.length, 1);
    const t2 = switchTable(c, 2n, [], range(1, 8));
    assert.equal(v(t2, syn(3, '192.0.2.99', 25)), 'drop');
    assert.equal(v(t2, syn(3, '203.0.113.99', 25)), 'continue');
    assert.equal(v(t2, syn(3, REMOTE6, 25)), 'continue', 'switch scope has no IPv6 prefix');
  });

  it('continue is goto_table N when configured', () => {
    const c = compilePolicy(cfgOf('table_id: 0\ncontinue: { goto_table: 3 }'));
    const t = switchTable(c, 1n, [{ key: k3, session: session(k3) }]);
    const r = t.lookup(0, syn(3, MTA4, 25));
    assert.equal(r.verdict, 'continue');
    assert.equal(r.goto_table, 3);
    assert.equal(t.lookup(0, syn(3, REMOTE4, 80)).goto_table, 3);
  });

  it('uses the table id and priority overrides of the config', () => {
    const c = compilePolicy(cfgOf('table_id: 2\ncontinue: { goto_table: 5 }\npriorities: { block: 21000, exempt-allow: 21000 }'));
    const flows = desiredPortFlows(c, { key: k3 }, NOW);
    assert.ok(flows.every((f) => f.table_id === 2));
    assert.deepEqual([...new Set(flows.map((f) => f.priority))].sort(), [21000, 30000]);
    assert.equal(load(flows).lookup(2, syn(3, REMOTE4, 25)).verdict, 'drop');
  });

  it('flows are unique by (table, priority, match), cookies decode to their rule and attachment point', () => {
    const k101: PortKey = { dpid: 1n, port: 41, vlan: 101 };
    const states: PortState[] = [
      { key: k3, session: session(k3), override: override('quarantine-smtp') },
      { key: { dpid: 1n, port: 4 }, session: session({ dpid: 1n, port: 4 }, { profile: 'exempt' }) },
      { key: { dpid: 1n, port: 5 }, override: override('quarantine-all') },
      { key: k101, session: session(k101) },
    ];
    const flows = desiredFlowsForSwitch(pc, 1n, range(1, 48), new Map(states.map((s) => [portKeyString(s.key), s])), NOW);
    const ids = flows.map((f) => `${f.table_id}|${f.priority}|${JSON.stringify(f.match)}`);
    assert.equal(new Set(ids).size, ids.length, 'no duplicate flow identities');
    load(flows); // OFPFF_CHECK_OVERLAP: no two flows tie at one priority
    for (const f of flows) {
      assert.ok(isOp25bCookie(f.cookie));
      const d = decodeCookie(f.cookie);
      assert.equal(d?.kind, f.rule);
      if (f.key) {
        assert.equal(d?.port, f.key.port);
        assert.equal(d?.vlan, f.key.vlan);
        assert.equal(keyOfCookie(1n, f.cookie), portKeyString(f.key));
      } else {
        assert.equal(keyOfCookie(1n, f.cookie), '*');
      }
      const inPort = f.match.find((m) => m.field === 'in_port');
      if (f.rule !== 'uplink' && inPort && inPort.field !== 'opaque') assert.equal(inPort.value, f.key?.port);
    }
    const kinds = new Set(flows.map((f) => f.rule));
    for (const k of ['quarantine', 'mta-allow', 'block', 'exempt-allow', 'safety-net', 'uplink', 'table-miss']) assert.ok(kinds.has(k as DesiredFlow['rule']), k);
  });

  it('is pure: the same inputs give equal flows and the inputs are not changed', () => {
    const st: PortState = { key: k3, session: session(k3), override: override('quarantine-smtp') };
    const copy = JSON.stringify(st, (_k, x: unknown) => (typeof x === 'bigint' ? x.toString() : x));
    const a = desiredPortFlows(pc, st, NOW);
    const b = desiredPortFlows(pc, st, NOW);
    assert.deepEqual(a, b);
    assert.equal(JSON.stringify(st, (_k, x: unknown) => (typeof x === 'bigint' ? x.toString() : x)), copy);
  });

  it('Op25bPolicy exposes the same rules with the controller\'s method names', () => {
    const p = new Op25bPolicy(cfgOf());
    assert.equal(p.switchName(1n), 'a1');
    assert.equal(p.switchName(9n), undefined);
    assert.deepEqual(p.subscriberPorts(2n, new Set([1, 2, 3, 4])), [3, 4]);
    assert.equal(p.configuredSubscriberPorts(1n), 47);
    assert.equal(p.configuredSubscriberPorts(2n), -1);
    assert.ok(p.isUplink(2n, 2) && !p.isUplink(2n, 3));
    assert.equal(p.defaultPolicy(1n), 'block');
    assert.deepEqual(p.portFlows({ key: k3 }, NOW), desiredPortFlows(pc, { key: k3 }, NOW));
    assert.deepEqual(p.switchFlows(1n, new Set([1, 2]), NOW), desiredSwitchFlows(pc, 1n, [1, 2]));
    assert.equal(p.space.cookie, 0x0b25n << 48n);
  });
});

describe('policy: prefix lists', () => {
  it('repeated or nested MTA and scope prefixes give no duplicate or overlapping flows', () => {
    const c = compilePolicy(parseConfig(`
switches: [{ dpid: 1, uplinks: "1" }]
mtas: [198.51.100.25, 198.51.100.25/32, 198.51.100.0/24, "2001:db8:100::25"]
destination_scope: { prefixes: [203.0.113.0/24, 203.0.113.128/25, 0.0.0.0/0, "2001:db8::/32", "2001:db8:203::/48"] }
`, 'dup.yaml'));
    const k: PortKey = { dpid: 1n, port: 3 };
    const flows = desiredPortFlows(c, { key: k, session: session(k) }, NOW);
    const t = load(flows); // would throw OFPFMFC_OVERLAP on a tie
    assert.equal(flows.filter((f) => f.rule === 'mta-allow').length, 2, 'one IPv4 (the /24) and one IPv6 MTA');
    assert.equal(flows.filter((f) => f.rule === 'block').length, 2, '0.0.0.0/0 (no dst field) and 2001:db8::/32');
    assert.equal(v(t, syn(3, '192.0.2.1', 25)), 'drop');
    assert.equal(v(t, syn(3, '198.51.100.77', 25)), 'continue');
    assert.equal(v(t, syn(3, '2001:db9::1', 25)), 'miss', 'outside the IPv6 scope: no OP25B rule (and no table-miss in this table)');
  });
});
