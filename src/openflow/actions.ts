/**
 * Actions (spec 7.2.5). Every action starts with type u16 and len u16; len
 * covers the whole action and is a multiple of 8.
 *
 *   OUTPUT        16: port u32, max_len u16, pad 6
 *   SET_FIELD      : one OXM TLV, zero-padded to a multiple of 8
 *   EXPERIMENTER   : experimenter u32, then data (len multiple of 8)
 *   all others     8: one argument of 1, 2 or 4 bytes, or none, zero-padded
 *
 * Unknown action types are kept as OPAQUE (the body after the 4-byte header).
 */

import { OfError } from './errors';
import type { Action } from './types';
import type { Reader, Writer } from './buffer';
import * as buffer from './buffer';
import * as constants from './constants';
import * as oxm from './oxm';

// Imported bindings are copied to module-level constants: under tsx (esbuild's CommonJS
// output) every use of an imported name is a getter call, measurable on the hot path.
const { OFPAT } = constants;
const { zero, put8, put16, put32, get16, get32 } = buffer;
const { readOxm, writeOxm } = oxm;

export const OFP_ACTION_HEADER_LEN = 8;
export const OFP_ACTION_OUTPUT_LEN = 16;
export const OFP_ACTION_EXPERIMENTER_HEADER_LEN = 8;

export function writeAction(w: Writer, a: Action): void {
  const start = w.pos;
  w.ensure(16);
  const b = w.buf;
  switch (a.type) {
    case 'OUTPUT':
      put16(b, start, OFPAT.OUTPUT);
      put16(b, start + 2, OFP_ACTION_OUTPUT_LEN);
      put32(b, start + 4, a.port);
      put16(b, start + 8, a.max_len);
      zero(b, start + 10, start + 16);
      w.pos = start + OFP_ACTION_OUTPUT_LEN;
      return;
    case 'COPY_TTL_OUT': case 'COPY_TTL_IN': case 'DEC_MPLS_TTL': case 'POP_VLAN':
    case 'DEC_NW_TTL': case 'POP_PBB':
      put16(b, start, OFPAT[a.type]);
      put16(b, start + 2, 8);
      zero(b, start + 4, start + 8);
      w.pos = start + 8;
      return;
    case 'SET_MPLS_TTL': case 'SET_NW_TTL':
      put16(b, start, OFPAT[a.type]);
      put16(b, start + 2, 8);
      put8(b, start + 4, a.type === 'SET_MPLS_TTL' ? a.mpls_ttl : a.nw_ttl);
      zero(b, start + 5, start + 8);
      w.pos = start + 8;
      return;
    case 'PUSH_VLAN': case 'PUSH_MPLS': case 'POP_MPLS': case 'PUSH_PBB':
      put16(b, start, OFPAT[a.type]);
      put16(b, start + 2, 8);
      put16(b, start + 4, a.ethertype);
      zero(b, start + 6, start + 8);
      w.pos = start + 8;
      return;
    case 'SET_QUEUE': case 'GROUP':
      put16(b, start, OFPAT[a.type]);
      put16(b, start + 2, 8);
      put32(b, start + 4, a.type === 'SET_QUEUE' ? a.queue_id : a.group_id);
      w.pos = start + 8;
      return;
    case 'SET_FIELD':
      put16(b, start, OFPAT.SET_FIELD);
      w.pos = start + 4;
      writeOxm(w, a.field);
      w.endTlv(start);
      return;
    case 'EXPERIMENTER':
      put16(b, start, OFPAT.EXPERIMENTER);
      put32(b, start + 4, a.experimenter);
      w.pos = start + 8;
      w.bytes(a.data);
      w.endTlv(start);
      return;
    case 'OPAQUE':
      put16(b, start, a.action_type);
      w.pos = start + 4;
      w.bytes(a.data);
      w.endTlv(start);
      return;
    default:
      throw new OfError('OF_ERR_BAD_ARGUMENT', `unknown action type ${JSON.stringify((a as { type: unknown }).type)}`);
  }
}

export function writeActions(w: Writer, actions: readonly Action[]): void {
  for (let i = 0; i < actions.length; i++) writeAction(w, actions[i]!);
}


