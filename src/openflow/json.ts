/**
 * Ryu's JSON form of OpenFlow 1.3 messages (os-ken's `to_jsondict()` /
 * `from_jsondict()`), both directions.
 *
 * A message is `{"<Ryu class>": {<fields>}}`; nested structures (match, OXM
 * TLVs, instructions, actions, buckets, bands, stats entries, ports) are
 * wrapped the same way. The output matches os-ken's exactly (checked against
 * the golden fixtures made by test/openflow/fixtures/gen_fixtures.py):
 *
 * - its class names, including one per multipart type (OFPFlowStatsRequest,
 *   OFPPortDescStatsReply...) and OFPSwitchFeatures for FEATURES_REPLY;
 * - its field set, including the length/type fields it keeps (`len`,
 *   `length`, `type`, `actions_len`): we write them computed, and ignore
 *   them on input;
 * - its key order (alphabetical for most classes, field order for the
 *   namedtuple ones: OFPPort, OFPDescStats, OFPTableStats, ...);
 * - bytes as base64 strings; 64-bit values as exact integers (see bigjson.ts:
 *   a number when below 2^53, else a bigint).
 *
 * Ryu's JSON carries no xid. `fromJsonDict` takes one as an argument, or from
 * an `"xid"` key inside the class object (our extension); `toJsonDict` writes
 * that key only when asked (`{ xid: true }`).
 *
 * Extensions where os-ken has no form (it drops or cannot parse these): an
 * unknown message is {"OFPUnknownMessage": {data, msg_type}}, an unknown
 * multipart body {"OFPUnknownStatsRequest"/"OFPUnknownStatsReply": {data,
 * flags, type}}, an opaque OXM {"OXMOpaque": {data, has_mask, oxm_class,
 * oxm_field}}, an unknown action {"OFPActionUnknown": {data, len, type}}, an
 * experimenter/unknown instruction {"OFPInstructionExperimenter"|
 * "OFPInstructionUnknown": ...}, an unknown meter band {"OFPMeterBandUnknown":
 * ...}, an unknown HELLO element {"OFPHelloElemUnknown": {data, length, type}}.
 */
import { OfError } from './errors';
import type {
  Action, Bucket, HelloElement, Instruction, Match, MeterBand, MultipartReply, MultipartRequest,
  OfMessage, OxmEntry, OxmValue, Port,
} from './types';
import { oxmFieldInfo, oxmSize } from './oxm';
import { formatIpv4, normalizeIpv6, parseIpv4, parseMac, formatMac } from './addr';

export type JsonDict = Record<string, unknown>;
export interface ToJsonOptions {
  /** Add `"xid"` inside the message's class object (not part of Ryu's form). */
  xid?: boolean;
}

// ---------------------------------------------------------------------------
// small helpers

function bad(path: string, what: string): never {
  throw new OfError('OF_ERR_BAD_JSON', `${path}: ${what}`);
}

/** 64-bit value in Ryu JSON: a number when exact, else bigint. */
function u64out(v: bigint): number | bigint {
  return v <= 9007199254740991n && v >= 0n ? Number(v) : v;
}

function b64(b: Buffer): string {
  return b.toString('base64');
}

const pad8 = (n: number): number => (n + 7) & ~7;

function isObj(v: unknown): v is JsonDict {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Unwraps {"Cls": {...}}; `allowed` lists the class names accepted here. */
function unwrap(v: unknown, path: string, allowed?: readonly string[]): [string, JsonDict] {
  if (!isObj(v)) bad(path, `expected {"ClassName": {...}}, got ${describe(v)}`);
  const keys = Object.keys(v);
  if (keys.length !== 1) bad(path, `expected one class name key, got ${keys.length} keys (${keys.slice(0, 4).join(', ')})`);
  const cls = keys[0]!;
  const body = v[cls];
  if (allowed && !allowed.includes(cls)) bad(path, `unexpected class ${cls} (expected ${allowed.join(' or ')})`);
  if (!isObj(body)) bad(`${path}.${cls}`, `expected an object, got ${describe(body)}`);
  return [cls, body];
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'string') return `string ${JSON.stringify(v.length > 40 ? v.slice(0, 40) + '...' : v)}`;
  if (typeof v === 'bigint') return `integer ${v}`;
  return `${typeof v} ${typeof v === 'object' ? '' : String(v)}`.trim();
}

/** Reads an unsigned integer field of at most `bits` bits (<= 32 here, or 64 via u64In). */
function numIn(o: JsonDict, key: string, path: string, def?: number, bits = 32): number {
  const v = o[key];
  if (v === undefined || v === null) {
    if (def !== undefined) return def;
    bad(`${path}.${key}`, v === null ? 'is null' : 'missing');
  }
  const n = typeof v === 'bigint' ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n > 2 ** bits - 1) {
    bad(`${path}.${key}`, `expected an unsigned ${bits}-bit integer, got ${describe(v)}`);
  }
  return n;
}

function u64Val(v: unknown, path: string): bigint {
  if (typeof v === 'bigint') {
    if (v < 0n || v > 0xffffffffffffffffn) bad(path, `out of 64-bit range: ${v}`);
    return v;
  }
  if (typeof v === 'number' && Number.isInteger(v) && v >= 0) {
    if (!Number.isSafeInteger(v)) bad(path, `integer ${v} lost precision (read JSON with parseJson)`);
    return BigInt(v);
  }
  if (typeof v === 'string' && /^(0x[0-9a-fA-F]{1,16}|[0-9]{1,20})$/.test(v)) {
    const b = BigInt(v);
    if (b <= 0xffffffffffffffffn) return b;
  }
  return bad(path, `expected an unsigned 64-bit integer, got ${describe(v)}`);
}

function u64In(o: JsonDict, key: string, path: string, def?: bigint): bigint {
  const v = o[key];
  if (v === undefined || v === null) {
    if (def !== undefined) return def;
    bad(`${path}.${key}`, v === null ? 'is null' : 'missing');
  }
  return u64Val(v, `${path}.${key}`);
}

function bytesIn(o: JsonDict, key: string, path: string, nullOk = true): Buffer {
  const v = o[key];
  if (v === undefined || v === null) {
    if (nullOk) return Buffer.alloc(0);
    bad(`${path}.${key}`, 'missing');
  }
  if (typeof v !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(v) || v.length % 4 !== 0) {
    bad(`${path}.${key}`, `expected base64 bytes, got ${describe(v)}`);
  }
  return Buffer.from(v, 'base64');
}

function strIn(o: JsonDict, key: string, path: string, def?: string): string {
  const v = o[key];
  if (v === undefined || v === null) {
    if (def !== undefined) return def;
    bad(`${path}.${key}`, 'missing');
  }
  if (typeof v !== 'string') bad(`${path}.${key}`, `expected a string, got ${describe(v)}`);
  return v;
}

function macIn(o: JsonDict, key: string, path: string, def?: string): string {
  const s = strIn(o, key, path, def);
  try {
    return formatMac(parseMac(s));
  } catch {
    return bad(`${path}.${key}`, `not a MAC address: ${JSON.stringify(s)}`);
  }
}

