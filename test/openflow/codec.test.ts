import assert from 'node:assert/strict';
import * as net from 'node:net';
import { spawnSync } from 'node:child_process';
import {
  decode, encode, encodeMany, flowMod, errorNames, isOfError, OfError, buildMatch,
  OFP_FLOW_MOD_LEN, OFP_PORT_LEN, OFP_SWITCH_FEATURES_LEN, OFP_FLOW_STATS_LEN, OFP_PACKET_IN_LEN,
  OFP_PACKET_OUT_LEN, OFP_FLOW_REMOVED_LEN, OFP_PORT_STATUS_LEN, OFP_MULTIPART_HEADER_LEN,
  OFPFC_ADD, OFPFC_DELETE, OFP_NO_BUFFER, OFPP_ANY, OFPP_NORMAL, OFPG_ANY, OFPT, Framer,
  OFPP_CONTROLLER, OFPCML_NO_BUFFER, OFPPC_PORT_DOWN, OFPPR_ADD,
  type OfMessage, type FlowMod, type FlowRemoved, type MultipartReply, type PacketIn, type PortStatus,
} from '../../src/openflow';
import * as C from '../../src/openflow/codec';
import { sampleMessages, PORT } from './support/samples';

/** First differing offset of two buffers, for failure messages. */
function firstDiff(a: Buffer, b: Buffer): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
  return a.length === b.length ? -1 : n;
}

function expectOfError(fn: () => unknown, code?: string): OfError {
  try {
    fn();
  } catch (e) {
    assert.ok(isOfError(e), `expected OfError, got ${String(e)}`);
    if (code !== undefined) assert.equal(e.code, code, e.message);
    return e;
  }
  assert.fail(`expected OfError${code ? ' ' + code : ''}, got a value`);
}

