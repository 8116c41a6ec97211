/**
 * OpenFlow 1.3 message codec: encode(msg) -> Buffer, decode(Buffer) -> msg.
 *
 * Every message starts with ofp_header (8 bytes): version u8 (0x04),
 * type u8 (OFPT_*), length u16 (whole message, header included), xid u32.
 * The encoder reserves the header, writes the body and patches the length;
 * nested lengths (match, actions, instructions, buckets, bands, stats entries)
 * are patched the same way. Fixed-size structures are written once against
 * the spec's sizes, below (OFP_*_LEN), and tests assert the encoder produces
 * exactly them.
 *
 * decode() takes exactly one whole message (what Framer.push returns) and
 * throws OfError: OF_ERR_TRUNCATED (a structure needs more bytes than the
 * message has), OF_ERR_BAD_LEN (a length field that disagrees with the
 * bytes), OF_ERR_BAD_VERSION (not 0x04, HELLO and ERROR excepted: version
 * negotiation, spec 6.3.1, exchanges those across versions), OF_ERR_BAD_VALUE.
 */

import { OfError, type OfHeaderSoFar } from './errors';
import type {
  Action, AsyncConfig, Bucket, Desc, FlowStats, GroupDesc, GroupStats, HelloElement, MeterBand, MeterStats,
  MultipartReply, MultipartRequest, OfMessage, Port, PortStats, QueueStats, TableStats,
} from './types';
import * as buffer from './buffer';
import type { Reader, Writer } from './buffer';
import * as constants from './constants';
import * as matchMod from './match';
import * as actionsMod from './actions';
import * as instructionsMod from './instructions';
import * as addr from './addr';

// Imported bindings are copied to module-level constants: under tsx (esbuild's CommonJS
// output) every use of an imported name is a getter call, measurable on the hot path.
const { OFP_HEADER_LEN, OFPMP, OFPT, OFP_VERSION_1_3, OFPHET_VERSIONBITMAP, OFPET_EXPERIMENTER, OFPMBT_DROP, OFPMBT_DSCP_REMARK, OFPMBT_EXPERIMENTER } = constants;
const { readMatch, writeMatch } = matchMod;
const { readActions, writeActions } = actionsMod;
const { readInstructions, writeInstructions } = instructionsMod;
const { readMac, writeMac } = addr;
const ReaderClass = buffer.Reader;
const { zero, put8, put16, put32, get16, get32 } = buffer;
const WriterClass = buffer.Writer;

// ---------------------------------------------------------------------------
// Structure sizes (spec 1.3.5, section 7; each checked by the tests)


export const OFP_HELLO_ELEM_HEADER_LEN = 4;
export const OFP_ERROR_MSG_LEN = 12;
export const OFP_ERROR_EXPERIMENTER_MSG_LEN = 16;
export const OFP_EXPERIMENTER_HEADER_LEN = 16;
export const OFP_SWITCH_FEATURES_LEN = 32;
export const OFP_SWITCH_CONFIG_LEN = 12;
export const OFP_PORT_LEN = 64;
export const OFP_PORT_STATUS_LEN = 80;
/** ofp_packet_in with an empty match and the 2 pad bytes (34 = 24 + 8 + 2). */
export const OFP_PACKET_IN_LEN = 34;
export const OFP_FLOW_REMOVED_LEN = 56;
export const OFP_PACKET_OUT_LEN = 24;
/** ofp_flow_mod with an empty (8-byte) match. */
export const OFP_FLOW_MOD_LEN = 56;
export const OFP_GROUP_MOD_LEN = 16;
export const OFP_BUCKET_LEN = 16;
export const OFP_PORT_MOD_LEN = 40;
export const OFP_TABLE_MOD_LEN = 16;
export const OFP_METER_MOD_LEN = 16;
export const OFP_METER_BAND_LEN = 16;
export const OFP_MULTIPART_HEADER_LEN = 16;
export const OFP_DESC_LEN = 1056;
/** ofp_flow_stats_request / ofp_aggregate_stats_request with an empty match. */
export const OFP_FLOW_STATS_REQUEST_LEN = 40;
export const OFP_FLOW_STATS_LEN = 56;
export const OFP_AGGREGATE_STATS_REPLY_LEN = 24;
export const OFP_TABLE_STATS_LEN = 24;
export const OFP_PORT_STATS_REQUEST_LEN = 8;
export const OFP_PORT_STATS_LEN = 112;
export const OFP_QUEUE_STATS_REQUEST_LEN = 8;
export const OFP_QUEUE_STATS_LEN = 40;
export const OFP_GROUP_STATS_REQUEST_LEN = 8;
export const OFP_GROUP_STATS_LEN = 40;
export const OFP_BUCKET_COUNTER_LEN = 16;
export const OFP_GROUP_DESC_LEN = 8;
export const OFP_METER_MULTIPART_REQUEST_LEN = 8;
export const OFP_METER_STATS_LEN = 40;
export const OFP_METER_BAND_STATS_LEN = 16;
export const OFP_ROLE_REQUEST_LEN = 24;
export const OFP_ASYNC_CONFIG_LEN = 32;
export const OFP_QUEUE_GET_CONFIG_REQUEST_LEN = 16;

const DESC_STR_LEN = 256;
const SERIAL_NUM_LEN = 32;
const OFP_MAX_PORT_NAME_LEN = 16;

// ---------------------------------------------------------------------------
// Encoding

const W = new WriterClass(32 * 1024);

function badArg(msg: string): never {
  throw new OfError('OF_ERR_BAD_ARGUMENT', msg);
}

function writePort(w: Writer, p: Port): void {
  const s = w.pos;
  w.ensure(OFP_PORT_LEN);
  const b = w.buf;
  put32(b, s, p.port_no);
  zero(b, s + 4, s + 8);
  writeMac(b, s + 8, p.hw_addr);
  zero(b, s + 14, s + 16);
  w.pos = s + 16;
  w.str(p.name, OFP_MAX_PORT_NAME_LEN);
  w.u32(p.config); w.u32(p.state); w.u32(p.curr); w.u32(p.advertised);
  w.u32(p.supported); w.u32(p.peer); w.u32(p.curr_speed); w.u32(p.max_speed);
}