/** Reads one action at r.pos; r.end bounds the action list. */
export function readAction(r: Reader): Action {
  const start = r.pos;
  r.need(4, 'action header');
  const b = r.buf;
  const type = get16(b, start);
  const len = get16(b, start + 2);
  r.tlv('action', type, len, start);
  const end = start + len;
  let a: Action;
  switch (type) {
    case OFPAT.OUTPUT:
      r.tlvFixed('action', type, len, OFP_ACTION_OUTPUT_LEN, start);
      a = { type: 'OUTPUT', port: get32(b, start + 4), max_len: get16(b, start + 8) };
      break;
    case OFPAT.COPY_TTL_OUT: r.tlvFixed('action', type, len, 8, start); a = { type: 'COPY_TTL_OUT' }; break;
    case OFPAT.COPY_TTL_IN: r.tlvFixed('action', type, len, 8, start); a = { type: 'COPY_TTL_IN' }; break;
    case OFPAT.DEC_MPLS_TTL: r.tlvFixed('action', type, len, 8, start); a = { type: 'DEC_MPLS_TTL' }; break;
    case OFPAT.POP_VLAN: r.tlvFixed('action', type, len, 8, start); a = { type: 'POP_VLAN' }; break;
    case OFPAT.DEC_NW_TTL: r.tlvFixed('action', type, len, 8, start); a = { type: 'DEC_NW_TTL' }; break;
    case OFPAT.POP_PBB: r.tlvFixed('action', type, len, 8, start); a = { type: 'POP_PBB' }; break;
    case OFPAT.SET_MPLS_TTL: r.tlvFixed('action', type, len, 8, start); a = { type: 'SET_MPLS_TTL', mpls_ttl: b[start + 4]! }; break;
    case OFPAT.SET_NW_TTL: r.tlvFixed('action', type, len, 8, start); a = { type: 'SET_NW_TTL', nw_ttl: b[start + 4]! }; break;
    case OFPAT.PUSH_VLAN: r.tlvFixed('action', type, len, 8, start); a = { type: 'PUSH_VLAN', ethertype: get16(b, start + 4) }; break;
    case OFPAT.PUSH_MPLS: r.tlvFixed('action', type, len, 8, start); a = { type: 'PUSH_MPLS', ethertype: get16(b, start + 4) }; break;
    case OFPAT.POP_MPLS: r.tlvFixed('action', type, len, 8, start); a = { type: 'POP_MPLS', ethertype: get16(b, start + 4) }; break;
    case OFPAT.PUSH_PBB: r.tlvFixed('action', type, len, 8, start); a = { type: 'PUSH_PBB', ethertype: get16(b, start + 4) }; break;
    case OFPAT.SET_QUEUE: r.tlvFixed('action', type, len, 8, start); a = { type: 'SET_QUEUE', queue_id: get32(b, start + 4) }; break;
    case OFPAT.GROUP: r.tlvFixed('action', type, len, 8, start); a = { type: 'GROUP', group_id: get32(b, start + 4) }; break;
    case OFPAT.SET_FIELD: {
      const outerEnd = r.end;
      r.end = end;
      r.pos = start + 4;
      const field = readOxm(r);
      // What is left must be padding: the TLV plus header padded to 8.
      if (((r.pos - start + 7) & ~7) !== len) r.fail('OF_ERR_BAD_LEN', `SET_FIELD length ${len} does not fit its OXM TLV`, start + 2);
      r.end = outerEnd;
      a = { type: 'SET_FIELD', field };
      break;
    }
    case OFPAT.EXPERIMENTER:
      a = { type: 'EXPERIMENTER', experimenter: get32(b, start + 4), data: Buffer.from(b.subarray(start + 8, end)) };
      break;
    default:
      a = { type: 'OPAQUE', action_type: type, data: Buffer.from(b.subarray(start + 4, end)) };
  }
  r.pos = end;
  return a;
}

/** Reads actions until `end` (absolute). */
export function readActions(r: Reader, end: number): Action[] {
  if (end > r.end) r.fail('OF_ERR_TRUNCATED', `action list needs ${end - r.pos} bytes, ${r.end - r.pos} left`);
  const outerEnd = r.end;
  r.end = end;
  const out: Action[] = [];
  while (r.pos < end) out.push(readAction(r));
  r.end = outerEnd;
  return out;
}