function listIn(o: JsonDict, key: string, path: string, def?: unknown[]): unknown[] {
  const v = o[key];
  if (v === undefined || v === null) {
    if (def !== undefined) return def;
    bad(`${path}.${key}`, 'missing');
  }
  if (!Array.isArray(v)) bad(`${path}.${key}`, `expected a list, got ${describe(v)}`);
  return Array.from(v); // holes (sparse arrays) become undefined, which the element readers reject
}

function pairIn(o: JsonDict, key: string, path: string): [number, number] {
  const l = listIn(o, key, path);
  if (l.length !== 2) bad(`${path}.${key}`, `expected [master/equal, slave], got ${l.length} elements`);
  return [u32Val(l[0], `${path}.${key}[0]`), u32Val(l[1], `${path}.${key}[1]`)];
}

function u32Val(v: unknown, path: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 0xffffffff) bad(path, `expected an unsigned 32-bit integer, got ${describe(v)}`);
  return v;
}

// ---------------------------------------------------------------------------
// OXM / match

function oxmValueOut(v: OxmValue): number | bigint | string {
  return typeof v === 'bigint' ? u64out(v) : v;
}

function oxmValueIn(field: string, v: unknown, path: string): OxmValue {
  const fi = oxmFieldInfo(field);
  if (fi === undefined) return bad(path, `unknown OXM field ${JSON.stringify(field)}`);
  switch (fi.kind) {
    case 'u64':
      return u64Val(v, path);
    case 'uint': {
      const n = typeof v === 'bigint' ? Number(v) : v;
      if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n >= 2 ** (fi.width * 8)) {
        bad(path, `${field} needs an unsigned ${fi.width * 8}-bit integer, got ${describe(v)}`);
      }
      return n;
    }
    case 'mac':
      if (typeof v !== 'string') bad(path, `${field} needs a MAC address string, got ${describe(v)}`);
      try { return formatMac(parseMac(v)); } catch { return bad(path, `${field}: not a MAC address: ${JSON.stringify(v)}`); }
    case 'ipv4':
      if (typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 0xffffffff) return formatIpv4(v);
      if (typeof v !== 'string') bad(path, `${field} needs an IPv4 address string, got ${describe(v)}`);
      try { return formatIpv4(parseIpv4(v)); } catch { return bad(path, `${field}: not an IPv4 address: ${JSON.stringify(v)}`); }
    case 'ipv6':
      if (typeof v !== 'string') bad(path, `${field} needs an IPv6 address string, got ${describe(v)}`);
      try { return normalizeIpv6(v); } catch { return bad(path, `${field}: not an IPv6 address: ${JSON.stringify(v)}`); }
  }
}

function oxmOut(e: OxmEntry): JsonDict {
  if (e.field === 'opaque') {
    return { OXMOpaque: { data: b64(e.data), has_mask: e.has_mask, oxm_class: e.oxm_class, oxm_field: e.oxm_field } };
  }
  return { OXMTlv: { field: e.field, value: oxmValueOut(e.value), mask: e.mask === undefined ? null : oxmValueOut(e.mask) } };
}

function oxmIn(v: unknown, path: string): OxmEntry {
  const [cls, o] = unwrap(v, path, ['OXMTlv', 'OXMOpaque']);
  const p = `${path}.${cls}`;
  if (cls === 'OXMOpaque') {
    const hm = o.has_mask;
    if (typeof hm !== 'boolean') bad(`${p}.has_mask`, `expected true/false, got ${describe(hm)}`);
    return { field: 'opaque', oxm_class: numIn(o, 'oxm_class', p, undefined, 16), oxm_field: numIn(o, 'oxm_field', p, undefined, 7), has_mask: hm, data: bytesIn(o, 'data', p) };
  }
  const field = strIn(o, 'field', p);
  const fi = oxmFieldInfo(field);
  if (fi === undefined) bad(`${p}.field`, `unknown OXM field ${JSON.stringify(field)}`);
  if (!('value' in o)) bad(`${p}.value`, 'missing');
  const tlv: OxmEntry = { field: fi.name, value: oxmValueIn(field, o.value, `${p}.value`) };
  if (o.mask !== undefined && o.mask !== null) tlv.mask = oxmValueIn(field, o.mask, `${p}.mask`);
  return tlv;
}

/** Length of ofp_match before padding (Ryu's OFPMatch.length). */
export function matchLen(m: Match): number {
  let n = 4;
  for (const e of m) n += oxmSize(e);
  return n;
}

export function matchToJson(m: Match): JsonDict {
  return { OFPMatch: { oxm_fields: m.map(oxmOut), length: matchLen(m), type: 1 } };
}

export function matchFromJson(v: unknown, path = 'match'): Match {
  if (v === undefined || v === null) return [];
  const [, o] = unwrap(v, path, ['OFPMatch']);
  const p = `${path}.OFPMatch`;
  if (o.type !== undefined && o.type !== 1) bad(`${p}.type`, `only OFPMT_OXM (1) is supported, got ${describe(o.type)}`);
  return listIn(o, 'oxm_fields', p, []).map((e, i) => oxmIn(e, `${p}.oxm_fields[${i}]`));
}

// ---------------------------------------------------------------------------
// actions

const ACTION_CLASS: Record<string, [string, number]> = {
  OUTPUT: ['OFPActionOutput', 0],
  COPY_TTL_OUT: ['OFPActionCopyTtlOut', 11],
  COPY_TTL_IN: ['OFPActionCopyTtlIn', 12],
  SET_MPLS_TTL: ['OFPActionSetMplsTtl', 15],
  DEC_MPLS_TTL: ['OFPActionDecMplsTtl', 16],
  PUSH_VLAN: ['OFPActionPushVlan', 17],
  POP_VLAN: ['OFPActionPopVlan', 18],
  PUSH_MPLS: ['OFPActionPushMpls', 19],
  POP_MPLS: ['OFPActionPopMpls', 20],
  SET_QUEUE: ['OFPActionSetQueue', 21],
  GROUP: ['OFPActionGroup', 22],
  SET_NW_TTL: ['OFPActionSetNwTtl', 23],
  DEC_NW_TTL: ['OFPActionDecNwTtl', 24],
  SET_FIELD: ['OFPActionSetField', 25],
  PUSH_PBB: ['OFPActionPushPbb', 26],
  POP_PBB: ['OFPActionPopPbb', 27],
  EXPERIMENTER: ['OFPActionExperimenterUnknown', 0xffff],
};
const ACTION_BY_CLASS: Record<string, string> = Object.fromEntries(
  Object.entries(ACTION_CLASS).map(([t, [c]]) => [c, t]),
);

export function actionLen(a: Action): number {
  switch (a.type) {
    case 'OUTPUT': return 16;
    case 'SET_FIELD': return pad8(4 + oxmSize(a.field));
    case 'EXPERIMENTER': return pad8(8 + a.data.length);
    case 'OPAQUE': return pad8(4 + a.data.length);
    default: return 8;
  }
}