function writeBucket(w: Writer, bk: Bucket): void {
  const s = w.pos;
  w.ensure(OFP_BUCKET_LEN);
  put16(w.buf, s + 2, bk.weight);
  put32(w.buf, s + 4, bk.watch_port);
  put32(w.buf, s + 8, bk.watch_group);
  zero(w.buf, s + 12, s + 16);
  w.pos = s + OFP_BUCKET_LEN;
  writeActions(w, bk.actions);
  w.patchU16(s, w.pos - s);
}

function writeBand(w: Writer, band: MeterBand): void {
  const s = w.pos;
  w.ensure(OFP_METER_BAND_LEN);
  const b = w.buf;
  put32(b, s + 4, band.rate);
  put32(b, s + 8, band.burst_size);
  switch (band.type) {
    case 'DROP':
      put16(b, s, OFPMBT_DROP);
      zero(b, s + 12, s + 16);
      w.pos = s + 16;
      break;
    case 'DSCP_REMARK':
      put16(b, s, OFPMBT_DSCP_REMARK);
      put8(b, s + 12, band.prec_level);
      zero(b, s + 13, s + 16);
      w.pos = s + 16;
      break;
    case 'EXPERIMENTER':
      put16(b, s, OFPMBT_EXPERIMENTER);
      put32(b, s + 12, band.experimenter);
      w.pos = s + 16;
      break;
    case 'OPAQUE':
      put16(b, s, band.band_type);
      w.pos = s + 12;
      w.bytes(band.data);
      w.pad8(s);
      break;
    default:
      badArg(`unknown meter band type ${JSON.stringify((band as { type: unknown }).type)}`);
  }
  w.patchU16(s + 2, w.pos - s);
}

function writeFlowStatsRequest(w: Writer, m: { table_id: number; out_port: number; out_group: number; cookie: bigint; cookie_mask: bigint; match: OfMatchArg }): void {
  w.u8(m.table_id); w.zeros(3);
  w.u32(m.out_port); w.u32(m.out_group); w.zeros(4);
  w.u64(m.cookie); w.u64(m.cookie_mask);
  writeMatch(w, m.match);
}
type OfMatchArg = Parameters<typeof writeMatch>[1];

function writeMultipartRequest(w: Writer, m: MultipartRequest): void {
  const mpType = m.multipart === 'OPAQUE' ? m.multipart_type : OFPMP[m.multipart];
  if (mpType === undefined) badArg(`unknown multipart ${JSON.stringify(m.multipart)}`);
  w.u16(mpType); w.u16(m.flags); w.zeros(4);
  switch (m.multipart) {
    case 'DESC': case 'TABLE': case 'GROUP_DESC': case 'PORT_DESC':
      return;
    case 'FLOW': case 'AGGREGATE':
      writeFlowStatsRequest(w, m);
      return;
    case 'PORT_STATS':
      w.u32(m.port_no); w.zeros(4);
      return;
    case 'QUEUE':
      w.u32(m.port_no); w.u32(m.queue_id);
      return;
    case 'GROUP':
      w.u32(m.group_id); w.zeros(4);
      return;
    case 'METER':
      w.u32(m.meter_id); w.zeros(4);
      return;
    case 'OPAQUE':
      w.bytes(m.data);
      return;
  }
}

function writeFlowStats(w: Writer, f: FlowStats): void {
  const s = w.pos;
  w.ensure(48);
  const b = w.buf;
  put8(b, s + 2, f.table_id);
  b[s + 3] = 0;
  put32(b, s + 4, f.duration_sec);
  put32(b, s + 8, f.duration_nsec);
  put16(b, s + 12, f.priority);
  put16(b, s + 14, f.idle_timeout);
  put16(b, s + 16, f.hard_timeout);
  put16(b, s + 18, f.flags);
  zero(b, s + 20, s + 24);
  w.pos = s + 24;
  w.u64(f.cookie); w.u64(f.packet_count); w.u64(f.byte_count);
  writeMatch(w, f.match);
  writeInstructions(w, f.instructions);
  w.patchU16(s, w.pos - s);
}

function writePortStats(w: Writer, p: PortStats): void {
  w.u32(p.port_no); w.zeros(4);
  w.u64(p.rx_packets); w.u64(p.tx_packets); w.u64(p.rx_bytes); w.u64(p.tx_bytes);
  w.u64(p.rx_dropped); w.u64(p.tx_dropped); w.u64(p.rx_errors); w.u64(p.tx_errors);
  w.u64(p.rx_frame_err); w.u64(p.rx_over_err); w.u64(p.rx_crc_err); w.u64(p.collisions);
  w.u32(p.duration_sec); w.u32(p.duration_nsec);
}

