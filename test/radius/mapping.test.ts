import assert from 'assert';
import { compileMapping, parseDpid, profileFrom, templateToRegex, type MappingInput, type PortLookup } from '../../src/radius/mapping';

const lookup: PortLookup = (dpid, name) => (dpid === 1n ? ({ 's1-eth3': 3, 's1-eth4': 4 } as Record<string, number>)[name] : undefined);

describe('radius port mapping', () => {
  it('explicit table by NAS + NAS-Port-Id and by NAS + NAS-Port, with port names', () => {
    const m = compileMapping({
      switches: { s1: '0000000000000001' },
      rules: [{ kind: 'table', entries: [
        { nas: 'bng-1', nasPortId: 'ge-0/0/1.100', switch: 's1', port: 's1-eth3' },
        { nas: '192.0.2.1', nasPort: 17, dpid: '2', port: 5, vlan: 101 },
      ] }],
    });
    assert.deepStrictEqual(m({ nas: 'bng-1', nasIdentifier: 'bng-1', nasPortId: 'ge-0/0/1.100' }, lookup), { dpid: 1n, port: 3 });
    // NAS filter matches NAS-IP-Address even when the event's nas is the NAS-Identifier.
    assert.deepStrictEqual(m({ nas: 'bng-2', nasIdentifier: 'bng-2', nasIpAddress: '192.0.2.1', nasPort: 17 }, lookup), { dpid: 2n, port: 5, vlan: 101 });
    assert.deepStrictEqual(m({ nas: 'bng-9', nasPortId: 'ge-0/0/1.100' }, lookup), { error: 'no mapping rule matched' });
    assert.deepStrictEqual(m({ nas: 'bng-1', nasPortId: 'ge-0/0/1.100' }), { error: 'port name "s1-eth3" not found on switch 0000000000000001' });
  });

  it('template on NAS-Port-Id with {port} and {vlan}', () => {
    const m = compileMapping({ rules: [{ kind: 'pattern', attribute: 'NAS-Port-Id', template: 'olt1 eth 1/1/{port}:{vlan}', dpid: '0x1' }] });
    assert.deepStrictEqual(m({ nas: 'n', nasPortId: 'olt1 eth 1/1/3:101' }), { dpid: 1n, port: 3, vlan: 101 });
    assert.deepStrictEqual(m({ nas: 'n', nasPortId: 'olt1 eth 1/1/s1-eth4:7' }, lookup), { dpid: 1n, port: 4, vlan: 7 });
    assert.deepStrictEqual(m({ nas: 'n', nasPortId: 'olt2 eth 1/1/3:101' }), { error: 'no mapping rule matched' });
    assert.deepStrictEqual(m({ nas: 'n', nasPortId: 'olt1 eth 1/1/3:5000' }), { error: 'VLAN 5000 outside 1-4094' });
  });

  it('template on Agent-Circuit-Id with {switch} resolved to a dpid', () => {
    const m = compileMapping({ switches: { 'olt-a': '00:00:00:00:00:00:00:0a' }, rules: [{ kind: 'pattern', attribute: 'Agent-Circuit-Id', template: '{switch} xpon {port}' }] });
    assert.deepStrictEqual(m({ nas: 'n', agentCircuitId: 'olt-a xpon 12' }), { dpid: 10n, port: 12 });
    assert.match((m({ nas: 'n', agentCircuitId: 'olt-b xpon 12' }) as { error: string }).error, /unknown switch "olt-b"/);
    // NAS-Port-Id is not looked at by an Agent-Circuit-Id rule.
    assert.deepStrictEqual(m({ nas: 'n', nasPortId: 'olt-a xpon 12' }), { error: 'no mapping rule matched' });
  });

  it('raw regular expression with (?<dpid>) (?<port>) (?<vlan>)', () => {
    const m = compileMapping({ rules: [{ kind: 'pattern', attribute: 'NAS-Port-Id', regex: '^dp(?<dpid>[0-9a-f]+)/p(?<port>\\d+)(?:\\.(?<vlan>\\d+))?$' }] });
    assert.deepStrictEqual(m({ nas: 'n', nasPortId: 'dpff/p2.300' }), { dpid: 255n, port: 2, vlan: 300 });
    assert.deepStrictEqual(m({ nas: 'n', nasPortId: 'dp1/p9' }), { dpid: 1n, port: 9 });
  });

  it('NAS-Port as the OpenFlow port number, per NAS; rules tried in order', () => {
    const m = compileMapping({ rules: [
      { kind: 'pattern', attribute: 'NAS-Port-Id', template: 'x{port}', dpid: '5' },
      { kind: 'nas-port', nas: 'lab-nas', dpid: '1' },
    ] });
    assert.deepStrictEqual(m({ nas: 'lab-nas', nasPort: 3 }), { dpid: 1n, port: 3 });
    assert.deepStrictEqual(m({ nas: 'lab-nas', nasPort: 3, nasPortId: 'x7' }), { dpid: 5n, port: 7 });
    assert.deepStrictEqual(m({ nas: 'other', nasPort: 3 }), { error: 'no mapping rule matched' });
    assert.deepStrictEqual(m({ nas: 'lab-nas', nasPort: 0 }), { error: 'port 0 is not a physical OpenFlow port number' });
  });

  it('a matching rule that cannot resolve is an error, not a fall-through', () => {
    const m = compileMapping({ rules: [
      { kind: 'pattern', attribute: 'NAS-Port-Id', template: '{port}', dpid: '1' },
      { kind: 'nas-port', dpid: '1' },
    ] });
    const r = m({ nas: 'n', nasPortId: 'eth-unknown', nasPort: 3 } satisfies MappingInput, lookup);
    assert.ok('error' in r && /eth-unknown/.test(r.error));
  });

  it('refuses bad configs at compile time', () => {
    assert.throws(() => compileMapping({ rules: [{ kind: 'pattern', attribute: 'NAS-Port-Id', template: '{portx}', dpid: '1' }] }), /unknown placeholder/);
    assert.throws(() => compileMapping({ rules: [{ kind: 'pattern', attribute: 'NAS-Port-Id', regex: '(?<vlan>\\d+)', dpid: '1' }] }), /port group/);
    assert.throws(() => compileMapping({ rules: [{ kind: 'pattern', attribute: 'NAS-Port-Id', template: '{port}' }] }), /dpid or switch/);
    assert.throws(() => compileMapping({ rules: [{ kind: 'pattern', attribute: 'NAS-Port-Id', regex: '(', dpid: '1' }] }), /mapping rule 1/);
    assert.throws(() => compileMapping({ rules: [{ kind: 'nas-port', switch: 'nope' }] }), /unknown switch/);
    assert.throws(() => compileMapping({ rules: [{ kind: 'table', entries: [{ dpid: '1', port: 1 }] }] }), /nasPortId or nasPort/);
  });

  it('templates escape literal regex characters', () => {
    assert.ok(templateToRegex('a.b/{port}').test('a.b/1'));
    assert.ok(!templateToRegex('a.b/{port}').test('axb/1'));
  });

  it('parses dpids as hex with optional 0x and colons', () => {
    assert.strictEqual(parseDpid('10'), 16n);
    assert.strictEqual(parseDpid('0x10'), 16n);
    assert.strictEqual(parseDpid('00:00:00:00:00:00:01:00'), 256n);
    assert.strictEqual(parseDpid(7), 7n);
    assert.throws(() => parseDpid('xyz'));
  });
});

describe('radius profile', () => {
  it('op25b-exempt -> exempt; absent -> default; other values -> default and reported', () => {
    assert.deepStrictEqual(profileFrom(['op25b-exempt', undefined]), { profile: 'exempt' });
    assert.deepStrictEqual(profileFrom([undefined, 'op25b-exempt']), { profile: 'exempt' });
    assert.deepStrictEqual(profileFrom([undefined, undefined]), { profile: 'default' });
    assert.deepStrictEqual(profileFrom(['gold-plan']), { profile: 'default', unknown: 'gold-plan' });
    assert.deepStrictEqual(profileFrom(['op25b-default', 'op25b-exempt']), { profile: 'default' });
    // An operator's own exempt plan names (config radius.exempt_values) replace the default list.
    assert.deepStrictEqual(profileFrom(['business-static'], ['business-static', 'op25b-exempt']), { profile: 'exempt' });
    assert.deepStrictEqual(profileFrom(['op25b-exempt'], ['business-static']), { profile: 'default', unknown: 'op25b-exempt' });
  });
});