function actionOut(a: Action): JsonDict {
  const len = actionLen(a);
  if (a.type === 'OPAQUE') return { OFPActionUnknown: { data: b64(a.data), len, type: a.action_type } };
  const [cls, type] = ACTION_CLASS[a.type]!;
  switch (a.type) {
    case 'OUTPUT': return { [cls]: { len, max_len: a.max_len, port: a.port, type } };
    case 'SET_MPLS_TTL': return { [cls]: { len, mpls_ttl: a.mpls_ttl, type } };
    case 'SET_NW_TTL': return { [cls]: { len, nw_ttl: a.nw_ttl, type } };
    case 'PUSH_VLAN': case 'PUSH_MPLS': case 'POP_MPLS': case 'PUSH_PBB':
      return { [cls]: { ethertype: a.ethertype, len, type } };
    case 'SET_QUEUE': return { [cls]: { len, queue_id: a.queue_id, type } };
    case 'GROUP': return { [cls]: { group_id: a.group_id, len, type } };
    case 'SET_FIELD': return { [cls]: { field: oxmOut(a.field), len, type } };
    case 'EXPERIMENTER': return { [cls]: { data: b64(a.data), experimenter: a.experimenter, len, type } };
    default: return { [cls]: { len, type } };
  }
}

function actionIn(v: unknown, path: string): Action {
  const [cls, o] = unwrap(v, path);
  const p = `${path}.${cls}`;
  if (cls === 'OFPActionUnknown') return { type: 'OPAQUE', action_type: numIn(o, 'type', p, undefined, 16), data: bytesIn(o, 'data', p) };
  if (cls === 'OFPActionExperimenter') {
    return { type: 'EXPERIMENTER', experimenter: numIn(o, 'experimenter', p), data: bytesIn(o, 'data', p) };
  }
  const t = ACTION_BY_CLASS[cls];
  if (t === undefined) bad(path, `unknown action class ${cls}`);
  switch (t) {
    // OFPCML_MAX is os-ken's default max_len
    case 'OUTPUT': return { type: 'OUTPUT', port: numIn(o, 'port', p), max_len: numIn(o, 'max_len', p, 0xffe5, 16) };
    case 'SET_MPLS_TTL': return { type: 'SET_MPLS_TTL', mpls_ttl: numIn(o, 'mpls_ttl', p, undefined, 8) };
    case 'SET_NW_TTL': return { type: 'SET_NW_TTL', nw_ttl: numIn(o, 'nw_ttl', p, undefined, 8) };
    case 'PUSH_VLAN': case 'PUSH_MPLS': case 'POP_MPLS': case 'PUSH_PBB':
      return { type: t, ethertype: numIn(o, 'ethertype', p, undefined, 16) };
    case 'SET_QUEUE': return { type: 'SET_QUEUE', queue_id: numIn(o, 'queue_id', p) };
    case 'GROUP': return { type: 'GROUP', group_id: numIn(o, 'group_id', p) };
    case 'SET_FIELD': return { type: 'SET_FIELD', field: oxmIn(o.field, `${p}.field`) };
    case 'EXPERIMENTER': return { type: 'EXPERIMENTER', experimenter: numIn(o, 'experimenter', p), data: bytesIn(o, 'data', p) };
    default: return { type: t } as Action;
  }
}

export function actionsToJson(l: readonly Action[]): JsonDict[] {
  return l.map(actionOut);
}

export function actionsFromJson(v: unknown, path: string): Action[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) bad(path, `expected a list of actions, got ${describe(v)}`);
  return Array.from(v).map((a, i) => actionIn(a, `${path}[${i}]`));
}

function actionsLen(l: readonly Action[]): number {
  let n = 0;
  for (const a of l) n += actionLen(a);
  return n;
}

// ---------------------------------------------------------------------------
// instructions

const INS_TYPE = { GOTO_TABLE: 1, WRITE_METADATA: 2, WRITE_ACTIONS: 3, APPLY_ACTIONS: 4, CLEAR_ACTIONS: 5, METER: 6, EXPERIMENTER: 0xffff } as const;
const ACTIONS_INS: Record<number, 'WRITE_ACTIONS' | 'APPLY_ACTIONS' | 'CLEAR_ACTIONS'> = { 3: 'WRITE_ACTIONS', 4: 'APPLY_ACTIONS', 5: 'CLEAR_ACTIONS' };

function instructionOut(i: Instruction): JsonDict {
  switch (i.type) {
    case 'GOTO_TABLE': return { OFPInstructionGotoTable: { len: 8, table_id: i.table_id, type: 1 } };
    case 'WRITE_METADATA':
      return { OFPInstructionWriteMetadata: { len: 24, metadata: u64out(i.metadata), metadata_mask: u64out(i.metadata_mask), type: 2 } };
    case 'WRITE_ACTIONS': case 'APPLY_ACTIONS':
      return { OFPInstructionActions: { actions: actionsToJson(i.actions), len: 8 + actionsLen(i.actions), type: INS_TYPE[i.type] } };
    case 'CLEAR_ACTIONS': return { OFPInstructionActions: { actions: [], len: 8, type: 5 } };
    case 'METER': return { OFPInstructionMeter: { len: 8, meter_id: i.meter_id, type: 6 } };
    case 'EXPERIMENTER':
      return { OFPInstructionExperimenter: { data: b64(i.data), experimenter: i.experimenter, len: pad8(8 + i.data.length), type: 0xffff } };
    case 'OPAQUE':
      return { OFPInstructionUnknown: { data: b64(i.data), len: pad8(4 + i.data.length), type: i.instruction_type } };
  }
}

function instructionIn(v: unknown, path: string): Instruction {
  const [cls, o] = unwrap(v, path);
  const p = `${path}.${cls}`;
  switch (cls) {
    case 'OFPInstructionGotoTable': return { type: 'GOTO_TABLE', table_id: numIn(o, 'table_id', p, undefined, 8) };
    case 'OFPInstructionWriteMetadata':
      return { type: 'WRITE_METADATA', metadata: u64In(o, 'metadata', p), metadata_mask: u64In(o, 'metadata_mask', p) };
    case 'OFPInstructionActions': {
      const t = numIn(o, 'type', p, undefined, 16);
      const kind = ACTIONS_INS[t];
      if (kind === undefined) bad(`${p}.type`, `expected 3 (WRITE_ACTIONS), 4 (APPLY_ACTIONS) or 5 (CLEAR_ACTIONS), got ${t}`);
      if (kind === 'CLEAR_ACTIONS') return { type: 'CLEAR_ACTIONS' };
      return { type: kind, actions: actionsFromJson(o.actions, `${p}.actions`) };
    }
    case 'OFPInstructionMeter': return { type: 'METER', meter_id: numIn(o, 'meter_id', p) };
    case 'OFPInstructionExperimenter':
      return { type: 'EXPERIMENTER', experimenter: numIn(o, 'experimenter', p), data: bytesIn(o, 'data', p) };
    case 'OFPInstructionUnknown':
      return { type: 'OPAQUE', instruction_type: numIn(o, 'type', p, undefined, 16), data: bytesIn(o, 'data', p) };
    default:
      return bad(path, `unknown instruction class ${cls}`);
  }
}