function writeMultipartReply(w: Writer, m: MultipartReply): void {
  const mpType = m.multipart === 'OPAQUE' ? m.multipart_type : OFPMP[m.multipart];
  if (mpType === undefined) badArg(`unknown multipart ${JSON.stringify(m.multipart)}`);
  w.u16(mpType); w.u16(m.flags); w.zeros(4);
  switch (m.multipart) {
    case 'DESC': {
      const d = m.body;
      w.str(d.mfr_desc, DESC_STR_LEN); w.str(d.hw_desc, DESC_STR_LEN); w.str(d.sw_desc, DESC_STR_LEN);
      w.str(d.serial_num, SERIAL_NUM_LEN); w.str(d.dp_desc, DESC_STR_LEN);
      return;
    }
    case 'FLOW':
      for (const f of m.body) writeFlowStats(w, f);
      return;
    case 'AGGREGATE':
      w.u64(m.body.packet_count); w.u64(m.body.byte_count); w.u32(m.body.flow_count); w.zeros(4);
      return;
    case 'TABLE':
      for (const t of m.body) { w.u8(t.table_id); w.zeros(3); w.u32(t.active_count); w.u64(t.lookup_count); w.u64(t.matched_count); }
      return;
    case 'PORT_STATS':
      for (const p of m.body) writePortStats(w, p);
      return;
    case 'QUEUE':
      for (const q of m.body) {
        w.u32(q.port_no); w.u32(q.queue_id); w.u64(q.tx_bytes); w.u64(q.tx_packets); w.u64(q.tx_errors);
        w.u32(q.duration_sec); w.u32(q.duration_nsec);
      }
      return;
    case 'GROUP':
      for (const g of m.body) {
        const s = w.pos;
        w.u16(0); w.zeros(2); w.u32(g.group_id); w.u32(g.ref_count); w.zeros(4);
        w.u64(g.packet_count); w.u64(g.byte_count); w.u32(g.duration_sec); w.u32(g.duration_nsec);
        for (const bs of g.bucket_stats) { w.u64(bs.packet_count); w.u64(bs.byte_count); }
        w.patchU16(s, w.pos - s);
      }
      return;
    case 'GROUP_DESC':
      for (const g of m.body) {
        const s = w.pos;
        w.u16(0); w.u8(g.type); w.zeros(1); w.u32(g.group_id);
        for (const bk of g.buckets) writeBucket(w, bk);
        w.patchU16(s, w.pos - s);
      }
      return;
    case 'METER':
      for (const ms of m.body) {
        const s = w.pos;
        w.u32(ms.meter_id); w.u16(0); w.zeros(6); w.u32(ms.flow_count);
        w.u64(ms.packet_in_count); w.u64(ms.byte_in_count); w.u32(ms.duration_sec); w.u32(ms.duration_nsec);
        for (const bs of ms.band_stats) { w.u64(bs.packet_band_count); w.u64(bs.byte_band_count); }
        w.patchU16(s + 4, w.pos - s);
      }
      return;
    case 'PORT_DESC':
      for (const p of m.body) writePort(w, p);
      return;
    case 'OPAQUE':
      w.bytes(m.data);
      return;
  }
}

function writeAsync(w: Writer, a: AsyncConfig): void {
  w.u32(a.packet_in_mask[0]); w.u32(a.packet_in_mask[1]);
  w.u32(a.port_status_mask[0]); w.u32(a.port_status_mask[1]);
  w.u32(a.flow_removed_mask[0]); w.u32(a.flow_removed_mask[1]);
}

function writeBody(w: Writer, msg: OfMessage): void {
  switch (msg.type) {
    case 'HELLO':
      for (const e of msg.elements) {
        const s = w.pos;
        if (e.type === 'VERSIONBITMAP') {
          w.u16(OFPHET_VERSIONBITMAP); w.u16(0);
          for (const bm of e.bitmaps) w.u32(bm);
        } else {
          w.u16(e.element_type); w.u16(0);
          w.bytes(e.data);
        }
        w.patchU16(s + 2, w.pos - s);
        w.pad8(s);
      }
      return;
    case 'ERROR':
      w.u16(msg.err_type);
      if (msg.err_type === OFPET_EXPERIMENTER) {
        w.u16(msg.exp_type ?? msg.code);
        w.u32(msg.experimenter ?? 0);
      } else {
        w.u16(msg.code);
      }
      w.bytes(msg.data);
      return;
    case 'ECHO_REQUEST': case 'ECHO_REPLY':
      w.bytes(msg.data);
      return;
    case 'EXPERIMENTER':
      w.u32(msg.experimenter); w.u32(msg.exp_type); w.bytes(msg.data);
      return;
    case 'FEATURES_REQUEST': case 'GET_CONFIG_REQUEST': case 'BARRIER_REQUEST': case 'BARRIER_REPLY':
    case 'GET_ASYNC_REQUEST':
      return;
    case 'FEATURES_REPLY':
      w.u64(msg.datapath_id); w.u32(msg.n_buffers); w.u8(msg.n_tables); w.u8(msg.auxiliary_id); w.zeros(2);
      w.u32(msg.capabilities); w.zeros(4);
      return;
    case 'GET_CONFIG_REPLY': case 'SET_CONFIG':
      w.u16(msg.flags); w.u16(msg.miss_send_len);
      return;
    case 'PACKET_IN':
      w.u32(msg.buffer_id); w.u16(msg.total_len); w.u8(msg.reason); w.u8(msg.table_id); w.u64(msg.cookie);
      writeMatch(w, msg.match);
      w.zeros(2);
      w.bytes(msg.data);
      return;
    case 'FLOW_REMOVED':
      w.u64(msg.cookie); w.u16(msg.priority); w.u8(msg.reason); w.u8(msg.table_id);
      w.u32(msg.duration_sec); w.u32(msg.duration_nsec); w.u16(msg.idle_timeout); w.u16(msg.hard_timeout);
      w.u64(msg.packet_count); w.u64(msg.byte_count);
      writeMatch(w, msg.match);
      return;
    case 'PORT_STATUS':
      w.u8(msg.reason); w.zeros(7);
      writePort(w, msg.desc);
      return;
    case 'PACKET_OUT': {
      w.u32(msg.buffer_id); w.u32(msg.in_port);
      const lenAt = w.pos;
      w.u16(0); w.zeros(6);
      writeActions(w, msg.actions);
      w.patchU16(lenAt, w.pos - lenAt - 8);
      w.bytes(msg.data);
      return;
    }
    case 'FLOW_MOD': {
      // 40 fixed bytes after the header, written in one bounds check.
      w.ensure(40);
      const b = w.buf;
      const s = w.pos;
      w.u64(msg.cookie); w.u64(msg.cookie_mask);
      put8(b, s + 16, msg.table_id);
      put8(b, s + 17, msg.command);
      put16(b, s + 18, msg.idle_timeout);
      put16(b, s + 20, msg.hard_timeout);
      put16(b, s + 22, msg.priority);
      put32(b, s + 24, msg.buffer_id);
      put32(b, s + 28, msg.out_port);
      put32(b, s + 32, msg.out_group);
      put16(b, s + 36, msg.flags);
      b[s + 38] = 0; b[s + 39] = 0;
      w.pos = s + 40;
      writeMatch(w, msg.match);
      writeInstructions(w, msg.instructions);
      return;
    }
    case 'GROUP_MOD':
      w.u16(msg.command); w.u8(msg.group_type); w.zeros(1); w.u32(msg.group_id);
      for (const bk of msg.buckets) writeBucket(w, bk);
      return;
    case 'PORT_MOD': {
      w.u32(msg.port_no); w.zeros(4);
      w.ensure(8);
      writeMac(w.buf, w.pos, msg.hw_addr);
      zero(w.buf, w.pos + 6, w.pos + 8);
      w.pos += 8;
      w.u32(msg.config); w.u32(msg.mask); w.u32(msg.advertise); w.zeros(4);
      return;
    }
    case 'TABLE_MOD':
      w.u8(msg.table_id); w.zeros(3); w.u32(msg.config);
      return;
    case 'METER_MOD':
      w.u16(msg.command); w.u16(msg.flags); w.u32(msg.meter_id);
      for (const band of msg.bands) writeBand(w, band);
      return;
    case 'MULTIPART_REQUEST':
      writeMultipartRequest(w, msg);
      return;
    case 'MULTIPART_REPLY':
      writeMultipartReply(w, msg);
      return;
    case 'QUEUE_GET_CONFIG_REQUEST':
      w.u32(msg.port); w.zeros(4);
      return;
    case 'ROLE_REQUEST': case 'ROLE_REPLY':
      w.u32(msg.role); w.zeros(4); w.u64(msg.generation_id);
      return;
    case 'GET_ASYNC_REPLY': case 'SET_ASYNC':
      writeAsync(w, msg);
      return;
    case 'OPAQUE':
      w.bytes(msg.data);
      return;
    default:
      badArg(`unknown message type ${JSON.stringify((msg as { type: unknown }).type)}`);
  }
}

