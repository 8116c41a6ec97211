/**
 * The ofctl_rest flat form, both directions, against what os-ken's
 * ofctl_v1_3 functions produce (fixtures/gen_ofctl_fixtures.py), plus the
 * forms os-ken does not cover and the errors.
 */
import { strict as assert } from 'assert';
import { readFileSync } from 'fs';
import { join } from 'path';
import { decode, encode } from '../../src/openflow';
import type { FlowStats, MultipartReply } from '../../src/openflow';
import { parseJson } from '../../src/openflow/bigjson';
import { fromJsonDict, instructionsFromJson, instructionsToJson, matchFromJson, matchToJson, toJsonDict } from '../../src/openflow/json';
import {
  flowModToOfctl, flowStatsToOfctl, instructionsToOfctl, matchToOfctl, ofctlActionsToInstructions, ofctlMatchToMatch, ofctlToFlowMod,
} from '../../src/openflow/ofctl';
import { isOfError } from '../../src/openflow/errors';
import { assertBytesEqual } from './fixtures/golden';

interface Case { kind: string; name: string; input: unknown; output: unknown }
const cases = readFileSync(join(__dirname, 'fixtures', 'ofctl.jsonl'), 'utf8').split('\n').filter((l) => l.trim())
  .map((l) => parseJson(l) as Case);
const of = (kind: string) => cases.filter((c) => c.kind === kind);

function badJson(fn: () => unknown, re: RegExp): void {
  assert.throws(fn, (e: unknown) => isOfError(e) && e.code === 'OF_ERR_BAD_JSON' && re.test(e.message));
}

