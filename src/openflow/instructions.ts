/**
 * Instructions (spec 7.2.4). Every instruction starts with type u16, len u16;
 * len covers the whole instruction and is a multiple of 8.
 *
 *   GOTO_TABLE       8: table_id u8, pad 3
 *   WRITE_METADATA  24: pad 4, metadata u64, metadata_mask u64
 *   WRITE_ACTIONS / APPLY_ACTIONS / CLEAR_ACTIONS: pad 4, then actions (8 + actions)
 *   METER            8: meter_id u32
 *   EXPERIMENTER      : experimenter u32, then data
 */

import { OfError } from './errors';
import type { Instruction } from './types';
import type { Reader, Writer } from './buffer';
import * as buffer from './buffer';
import * as constants from './constants';
import * as actions from './actions';

// Imported bindings are copied to module-level constants: under tsx (esbuild's CommonJS
// output) every use of an imported name is a getter call, measurable on the hot path.
const { OFPIT } = constants;
const { zero, put8, put16, put32, get16, get32 } = buffer;
const { readActions, writeActions } = actions;

export const OFP_INSTRUCTION_GOTO_TABLE_LEN = 8;
export const OFP_INSTRUCTION_WRITE_METADATA_LEN = 24;
export const OFP_INSTRUCTION_ACTIONS_LEN = 8;
export const OFP_INSTRUCTION_METER_LEN = 8;

export function writeInstruction(w: Writer, ins: Instruction): void {
  const start = w.pos;
  w.ensure(24);
  const b = w.buf;
  switch (ins.type) {
    case 'GOTO_TABLE':
      put16(b, start, OFPIT.GOTO_TABLE);
      put16(b, start + 2, OFP_INSTRUCTION_GOTO_TABLE_LEN);
      put8(b, start + 4, ins.table_id);
      zero(b, start + 5, start + 8);
      w.pos = start + 8;
      return;
    case 'WRITE_METADATA':
      put16(b, start, OFPIT.WRITE_METADATA);
      put16(b, start + 2, OFP_INSTRUCTION_WRITE_METADATA_LEN);
      zero(b, start + 4, start + 8);
      w.pos = start + 8;
      w.u64(ins.metadata);
      w.u64(ins.metadata_mask);
      return;
    case 'WRITE_ACTIONS': case 'APPLY_ACTIONS':
      put16(b, start, OFPIT[ins.type]);
      zero(b, start + 4, start + 8);
      w.pos = start + 8;
      writeActions(w, ins.actions);
      w.patchU16(start + 2, w.pos - start);
      return;
    case 'CLEAR_ACTIONS':
      put16(b, start, OFPIT.CLEAR_ACTIONS);
      put16(b, start + 2, OFP_INSTRUCTION_ACTIONS_LEN);
      zero(b, start + 4, start + 8);
      w.pos = start + 8;
      return;
    case 'METER':
      put16(b, start, OFPIT.METER);
      put16(b, start + 2, OFP_INSTRUCTION_METER_LEN);
      put32(b, start + 4, ins.meter_id);
      w.pos = start + 8;
      return;
    case 'EXPERIMENTER':
      put16(b, start, OFPIT.EXPERIMENTER);
      put32(b, start + 4, ins.experimenter);
      w.pos = start + 8;
      w.bytes(ins.data);
      w.endTlv(start);
      return;
    case 'OPAQUE':
      put16(b, start, ins.instruction_type);
      w.pos = start + 4;
      w.bytes(ins.data);
      w.endTlv(start);
      return;
    default:
      throw new OfError('OF_ERR_BAD_ARGUMENT', `unknown instruction type ${JSON.stringify((ins as { type: unknown }).type)}`);
  }
}

export function writeInstructions(w: Writer, list: readonly Instruction[]): void {
  for (let i = 0; i < list.length; i++) writeInstruction(w, list[i]!);
}


export function readInstruction(r: Reader): Instruction {
  const start = r.pos;
  r.need(4, 'instruction header');
  const b = r.buf;
  const type = get16(b, start);
  const len = get16(b, start + 2);
  r.tlv('instruction', type, len, start);
  const end = start + len;
  let ins: Instruction;
  switch (type) {
    case OFPIT.GOTO_TABLE:
      r.tlvFixed('instruction', type, len, OFP_INSTRUCTION_GOTO_TABLE_LEN, start);
      ins = { type: 'GOTO_TABLE', table_id: b[start + 4]! };
      break;
    case OFPIT.WRITE_METADATA:
      r.tlvFixed('instruction', type, len, OFP_INSTRUCTION_WRITE_METADATA_LEN, start);
      r.pos = start + 8;
      ins = { type: 'WRITE_METADATA', metadata: r.u64(), metadata_mask: r.u64() };
      break;
    case OFPIT.WRITE_ACTIONS: case OFPIT.APPLY_ACTIONS:
      r.pos = start + 8;
      ins = { type: type === OFPIT.WRITE_ACTIONS ? 'WRITE_ACTIONS' : 'APPLY_ACTIONS', actions: readActions(r, end) };
      break;
    case OFPIT.CLEAR_ACTIONS:
      r.tlvFixed('instruction', type, len, OFP_INSTRUCTION_ACTIONS_LEN, start);
      ins = { type: 'CLEAR_ACTIONS' };
      break;
    case OFPIT.METER:
      r.tlvFixed('instruction', type, len, OFP_INSTRUCTION_METER_LEN, start);
      ins = { type: 'METER', meter_id: get32(b, start + 4) };
      break;
    case OFPIT.EXPERIMENTER:
      ins = { type: 'EXPERIMENTER', experimenter: get32(b, start + 4), data: Buffer.from(b.subarray(start + 8, end)) };
      break;
    default:
      ins = { type: 'OPAQUE', instruction_type: type, data: Buffer.from(b.subarray(start + 4, end)) };
  }
  r.pos = end;
  return ins;
}

export function readInstructions(r: Reader, end: number): Instruction[] {
  if (end > r.end) r.fail('OF_ERR_TRUNCATED', `instruction list needs ${end - r.pos} bytes, ${r.end - r.pos} left`);
  const outerEnd = r.end;
  r.end = end;
  const out: Instruction[] = [];
  while (r.pos < end) out.push(readInstruction(r));
  r.end = outerEnd;
  return out;
}