function encodeInto(w: Writer, msg: OfMessage): void {
  const s = w.pos;
  const type = msg.type === 'OPAQUE' ? msg.msg_type : OFPT[msg.type];
  if (type === undefined) badArg(`unknown message type ${JSON.stringify(msg.type)}`);
  const version = msg.type === 'HELLO' ? msg.version : OFP_VERSION_1_3;
  w.ensure(OFP_HEADER_LEN);
  put8(w.buf, s, version);
  put8(w.buf, s + 1, type);
  put32(w.buf, s + 4, msg.xid >>> 0 === msg.xid ? msg.xid : badArg(`xid ${msg.xid} is not a 32-bit unsigned integer`));
  w.pos = s + OFP_HEADER_LEN;
  writeBody(w, msg);
  w.patchU16(s + 2, w.pos - s);
}

function asOfError(e: unknown): OfError {
  if (e instanceof OfError) return e;
  // Buffer's range checks (ERR_OUT_OF_RANGE, ERR_INVALID_ARG_TYPE) on a caller's value.
  const m = e instanceof Error ? e.message : String(e);
  return new OfError('OF_ERR_BAD_ARGUMENT', m);
}

/**
 * Encodes one message; every length and padding is computed. Throws OfError
 * OF_ERR_BAD_ARGUMENT for values that do not fit. The result may share an
 * underlying ArrayBuffer with other encoded messages (as Buffer.allocUnsafe's
 * pool does) but never overlaps one.
 */
export function encode(msg: OfMessage): Buffer {
  const start = W.begin();
  try {
    encodeInto(W, msg);
  } catch (e) {
    W.pos = start;
    throw asOfError(e);
  }
  const out = W.buf.subarray(start, W.pos);
  W.pos = (W.pos + 7) & ~7;
  return out;
}

/** Encodes several messages into one buffer (one write to the socket). */
export function encodeMany(msgs: readonly OfMessage[]): Buffer {
  const start = W.begin();
  try {
    for (let i = 0; i < msgs.length; i++) encodeInto(W, msgs[i]!);
  } catch (e) {
    W.pos = start;
    throw asOfError(e);
  }
  const out = W.buf.subarray(start, W.pos);
  W.pos = (W.pos + 7) & ~7;
  return out;
}

// ---------------------------------------------------------------------------
// Decoding

function readPort(r: Reader): Port {
  r.need(OFP_PORT_LEN, 'ofp_port');
  const s = r.pos;
  const b = r.buf;
  const port_no = get32(b, s);
  const hw_addr = readMac(b, s + 8);
  r.pos = s + 16;
  const name = r.str(OFP_MAX_PORT_NAME_LEN);
  const o = s + 32;
  const p: Port = {
    port_no, hw_addr, name,
    config: get32(b, o), state: get32(b, o + 4), curr: get32(b, o + 8),
    advertised: get32(b, o + 12), supported: get32(b, o + 16), peer: get32(b, o + 20),
    curr_speed: get32(b, o + 24), max_speed: get32(b, o + 28),
  };
  r.pos = s + OFP_PORT_LEN;
  return p;
}

/** A length field of a nested structure: at least `min`, within the message. */
function structLen(r: Reader, at: number, len: number, min: number, what: string): number {
  if (len < min) r.fail('OF_ERR_BAD_LEN', `${what} length ${len} < ${min}`, at);
  if (r.pos + len > r.end) r.fail('OF_ERR_TRUNCATED', `${what} length ${len}, ${r.end - r.pos} bytes left`, at);
  return r.pos + len;
}