export function instructionLen(i: Instruction): number {
  switch (i.type) {
    case 'WRITE_METADATA': return 24;
    case 'WRITE_ACTIONS': case 'APPLY_ACTIONS': return 8 + actionsLen(i.actions);
    case 'EXPERIMENTER': return pad8(8 + i.data.length);
    case 'OPAQUE': return pad8(4 + i.data.length);
    default: return 8;
  }
}

/** ofp_flow_stats.length: 48 fixed bytes, the padded match, the instructions. */
export function flowStatsLength(f: { match: Match; instructions: readonly Instruction[] }): number {
  return 48 + pad8(matchLen(f.match)) + f.instructions.reduce((n, i) => n + instructionLen(i), 0);
}

export function instructionsToJson(l: readonly Instruction[]): JsonDict[] {
  return l.map(instructionOut);
}

export function instructionsFromJson(v: unknown, path: string): Instruction[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) bad(path, `expected a list of instructions, got ${describe(v)}`);
  return Array.from(v).map((x, i) => instructionIn(x, `${path}[${i}]`));
}

// ---------------------------------------------------------------------------
// structures

function portOut(p: Port): JsonDict {
  return {
    OFPPort: {
      port_no: p.port_no, hw_addr: p.hw_addr, name: p.name, config: p.config, state: p.state,
      curr: p.curr, advertised: p.advertised, supported: p.supported, peer: p.peer,
      curr_speed: p.curr_speed, max_speed: p.max_speed,
    },
  };
}

function portIn(v: unknown, path: string): Port {
  const [, o] = unwrap(v, path, ['OFPPort']);
  const p = `${path}.OFPPort`;
  return {
    port_no: numIn(o, 'port_no', p), hw_addr: macIn(o, 'hw_addr', p), name: strIn(o, 'name', p),
    config: numIn(o, 'config', p), state: numIn(o, 'state', p), curr: numIn(o, 'curr', p),
    advertised: numIn(o, 'advertised', p), supported: numIn(o, 'supported', p), peer: numIn(o, 'peer', p),
    curr_speed: numIn(o, 'curr_speed', p), max_speed: numIn(o, 'max_speed', p),
  };
}

function bucketOut(b: Bucket): JsonDict {
  return {
    OFPBucket: {
      actions: actionsToJson(b.actions), len: 16 + actionsLen(b.actions),
      watch_group: b.watch_group, watch_port: b.watch_port, weight: b.weight,
    },
  };
}

function bucketIn(v: unknown, path: string): Bucket {
  const [, o] = unwrap(v, path, ['OFPBucket']);
  const p = `${path}.OFPBucket`;
  return {
    weight: numIn(o, 'weight', p, 0, 16), watch_port: numIn(o, 'watch_port', p, 0xffffffff),
    watch_group: numIn(o, 'watch_group', p, 0xffffffff), actions: actionsFromJson(o.actions, `${p}.actions`),
  };
}

function bucketsIn(o: JsonDict, key: string, path: string): Bucket[] {
  return listIn(o, key, path, []).map((b, i) => bucketIn(b, `${path}.${key}[${i}]`));
}

function bandOut(b: MeterBand): JsonDict {
  switch (b.type) {
    case 'DROP': return { OFPMeterBandDrop: { burst_size: b.burst_size, len: 16, rate: b.rate, type: 1 } };
    case 'DSCP_REMARK':
      return { OFPMeterBandDscpRemark: { burst_size: b.burst_size, len: 16, prec_level: b.prec_level, rate: b.rate, type: 2 } };
    case 'EXPERIMENTER':
      return { OFPMeterBandExperimenter: { burst_size: b.burst_size, experimenter: b.experimenter, len: 16, rate: b.rate, type: 0xffff } };
    case 'OPAQUE':
      return { OFPMeterBandUnknown: { burst_size: b.burst_size, data: b64(b.data), len: 12 + b.data.length, rate: b.rate, type: b.band_type } };
  }
}

function bandIn(v: unknown, path: string): MeterBand {
  const [cls, o] = unwrap(v, path, ['OFPMeterBandDrop', 'OFPMeterBandDscpRemark', 'OFPMeterBandExperimenter', 'OFPMeterBandUnknown']);
  const p = `${path}.${cls}`;
  const rate = numIn(o, 'rate', p);
  const burst_size = numIn(o, 'burst_size', p);
  switch (cls) {
    case 'OFPMeterBandDrop': return { type: 'DROP', rate, burst_size };
    case 'OFPMeterBandDscpRemark': return { type: 'DSCP_REMARK', rate, burst_size, prec_level: numIn(o, 'prec_level', p, undefined, 8) };
    case 'OFPMeterBandExperimenter': return { type: 'EXPERIMENTER', rate, burst_size, experimenter: numIn(o, 'experimenter', p) };
    default: return { type: 'OPAQUE', band_type: numIn(o, 'type', p, undefined, 16), rate, burst_size, data: bytesIn(o, 'data', p) };
  }
}

function helloElemOut(e: HelloElement): JsonDict {
  if (e.type === 'OPAQUE') return { OFPHelloElemUnknown: { data: b64(e.data), length: 4 + e.data.length, type: e.element_type } };
  // os-ken lists versions as bit positions, and only looks at bits 0-30 of each word.
  const versions: number[] = [];
  e.bitmaps.forEach((w, i) => {
    for (let s = 0; s < 31; s++) if ((w >>> s) & 1) versions.push(i * 32 + s);
  });
  return { OFPHelloElemVersionBitmap: { length: 4 + 4 * e.bitmaps.length, type: 1, versions } };
}

function helloElemIn(v: unknown, path: string): HelloElement {
  const [cls, o] = unwrap(v, path, ['OFPHelloElemVersionBitmap', 'OFPHelloElemUnknown']);
  const p = `${path}.${cls}`;
  if (cls === 'OFPHelloElemUnknown') return { type: 'OPAQUE', element_type: numIn(o, 'type', p, undefined, 16), data: bytesIn(o, 'data', p) };
  const versions = listIn(o, 'versions', p).map((x, i) => {
    if (typeof x !== 'number' || !Number.isInteger(x) || x < 0 || x > 255) bad(`${p}.versions[${i}]`, `expected a version number, got ${describe(x)}`);
    return x;
  });
  const words = versions.length === 0 ? 0 : Math.floor(Math.max(...versions) / 32) + 1;
  const bitmaps = new Array<number>(words).fill(0);
  for (const ver of versions) bitmaps[ver >> 5] = (bitmaps[ver >> 5]! | (1 << (ver & 31))) >>> 0;
  return { type: 'VERSIONBITMAP', bitmaps };
}

// ---------------------------------------------------------------------------
// multipart

const MP_TYPE = {
  DESC: 0, FLOW: 1, AGGREGATE: 2, TABLE: 3, PORT_STATS: 4, QUEUE: 5, GROUP: 6, GROUP_DESC: 7, METER: 9, PORT_DESC: 13,
} as const;
type MpName = keyof typeof MP_TYPE;
const MP_CLASS: Record<MpName, string> = {
  DESC: 'Desc', FLOW: 'Flow', AGGREGATE: 'Aggregate', TABLE: 'Table', PORT_STATS: 'Port', QUEUE: 'Queue',
  GROUP: 'Group', GROUP_DESC: 'GroupDesc', METER: 'Meter', PORT_DESC: 'PortDesc',
};
const MP_BY_REQ: Record<string, MpName> = {};
const MP_BY_REPLY: Record<string, MpName> = {};
for (const [k, c] of Object.entries(MP_CLASS)) {
  MP_BY_REQ[`OFP${c}StatsRequest`] = k as MpName;
  MP_BY_REPLY[`OFP${c}StatsReply`] = k as MpName;
}