describe('openflow codec', () => {
  describe('round trip: decode(encode(x)) deep-equals x', () => {
    for (const [label, msg] of sampleMessages()) {
      it(label, () => {
        const bytes = encode(msg);
        assert.equal(bytes.readUInt16BE(2), bytes.length, 'header length is the encoded length');
        assert.deepStrictEqual(decode(bytes), msg);
        const again = encode(decode(bytes));
        assert.equal(firstDiff(again, bytes), -1, `re-encoding differs at offset ${firstDiff(again, bytes)}`);
      });
    }
  });

  it('encodeMany concatenates the single encodings', () => {
    const msgs = sampleMessages().map(([, m]) => m);
    assert.deepStrictEqual(encodeMany(msgs), Buffer.concat(msgs.map((m) => encode(m))));
  });

  it('encoded buffers stay intact while later messages are encoded (slab never reused under a caller)', () => {
    const samples = sampleMessages().map(([, m]) => m);
    const kept: [Buffer, string][] = [];
    const big: OfMessage = { type: 'ECHO_REQUEST', xid: 1, data: Buffer.alloc(60000, 7) };
    for (let round = 0; round < 40; round++) {
      for (const m of samples) {
        const b = encode(m);
        kept.push([b, b.toString('hex')]);
      }
      const bb = encode(big);
      kept.push([bb, bb.toString('hex')]);
      // A failing encode in the middle must not disturb what was handed out.
      try { encode(flowMod({ priority: 1 << 20 })); } catch { /* expected */ }
    }
    for (const [b, hex] of kept) assert.equal(b.toString('hex'), hex);
    // Distinct results never overlap in memory.
    const a = encode(flowMod({ xid: 1 }));
    const b = encode(flowMod({ xid: 2 }));
    a.fill(0xee);
    assert.equal(b.readUInt32BE(4), 2);
    assert.deepStrictEqual(decode(b), flowMod({ xid: 2 }));
  });

  describe('structure sizes match the spec', () => {
    const size = (m: OfMessage) => encode(m).length;
    it('ofp_flow_mod is 56 bytes with an empty match', () => {
      assert.equal(OFP_FLOW_MOD_LEN, 56);
      assert.equal(size(flowMod()), OFP_FLOW_MOD_LEN);
    });
    it('ofp_switch_features is 32', () => {
      assert.equal(size({ type: 'FEATURES_REPLY', xid: 0, datapath_id: 1n, n_buffers: 0, n_tables: 1, auxiliary_id: 0, capabilities: 0 }), OFP_SWITCH_FEATURES_LEN);
      assert.equal(OFP_SWITCH_FEATURES_LEN, 32);
    });
    it('ofp_port is 64 and ofp_port_status 80', () => {
      assert.equal(OFP_PORT_LEN, 64);
      assert.equal(size({ type: 'PORT_STATUS', xid: 0, reason: 0, desc: PORT }), OFP_PORT_STATUS_LEN);
      assert.equal(size({ type: 'MULTIPART_REPLY', xid: 0, flags: 0, multipart: 'PORT_DESC', body: [PORT, PORT] }), OFP_MULTIPART_HEADER_LEN + 2 * OFP_PORT_LEN);
    });
    it('ofp_packet_in is 34, ofp_packet_out 24, ofp_flow_removed 56', () => {
      assert.equal(size({ type: 'PACKET_IN', xid: 0, buffer_id: 0, total_len: 0, reason: 0, table_id: 0, cookie: 0n, match: [], data: Buffer.alloc(0) }), OFP_PACKET_IN_LEN);
      assert.equal(size({ type: 'PACKET_OUT', xid: 0, buffer_id: 0, in_port: 0, actions: [], data: Buffer.alloc(0) }), OFP_PACKET_OUT_LEN);
      assert.equal(size({ type: 'FLOW_REMOVED', xid: 0, cookie: 0n, priority: 0, reason: 0, table_id: 0, duration_sec: 0, duration_nsec: 0, idle_timeout: 0, hard_timeout: 0, packet_count: 0n, byte_count: 0n, match: [] }), OFP_FLOW_REMOVED_LEN);
    });
    it('ofp_flow_stats is 56, ofp_desc 1056, ofp_port_stats 112, the others as the spec says', () => {
      const fs = { table_id: 0, duration_sec: 0, duration_nsec: 0, priority: 0, idle_timeout: 0, hard_timeout: 0, flags: 0, cookie: 0n, packet_count: 0n, byte_count: 0n, match: [], instructions: [] };
      assert.equal(size({ type: 'MULTIPART_REPLY', xid: 0, flags: 0, multipart: 'FLOW', body: [fs] }), 16 + OFP_FLOW_STATS_LEN);
      assert.equal(size({ type: 'MULTIPART_REPLY', xid: 0, flags: 0, multipart: 'DESC', body: { mfr_desc: '', hw_desc: '', sw_desc: '', serial_num: '', dp_desc: '' } }), 16 + C.OFP_DESC_LEN);
      assert.equal(size({ type: 'MULTIPART_REQUEST', xid: 0, flags: 0, multipart: 'FLOW', table_id: 0, out_port: 0, out_group: 0, cookie: 0n, cookie_mask: 0n, match: [] }), 16 + C.OFP_FLOW_STATS_REQUEST_LEN);
      assert.equal(size({ type: 'MULTIPART_REQUEST', xid: 0, flags: 0, multipart: 'PORT_STATS', port_no: 0 }), 16 + C.OFP_PORT_STATS_REQUEST_LEN);
      const ps = sampleMessages().find(([l]) => l === 'MULTIPART_REPLY PORT_STATS')![1];
      assert.equal(size(ps), 16 + C.OFP_PORT_STATS_LEN);
      assert.equal(size({ type: 'MULTIPART_REPLY', xid: 0, flags: 0, multipart: 'AGGREGATE', body: { packet_count: 0n, byte_count: 0n, flow_count: 0 } }), 16 + C.OFP_AGGREGATE_STATS_REPLY_LEN);
      assert.equal(size({ type: 'MULTIPART_REPLY', xid: 0, flags: 0, multipart: 'TABLE', body: [{ table_id: 0, active_count: 0, lookup_count: 0n, matched_count: 0n }] }), 16 + C.OFP_TABLE_STATS_LEN);
      assert.equal(size({ type: 'MULTIPART_REPLY', xid: 0, flags: 0, multipart: 'QUEUE', body: [{ port_no: 0, queue_id: 0, tx_bytes: 0n, tx_packets: 0n, tx_errors: 0n, duration_sec: 0, duration_nsec: 0 }] }), 16 + C.OFP_QUEUE_STATS_LEN);
      assert.equal(size({ type: 'MULTIPART_REPLY', xid: 0, flags: 0, multipart: 'GROUP', body: [{ group_id: 0, ref_count: 0, packet_count: 0n, byte_count: 0n, duration_sec: 0, duration_nsec: 0, bucket_stats: [{ packet_count: 0n, byte_count: 0n }] }] }), 16 + C.OFP_GROUP_STATS_LEN + C.OFP_BUCKET_COUNTER_LEN);
      assert.equal(size({ type: 'MULTIPART_REPLY', xid: 0, flags: 0, multipart: 'METER', body: [{ meter_id: 0, flow_count: 0, packet_in_count: 0n, byte_in_count: 0n, duration_sec: 0, duration_nsec: 0, band_stats: [{ packet_band_count: 0n, byte_band_count: 0n }] }] }), 16 + C.OFP_METER_STATS_LEN + C.OFP_METER_BAND_STATS_LEN);
      assert.equal(size({ type: 'MULTIPART_REPLY', xid: 0, flags: 0, multipart: 'GROUP_DESC', body: [{ type: 0, group_id: 0, buckets: [{ weight: 0, watch_port: 0, watch_group: 0, actions: [] }] }] }), 16 + C.OFP_GROUP_DESC_LEN + C.OFP_BUCKET_LEN);
      assert.equal(size({ type: 'ROLE_REQUEST', xid: 0, role: 0, generation_id: 0n }), C.OFP_ROLE_REQUEST_LEN);
      assert.equal(size({ type: 'SET_ASYNC', xid: 0, packet_in_mask: [0, 0], port_status_mask: [0, 0], flow_removed_mask: [0, 0] }), C.OFP_ASYNC_CONFIG_LEN);
      assert.equal(size({ type: 'SET_CONFIG', xid: 0, flags: 0, miss_send_len: 0 }), C.OFP_SWITCH_CONFIG_LEN);
      assert.equal(size({ type: 'PORT_MOD', xid: 0, port_no: 0, hw_addr: '00:00:00:00:00:00', config: 0, mask: 0, advertise: 0 }), C.OFP_PORT_MOD_LEN);
      assert.equal(size({ type: 'TABLE_MOD', xid: 0, table_id: 0, config: 0 }), C.OFP_TABLE_MOD_LEN);
      assert.equal(size({ type: 'GROUP_MOD', xid: 0, command: 0, group_type: 0, group_id: 0, buckets: [] }), C.OFP_GROUP_MOD_LEN);
      assert.equal(size({ type: 'METER_MOD', xid: 0, command: 0, flags: 0, meter_id: 0, bands: [{ type: 'DROP', rate: 0, burst_size: 0 }] }), C.OFP_METER_MOD_LEN + C.OFP_METER_BAND_LEN);
      assert.equal(size({ type: 'QUEUE_GET_CONFIG_REQUEST', xid: 0, port: 0 }), C.OFP_QUEUE_GET_CONFIG_REQUEST_LEN);
      assert.equal(size({ type: 'ERROR', xid: 0, err_type: 1, code: 0, data: Buffer.alloc(0) }), C.OFP_ERROR_MSG_LEN);
      assert.equal(size({ type: 'ERROR', xid: 0, err_type: 0xffff, code: 0, experimenter: 1, data: Buffer.alloc(0) }), C.OFP_ERROR_EXPERIMENTER_MSG_LEN);
      assert.equal(size({ type: 'EXPERIMENTER', xid: 0, experimenter: 1, exp_type: 2, data: Buffer.alloc(0) }), C.OFP_EXPERIMENTER_HEADER_LEN);
    });
  });

  describe('the encoder computes every length and padding', () => {
    it('FLOW_MOD for OP25B: match length, padding and instruction lengths', () => {
      const m = flowMod({
        match: buildMatch({ in_port: 3, eth_type: 0x0800, ip_proto: 6, tcp_dst: 25 }),
        instructions: [{ type: 'GOTO_TABLE', table_id: 1 }],
      });
      const b = encode(m);
      // 4 (match header) + 8 (in_port) + 6 (eth_type) + 5 (ip_proto) + 6 (tcp_dst) = 29, padded to 32.
      assert.equal(b.readUInt16BE(48 + 2), 29);
      assert.deepStrictEqual(b.subarray(48 + 29, 48 + 32), Buffer.alloc(3));
      assert.equal(b.readUInt16BE(80), 1); // OFPIT_GOTO_TABLE
      assert.equal(b.readUInt16BE(82), 8);
      assert.equal(b.length, 48 + 32 + 8);
    });
    it('flowMod() defaults', () => {
      const m: FlowMod = flowMod();
      assert.deepStrictEqual(m, {
        type: 'FLOW_MOD', xid: 0, cookie: 0n, cookie_mask: 0n, table_id: 0, command: OFPFC_ADD, idle_timeout: 0,
        hard_timeout: 0, priority: 0x8000, buffer_id: OFP_NO_BUFFER, out_port: OFPP_ANY, out_group: OFPG_ANY, flags: 0,
        match: [], instructions: [],
      });
      assert.equal(encode(m).toString('hex'),
        '040e003800000000' + '0'.repeat(32) + '000000000000' + '8000' + 'ffffffff'.repeat(3) + '00000000' + '0001000400000000');
    });
    it('SET_FIELD action pads its OXM to 8', () => {
      const b = encode({ type: 'PACKET_OUT', xid: 0, buffer_id: OFP_NO_BUFFER, in_port: 0, data: Buffer.alloc(0),
        actions: [{ type: 'SET_FIELD', field: { field: 'ipv6_src', value: '2001:db8::1' } }] });
      assert.equal(b.readUInt16BE(16), 24); // actions_len
      assert.equal(b.readUInt16BE(24 + 2), 24); // 4 + 4 + 16 = 24
    });
  });

  describe('malformed input fails with OfError, code and offset', () => {
    for (const [label, msg] of sampleMessages()) {
      it(`truncated ${label}`, () => {
        const full = encode(msg);
        // Header says full length, bytes are missing: OF_ERR_TRUNCATED at the end of what is there.
        for (const cut of [0, 3, 7, 8, full.length - 1]) {
          if (cut >= full.length) continue;
          const e = expectOfError(() => decode(full.subarray(0, cut)), 'OF_ERR_TRUNCATED');
          assert.equal(e.offset, cut);
        }
        // Length field rewritten to every shorter length: a value of the same type or an OfError, never another exception.
        for (let cut = 8; cut < full.length; cut++) {
          const b = Buffer.from(full.subarray(0, cut));
          b.writeUInt16BE(cut, 2);
          try {
            const m = decode(b);
            assert.equal(m.type, msg.type);
          } catch (e) {
            assert.ok(isOfError(e), `${label} cut at ${cut}: ${String(e)}`);
            assert.equal(typeof e.offset, 'number');
            assert.ok(e.offset! <= cut, `offset ${e.offset} within the message`);
            assert.equal(e.header?.type, full[1]);
            assert.equal(e.header?.xid, full.readUInt32BE(4));
          }
        }
      });
    }
    it('a fixed-size body one byte short is OF_ERR_TRUNCATED naming the structure', () => {
      const b = encode(flowMod());
      const short = Buffer.from(b.subarray(0, 40));
      short.writeUInt16BE(40, 2);
      const e = expectOfError(() => decode(short), 'OF_ERR_TRUNCATED');
      assert.match(e.message, /ofp_flow_mod/);
      assert.equal(e.offset, 8);
      assert.deepStrictEqual(e.header, { version: 4, type: OFPT.FLOW_MOD, length: 40, xid: 0 });
    });
    it('header length below 8 is OF_ERR_BAD_LEN', () => {
      expectOfError(() => decode(Buffer.from('0400000400000000', 'hex')), 'OF_ERR_BAD_LEN');
    });
    it('extra bytes after the message are OF_ERR_BAD_LEN', () => {
      expectOfError(() => decode(Buffer.concat([encode({ type: 'BARRIER_REQUEST', xid: 1 }), Buffer.alloc(1)])), 'OF_ERR_BAD_LEN');
      const b = encode({ type: 'BARRIER_REQUEST', xid: 1 });
      const padded = Buffer.concat([b, Buffer.alloc(4)]);
      padded.writeUInt16BE(12, 2);
      const e = expectOfError(() => decode(padded), 'OF_ERR_BAD_LEN');
      assert.equal(e.offset, 8);
    });
    it('a version other than 0x04 is OF_ERR_BAD_VERSION, except HELLO and ERROR', () => {
      const b = encode(flowMod());
      b[0] = 0x05;
      expectOfError(() => decode(b), 'OF_ERR_BAD_VERSION');
      const hello10 = Buffer.from('0100000800000007', 'hex');
      assert.deepStrictEqual(decode(hello10), { type: 'HELLO', xid: 7, version: 1, elements: [] });
      const err10 = Buffer.from('010100100000000100000001deadbeef', 'hex');
      assert.equal(decode(err10).type, 'ERROR');
    });
    it('bad action and instruction lengths are OF_ERR_BAD_LEN', () => {
      const b = encode(flowMod({ instructions: [{ type: 'APPLY_ACTIONS', actions: [{ type: 'OUTPUT', port: 1, max_len: 0 }] }] }));
      const bad = Buffer.from(b);
      bad.writeUInt16BE(12, 56 + 8 + 2); // OUTPUT length 12
      expectOfError(() => decode(bad), 'OF_ERR_BAD_LEN');
      const bad2 = Buffer.from(b);
      bad2.writeUInt16BE(4, 56 + 2); // instruction length 4
      expectOfError(() => decode(bad2), 'OF_ERR_BAD_LEN');
    });
    it('an OXM of the wrong width is OF_ERR_BAD_VALUE; a non-OXM match type too', () => {
      const b = encode(flowMod({ match: [{ field: 'in_port', value: 1 }] }));
      const bad = Buffer.from(b);
      bad[48 + 4 + 3] = 2; // in_port length 2
      expectOfError(() => decode(bad), 'OF_ERR_BAD_VALUE');
      const std = Buffer.from(b);
      std.writeUInt16BE(0, 48); // OFPMT_STANDARD
      expectOfError(() => decode(std), 'OF_ERR_BAD_VALUE');
    });
  });

  describe('unknown things survive decode -> encode byte-identical', () => {
    it('unknown message type, OXM class, action, instruction, multipart type', () => {
      const hexes = [
        '041e0010000000050102030405060708', // type 30
        // FLOW_MOD: OXM class 0x0001, experimenter OXM, unknown instruction 0x0042 with unknown action inside is kept as bytes
        encode(flowMod({
          match: [{ field: 'opaque', oxm_class: 1, oxm_field: 3, has_mask: true, data: Buffer.from('00010203', 'hex') }],
          instructions: [{ type: 'OPAQUE', instruction_type: 0x42, data: Buffer.from('000000000063000800000000', 'hex') },
            { type: 'APPLY_ACTIONS', actions: [{ type: 'OPAQUE', action_type: 0x63, data: Buffer.from('01020304', 'hex') }] }],
        })).toString('hex'),
        '0413001800000009000c000000000000aabbccddeeff0011', // MULTIPART_REPLY TABLE_FEATURES
        '041200180000000affff0000000000000000232000000001', // MULTIPART_REQUEST experimenter
      ];
      for (const h of hexes) {
        const b = Buffer.from(h, 'hex');
        assert.equal(encode(decode(b)).toString('hex'), h);
      }
    });
  });

  describe('encoding bad values throws OfError OF_ERR_BAD_ARGUMENT', () => {
    it('out-of-range numbers, bad addresses, unknown types', () => {
      expectOfError(() => encode(flowMod({ priority: 70000 })), 'OF_ERR_BAD_ARGUMENT');
      expectOfError(() => encode(flowMod({ xid: -1 })), 'OF_ERR_BAD_ARGUMENT');
      expectOfError(() => encode(flowMod({ match: [{ field: 'eth_dst', value: 'zz:00:00:00:00:00' }] })), 'OF_ERR_BAD_ARGUMENT');
      expectOfError(() => encode(flowMod({ match: [{ field: 'tcp_dst', value: 65536 }] })), 'OF_ERR_BAD_ARGUMENT');
      expectOfError(() => encode({ type: 'NOPE', xid: 0 } as unknown as OfMessage), 'OF_ERR_BAD_ARGUMENT');
      expectOfError(() => encode({ type: 'ECHO_REQUEST', xid: 0, data: Buffer.alloc(70000) }), 'OF_ERR_BAD_ARGUMENT');
      // The shared writer recovers after an error.
      assert.equal(encode(flowMod()).length, 56);
    });
  });

  describe('errorNames', () => {
    it('names every type and code of spec 7.4.4', () => {
      assert.deepStrictEqual(errorNames(5, 1), { typeName: 'OFPET_FLOW_MOD_FAILED', codeName: 'OFPFMFC_TABLE_FULL' });
      assert.deepStrictEqual(errorNames(4, 9), { typeName: 'OFPET_BAD_MATCH', codeName: 'OFPBMC_BAD_PREREQ' });
      assert.deepStrictEqual(errorNames(1, 13), { typeName: 'OFPET_BAD_REQUEST', codeName: 'OFPBRC_MULTIPART_BUFFER_OVERFLOW' });
      assert.deepStrictEqual(errorNames(13, 5), { typeName: 'OFPET_TABLE_FEATURES_FAILED', codeName: 'OFPTFFC_EPERM' });
      assert.deepStrictEqual(errorNames(0x1234, 2), { typeName: 'OFPET_UNKNOWN_0x1234', codeName: 'UNKNOWN_0x0002' });
      assert.deepStrictEqual(errorNames(5, 99), { typeName: 'OFPET_FLOW_MOD_FAILED', codeName: 'OFPFMFC_UNKNOWN_0x0063' });
      const counts = [2, 14, 16, 9, 12, 8, 15, 5, 3, 3, 3, 3, 12, 6];
      counts.forEach((n, t) => {
        for (let c = 0; c < n; c++) assert.doesNotMatch(errorNames(t, c).codeName, /UNKNOWN_0x/, `type ${t} code ${c}`);
        assert.match(errorNames(t, n).codeName, /UNKNOWN_0x/);
      });
    });
  });
});