function readBucket(r: Reader): Bucket {
  const s = r.pos;
  r.need(OFP_BUCKET_LEN, 'ofp_bucket');
  const b = r.buf;
  const end = structLen(r, s, get16(b, s), OFP_BUCKET_LEN, 'ofp_bucket');
  const weight = get16(b, s + 2);
  const watch_port = get32(b, s + 4);
  const watch_group = get32(b, s + 8);
  r.pos = s + OFP_BUCKET_LEN;
  const actions = readActions(r, end);
  return { weight, watch_port, watch_group, actions };
}

function readBand(r: Reader): MeterBand {
  const s = r.pos;
  r.need(12, 'ofp_meter_band');
  const b = r.buf;
  const type = get16(b, s);
  const end = structLen(r, s + 2, get16(b, s + 2), OFP_METER_BAND_LEN, 'ofp_meter_band');
  const len = end - s;
  // Bands, like actions, are multiples of 8 bytes (experimenter bands included).
  if ((len & 7) !== 0) r.fail('OF_ERR_BAD_LEN', `meter band length ${len} is not a multiple of 8`, s + 2);
  const rate = get32(b, s + 4);
  const burst_size = get32(b, s + 8);
  let band: MeterBand;
  if (len === OFP_METER_BAND_LEN && type === OFPMBT_DROP) band = { type: 'DROP', rate, burst_size };
  else if (len === OFP_METER_BAND_LEN && type === OFPMBT_DSCP_REMARK) band = { type: 'DSCP_REMARK', rate, burst_size, prec_level: b[s + 12]! };
  else if (len === OFP_METER_BAND_LEN && type === OFPMBT_EXPERIMENTER) band = { type: 'EXPERIMENTER', rate, burst_size, experimenter: get32(b, s + 12) };
  else if (type === OFPMBT_DROP || type === OFPMBT_DSCP_REMARK) r.fail('OF_ERR_BAD_LEN', `meter band type ${type} length ${len}, expected 16`, s + 2);
  else band = { type: 'OPAQUE', band_type: type, rate, burst_size, data: Buffer.from(b.subarray(s + 12, end)) };
  r.pos = end;
  return band;
}

function readFlowStats(r: Reader): FlowStats {
  const s = r.pos;
  r.need(OFP_FLOW_STATS_LEN, 'ofp_flow_stats');
  const b = r.buf;
  const end = structLen(r, s, get16(b, s), OFP_FLOW_STATS_LEN, 'ofp_flow_stats');
  const table_id = b[s + 2]!;
  const duration_sec = get32(b, s + 4);
  const duration_nsec = get32(b, s + 8);
  const priority = get16(b, s + 12);
  const idle_timeout = get16(b, s + 14);
  const hard_timeout = get16(b, s + 16);
  const flags = get16(b, s + 18);
  r.pos = s + 24;
  const cookie = r.u64();
  const packet_count = r.u64();
  const byte_count = r.u64();
  const outerEnd = r.end;
  r.end = end;
  const match = readMatch(r);
  r.end = outerEnd;
  const instructions = readInstructions(r, end);
  return { table_id, duration_sec, duration_nsec, priority, idle_timeout, hard_timeout, flags, cookie, packet_count, byte_count, match, instructions };
}

function readPortStats(r: Reader): PortStats {
  r.need(OFP_PORT_STATS_LEN, 'ofp_port_stats');
  const port_no = r.u32();
  r.skip(4);
  return {
    port_no,
    rx_packets: r.u64(), tx_packets: r.u64(), rx_bytes: r.u64(), tx_bytes: r.u64(),
    rx_dropped: r.u64(), tx_dropped: r.u64(), rx_errors: r.u64(), tx_errors: r.u64(),
    rx_frame_err: r.u64(), rx_over_err: r.u64(), rx_crc_err: r.u64(), collisions: r.u64(),
    duration_sec: r.u32(), duration_nsec: r.u32(),
  };
}

function readList<T>(r: Reader, one: (r: Reader) => T): T[] {
  const out: T[] = [];
  while (r.pos < r.end) out.push(one(r));
  return out;
}

function readFlowStatsRequest(r: Reader): { table_id: number; out_port: number; out_group: number; cookie: bigint; cookie_mask: bigint; match: ReturnType<typeof readMatch> } {
  r.need(32, 'ofp_flow_stats_request');
  const table_id = r.u8();
  r.skip(3);
  const out_port = r.u32();
  const out_group = r.u32();
  r.skip(4);
  const cookie = r.u64();
  const cookie_mask = r.u64();
  const match = readMatch(r);
  return { table_id, out_port, out_group, cookie, cookie_mask, match };
}

function mpName(t: number): keyof typeof OFPMP | undefined {
  switch (t) {
    case 0: return 'DESC';
    case 1: return 'FLOW';
    case 2: return 'AGGREGATE';
    case 3: return 'TABLE';
    case 4: return 'PORT_STATS';
    case 5: return 'QUEUE';
    case 6: return 'GROUP';
    case 7: return 'GROUP_DESC';
    case 9: return 'METER';
    case 13: return 'PORT_DESC';
    default: return undefined;
  }
}

function readMultipartRequest(r: Reader, xid: number): MultipartRequest {
  r.need(8, 'ofp_multipart_request');
  const t = r.u16();
  const flags = r.u16();
  r.skip(4);
  const head = { type: 'MULTIPART_REQUEST' as const, xid, flags };
  switch (mpName(t)) {
    case 'DESC': return { ...head, multipart: 'DESC' };
    case 'TABLE': return { ...head, multipart: 'TABLE' };
    case 'GROUP_DESC': return { ...head, multipart: 'GROUP_DESC' };
    case 'PORT_DESC': return { ...head, multipart: 'PORT_DESC' };
    case 'FLOW': return { ...head, multipart: 'FLOW', ...readFlowStatsRequest(r) };
    case 'AGGREGATE': return { ...head, multipart: 'AGGREGATE', ...readFlowStatsRequest(r) };
    case 'PORT_STATS': {
      const port_no = r.u32(); r.skip(4);
      return { ...head, multipart: 'PORT_STATS', port_no };
    }
    case 'QUEUE': {
      const port_no = r.u32();
      return { ...head, multipart: 'QUEUE', port_no, queue_id: r.u32() };
    }
    case 'GROUP': {
      const group_id = r.u32(); r.skip(4);
      return { ...head, multipart: 'GROUP', group_id };
    }
    case 'METER': {
      const meter_id = r.u32(); r.skip(4);
      return { ...head, multipart: 'METER', meter_id };
    }
    default:
      return { ...head, multipart: 'OPAQUE', multipart_type: t, data: r.rest() };
  }
}

