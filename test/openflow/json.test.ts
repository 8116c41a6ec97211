import { strict as assert } from 'assert';
import { decode, encode, flowMod, buildMatch } from '../../src/openflow';
import type { OfMessage } from '../../src/openflow';
import { fromJsonDict, toJsonDict } from '../../src/openflow/json';
import { parseJson, stringifyJson } from '../../src/openflow/bigjson';
import { isOfError } from '../../src/openflow/errors';
import { loadFixtures } from './fixtures/golden';

function badJson(fn: () => unknown, path: RegExp): void {
  assert.throws(fn, (e: unknown) => isOfError(e) && e.code === 'OF_ERR_BAD_JSON' && path.test(e.message));
}

describe('openflow/json: Ryu to_jsondict / from_jsondict', () => {
  it('writes the OP25B drop flow as Ryu does, cookie exact', () => {
    const fm = flowMod({
      cookie: 0xffffffffffffffffn, priority: 20000,
      match: buildMatch({ in_port: 3, eth_type: 0x0800, ip_proto: 6, tcp_dst: 25 }),
    });
    const text = stringifyJson(toJsonDict(fm));
    assert.match(text, /^\{"OFPFlowMod":\{"buffer_id":4294967295,"command":0,"cookie":18446744073709551615,/);
    assert.match(text, /\{"OXMTlv":\{"field":"tcp_dst","value":25,"mask":null\}\}\],"length":29,"type":1\}/);
    assert.deepEqual(fromJsonDict(parseJson(text)), fm);
  });
  it('fills os-ken constructor defaults for a hand-written FLOW_MOD', () => {
    const m = fromJsonDict(parseJson('{"OFPFlowMod": {"match": {"OFPMatch": {"oxm_fields": [{"OXMTlv": {"field": "in_port", "value": 3}}]}}}}'));
    assert.equal(m.type, 'FLOW_MOD');
    if (m.type !== 'FLOW_MOD') return;
    assert.equal(m.priority, 0x8000);
    assert.equal(m.buffer_id, 0xffffffff);
    assert.equal(m.cookie, 0n);
    assert.deepEqual(m.match, [{ field: 'in_port', value: 3 }]);
    assert.deepEqual(m.instructions, []);
  });
  it('takes the xid from the argument, or from an "xid" key, and writes it only on request', () => {
    const j = { OFPBarrierRequest: { xid: 77 } };
    assert.equal(fromJsonDict(j).xid, 77);
    assert.equal(fromJsonDict(j, 5).xid, 5);
    const m: OfMessage = { type: 'BARRIER_REQUEST', xid: 9 };
    assert.deepEqual(toJsonDict(m), { OFPBarrierRequest: {} });
    assert.deepEqual(toJsonDict(m, { xid: true }), { OFPBarrierRequest: { xid: 9 } });
  });
  it('normalizes addresses to the form Ryu prints', () => {
    const m = fromJsonDict({ OFPFlowMod: { match: { OFPMatch: { oxm_fields: [
      { OXMTlv: { field: 'eth_dst', value: 'AA:BB:CC:DD:EE:FF', mask: null } },
      { OXMTlv: { field: 'eth_type', value: 0x86dd, mask: null } },
      { OXMTlv: { field: 'ipv6_dst', value: '2001:DB8:0:0::1', mask: 'ffff:ffff:0000:0000:0000:0000:0000:0000' } },
    ] } } } });
    assert.ok(m.type === 'FLOW_MOD');
    assert.deepEqual(m.match, [
      { field: 'eth_dst', value: 'aa:bb:cc:dd:ee:ff' },
      { field: 'eth_type', value: 0x86dd },
      { field: 'ipv6_dst', value: '2001:db8::1', mask: 'ffff:ffff::' },
    ]);
  });
  it('keeps what os-ken has no form for (opaque OXM, unknown action, unknown message) through JSON and bytes', () => {
    const msgs: OfMessage[] = [
      { type: 'OPAQUE', xid: 3, msg_type: 200, data: Buffer.from('0102', 'hex') },
      flowMod({
        match: [{ field: 'opaque', oxm_class: 0x0001, oxm_field: 5, has_mask: false, data: Buffer.from('abcd', 'hex') }],
        instructions: [{ type: 'APPLY_ACTIONS', actions: [{ type: 'OPAQUE', action_type: 0x1234, data: Buffer.from('000000000000000000000000', 'hex') }] }],
      }),
    ];
    for (const m of msgs) {
      const j = parseJson(stringifyJson(toJsonDict(m, { xid: true })));
      const back = fromJsonDict(j);
      assert.deepEqual(back, m);
      assert.deepEqual(decode(encode(back)), decode(encode(m)));
    }
  });
  it('names the JSON path of a bad value', () => {
    badJson(() => fromJsonDict({ OFPFlowMod: { priority: 'high' } }), /\$\.OFPFlowMod\.priority: expected an unsigned 16-bit integer/);
    badJson(() => fromJsonDict({ OFPFlowMod: { match: { OFPMatch: { oxm_fields: [{ OXMTlv: { field: 'tcp_dport', value: 25 } }] } } } }),
      /\$\.OFPFlowMod\.match\.OFPMatch\.oxm_fields\[0\]\.OXMTlv\.field: unknown OXM field "tcp_dport"/);
    badJson(() => fromJsonDict({ OFPFlowMod: { instructions: [{ OFPInstructionActions: { type: 4, actions: [{ OFPActionOutput: {} }] } }] } }),
      /instructions\[0\]\.OFPInstructionActions\.actions\[0\]\.OFPActionOutput\.port: missing/);
    badJson(() => fromJsonDict({ OFPFlowMod: { cookie: -1 } }), /cookie: expected an unsigned 64-bit integer/);
    badJson(() => fromJsonDict({ OFPFlowMod: { cookie: 18446744073709551616n } }), /cookie: out of 64-bit range/);
    badJson(() => fromJsonDict({ OFPEchoRequest: { data: '%%%' } }), /data: expected base64/);
    badJson(() => fromJsonDict({ OFPNoSuchThing: {} }), /unknown message class OFPNoSuchThing/);
    badJson(() => fromJsonDict({ a: {}, b: {} }), /expected one class name key/);
    badJson(() => fromJsonDict([1]), /expected \{"ClassName"/);
    badJson(() => fromJsonDict({ OFPFlowMod: { match: { OFPMatch: { oxm_fields: [{ OXMTlv: { field: 'ipv4_dst', value: '300.1.1.1' } }] } } } }),
      /value: ipv4_dst: not an IPv4 address/);
  });
  it('refuses a 64-bit value that JSON.parse already rounded', () => {
    badJson(() => fromJsonDict(JSON.parse('{"OFPFlowMod": {"cookie": 18446744073709551615}}')), /lost precision/);
  });
  it('mutated fixtures give a message or the typed error, never anything else (fromJsonDict then encode)', () => {
    let seed = 12345;
    const rnd = (n: number) => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    const junk: unknown[] = [null, -1, 'x', 1.5, 2 ** 40, [], {}, true, 1n << 70n, '', 'AA==', { OFPMatch: {} }, [{ OXMTlv: {} }], 256, 65536];
    const paths = (v: unknown, at: (string | number)[] = [], out: (string | number)[][] = []) => {
      if (typeof v === 'object' && v !== null) {
        for (const [k, e] of Object.entries(v)) {
          const p = [...at, Array.isArray(v) ? Number(k) : k];
          out.push(p);
          paths(e, p, out);
        }
      }
      return out;
    };
    let typed = 0;
    for (const f of loadFixtures()) {
      const all = paths(f.json);
      for (let i = 0; i < 25; i++) {
        const copy = parseJson(stringifyJson(f.json)) as Record<string, unknown>;
        const path = all[rnd(all.length)]!;
        let o = copy as Record<string | number, unknown>;
        for (const k of path.slice(0, -1)) o = o[k] as Record<string | number, unknown>;
        const last = path[path.length - 1]!;
        if (rnd(5) === 0) delete o[last];
        else o[last] = junk[rnd(junk.length)];
        try {
          encode(fromJsonDict(copy));
        } catch (e) {
          if (!isOfError(e)) assert.fail(`${f.name} with ${path.join('.')} mutated threw ${String(e)}`);
          typed++;
        }
      }
    }
    assert.ok(typed > 0);
  });
});