describe('openflow constants', () => {
  it('individual constants agree with the tables', async () => {
    const K = await import('../../src/openflow/constants');
    const rec = K as unknown as Record<string, unknown>;
    for (const [table, prefix] of [[K.OFPT, 'OFPT'], [K.OFPAT, 'OFPAT'], [K.OFPIT, 'OFPIT'], [K.OFPMP, 'OFPMP'], [K.OFPFC, 'OFPFC'], [K.OFPP, 'OFPP'], [K.OFPPR, 'OFPPR']] as const) {
      for (const [k, v] of Object.entries(table)) assert.equal(rec[`${prefix}_${k}`], v, `${prefix}_${k}`);
    }
    assert.equal(K.OFPT_NAME[14], 'FLOW_MOD');
    assert.equal(K.OFPP_ANY, 0xffffffff);
    assert.equal(K.OFPP_CONTROLLER, 0xfffffffd);
    assert.equal(K.OFPVID_PRESENT, 0x1000);
  });
});

describe('openflow codec against Open vSwitch (a real switch)', function () {
  this.timeout(60000);
  const BRIDGE = 'ofc-codec0';
  // Ethernet: broadcast dst, src, ethertype 0x88b5 (local experimental), padded to 60 bytes.
  const FRAME = Buffer.concat([Buffer.from('ffffffffffff020000000001' + '88b5', 'hex'), Buffer.alloc(46, 0x25)]);
  let server: net.Server | undefined;

  before(function () {
    const v = spawnSync('ovs-vsctl', ['--timeout=5', 'show'], { encoding: 'utf8' });
    if (v.error || v.status !== 0 || process.getuid?.() !== 0) {
      console.log(`  skipped: needs root and a running Open vSwitch (ovs-vsctl show: ${v.error?.message ?? v.stderr?.trim() ?? 'failed'})`);
      this.skip();
    }
  });

  after(() => {
    spawnSync('ovs-vsctl', ['--if-exists', 'del-br', BRIDGE]);
    server?.close();
  });

  it('everything OVS answers decodes and re-encodes byte-identically, and OVS accepts what we send', async () => {
    const seen: { msg: OfMessage; raw: Buffer }[] = [];
    const done = new Promise<void>((resolve, reject) => {
      server = net.createServer((sock) => {
        const framer = new Framer();
        let xid = 100;
        let barrier = false;
        const send = (m: OfMessage) => sock.write(encode(m));
        const any = { table_id: 0xff, out_port: OFPP_ANY, out_group: OFPG_ANY, cookie: 0n, cookie_mask: 0n, match: [] };
        sock.on('error', reject);
        sock.on('data', (chunk) => {
          try {
            for (const raw of framer.push(chunk)) {
              const msg = decode(raw);
              seen.push({ msg, raw: Buffer.from(raw) });
              if (msg.type === 'HELLO') {
                send({ type: 'HELLO', xid: 1, version: 4, elements: [{ type: 'VERSIONBITMAP', bitmaps: [0x10] }] });
                send({ type: 'FEATURES_REQUEST', xid: 2 });
                send(flowMod({ xid: xid++, priority: 20000, cookie: 0x0b25100000000003n, flags: 1,
                  match: buildMatch({ in_port: 1, eth_type: 0x0800, ip_proto: 6, tcp_dst: 25 }) }));
                send(flowMod({ xid: xid++, priority: 30000,
                  match: buildMatch({ in_port: 1, eth_type: 0x86dd, ip_proto: 6, tcp_dst: 25, ipv6_dst: '2001:db8::/32' }),
                  instructions: [{ type: 'APPLY_ACTIONS', actions: [{ type: 'OUTPUT', port: OFPP_NORMAL, max_len: 0 }] }] }));
                send(flowMod({ xid: xid++, priority: 100,
                  match: buildMatch({ eth_type: 0x0806, arp_tpa: '192.0.2.0/24', vlan_vid: { value: 0x1000, mask: 0x1000 } }),
                  instructions: [{ type: 'WRITE_METADATA', metadata: 5n, metadata_mask: 0xffn }, { type: 'GOTO_TABLE', table_id: 2 }] }));
                send({ type: 'GROUP_MOD', xid: xid++, command: 0, group_type: 0, group_id: 1, buckets: [
                  { weight: 0, watch_port: OFPP_ANY, watch_group: OFPG_ANY, actions: [{ type: 'OUTPUT', port: 1, max_len: 0 }] }] });
                send({ type: 'METER_MOD', xid: xid++, command: 0, flags: 1 | 8, meter_id: 1, bands: [{ type: 'DROP', rate: 1000, burst_size: 0 }] });
                send({ type: 'SET_CONFIG', xid: xid++, flags: 0, miss_send_len: 128 });
                send({ type: 'GET_CONFIG_REQUEST', xid: xid++ });
                for (const mp of ['DESC', 'TABLE', 'PORT_DESC', 'GROUP_DESC'] as const) send({ type: 'MULTIPART_REQUEST', xid: xid++, flags: 0, multipart: mp });
                send({ type: 'MULTIPART_REQUEST', xid: xid++, flags: 0, multipart: 'FLOW', ...any });
                send({ type: 'MULTIPART_REQUEST', xid: xid++, flags: 0, multipart: 'AGGREGATE', ...any });
                send({ type: 'MULTIPART_REQUEST', xid: xid++, flags: 0, multipart: 'PORT_STATS', port_no: OFPP_ANY });
                send({ type: 'MULTIPART_REQUEST', xid: xid++, flags: 0, multipart: 'QUEUE', port_no: OFPP_ANY, queue_id: 0xffffffff });
                send({ type: 'MULTIPART_REQUEST', xid: xid++, flags: 0, multipart: 'GROUP', group_id: 0xfffffffc });
                send({ type: 'MULTIPART_REQUEST', xid: xid++, flags: 0, multipart: 'METER', meter_id: 0xffffffff });
                send({ type: 'ROLE_REQUEST', xid: xid++, role: 2, generation_id: 1n });
                send({ type: 'GET_ASYNC_REQUEST', xid: xid++ });
                send({ type: 'SET_ASYNC', xid: xid++, packet_in_mask: [3, 0], port_status_mask: [7, 7], flow_removed_mask: [15, 0] });
                send({ type: 'ECHO_REQUEST', xid: xid++, data: Buffer.from('op25b') });
                send({ type: 'QUEUE_GET_CONFIG_REQUEST', xid: xid++, port: 1 });
                send({ type: 'TABLE_MOD', xid: xid++, table_id: 0xff, config: 0 });
              }
              if (msg.type === 'MULTIPART_REPLY' && msg.multipart === 'PORT_DESC') {
                // PORT_MOD must carry the port's own hw_addr; OVS answers with PORT_STATUS.
                const p1 = msg.body.find((p) => p.port_no === 1)!;
                send({ type: 'PORT_MOD', xid: xid++, port_no: 1, hw_addr: p1.hw_addr, config: OFPPC_PORT_DOWN, mask: OFPPC_PORT_DOWN, advertise: 0 });
                // A frame sent to the controller port comes back as PACKET_IN (reason OFPR_ACTION).
                send({ type: 'PACKET_OUT', xid: xid++, buffer_id: OFP_NO_BUFFER, in_port: OFPP_CONTROLLER,
                  actions: [{ type: 'OUTPUT', port: OFPP_CONTROLLER, max_len: OFPCML_NO_BUFFER }], data: FRAME });
                send(flowMod({ xid: xid++, command: OFPFC_DELETE, table_id: 0xff }));
                send({ type: 'BARRIER_REQUEST', xid: 999 });
                // A new port: OVS announces it with PORT_STATUS (OFPPR_ADD).
                spawnSync('ovs-vsctl', ['add-port', BRIDGE, `${BRIDGE}p2`, '--', 'set', 'interface', `${BRIDGE}p2`, 'type=internal', 'ofport_request=2']);
              }
              // FLOW_REMOVED may follow the barrier reply: wait for both (at most 3 s after the barrier).
              if (msg.type === 'BARRIER_REPLY' && msg.xid === 999) {
                barrier = true;
                setTimeout(() => { sock.destroy(); resolve(); }, 3000);
              }
              if (barrier && ['FLOW_REMOVED', 'PACKET_IN', 'PORT_STATUS'].every((t) => seen.some((x) => x.msg.type === t))) { sock.destroy(); resolve(); }
            }
          } catch (e) { reject(e); }
        });
      });
      server.listen(0, '127.0.0.1', () => {
        const port = (server!.address() as net.AddressInfo).port;
        spawnSync('ovs-vsctl', ['--if-exists', 'del-br', BRIDGE]);
        const r = spawnSync('ovs-vsctl', ['add-br', BRIDGE, '--', 'set', 'bridge', BRIDGE, 'datapath_type=netdev', 'protocols=OpenFlow13',
          'fail-mode=secure', '--', 'add-port', BRIDGE, `${BRIDGE}p1`, '--', 'set', 'interface', `${BRIDGE}p1`, 'type=internal',
          'ofport_request=1', '--', 'set-controller', BRIDGE, `tcp:127.0.0.1:${port}`], { encoding: 'utf8' });
        if (r.status !== 0) reject(new Error(`ovs-vsctl add-br failed: ${r.stderr}`));
      });
    });
    await done;
    const errors = seen.filter((s) => s.msg.type === 'ERROR');
    assert.deepStrictEqual(errors.map((s) => s.msg), [], 'OVS refused something we sent');
    for (const { msg, raw } of seen) {
      const again = encode(msg);
      assert.equal(firstDiff(again, raw), -1, `${msg.type} re-encodes differently at offset ${firstDiff(again, raw)}`);
    }
    const kinds = new Set(seen.map(({ msg }) => msg.type + ('multipart' in msg ? ' ' + msg.multipart : '')));
    for (const k of ['FEATURES_REPLY', 'GET_CONFIG_REPLY', 'PORT_STATUS', 'PACKET_IN', 'ROLE_REPLY', 'GET_ASYNC_REPLY', 'ECHO_REPLY', 'FLOW_REMOVED', 'OPAQUE',
      'MULTIPART_REPLY DESC', 'MULTIPART_REPLY TABLE', 'MULTIPART_REPLY PORT_DESC', 'MULTIPART_REPLY GROUP_DESC', 'MULTIPART_REPLY FLOW',
      'MULTIPART_REPLY AGGREGATE', 'MULTIPART_REPLY PORT_STATS', 'MULTIPART_REPLY QUEUE', 'MULTIPART_REPLY GROUP', 'MULTIPART_REPLY METER']) {
      assert.ok(kinds.has(k), `no ${k} from OVS (saw ${[...kinds].join(', ')})`);
    }
    const flows = seen.find(({ msg }) => msg.type === 'MULTIPART_REPLY' && msg.multipart === 'FLOW')!.msg as MultipartReply & { multipart: 'FLOW' };
    const drop = flows.body.find((f) => f.priority === 20000)!;
    assert.deepStrictEqual(drop.match, buildMatch({ in_port: 1, eth_type: 0x0800, ip_proto: 6, tcp_dst: 25 }));
    assert.equal(drop.cookie, 0x0b25100000000003n);
    const removed = seen.find(({ msg }) => msg.type === 'FLOW_REMOVED')!.msg as FlowRemoved;
    assert.equal(removed.cookie, 0x0b25100000000003n);
    const pin = seen.find(({ msg }) => msg.type === 'PACKET_IN')!.msg as PacketIn;
    assert.deepStrictEqual(pin.data, FRAME);
    const ps = seen.find(({ msg }) => msg.type === 'PORT_STATUS' && msg.reason === OFPPR_ADD)!.msg as PortStatus;
    assert.equal(ps.desc.port_no, 2);
    assert.equal(ps.desc.name, `${BRIDGE}p2`);
  });
});