function readMultipartReply(r: Reader, xid: number): MultipartReply {
  r.need(8, 'ofp_multipart_reply');
  const t = r.u16();
  const flags = r.u16();
  r.skip(4);
  const head = { type: 'MULTIPART_REPLY' as const, xid, flags };
  switch (mpName(t)) {
    case 'DESC': {
      r.need(OFP_DESC_LEN, 'ofp_desc');
      const body: Desc = {
        mfr_desc: r.str(DESC_STR_LEN), hw_desc: r.str(DESC_STR_LEN), sw_desc: r.str(DESC_STR_LEN),
        serial_num: r.str(SERIAL_NUM_LEN), dp_desc: r.str(DESC_STR_LEN),
      };
      return { ...head, multipart: 'DESC', body };
    }
    case 'FLOW':
      return { ...head, multipart: 'FLOW', body: readList(r, readFlowStats) };
    case 'AGGREGATE': {
      r.need(OFP_AGGREGATE_STATS_REPLY_LEN, 'ofp_aggregate_stats_reply');
      const packet_count = r.u64();
      const byte_count = r.u64();
      const flow_count = r.u32();
      r.skip(4);
      return { ...head, multipart: 'AGGREGATE', body: { packet_count, byte_count, flow_count } };
    }
    case 'TABLE':
      return {
        ...head, multipart: 'TABLE', body: readList(r, (rr): TableStats => {
          rr.need(OFP_TABLE_STATS_LEN, 'ofp_table_stats');
          const table_id = rr.u8(); rr.skip(3);
          return { table_id, active_count: rr.u32(), lookup_count: rr.u64(), matched_count: rr.u64() };
        }),
      };
    case 'PORT_STATS':
      return { ...head, multipart: 'PORT_STATS', body: readList(r, readPortStats) };
    case 'QUEUE':
      return {
        ...head, multipart: 'QUEUE', body: readList(r, (rr): QueueStats => {
          rr.need(OFP_QUEUE_STATS_LEN, 'ofp_queue_stats');
          return {
            port_no: rr.u32(), queue_id: rr.u32(), tx_bytes: rr.u64(), tx_packets: rr.u64(), tx_errors: rr.u64(),
            duration_sec: rr.u32(), duration_nsec: rr.u32(),
          };
        }),
      };
    case 'GROUP':
      return {
        ...head, multipart: 'GROUP', body: readList(r, (rr): GroupStats => {
          const s = rr.pos;
          rr.need(OFP_GROUP_STATS_LEN, 'ofp_group_stats');
          const end = structLen(rr, s, get16(rr.buf, s), OFP_GROUP_STATS_LEN, 'ofp_group_stats');
          if ((end - s - OFP_GROUP_STATS_LEN) % OFP_BUCKET_COUNTER_LEN !== 0) rr.fail('OF_ERR_BAD_LEN', `ofp_group_stats length ${end - s} leaves a partial bucket counter`, s);
          rr.pos = s + 4;
          const group_id = rr.u32();
          const ref_count = rr.u32();
          rr.skip(4);
          const g: GroupStats = {
            group_id, ref_count, packet_count: rr.u64(), byte_count: rr.u64(),
            duration_sec: rr.u32(), duration_nsec: rr.u32(), bucket_stats: [],
          };
          while (rr.pos < end) g.bucket_stats.push({ packet_count: rr.u64(), byte_count: rr.u64() });
          return g;
        }),
      };
    case 'GROUP_DESC':
      return {
        ...head, multipart: 'GROUP_DESC', body: readList(r, (rr): GroupDesc => {
          const s = rr.pos;
          rr.need(OFP_GROUP_DESC_LEN, 'ofp_group_desc');
          const end = structLen(rr, s, get16(rr.buf, s), OFP_GROUP_DESC_LEN, 'ofp_group_desc');
          const type = rr.buf[s + 2]!;
          const group_id = get32(rr.buf, s + 4);
          rr.pos = s + OFP_GROUP_DESC_LEN;
          const outerEnd = rr.end;
          rr.end = end;
          const buckets = readList(rr, readBucket);
          rr.end = outerEnd;
          return { type, group_id, buckets };
        }),
      };
    case 'METER':
      return {
        ...head, multipart: 'METER', body: readList(r, (rr): MeterStats => {
          const s = rr.pos;
          rr.need(OFP_METER_STATS_LEN, 'ofp_meter_stats');
          const meter_id = rr.u32();
          rr.pos = s;
          const end = structLen(rr, s + 4, get16(rr.buf, s + 4), OFP_METER_STATS_LEN, 'ofp_meter_stats');
          if ((end - s - OFP_METER_STATS_LEN) % OFP_METER_BAND_STATS_LEN !== 0) rr.fail('OF_ERR_BAD_LEN', `ofp_meter_stats length ${end - s} leaves a partial band stats entry`, s + 4);
          rr.pos = s + 12;
          const ms: MeterStats = {
            meter_id, flow_count: rr.u32(), packet_in_count: rr.u64(), byte_in_count: rr.u64(),
            duration_sec: rr.u32(), duration_nsec: rr.u32(), band_stats: [],
          };
          while (rr.pos < end) ms.band_stats.push({ packet_band_count: rr.u64(), byte_band_count: rr.u64() });
          return ms;
        }),
      };
    case 'PORT_DESC':
      return { ...head, multipart: 'PORT_DESC', body: readList(r, readPort) };
    default:
      return { ...head, multipart: 'OPAQUE', multipart_type: t, data: r.rest() };
  }
}