function mpRequestOut(m: MultipartRequest): JsonDict {
  if (m.multipart === 'OPAQUE') return { OFPUnknownStatsRequest: { data: b64(m.data), flags: m.flags, type: m.multipart_type } };
  const cls = `OFP${MP_CLASS[m.multipart]}StatsRequest`;
  const type = MP_TYPE[m.multipart];
  const flags = m.flags;
  switch (m.multipart) {
    case 'FLOW': case 'AGGREGATE':
      return {
        [cls]: {
          cookie: u64out(m.cookie), cookie_mask: u64out(m.cookie_mask), flags, match: matchToJson(m.match),
          out_group: m.out_group, out_port: m.out_port, table_id: m.table_id, type,
        },
      };
    case 'PORT_STATS': return { [cls]: { flags, port_no: m.port_no, type } };
    case 'QUEUE': return { [cls]: { flags, port_no: m.port_no, queue_id: m.queue_id, type } };
    case 'GROUP': return { [cls]: { flags, group_id: m.group_id, type } };
    case 'METER': return { [cls]: { flags, meter_id: m.meter_id, type } };
    default: return { [cls]: { flags, type } };
  }
}

function mpRequestIn(cls: string, o: JsonDict, p: string, xid: number): MultipartRequest {
  const flags = numIn(o, 'flags', p, 0, 16);
  const h = { type: 'MULTIPART_REQUEST' as const, xid, flags };
  if (cls === 'OFPUnknownStatsRequest') return { ...h, multipart: 'OPAQUE', multipart_type: numIn(o, 'type', p, undefined, 16), data: bytesIn(o, 'data', p) };
  const mp = MP_BY_REQ[cls]!;
  switch (mp) {
    case 'FLOW': case 'AGGREGATE':
      return {
        ...h, multipart: mp, table_id: numIn(o, 'table_id', p, 0xff, 8), out_port: numIn(o, 'out_port', p, 0xffffffff),
        out_group: numIn(o, 'out_group', p, 0xffffffff), cookie: u64In(o, 'cookie', p, 0n),
        cookie_mask: u64In(o, 'cookie_mask', p, 0n), match: matchFromJson(o.match, `${p}.match`),
      };
    case 'PORT_STATS': return { ...h, multipart: mp, port_no: numIn(o, 'port_no', p, 0xffffffff) };
    case 'QUEUE': return { ...h, multipart: mp, port_no: numIn(o, 'port_no', p, 0xffffffff), queue_id: numIn(o, 'queue_id', p, 0xffffffff) };
    case 'GROUP': return { ...h, multipart: mp, group_id: numIn(o, 'group_id', p, 0xfffffffc) };
    case 'METER': return { ...h, multipart: mp, meter_id: numIn(o, 'meter_id', p, 0xffffffff) };
    default: return { ...h, multipart: mp };
  }
}

const PORT_STATS_U64 = ['rx_packets', 'tx_packets', 'rx_bytes', 'tx_bytes', 'rx_dropped', 'tx_dropped', 'rx_errors', 'tx_errors', 'rx_frame_err', 'rx_over_err', 'rx_crc_err', 'collisions'] as const;

function mpReplyOut(m: MultipartReply): JsonDict {
  if (m.multipart === 'OPAQUE') return { OFPUnknownStatsReply: { data: b64(m.data), flags: m.flags, type: m.multipart_type } };
  const cls = `OFP${MP_CLASS[m.multipart]}StatsReply`;
  const type = MP_TYPE[m.multipart];
  let body: unknown;
  switch (m.multipart) {
    case 'DESC': {
      const d = m.body;
      body = { OFPDescStats: { mfr_desc: d.mfr_desc, hw_desc: d.hw_desc, sw_desc: d.sw_desc, serial_num: d.serial_num, dp_desc: d.dp_desc } };
      break;
    }
    case 'FLOW':
      body = m.body.map((f) => ({
        OFPFlowStats: {
          byte_count: u64out(f.byte_count), cookie: u64out(f.cookie), duration_nsec: f.duration_nsec, duration_sec: f.duration_sec,
          flags: f.flags, hard_timeout: f.hard_timeout, idle_timeout: f.idle_timeout, instructions: instructionsToJson(f.instructions),
          length: flowStatsLength(f),
          match: matchToJson(f.match), packet_count: u64out(f.packet_count), priority: f.priority, table_id: f.table_id,
        },
      }));
      break;
    case 'AGGREGATE':
      body = { OFPAggregateStats: { packet_count: u64out(m.body.packet_count), byte_count: u64out(m.body.byte_count), flow_count: m.body.flow_count } };
      break;
    case 'TABLE':
      body = m.body.map((t) => ({ OFPTableStats: { table_id: t.table_id, active_count: t.active_count, lookup_count: u64out(t.lookup_count), matched_count: u64out(t.matched_count) } }));
      break;
    case 'PORT_STATS':
      body = m.body.map((s) => {
        const e: JsonDict = { port_no: s.port_no };
        for (const k of PORT_STATS_U64) e[k] = u64out(s[k]);
        e.duration_sec = s.duration_sec;
        e.duration_nsec = s.duration_nsec;
        return { OFPPortStats: e };
      });
      break;
    case 'QUEUE':
      body = m.body.map((q) => ({
        OFPQueueStats: {
          port_no: q.port_no, queue_id: q.queue_id, tx_bytes: u64out(q.tx_bytes), tx_packets: u64out(q.tx_packets),
          tx_errors: u64out(q.tx_errors), duration_sec: q.duration_sec, duration_nsec: q.duration_nsec,
        },
      }));
      break;
    case 'GROUP':
      body = m.body.map((g) => ({
        OFPGroupStats: {
          bucket_stats: g.bucket_stats.map((b) => ({ OFPBucketCounter: { byte_count: u64out(b.byte_count), packet_count: u64out(b.packet_count) } })),
          byte_count: u64out(g.byte_count), duration_nsec: g.duration_nsec, duration_sec: g.duration_sec, group_id: g.group_id,
          length: 40 + 16 * g.bucket_stats.length, packet_count: u64out(g.packet_count), ref_count: g.ref_count,
        },
      }));
      break;
    case 'GROUP_DESC':
      body = m.body.map((g) => ({
        OFPGroupDescStats: {
          buckets: g.buckets.map(bucketOut), group_id: g.group_id,
          length: 8 + g.buckets.reduce((n, b) => n + 16 + actionsLen(b.actions), 0), type: g.type,
        },
      }));
      break;
    case 'METER':
      body = m.body.map((s) => ({
        OFPMeterStats: {
          band_stats: s.band_stats.map((b) => ({ OFPMeterBandStats: { byte_band_count: u64out(b.byte_band_count), packet_band_count: u64out(b.packet_band_count) } })),
          byte_in_count: u64out(s.byte_in_count), duration_nsec: s.duration_nsec, duration_sec: s.duration_sec, flow_count: s.flow_count,
          len: 40 + 16 * s.band_stats.length, meter_id: s.meter_id, packet_in_count: u64out(s.packet_in_count),
        },
      }));
      break;
    case 'PORT_DESC':
      body = m.body.map(portOut);
      break;
  }
  return { [cls]: { body, flags: m.flags, type } };
}