describe('openflow/ofctl: the ofctl_rest flat form (vs os-ken ofctl_v1_3)', () => {
  it('has fixtures of every kind', () => {
    for (const k of ['to_match', 'match_to_str', 'to_actions', 'actions_to_str', 'mod_flow_entry', 'get_flow_stats']) {
      assert.ok(of(k).length > 0, `no ${k} fixtures`);
    }
  });
  describe('ofctlMatchToMatch = to_match', () => {
    for (const c of of('to_match')) {
      it(c.name, () => assert.deepStrictEqual(matchToJson(ofctlMatchToMatch(c.input)), c.output));
    }
  });
  describe('matchToOfctl = match_to_str', () => {
    for (const c of of('match_to_str')) {
      it(c.name, () => assert.deepStrictEqual(matchToOfctl(matchFromJson(c.input)), c.output));
      it(`${c.name}: reads its own output back to the same match`, () => {
        const m = matchFromJson(c.input);
        assert.deepStrictEqual(ofctlMatchToMatch(matchToOfctl(m)), m);
      });
    }
  });
  describe('ofctlActionsToInstructions = to_actions', () => {
    for (const c of of('to_actions')) {
      it(c.name, () => assert.deepStrictEqual(instructionsToJson(ofctlActionsToInstructions(c.input)), c.output));
    }
  });
  describe('instructionsToOfctl = actions_to_str', () => {
    for (const c of of('actions_to_str')) {
      it(c.name, () => assert.deepStrictEqual(instructionsToOfctl(instructionsFromJson(c.input, 'ins')), c.output));
      it(`${c.name}: the printed strings read back`, () => {
        // os-ken prints WRITE_METADATA with mask 0 as a bare value, which reads back as all 64 bits (see below)
        const ins = instructionsFromJson(c.input, 'ins').filter((i) => !(i.type === 'WRITE_METADATA' && i.metadata_mask === 0n));
        const back = ofctlActionsToInstructions(instructionsToOfctl(ins));
        // Same printed form: instruction order is normalized (APPLY last) and an empty WRITE_ACTIONS vanishes, as in os-ken.
        const key = (l: unknown[]) => l.map((x) => JSON.stringify(x)).sort();
        assert.deepStrictEqual(key(instructionsToOfctl(back)), key(instructionsToOfctl(ins)));
      });
    }
  });
  describe('ofctlToFlowMod = mod_flow_entry', () => {
    for (const c of of('mod_flow_entry')) {
      const input = c.input as { body: unknown; cmd: number };
      const output = c.output as { json: Record<string, unknown>; hex: string };
      it(c.name, () => {
        const fm = ofctlToFlowMod(input.body, input.cmd);
        assert.deepStrictEqual(toJsonDict(fm), output.json);
        const want = Buffer.from(output.hex, 'hex');
        assertBytesEqual(encode({ ...fm, xid: want.readUInt32BE(4) }), want, c.name);
      });
      it(`${c.name}: flowModToOfctl reads back to the same FLOW_MOD`, () => {
        const fm = ofctlToFlowMod(input.body, input.cmd);
        assert.deepStrictEqual(ofctlToFlowMod(flowModToOfctl(fm), input.cmd), fm);
      });
    }
  });
  describe('flowStatsToOfctl = get_flow_stats', () => {
    for (const c of of('get_flow_stats')) {
      it(c.name, () => {
        const reply = fromJsonDict(c.input) as MultipartReply;
        assert.equal(reply.multipart, 'FLOW');
        const body = (reply as { body: FlowStats[] }).body;
        // through the wire too, as a controller sees it
        const wire = decode(encode(reply)) as { body: FlowStats[] };
        assert.deepStrictEqual(wire.body.map(flowStatsToOfctl), c.output);
        assert.deepStrictEqual(body.map(flowStatsToOfctl), c.output);
      });
    }
  });

  describe('forms beyond os-ken and errors', () => {
    it('reads the string actions of the issue: GOTO_TABLE, OUTPUT:NORMAL, WRITE_METADATA, SET_FIELD, PUSH_VLAN', () => {
      assert.deepStrictEqual(ofctlActionsToInstructions(['GOTO_TABLE:1']), [{ type: 'GOTO_TABLE', table_id: 1 }]);
      assert.deepStrictEqual(ofctlActionsToInstructions(['PUSH_VLAN:33024', 'SET_FIELD: {vlan_vid:4196}', 'OUTPUT:NORMAL', 'WRITE_METADATA:0x1/0xff']), [
        { type: 'WRITE_METADATA', metadata: 1n, metadata_mask: 0xffn },
        { type: 'APPLY_ACTIONS', actions: [
          { type: 'PUSH_VLAN', ethertype: 0x8100 },
          { type: 'SET_FIELD', field: { field: 'vlan_vid', value: 4196 } },
          { type: 'OUTPUT', port: 0xfffffffa, max_len: 0xffe5 },
        ] },
      ]);
      assert.deepStrictEqual(ofctlActionsToInstructions([]), []);
      assert.deepStrictEqual(ofctlActionsToInstructions([{ type: 'OUTPUT', port: 'OFPP_CONTROLLER', max_len: 'NO_BUFFER' }]),
        [{ type: 'APPLY_ACTIONS', actions: [{ type: 'OUTPUT', port: 0xfffffffd, max_len: 0xffff }] }]);
    });
    it('reads a bare WRITE_METADATA value as all 64 bits, as the dict form defaults', () => {
      assert.deepStrictEqual(ofctlActionsToInstructions(['WRITE_METADATA:0x10']), [{ type: 'WRITE_METADATA', metadata: 16n, metadata_mask: 0xffffffffffffffffn }]);
    });
    it('reads nw_tos, dl_vlan_pcp and SCTP tp_dst', () => {
      assert.deepStrictEqual(ofctlMatchToMatch({ dl_type: 0x0800, nw_tos: 184, nw_proto: 132, tp_dst: 9 }), [
        { field: 'eth_type', value: 0x0800 }, { field: 'ip_dscp', value: 46 }, { field: 'ip_proto', value: 132 }, { field: 'sctp_dst', value: 9 },
      ]);
      assert.deepStrictEqual(ofctlMatchToMatch({ dl_vlan: 7, dl_vlan_pcp: 5 }), [
        { field: 'vlan_vid', value: 0x1007 }, { field: 'vlan_pcp', value: 5 },
      ]);
    });
    it('keeps 64-bit cookies exact from JSON text', () => {
      const fm = ofctlToFlowMod(parseJson('{"cookie": 18446744073709551615, "priority": 1}'), 'add');
      assert.equal(fm.cookie, 0xffffffffffffffffn);
    });
    it('names the path of a bad field', () => {
      badJson(() => ofctlMatchToMatch({ in_port: 3, tp_dport: 25 }), /match\.tp_dport: unknown match field/);
      badJson(() => ofctlMatchToMatch({ dl_type: 2048, tp_dst: 25 }), /match\.tp_dst: tp_dst needs nw_proto/);
      badJson(() => ofctlMatchToMatch({ dl_type: 2048, nw_dst: '10.0.0.0/33' }), /nw_dst: prefix length \/33/);
      badJson(() => ofctlMatchToMatch({ in_port: 'SOMEWHERE' }), /in_port: unknown OFPP_\* name "SOMEWHERE"/);
      badJson(() => ofctlActionsToInstructions(['OUTPUT']), /actions\[0\]: OUTPUT needs an argument/);
      badJson(() => ofctlActionsToInstructions([{ type: 'FROB' }]), /actions\[0\]\.type: unknown action type "FROB"/);
      badJson(() => ofctlToFlowMod({ priority: 70000 }, 'add'), /\$\.priority: 70000 does not fit 16 bits/);
      badJson(() => ofctlToFlowMod({}, 'replace'), /unknown flow-mod command "replace"/);
    });
    it('rejects a match whose prerequisites are missing, naming the field', () => {
      assert.throws(() => ofctlMatchToMatch({ in_port: 3, tcp_dst: 25 }), (e: unknown) => isOfError(e) && e.code === 'OF_ERR_BAD_PREREQ' && /ip_proto/.test(e.message));
    });
  });
});