function readAsync(r: Reader): AsyncConfig {
  r.need(24, 'ofp_async_config');
  return {
    packet_in_mask: [r.u32(), r.u32()],
    port_status_mask: [r.u32(), r.u32()],
    flow_removed_mask: [r.u32(), r.u32()],
  };
}

function readHelloElements(r: Reader): HelloElement[] {
  const out: HelloElement[] = [];
  while (r.pos < r.end) {
    const s = r.pos;
    r.need(OFP_HELLO_ELEM_HEADER_LEN, 'hello element header');
    const type = get16(r.buf, s);
    const end = structLen(r, s + 2, get16(r.buf, s + 2), OFP_HELLO_ELEM_HEADER_LEN, 'hello element');
    if (type === OFPHET_VERSIONBITMAP) {
      if ((end - s) % 4 !== 0) r.fail('OF_ERR_BAD_LEN', `VERSIONBITMAP length ${end - s} is not a multiple of 4`, s + 2);
      const bitmaps: number[] = [];
      r.pos = s + 4;
      while (r.pos < end) bitmaps.push(r.u32());
      out.push({ type: 'VERSIONBITMAP', bitmaps });
    } else {
      out.push({ type: 'OPAQUE', element_type: type, data: Buffer.from(r.buf.subarray(s + 4, end)) });
    }
    // Elements are padded to 8 (spec 7.5.1); a last element without its padding is tolerated.
    r.pos = Math.min(s + ((end - s + 7) & ~7), r.end);
  }
  return out;
}

function readBody(r: Reader, type: number, version: number, xid: number): OfMessage {
  const b = r.buf;
  switch (type) {
    case OFPT.HELLO: {
      let elements: HelloElement[];
      if (version >= OFP_VERSION_1_3) {
        elements = readHelloElements(r);
      } else {
        // Before 1.3 the HELLO body had no defined elements: ignore what is there.
        try { elements = readHelloElements(r); } catch { elements = []; }
        r.pos = r.end;
      }
      return { type: 'HELLO', xid, version, elements };
    }
    case OFPT.ERROR: {
      r.need(4, 'ofp_error_msg');
      const err_type = r.u16();
      const code = r.u16();
      if (err_type === OFPET_EXPERIMENTER) {
        const experimenter = r.u32();
        return { type: 'ERROR', xid, err_type, code, exp_type: code, experimenter, data: r.rest() };
      }
      return { type: 'ERROR', xid, err_type, code, data: r.rest() };
    }
    case OFPT.ECHO_REQUEST: return { type: 'ECHO_REQUEST', xid, data: r.rest() };
    case OFPT.ECHO_REPLY: return { type: 'ECHO_REPLY', xid, data: r.rest() };
    case OFPT.EXPERIMENTER: {
      r.need(8, 'ofp_experimenter_header');
      const experimenter = r.u32();
      return { type: 'EXPERIMENTER', xid, experimenter, exp_type: r.u32(), data: r.rest() };
    }
    case OFPT.FEATURES_REQUEST: return { type: 'FEATURES_REQUEST', xid };
    case OFPT.FEATURES_REPLY: {
      r.need(24, 'ofp_switch_features');
      const datapath_id = r.u64();
      const n_buffers = r.u32();
      const n_tables = r.u8();
      const auxiliary_id = r.u8();
      r.skip(2);
      const capabilities = r.u32();
      r.skip(4);
      return { type: 'FEATURES_REPLY', xid, datapath_id, n_buffers, n_tables, auxiliary_id, capabilities };
    }
    case OFPT.GET_CONFIG_REQUEST: return { type: 'GET_CONFIG_REQUEST', xid };
    case OFPT.GET_CONFIG_REPLY: case OFPT.SET_CONFIG: {
      r.need(4, 'ofp_switch_config');
      const flags = r.u16();
      const miss_send_len = r.u16();
      return { type: type === OFPT.SET_CONFIG ? 'SET_CONFIG' : 'GET_CONFIG_REPLY', xid, flags, miss_send_len };
    }
    case OFPT.PACKET_IN: {
      r.need(16, 'ofp_packet_in');
      const buffer_id = r.u32();
      const total_len = r.u16();
      const reason = r.u8();
      const table_id = r.u8();
      const cookie = r.u64();
      const match = readMatch(r);
      r.skip(2);
      return { type: 'PACKET_IN', xid, buffer_id, total_len, reason, table_id, cookie, match, data: r.rest() };
    }
    case OFPT.FLOW_REMOVED: {
      r.need(40, 'ofp_flow_removed');
      const cookie = r.u64();
      const priority = r.u16();
      const reason = r.u8();
      const table_id = r.u8();
      const duration_sec = r.u32();
      const duration_nsec = r.u32();
      const idle_timeout = r.u16();
      const hard_timeout = r.u16();
      const packet_count = r.u64();
      const byte_count = r.u64();
      const match = readMatch(r);
      return {
        type: 'FLOW_REMOVED', xid, cookie, priority, reason, table_id, duration_sec, duration_nsec,
        idle_timeout, hard_timeout, packet_count, byte_count, match,
      };
    }
    case OFPT.PORT_STATUS: {
      r.need(8 + OFP_PORT_LEN, 'ofp_port_status');
      const reason = r.u8();
      r.skip(7);
      return { type: 'PORT_STATUS', xid, reason, desc: readPort(r) };
    }
    case OFPT.PACKET_OUT: {
      r.need(16, 'ofp_packet_out');
      const buffer_id = r.u32();
      const in_port = r.u32();
      const actionsLen = r.u16();
      r.skip(6);
      const actions: Action[] = readActions(r, r.pos + actionsLen);
      return { type: 'PACKET_OUT', xid, buffer_id, in_port, actions, data: r.rest() };
    }
    case OFPT.FLOW_MOD: {
      r.need(40, 'ofp_flow_mod');
      const s = r.pos;
      const cookie = r.u64();
      const cookie_mask = r.u64();
      const msg = {
        type: 'FLOW_MOD' as const, xid, cookie, cookie_mask,
        table_id: b[s + 16]!, command: b[s + 17]!,
        idle_timeout: get16(b, s + 18), hard_timeout: get16(b, s + 20),
        priority: get16(b, s + 22), buffer_id: get32(b, s + 24),
        out_port: get32(b, s + 28), out_group: get32(b, s + 32),
        flags: get16(b, s + 36),
        match: [] as ReturnType<typeof readMatch>,
        instructions: [] as ReturnType<typeof readInstructions>,
      };
      r.pos = s + 40;
      msg.match = readMatch(r);
      msg.instructions = readInstructions(r, r.end);
      return msg;
    }
    case OFPT.GROUP_MOD: {
      r.need(8, 'ofp_group_mod');
      const command = r.u16();
      const group_type = r.u8();
      r.skip(1);
      const group_id = r.u32();
      return { type: 'GROUP_MOD', xid, command, group_type, group_id, buckets: readList(r, readBucket) };
    }
    case OFPT.PORT_MOD: {
      r.need(32, 'ofp_port_mod');
      const port_no = r.u32();
      r.skip(4);
      const hw_addr = readMac(b, r.pos);
      r.skip(8);
      const config = r.u32();
      const mask = r.u32();
      const advertise = r.u32();
      r.skip(4);
      return { type: 'PORT_MOD', xid, port_no, hw_addr, config, mask, advertise };
    }
    case OFPT.TABLE_MOD: {
      r.need(8, 'ofp_table_mod');
      const table_id = r.u8();
      r.skip(3);
      return { type: 'TABLE_MOD', xid, table_id, config: r.u32() };
    }
    case OFPT.METER_MOD: {
      r.need(8, 'ofp_meter_mod');
      const command = r.u16();
      const flags = r.u16();
      const meter_id = r.u32();
      return { type: 'METER_MOD', xid, command, flags, meter_id, bands: readList(r, readBand) };
    }
    case OFPT.MULTIPART_REQUEST: return readMultipartRequest(r, xid);
    case OFPT.MULTIPART_REPLY: return readMultipartReply(r, xid);
    case OFPT.BARRIER_REQUEST: return { type: 'BARRIER_REQUEST', xid };
    case OFPT.BARRIER_REPLY: return { type: 'BARRIER_REPLY', xid };
    case OFPT.QUEUE_GET_CONFIG_REQUEST: {
      r.need(8, 'ofp_queue_get_config_request');
      const port = r.u32();
      r.skip(4);
      return { type: 'QUEUE_GET_CONFIG_REQUEST', xid, port };
    }
    case OFPT.ROLE_REQUEST: case OFPT.ROLE_REPLY: {
      r.need(16, 'ofp_role_request');
      const role = r.u32();
      r.skip(4);
      const generation_id = r.u64();
      return { type: type === OFPT.ROLE_REQUEST ? 'ROLE_REQUEST' : 'ROLE_REPLY', xid, role, generation_id };
    }
    case OFPT.GET_ASYNC_REQUEST: return { type: 'GET_ASYNC_REQUEST', xid };
    case OFPT.GET_ASYNC_REPLY: return { type: 'GET_ASYNC_REPLY', xid, ...readAsync(r) };
    case OFPT.SET_ASYNC: return { type: 'SET_ASYNC', xid, ...readAsync(r) };
    default:
      // QUEUE_GET_CONFIG_REPLY and types beyond 1.3: kept as bytes.
      return { type: 'OPAQUE', xid, msg_type: type, data: r.rest() };
  }
}