function entries(o: JsonDict, p: string, cls: string): [JsonDict, string][] {
  return listIn(o, 'body', p).map((e, i) => {
    const path = `${p}.body[${i}]`;
    const [, b] = unwrap(e, path, [cls]);
    return [b, `${path}.${cls}`];
  });
}

function mpReplyIn(cls: string, o: JsonDict, p: string, xid: number): MultipartReply {
  const flags = numIn(o, 'flags', p, 0, 16);
  const h = { type: 'MULTIPART_REPLY' as const, xid, flags };
  if (cls === 'OFPUnknownStatsReply') return { ...h, multipart: 'OPAQUE', multipart_type: numIn(o, 'type', p, undefined, 16), data: bytesIn(o, 'data', p) };
  const mp = MP_BY_REPLY[cls]!;
  switch (mp) {
    case 'DESC': {
      const [, d] = unwrap(o.body, `${p}.body`, ['OFPDescStats']);
      const q = `${p}.body.OFPDescStats`;
      return {
        ...h, multipart: mp,
        body: { mfr_desc: strIn(d, 'mfr_desc', q), hw_desc: strIn(d, 'hw_desc', q), sw_desc: strIn(d, 'sw_desc', q), serial_num: strIn(d, 'serial_num', q), dp_desc: strIn(d, 'dp_desc', q) },
      };
    }
    case 'FLOW':
      return {
        ...h, multipart: mp,
        body: entries(o, p, 'OFPFlowStats').map(([f, q]) => ({
          table_id: numIn(f, 'table_id', q, undefined, 8), duration_sec: numIn(f, 'duration_sec', q), duration_nsec: numIn(f, 'duration_nsec', q),
          priority: numIn(f, 'priority', q, undefined, 16), idle_timeout: numIn(f, 'idle_timeout', q, undefined, 16),
          hard_timeout: numIn(f, 'hard_timeout', q, undefined, 16), flags: numIn(f, 'flags', q, undefined, 16),
          cookie: u64In(f, 'cookie', q), packet_count: u64In(f, 'packet_count', q), byte_count: u64In(f, 'byte_count', q),
          match: matchFromJson(f.match, `${q}.match`), instructions: instructionsFromJson(f.instructions, `${q}.instructions`),
        })),
      };
    case 'AGGREGATE': {
      const [, a] = unwrap(o.body, `${p}.body`, ['OFPAggregateStats']);
      const q = `${p}.body.OFPAggregateStats`;
      return { ...h, multipart: mp, body: { packet_count: u64In(a, 'packet_count', q), byte_count: u64In(a, 'byte_count', q), flow_count: numIn(a, 'flow_count', q) } };
    }
    case 'TABLE':
      return {
        ...h, multipart: mp,
        body: entries(o, p, 'OFPTableStats').map(([t, q]) => ({
          table_id: numIn(t, 'table_id', q, undefined, 8), active_count: numIn(t, 'active_count', q),
          lookup_count: u64In(t, 'lookup_count', q), matched_count: u64In(t, 'matched_count', q),
        })),
      };
    case 'PORT_STATS':
      return {
        ...h, multipart: mp,
        body: entries(o, p, 'OFPPortStats').map(([s, q]) => {
          const c = {} as Record<(typeof PORT_STATS_U64)[number], bigint>;
          for (const k of PORT_STATS_U64) c[k] = u64In(s, k, q);
          return { port_no: numIn(s, 'port_no', q), ...c, duration_sec: numIn(s, 'duration_sec', q), duration_nsec: numIn(s, 'duration_nsec', q) };
        }),
      };
    case 'QUEUE':
      return {
        ...h, multipart: mp,
        body: entries(o, p, 'OFPQueueStats').map(([s, q]) => ({
          port_no: numIn(s, 'port_no', q), queue_id: numIn(s, 'queue_id', q), tx_bytes: u64In(s, 'tx_bytes', q),
          tx_packets: u64In(s, 'tx_packets', q), tx_errors: u64In(s, 'tx_errors', q),
          duration_sec: numIn(s, 'duration_sec', q), duration_nsec: numIn(s, 'duration_nsec', q),
        })),
      };
    case 'GROUP':
      return {
        ...h, multipart: mp,
        body: entries(o, p, 'OFPGroupStats').map(([g, q]) => ({
          group_id: numIn(g, 'group_id', q), ref_count: numIn(g, 'ref_count', q),
          packet_count: u64In(g, 'packet_count', q), byte_count: u64In(g, 'byte_count', q),
          duration_sec: numIn(g, 'duration_sec', q), duration_nsec: numIn(g, 'duration_nsec', q),
          bucket_stats: listIn(g, 'bucket_stats', q, []).map((b, i) => {
            const [, c] = unwrap(b, `${q}.bucket_stats[${i}]`, ['OFPBucketCounter']);
            const r = `${q}.bucket_stats[${i}].OFPBucketCounter`;
            return { packet_count: u64In(c, 'packet_count', r), byte_count: u64In(c, 'byte_count', r) };
          }),
        })),
      };
    case 'GROUP_DESC':
      return {
        ...h, multipart: mp,
        body: entries(o, p, 'OFPGroupDescStats').map(([g, q]) => ({
          type: numIn(g, 'type', q, undefined, 8), group_id: numIn(g, 'group_id', q), buckets: bucketsIn(g, 'buckets', q),
        })),
      };
    case 'METER':
      return {
        ...h, multipart: mp,
        body: entries(o, p, 'OFPMeterStats').map(([s, q]) => ({
          meter_id: numIn(s, 'meter_id', q), flow_count: numIn(s, 'flow_count', q),
          packet_in_count: u64In(s, 'packet_in_count', q), byte_in_count: u64In(s, 'byte_in_count', q),
          duration_sec: numIn(s, 'duration_sec', q), duration_nsec: numIn(s, 'duration_nsec', q),
          band_stats: listIn(s, 'band_stats', q, []).map((b, i) => {
            const [, c] = unwrap(b, `${q}.band_stats[${i}]`, ['OFPMeterBandStats']);
            const r = `${q}.band_stats[${i}].OFPMeterBandStats`;
            return { packet_band_count: u64In(c, 'packet_band_count', r), byte_band_count: u64In(c, 'byte_band_count', r) };
          }),
        })),
      };
    case 'PORT_DESC':
      return { ...h, multipart: mp, body: listIn(o, 'body', p).map((e, i) => portIn(e, `${p}.body[${i}]`)) };
  }
}

// ---------------------------------------------------------------------------
// messages

