import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import {
  ConfigError, defaultFlowsFile, isSubscriberPort, isUplink, loadConfig, parseConfig, parseFlowTemplates, summarizeConfig,
} from '../../src/app/config';
import { checkConfigFile } from '../../src/cli/check-config';
import { DEFAULT_PRIORITIES } from '../../src/policy/templates';

const EXAMPLE = path.join(__dirname, '../../flows/example-config.yaml');

function errorsOf(text: string): string[] {
  try {
    parseConfig(text, 'test.yaml');
  } catch (e) {
    assert.ok(e instanceof ConfigError, String(e));
    assert.equal(e.code, 'CONFIG_ERR_INVALID');
    return e.issues.map((i) => i.message);
  }
  assert.fail('expected a ConfigError');
}

describe('app/config', () => {
  it('fills defaults: blocked_ports is exactly [25] (587 and 465 never blocked by default)', () => {
    const c = parseConfig('switches: []', 'min.yaml');
    assert.deepEqual(c.blocked_ports, [25]);
    assert.ok(!c.blocked_ports.includes(587) && !c.blocked_ports.includes(465));
    assert.equal(c.openflow.port, 6653);
    assert.equal(c.openflow.host, '0.0.0.0');
    assert.equal(c.table_id, 0);
    assert.deepEqual(c.continue, { output: 'NORMAL' });
    assert.equal(c.default_policy, 'block');
    assert.equal(c.quarantine.default_mode, 'smtp');
    assert.equal(c.destination_scope, undefined);
    assert.deepEqual(c.radius.accounting, { host: '0.0.0.0', port: 1813 });
    assert.equal(c.radius.coa.port, 3799);
    assert.equal(c.radius.profile_attribute, 'Filter-Id');
    assert.equal(c.radius.duplicate_window_s, 30);
    assert.deepEqual(c.store, { kind: 'embedded', path: './data' });
    assert.equal(c.api.host, '127.0.0.1');
    assert.equal(c.api.port, 8080);
    assert.equal(c.api.allow_tokenless_ofctl_writes_from_loopback, false);
    assert.equal(c.audit_interval_s, 30);
    assert.deepEqual(c.log, { format: 'json', level: 'info' });
    assert.deepEqual(c.flows.priorities, DEFAULT_PRIORITIES);
  });

  it('587 and 465 are blocked only when the operator lists them', () => {
    const c = parseConfig('switches: []\nblocked_ports: [25, 587, 465]', 'x.yaml');
    assert.deepEqual(c.blocked_ports, [25, 587, 465]);
  });

  it('reads dpids as integers or hex strings, exact to 64 bits, in YAML and JSON', () => {
    const c = parseConfig(`
switches:
  - { dpid: 1 }
  - { dpid: "0x100", name: agg }
  - { dpid: "00000000000000a1" }
  - { dpid: "00:00:00:00:00:00:00:a2" }
  - { dpid: 18446744073709551615 }
  - { dpid: 0x10 }
`, 'd.yaml');
    assert.deepEqual(c.switches.map((s) => s.dpid), [1n, 0x100n, 0xa1n, 0xa2n, 0xffffffffffffffffn, 16n]);
    assert.equal(c.switches[0]?.name, '0000000000000001', 'name defaults to the dpid');
    const j = parseConfig('{"switches": [{"dpid": 18446744073709551614, "name": "big"}]}', 'd.json');
    assert.equal(j.switches[0]?.dpid, 0xfffffffffffffffen);
  });

  it('port ranges: "N", "N-M", lists; omitted = every port but the uplinks; [] = none', () => {
    const c = parseConfig(`
switches:
  - { dpid: 1, uplinks: "1", subscriber_ports: "2-48" }
  - { dpid: 2, uplinks: [1, "49-50"] }
  - { dpid: 3, subscriber_ports: [] , uplinks: "1-8"}
  - { dpid: 4, subscriber_ports: ["2-4", 6, "8-9,11"] }
`, 'p.yaml');
    const [a, b, agg, d] = c.switches;
    assert.ok(a && b && agg && d);
    assert.ok(isSubscriberPort(a, 2) && isSubscriberPort(a, 48) && !isSubscriberPort(a, 49) && !isSubscriberPort(a, 1));
    assert.ok(isUplink(a, 1) && !isUplink(a, 2));
    assert.equal(b.subscriber_ports, 'all');
    assert.ok(isSubscriberPort(b, 2) && isSubscriberPort(b, 1000) && !isSubscriberPort(b, 1) && !isSubscriberPort(b, 50));
    assert.ok(!isSubscriberPort(b, 0xfffffffe), 'OFPP_LOCAL is never a subscriber port');
    assert.ok(!isSubscriberPort(agg, 5), 'aggregation switch has no subscriber ports');
    assert.deepEqual(d.subscriber_ports, [[2, 4], [6, 6], [8, 9], [11, 11]]);
  });

  it('names the key path, the value and what was expected', () => {
    const msgs = errorsOf(`
openflow: { port: 70000, prot: 1 }
switches:
  - { dpid: 1, uplinks: "1-x" }
  - { dpid: "0xzz" }
mtas: [198.51.100.25, 1.2.3.4/33]
default_policy: deny
continue: { goto: 1 }
store: { kind: redis }
`);
    const expect = [
      'switches[0].uplinks: "1-x" is not a port range (expected "N", "N-M" or a list of them)',
      'openflow.port: 70000 is out of range (expected an integer from 0 to 65535)',
      'openflow.prot: 1 is not a known key',
      'switches[1].dpid: "0xzz" is not a datapath id',
      'mtas[1]: "1.2.3.4/33" is not an IP address or prefix',
      'default_policy: "deny" is not allowed (expected one of "block", "allow")',
      'continue: {"goto":1} is not valid (expected { goto_table: N } or { output: NORMAL })',
      'store.kind: "redis" is not a known kind',
    ];
    for (const e of expect) assert.ok(msgs.some((m) => m.startsWith(e)), `missing ${e} in\n${msgs.join('\n')}`);
    assert.equal(msgs.length, expect.length, msgs.join('\n'));
  });

  it('store.inline_when_idle: an integer from 0, passed through; anything else names the key', () => {
    const base = 'switches: [{ dpid: 1 }]\nmtas: []\n';
    const cfg = parseConfig(`${base}store: { kind: embedded, path: /tmp/x, inline_when_idle: 0 }\n`, 'x.yaml');
    assert.deepEqual(cfg.store, { kind: 'embedded', path: '/tmp/x', inline_when_idle: 0 });
    assert.deepEqual(errorsOf(`${base}store: { kind: embedded, inline_when_idle: -1 }\n`),
      ['store.inline_when_idle: -1 is out of range (expected an integer from 0 to 10000)']);
  });

  it('reports a missing key and a non-map document', () => {
    assert.deepEqual(errorsOf('openflow: {}'), ['switches: missing (expected a list)']);
    assert.match(errorsOf('[1, 2]')[0] ?? '', /is not a map/);
    assert.match(errorsOf('switches: [1, 2')[0] ?? '', /expected valid YAML or JSON/);
  });

  it('checks relations: uplink vs subscriber, duplicate dpids, goto direction, priority order, mapping', () => {
    const msgs = errorsOf(`
switches:
  - { dpid: 1, uplinks: "1-2", subscriber_ports: "2-48", name: a1 }
  - { dpid: "0x1", name: a2 }
table_id: 2
continue: { goto_table: 1 }
priorities: { mta-allow: 15000 }
radius: { mapping: { rules: [ { kind: nas-port, switch: nope } ] } }
`);
    for (const e of [
      'switches[0].subscriber_ports: "2-48" overlaps uplinks on port(s) 2',
      'switches[1].dpid: "0x1" repeats switches[0]',
      'continue.goto_table: 1 is not after table_id 2',
      'priorities.mta-allow: 15000 breaks the rule order',
      'radius.mapping:',
    ]) assert.ok(msgs.some((m) => m.startsWith(e)), `missing ${e} in\n${msgs.join('\n')}`);
  });

  it('priorities from flows/ can be overridden by the config', () => {
    const c = parseConfig('switches: []\npriorities: { block: 21000, exempt-allow: 21000 }', 'x.yaml');
    assert.equal(c.flows.priorities.block, 21000);
    assert.equal(c.flows.priorities['mta-allow'], 30000);
  });

  it('the shipped rule templates have DESIGN.md priorities and reject a broken order', () => {
    const t = parseFlowTemplates(fs.readFileSync(defaultFlowsFile(), 'utf8'), 'rules.yaml');
    assert.deepEqual(t.priorities, DEFAULT_PRIORITIES);
    assert.equal(t.templates.block.action, 'drop');
    assert.equal(t.templates['mta-allow'].action, 'continue');
    const broken = fs.readFileSync(defaultFlowsFile(), 'utf8').replace('quarantine: 40000', 'quarantine: 100');
    assert.throws(() => parseFlowTemplates(broken, 'rules.yaml'), /priorities\.quarantine: 100 breaks the rule order/);
  });

  it('the example config loads and fits the lab topology', () => {
    const c = loadConfig(EXAMPLE);
    const agg = c.switches.find((s) => s.name === 'agg');
    assert.equal(agg?.dpid, 0x100n);
    assert.deepEqual(agg?.subscriber_ports, []);
    const a1 = c.switches.find((s) => s.name === 'a1');
    assert.equal(a1?.dpid, 1n);
    assert.ok(a1 && isUplink(a1, 1) && isSubscriberPort(a1, 2));
    assert.deepEqual(c.mtas.map((m) => m.network), ['198.51.100.25', '2001:db8:100::25']);
    assert.deepEqual(c.continue, { output: 'NORMAL' });
    assert.equal(c.radius.clients[0]?.secret, 'testing123');
    assert.equal(c.store.kind, 'embedded');
    assert.match(summarizeConfig(c), /^4 switches, 12 subscriber ports/);
  });

  it('check-config: ok summary or every error', () => {
    const ok = checkConfigFile(EXAMPLE);
    assert.ok(ok.ok);
    assert.match(ok.lines[0] ?? '', /^ok: 4 switches/);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'op25b-cfg-'));
    const bad = path.join(dir, 'bad.yaml');
    fs.writeFileSync(bad, 'switches:\n  - { dpid: 1, uplinks: "1-x" }\nlog: { level: loud }\n');
    const r = checkConfigFile(bad);
    assert.equal(r.ok, false);
    assert.equal(r.lines.length, 3);
    assert.ok(r.lines.some((l) => l.includes('switches[0].uplinks')));
    assert.ok(r.lines.some((l) => l.includes('log.level: "loud"')));
    assert.equal(checkConfigFile(path.join(dir, 'absent.yaml')).ok, false);
    fs.rmSync(dir, { recursive: true });
  });
});