/**
 * Decodes exactly one whole message. The buffer's length must equal the
 * header's length field. Throws OfError only.
 */
export function decode(buf: Buffer): OfMessage {
  const header: OfHeaderSoFar = {};
  if (buf.length < OFP_HEADER_LEN) {
    throw new OfError('OF_ERR_TRUNCATED', `ofp_header needs 8 bytes, got ${buf.length}`, buf.length, header);
  }
  const version = buf[0]!;
  const type = buf[1]!;
  const length = get16(buf, 2);
  const xid = get32(buf, 4);
  header.version = version;
  header.type = type;
  header.length = length;
  header.xid = xid;
  if (length < OFP_HEADER_LEN) throw new OfError('OF_ERR_BAD_LEN', `header length ${length} < 8`, 2, header);
  if (buf.length < length) throw new OfError('OF_ERR_TRUNCATED', `header length ${length}, only ${buf.length} bytes`, buf.length, header);
  if (buf.length > length) throw new OfError('OF_ERR_BAD_LEN', `header length ${length}, but ${buf.length} bytes given (decode takes one message)`, length, header);
  if (version !== OFP_VERSION_1_3 && type !== OFPT.HELLO && type !== OFPT.ERROR) {
    throw new OfError('OF_ERR_BAD_VERSION', `version 0x${version.toString(16).padStart(2, '0')}, expected 0x04`, 0, header);
  }
  const r = new ReaderClass(buf, OFP_HEADER_LEN, length, header);
  const msg = readBody(r, type, version, xid);
  if (r.pos !== length) {
    throw new OfError('OF_ERR_BAD_LEN', `${length - r.pos} bytes after the end of the message body`, r.pos, header);
  }
  return msg;
}

/** Reads only the header of a raw message (Framer output): version, type, length, xid. */
export function peekHeader(buf: Buffer): { version: number; type: number; length: number; xid: number } {
  if (buf.length < OFP_HEADER_LEN) throw new OfError('OF_ERR_TRUNCATED', `ofp_header needs 8 bytes, got ${buf.length}`, buf.length);
  return { version: buf[0]!, type: buf[1]!, length: get16(buf, 2), xid: get32(buf, 4) };
}