/** Message type -> Ryu class (multipart types have one class per body, see MP_CLASS). */
export const RYU_CLASS: Readonly<Record<Exclude<OfMessage['type'], 'MULTIPART_REQUEST' | 'MULTIPART_REPLY'>, string>> = {
  HELLO: 'OFPHello', ERROR: 'OFPErrorMsg', ECHO_REQUEST: 'OFPEchoRequest', ECHO_REPLY: 'OFPEchoReply',
  EXPERIMENTER: 'OFPExperimenter', FEATURES_REQUEST: 'OFPFeaturesRequest', FEATURES_REPLY: 'OFPSwitchFeatures',
  GET_CONFIG_REQUEST: 'OFPGetConfigRequest', GET_CONFIG_REPLY: 'OFPGetConfigReply', SET_CONFIG: 'OFPSetConfig',
  PACKET_IN: 'OFPPacketIn', FLOW_REMOVED: 'OFPFlowRemoved', PORT_STATUS: 'OFPPortStatus', PACKET_OUT: 'OFPPacketOut',
  FLOW_MOD: 'OFPFlowMod', GROUP_MOD: 'OFPGroupMod', PORT_MOD: 'OFPPortMod', TABLE_MOD: 'OFPTableMod',
  METER_MOD: 'OFPMeterMod', BARRIER_REQUEST: 'OFPBarrierRequest', BARRIER_REPLY: 'OFPBarrierReply',
  ROLE_REQUEST: 'OFPRoleRequest', ROLE_REPLY: 'OFPRoleReply', GET_ASYNC_REQUEST: 'OFPGetAsyncRequest',
  GET_ASYNC_REPLY: 'OFPGetAsyncReply', SET_ASYNC: 'OFPSetAsync', QUEUE_GET_CONFIG_REQUEST: 'OFPQueueGetConfigRequest',
  OPAQUE: 'OFPUnknownMessage',
};
const TYPE_BY_CLASS: Record<string, string> = Object.fromEntries(Object.entries(RYU_CLASS).map(([t, c]) => [c, t]));

function bodyOut(m: OfMessage): JsonDict {
  switch (m.type) {
    case 'HELLO': return { elements: m.elements.map(helloElemOut) };
    case 'ERROR':
      if (m.err_type === 0xffff) return { code: null, data: b64(m.data), exp_type: m.exp_type ?? 0, experimenter: m.experimenter ?? 0, type: m.err_type };
      return { code: m.code, data: b64(m.data), type: m.err_type };
    case 'ECHO_REQUEST': case 'ECHO_REPLY': return { data: b64(m.data) };
    case 'EXPERIMENTER': return { data: b64(m.data), exp_type: m.exp_type, experimenter: m.experimenter };
    case 'FEATURES_REPLY':
      return { auxiliary_id: m.auxiliary_id, capabilities: m.capabilities, datapath_id: u64out(m.datapath_id), n_buffers: m.n_buffers, n_tables: m.n_tables };
    case 'GET_CONFIG_REPLY': case 'SET_CONFIG': return { flags: m.flags, miss_send_len: m.miss_send_len };
    case 'PACKET_IN':
      return {
        buffer_id: m.buffer_id, cookie: u64out(m.cookie), data: b64(m.data), match: matchToJson(m.match),
        reason: m.reason, table_id: m.table_id, total_len: m.total_len,
      };
    case 'FLOW_REMOVED':
      return {
        byte_count: u64out(m.byte_count), cookie: u64out(m.cookie), duration_nsec: m.duration_nsec, duration_sec: m.duration_sec,
        hard_timeout: m.hard_timeout, idle_timeout: m.idle_timeout, match: matchToJson(m.match), packet_count: u64out(m.packet_count),
        priority: m.priority, reason: m.reason, table_id: m.table_id,
      };
    case 'PORT_STATUS': return { desc: portOut(m.desc), reason: m.reason };
    case 'PACKET_OUT':
      // os-ken writes null for a PACKET_OUT without data (a buffered packet)
      return {
        actions: actionsToJson(m.actions), actions_len: actionsLen(m.actions), buffer_id: m.buffer_id,
        data: m.data.length === 0 ? null : b64(m.data), in_port: m.in_port,
      };
    case 'FLOW_MOD':
      return {
        buffer_id: m.buffer_id, command: m.command, cookie: u64out(m.cookie), cookie_mask: u64out(m.cookie_mask), flags: m.flags,
        hard_timeout: m.hard_timeout, idle_timeout: m.idle_timeout, instructions: instructionsToJson(m.instructions),
        match: matchToJson(m.match), out_group: m.out_group, out_port: m.out_port, priority: m.priority, table_id: m.table_id,
      };
    case 'GROUP_MOD': return { buckets: m.buckets.map(bucketOut), command: m.command, group_id: m.group_id, type: m.group_type };
    case 'PORT_MOD': return { advertise: m.advertise, config: m.config, hw_addr: m.hw_addr, mask: m.mask, port_no: m.port_no };
    case 'TABLE_MOD': return { config: m.config, table_id: m.table_id };
    case 'METER_MOD': return { bands: m.bands.map(bandOut), command: m.command, flags: m.flags, meter_id: m.meter_id };
    case 'ROLE_REQUEST': case 'ROLE_REPLY': return { generation_id: u64out(m.generation_id), role: m.role };
    case 'GET_ASYNC_REPLY': case 'SET_ASYNC':
      return { flow_removed_mask: [...m.flow_removed_mask], packet_in_mask: [...m.packet_in_mask], port_status_mask: [...m.port_status_mask] };
    case 'QUEUE_GET_CONFIG_REQUEST': return { port: m.port };
    case 'OPAQUE': return { data: b64(m.data), msg_type: m.msg_type };
    default: return {};
  }
}

/** A message in Ryu's JSON form: {"OFPFlowMod": {...}}. 64-bit values above 2^53 are bigint: write with stringifyJson. */
export function toJsonDict(msg: OfMessage, opts: ToJsonOptions = {}): JsonDict {
  let out: JsonDict;
  if (msg.type === 'MULTIPART_REQUEST') out = mpRequestOut(msg);
  else if (msg.type === 'MULTIPART_REPLY') out = mpReplyOut(msg);
  else out = { [RYU_CLASS[msg.type]]: bodyOut(msg) };
  if (opts.xid) {
    const cls = Object.keys(out)[0]!;
    (out[cls] as JsonDict).xid = msg.xid;
  }
  return out;
}

/**
 * A message from Ryu's JSON form. Missing fields take os-ken's constructor
 * defaults where it has one (FLOW_MOD: priority 32768, buffer_id
 * OFP_NO_BUFFER...); length/type fields are ignored. Throws OfError
 * OF_ERR_BAD_JSON naming the JSON path of the first problem.
 */
export function fromJsonDict(obj: unknown, xid?: number): OfMessage {
  const [cls, o] = unwrap(obj, '$');
  const p = `$.${cls}`;
  let x = xid ?? 0;
  if (xid === undefined && o.xid !== undefined) x = numIn(o, 'xid', p);
  if (MP_BY_REQ[cls] !== undefined || cls === 'OFPUnknownStatsRequest') return mpRequestIn(cls, o, p, x);
  if (MP_BY_REPLY[cls] !== undefined || cls === 'OFPUnknownStatsReply') return mpReplyIn(cls, o, p, x);
  const t = TYPE_BY_CLASS[cls];
  if (t === undefined) bad('$', `unknown message class ${cls}`);
  switch (t) {
    case 'HELLO':
      return { type: 'HELLO', xid: x, version: 4, elements: listIn(o, 'elements', p, []).map((e, i) => helloElemIn(e, `${p}.elements[${i}]`)) };
    case 'ERROR': {
      const err_type = numIn(o, 'type', p, undefined, 16);
      const data = bytesIn(o, 'data', p);
      if (err_type === 0xffff) {
        // the codec reports the exp_type bits as code too (same wire position)
        const exp_type = numIn(o, 'exp_type', p, undefined, 16);
        return { type: 'ERROR', xid: x, err_type, code: exp_type, data, exp_type, experimenter: numIn(o, 'experimenter', p) };
      }
      return { type: 'ERROR', xid: x, err_type, code: numIn(o, 'code', p, undefined, 16), data };
    }
    case 'ECHO_REQUEST': case 'ECHO_REPLY': return { type: t, xid: x, data: bytesIn(o, 'data', p) };
    case 'EXPERIMENTER':
      return { type: 'EXPERIMENTER', xid: x, experimenter: numIn(o, 'experimenter', p), exp_type: numIn(o, 'exp_type', p), data: bytesIn(o, 'data', p) };
    case 'FEATURES_REPLY':
      return {
        type: 'FEATURES_REPLY', xid: x, datapath_id: u64In(o, 'datapath_id', p), n_buffers: numIn(o, 'n_buffers', p),
        n_tables: numIn(o, 'n_tables', p, undefined, 8), auxiliary_id: numIn(o, 'auxiliary_id', p, 0, 8), capabilities: numIn(o, 'capabilities', p),
      };
    case 'GET_CONFIG_REPLY': case 'SET_CONFIG':
      return { type: t, xid: x, flags: numIn(o, 'flags', p, 0, 16), miss_send_len: numIn(o, 'miss_send_len', p, 128, 16) };
    case 'PACKET_IN':
      return {
        type: 'PACKET_IN', xid: x, buffer_id: numIn(o, 'buffer_id', p), total_len: numIn(o, 'total_len', p, undefined, 16),
        reason: numIn(o, 'reason', p, undefined, 8), table_id: numIn(o, 'table_id', p, undefined, 8), cookie: u64In(o, 'cookie', p),
        match: matchFromJson(o.match, `${p}.match`), data: bytesIn(o, 'data', p),
      };
    case 'FLOW_REMOVED':
      return {
        type: 'FLOW_REMOVED', xid: x, cookie: u64In(o, 'cookie', p), priority: numIn(o, 'priority', p, undefined, 16),
        reason: numIn(o, 'reason', p, undefined, 8), table_id: numIn(o, 'table_id', p, undefined, 8),
        duration_sec: numIn(o, 'duration_sec', p), duration_nsec: numIn(o, 'duration_nsec', p),
        idle_timeout: numIn(o, 'idle_timeout', p, undefined, 16), hard_timeout: numIn(o, 'hard_timeout', p, undefined, 16),
        packet_count: u64In(o, 'packet_count', p), byte_count: u64In(o, 'byte_count', p), match: matchFromJson(o.match, `${p}.match`),
      };
    case 'PORT_STATUS': return { type: 'PORT_STATUS', xid: x, reason: numIn(o, 'reason', p, undefined, 8), desc: portIn(o.desc, `${p}.desc`) };
    case 'PACKET_OUT':
      return {
        type: 'PACKET_OUT', xid: x, buffer_id: numIn(o, 'buffer_id', p, 0xffffffff), in_port: numIn(o, 'in_port', p, 0xfffffffd),
        actions: actionsFromJson(o.actions, `${p}.actions`), data: bytesIn(o, 'data', p),
      };
    case 'FLOW_MOD':
      // defaults: os-ken's OFPFlowMod.__init__
      return {
        type: 'FLOW_MOD', xid: x, cookie: u64In(o, 'cookie', p, 0n), cookie_mask: u64In(o, 'cookie_mask', p, 0n),
        table_id: numIn(o, 'table_id', p, 0, 8), command: numIn(o, 'command', p, 0, 8),
        idle_timeout: numIn(o, 'idle_timeout', p, 0, 16), hard_timeout: numIn(o, 'hard_timeout', p, 0, 16),
        priority: numIn(o, 'priority', p, 0x8000, 16), buffer_id: numIn(o, 'buffer_id', p, 0xffffffff),
        out_port: numIn(o, 'out_port', p, 0), out_group: numIn(o, 'out_group', p, 0), flags: numIn(o, 'flags', p, 0, 16),
        match: matchFromJson(o.match, `${p}.match`), instructions: instructionsFromJson(o.instructions, `${p}.instructions`),
      };
    case 'GROUP_MOD':
      return {
        type: 'GROUP_MOD', xid: x, command: numIn(o, 'command', p, 0, 16), group_type: numIn(o, 'type', p, 0, 8),
        group_id: numIn(o, 'group_id', p, 0), buckets: bucketsIn(o, 'buckets', p),
      };
    case 'PORT_MOD':
      return {
        type: 'PORT_MOD', xid: x, port_no: numIn(o, 'port_no', p, 0), hw_addr: macIn(o, 'hw_addr', p, '00:00:00:00:00:00'),
        config: numIn(o, 'config', p, 0), mask: numIn(o, 'mask', p, 0), advertise: numIn(o, 'advertise', p, 0),
      };
    case 'TABLE_MOD': return { type: 'TABLE_MOD', xid: x, table_id: numIn(o, 'table_id', p, undefined, 8), config: numIn(o, 'config', p) };
    case 'METER_MOD':
      return {
        type: 'METER_MOD', xid: x, command: numIn(o, 'command', p, 0, 16), flags: numIn(o, 'flags', p, 1, 16),
        meter_id: numIn(o, 'meter_id', p, 1), bands: listIn(o, 'bands', p, []).map((b, i) => bandIn(b, `${p}.bands[${i}]`)),
      };
    case 'ROLE_REQUEST': case 'ROLE_REPLY':
      return { type: t, xid: x, role: numIn(o, 'role', p), generation_id: u64In(o, 'generation_id', p, 0n) };
    case 'GET_ASYNC_REPLY': case 'SET_ASYNC':
      return {
        type: t, xid: x, packet_in_mask: pairIn(o, 'packet_in_mask', p), port_status_mask: pairIn(o, 'port_status_mask', p),
        flow_removed_mask: pairIn(o, 'flow_removed_mask', p),
      };
    case 'QUEUE_GET_CONFIG_REQUEST': return { type: 'QUEUE_GET_CONFIG_REQUEST', xid: x, port: numIn(o, 'port', p) };
    case 'OPAQUE': return { type: 'OPAQUE', xid: x, msg_type: numIn(o, 'msg_type', p, undefined, 8), data: bytesIn(o, 'data', p) };
    default:
      return { type: t, xid: x } as OfMessage;
  }
}
