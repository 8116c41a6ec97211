/**
 * The ofctl_rest flat form of flow entries: what Ryu's REST API
 * (ryu.app.ofctl_rest, os_ken.lib.ofctl_v1_3) reads and prints, and what
 * Faucet-style tooling passes around:
 *
 *   {"priority": 20000, "cookie": 803065700741545987, "table_id": 0,
 *    "match": {"in_port": 3, "dl_type": 2048, "nw_proto": 6, "tp_dst": 25},
 *    "actions": ["GOTO_TABLE:1"]}
 *
 * Both directions, checked against os-ken's ofctl_v1_3 functions
 * (test/openflow/fixtures/gen_ofctl_fixtures.py):
 *
 * | function                    | os-ken counterpart                   |
 * |-----------------------------|--------------------------------------|
 * | ofctlMatchToMatch           | ofctl_v1_3.to_match                  |
 * | matchToOfctl                | ofctl_v1_3.match_to_str              |
 * | ofctlActionsToInstructions  | ofctl_v1_3.to_actions (+ the strings |
 * |                             | actions_to_str prints)               |
 * | instructionsToOfctl         | ofctl_v1_3.actions_to_str            |
 * | flowStatsToOfctl            | one entry of get_flow_stats          |
 * | ofctlToFlowMod              | ofctl_v1_3.mod_flow_entry            |
 *
 * Where os-ken logs and skips (an unknown match field or action type) we
 * throw OfError OF_ERR_BAD_JSON naming the path: a flow silently missing its
 * match field would match more than intended. The match is built with
 * buildMatch, so OXM prerequisites are checked (OF_ERR_BAD_PREREQ).
 * Additions to os-ken's input forms: `nw_tos` (the ToS byte; becomes ip_dscp
 * = tos >> 2), `dl_vlan_pcp`, tp_src/tp_dst for SCTP (ip_proto 132).
 */
import { OfError } from './errors';
import type { FlowMod, FlowStats, Instruction, Action, Match, OxmEntry, OxmFieldName, OxmValue } from './types';
import { buildMatch, type MatchSpec, type MatchSpecValue } from './match';
import { oxmFieldInfo, type OxmFieldInfo } from './oxm';
import { formatIpv4, formatMac, normalizeIpv6, parseIpv4, parseIpv6, parseMac, formatIpv6 } from './addr';
import { flowStatsLength } from './json';

export type OfctlDict = Record<string, unknown>;
/** One element of an ofctl action list as printed: a string, or {"WRITE_ACTIONS": [strings]}. */
export type OfctlActionOut = string | { WRITE_ACTIONS: string[] };

function bad(path: string, what: string): never {
  throw new OfError('OF_ERR_BAD_JSON', `${path}: ${what}`);
}

function show(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'object') return v === null ? 'null' : Array.isArray(v) ? 'a list' : 'an object';
  return String(v);
}

function u64out(v: bigint): number | bigint {
  return v <= 9007199254740991n ? Number(v) : v;
}

const isObj = (v: unknown): v is OfctlDict => typeof v === 'object' && v !== null && !Array.isArray(v);

// ---------------------------------------------------------------------------
// integers as ofctl reads them: Python's int(str(x), 0)

/** int(str(x), 0): a JSON integer, or a string "25", "0x19", "0o31", "0b11001". */
function strToBig(v: unknown, path: string): bigint {
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number') {
    if (!Number.isInteger(v)) bad(path, `expected an integer, got ${v}`);
    if (!Number.isSafeInteger(v)) bad(path, `integer ${v} lost precision (read JSON with parseJson)`);
    return BigInt(v);
  }
  if (typeof v === 'string') {
    const s = v.trim().replace(/_/g, '');
    const m = /^([+-]?)(0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+|[1-9][0-9]*|0+)$/.exec(s);
    if (m) {
      const body = m[2]!;
      const n = /^0[oO]/.test(body) ? BigInt('0o' + body.slice(2)) : BigInt(body);
      return m[1] === '-' ? -n : n;
    }
  }
  return bad(path, `expected an integer (decimal or 0x hex), got ${show(v)}`);
}

function strToInt(v: unknown, path: string, bits: number): number {
  const n = strToBig(v, path);
  if (n < 0n || n >= 1n << BigInt(bits)) bad(path, `${n} does not fit ${bits} bits`);
  return Number(n);
}

function strToU64(v: unknown, path: string): bigint {
  const n = strToBig(v, path);
  if (n < 0n || n > 0xffffffffffffffffn) bad(path, `${n} does not fit 64 bits`);
  return n;
}

// ---------------------------------------------------------------------------
// reserved numbers: os-ken's OFCtlUtil (names from ofproto_v1_3 by prefix)

const RESERVED: Record<string, Record<string, number>> = {
  OFPP_: { MAX: 0xffffff00, IN_PORT: 0xfffffff8, TABLE: 0xfffffff9, NORMAL: 0xfffffffa, FLOOD: 0xfffffffb, ALL: 0xfffffffc, CONTROLLER: 0xfffffffd, LOCAL: 0xfffffffe, ANY: 0xffffffff },
  OFPTT_: { MAX: 0xfe, ALL: 0xff },
  OFPG_: { MAX: 0xffffff00, ALL: 0xfffffffc, ANY: 0xffffffff },
  OFPM_: { MAX: 0xffff0000, SLOWPATH: 0xfffffffd, CONTROLLER: 0xfffffffe, ALL: 0xffffffff },
  OFPQ_: { ALL: 0xffffffff },
  OFPCML_: { MAX: 0xffe5, NO_BUFFER: 0xffff },
};

function reservedFromUser(v: unknown, prefix: string, path: string, bits = 32): number {
  if (typeof v === 'string' && !/^\s*[+-]?[0-9]/.test(v)) {
    const up = v.trim().toUpperCase();
    const name = up.startsWith(prefix) ? up.slice(prefix.length) : up;
    const n = RESERVED[prefix]![name];
    if (n === undefined) bad(path, `unknown ${prefix}* name ${show(v)} (known: ${Object.keys(RESERVED[prefix]!).join(', ')})`);
    return n;
  }
  return strToInt(v, path, bits);
}

/** Python's dict order on ofproto names: the first matching name wins; else the number. */
function reservedToUser(n: number, prefix: string): number | string {
  for (const [k, v] of Object.entries(RESERVED[prefix]!)) if (v === n) return k;
  return n;
}

// ---------------------------------------------------------------------------
// match

/** Old (OF1.0 / ofctl) names -> OF1.3 OXM names. */
const ALIASES: Record<string, OxmFieldName> = {
  dl_dst: 'eth_dst', dl_src: 'eth_src', dl_type: 'eth_type', dl_vlan: 'vlan_vid', dl_vlan_pcp: 'vlan_pcp',
  nw_src: 'ipv4_src', nw_dst: 'ipv4_dst', nw_proto: 'ip_proto',
};

function splitMask(v: string): [string, string | undefined] {
  const i = v.indexOf('/');
  return i < 0 ? [v, undefined] : [v.slice(0, i), v.slice(i + 1)];
}

function prefixMask(bits: number, len: number, path: string): bigint {
  if (len < 0 || len > bits) bad(path, `prefix length /${len} out of range 0-${bits}`);
  return len === 0 ? 0n : ((1n << BigInt(len)) - 1n) << BigInt(bits - len);
}

function ipIn(fi: OxmFieldInfo, v: unknown, path: string): MatchSpecValue {
  if (typeof v !== 'string') bad(path, `expected an address string, got ${show(v)}`);
  const [a, m] = splitMask(v.trim());
  const v4 = fi.kind === 'ipv4';
  let addr: string;
  try {
    addr = v4 ? formatIpv4(parseIpv4(a)) : normalizeIpv6(a);
  } catch {
    return bad(path, `not an ${v4 ? 'IPv4' : 'IPv6'} address: ${show(a)}`);
  }
  if (m === undefined) return addr;
  let mask: string;
  if (/^[0-9]+$/.test(m)) {
    const mm = prefixMask(v4 ? 32 : 128, Number(m), path);
    if (v4) mask = formatIpv4(Number(mm));
    else {
      const b = Buffer.alloc(16);
      for (let i = 0; i < 16; i++) b[i] = Number((mm >> BigInt(8 * (15 - i))) & 0xffn);
      mask = formatIpv6(b);
    }
  } else {
    try {
      mask = v4 ? formatIpv4(parseIpv4(m)) : formatIpv6(parseIpv6(m));
    } catch {
      return bad(path, `not a netmask or prefix length: ${show(m)}`);
    }
  }
  return { value: addr, mask };
}

function macIn(v: unknown, path: string): MatchSpecValue {
  if (typeof v !== 'string') bad(path, `expected a MAC address string, got ${show(v)}`);
  const [a, m] = splitMask(v.trim());
  const norm = (s: string) => {
    try { return formatMac(parseMac(s)); } catch { return bad(path, `not a MAC address: ${show(s)}`); }
  };
  return m === undefined ? norm(a) : { value: norm(a), mask: norm(m) };
}

function intIn(fi: OxmFieldInfo, v: unknown, path: string): MatchSpecValue {
  const conv = (x: unknown): OxmValue => (fi.kind === 'u64' ? strToU64(x, path) : strToInt(x, path, fi.width * 8));
  if (typeof v === 'string' && v.includes('/')) {
    if (!fi.maskable) bad(path, `${fi.name} cannot be masked`);
    const [a, m] = splitMask(v);
    return { value: conv(a), mask: conv(m) };
  }
  return conv(v);
}

/** dl_vlan / vlan_vid as ofctl reads them: a decimal VLAN id gets OFPVID_PRESENT added; hex is the raw OXM value. */
function vidIn(v: unknown, path: string): MatchSpecValue {
  if (typeof v === 'number' || typeof v === 'bigint') return strToInt(v, path, 12) | 0x1000;
  if (typeof v !== 'string') bad(path, `expected a VLAN id, got ${show(v)}`);
  if (v.includes('/')) {
    const [a, m] = splitMask(v);
    return { value: strToInt(a, path, 13), mask: strToInt(m, path, 13) };
  }
  if (/^[0-9]+$/.test(v.trim())) return strToInt(v, path, 12) | 0x1000;
  return strToInt(v, path, 13);
}

/** An ofctl_rest match dict -> Match (canonical order, prerequisites checked). */
export function ofctlMatchToMatch(obj: unknown, path = 'match'): Match {
  if (obj === undefined || obj === null) return [];
  if (!isObj(obj)) bad(path, `expected an object of match fields, got ${show(obj)}`);
  const attrs: OfctlDict = { ...obj };
  // ARP: nw_src/nw_dst mean the ARP sender/target protocol addresses.
  const et = attrs.dl_type ?? attrs.eth_type;
  if (et !== undefined && strToBig(et, `${path}.${attrs.dl_type !== undefined ? 'dl_type' : 'eth_type'}`) === 0x0806n) {
    if ('nw_src' in attrs && !('arp_spa' in attrs)) { attrs.arp_spa = attrs.nw_src; delete attrs.nw_src; }
    if ('nw_dst' in attrs && !('arp_tpa' in attrs)) { attrs.arp_tpa = attrs.nw_dst; delete attrs.nw_dst; }
  }
  const protoRaw = attrs.nw_proto ?? attrs.ip_proto;
  const spec: MatchSpec = {};
  const set = (name: OxmFieldName, v: MatchSpecValue, key: string) => {
    if (spec[name] !== undefined) bad(`${path}.${key}`, `${name} given twice (directly and through an alias)`);
    spec[name] = v;
  };
  for (const [key, value] of Object.entries(attrs)) {
    const p = `${path}.${key}`;
    if (value === undefined) continue;
    if (key === 'tp_src' || key === 'tp_dst') {
      const proto = protoRaw === undefined ? 0 : Number(strToBig(protoRaw, `${path}.nw_proto`));
      const l4 = proto === 6 ? 'tcp' : proto === 17 ? 'udp' : proto === 132 ? 'sctp' : undefined;
      if (l4 === undefined) bad(p, `${key} needs nw_proto/ip_proto 6, 17 or 132 to say which protocol's port it is`);
      set(`${l4}_${key.slice(3)}` as OxmFieldName, strToInt(value, p, 16), key);
      continue;
    }
    if (key === 'nw_tos') {
      set('ip_dscp', strToInt(value, p, 8) >> 2, key);
      continue;
    }
    const name = ALIASES[key] ?? key;
    const fi = oxmFieldInfo(name);
    if (fi === undefined) bad(p, `unknown match field ${show(key)}`);
    let v: MatchSpecValue;
    if (fi.name === 'in_port') v = reservedFromUser(value, 'OFPP_', p);
    else if (fi.name === 'vlan_vid') v = vidIn(value, p);
    else if (fi.kind === 'ipv4' || fi.kind === 'ipv6') v = ipIn(fi, value, p);
    else if (fi.kind === 'mac') v = macIn(value, p);
    else v = intIn(fi, value, p);
    set(fi.name, v, key);
  }
  return buildMatch(spec);
}

const TO_OLD: Partial<Record<OxmFieldName, string>> = {
  eth_src: 'dl_src', eth_dst: 'dl_dst', eth_type: 'dl_type', vlan_vid: 'dl_vlan', ipv4_src: 'nw_src', ipv4_dst: 'nw_dst',
  ip_proto: 'nw_proto', tcp_src: 'tp_src', tcp_dst: 'tp_dst', udp_src: 'tp_src', udp_dst: 'tp_dst',
};

const hex4 = (n: number) => '0x' + n.toString(16).padStart(4, '0');

function pyStr(v: OxmValue): string {
  return typeof v === 'string' ? v : v.toString();
}

function vidToStr(value: number, mask: number | undefined): string {
  if (mask !== undefined) return `${hex4(value)}/${hex4(mask)}`;
  if (value & 0x1000) return String(value & ~0x1000);
  return hex4(value);
}

/** Match -> the dict ofctl_v1_3.match_to_str prints (old names where it has them; masks as "value/mask"). */
export function matchToOfctl(match: Match): OfctlDict {
  const out: OfctlDict = {};
  for (const e of match as OxmEntry[]) {
    if (e.field === 'opaque') {
      // os-ken cannot show these; keep them visible rather than drop them
      const key = `oxm_${e.oxm_class.toString(16)}_${e.oxm_field}`;
      if (!(key in out)) out[key] = e.data.toString('hex');
      continue;
    }
    const key = TO_OLD[e.field] ?? e.field;
    if (key in out) continue; // os-ken: setdefault, the first one wins
    let v: unknown;
    if (e.field === 'vlan_vid') v = vidToStr(Number(e.value), e.mask === undefined ? undefined : Number(e.mask));
    else if (e.field === 'in_port') v = reservedToUser(Number(e.value), 'OFPP_');
    else if (e.mask !== undefined) v = `${pyStr(e.value)}/${pyStr(e.mask)}`;
    else v = typeof e.value === 'bigint' ? u64out(e.value) : e.value;
    out[key] = v;
  }
  return out;
}

// ---------------------------------------------------------------------------
// actions and instructions

function actionToStr(a: Action): string {
  switch (a.type) {
    case 'OUTPUT': return `OUTPUT:${reservedToUser(a.port, 'OFPP_')}`;
    case 'COPY_TTL_OUT': case 'COPY_TTL_IN': case 'DEC_MPLS_TTL': case 'POP_VLAN': case 'DEC_NW_TTL': case 'POP_PBB':
      return a.type;
    case 'SET_MPLS_TTL': return `SET_MPLS_TTL:${a.mpls_ttl}`;
    case 'SET_NW_TTL': return `SET_NW_TTL:${a.nw_ttl}`;
    case 'PUSH_VLAN': case 'PUSH_MPLS': case 'POP_MPLS': case 'PUSH_PBB': return `${a.type}:${a.ethertype}`;
    case 'SET_QUEUE': return `SET_QUEUE:${reservedToUser(a.queue_id, 'OFPQ_')}`;
    case 'GROUP': return `GROUP:${reservedToUser(a.group_id, 'OFPG_')}`;
    case 'SET_FIELD':
      if (a.field.field === 'opaque') return 'UNKNOWN';
      return `SET_FIELD: {${a.field.field}:${pyStr(a.field.value)}}`;
    case 'EXPERIMENTER': return `EXPERIMENTER: {experimenter:${a.experimenter}, data:${a.data.toString('base64')}}`;
    default: return 'UNKNOWN';
  }
}

/** Instructions -> the list ofctl_v1_3.actions_to_str prints ([] means drop). */
export function instructionsToOfctl(ins: readonly Instruction[]): OfctlActionOut[] {
  const out: OfctlActionOut[] = [];
  for (const i of ins) {
    switch (i.type) {
      case 'APPLY_ACTIONS': for (const a of i.actions) out.push(actionToStr(a)); break;
      case 'WRITE_ACTIONS': if (i.actions.length > 0) out.push({ WRITE_ACTIONS: i.actions.map(actionToStr) }); break;
      case 'CLEAR_ACTIONS': out.push('CLEAR_ACTIONS'); break;
      case 'GOTO_TABLE': out.push(`GOTO_TABLE:${reservedToUser(i.table_id, 'OFPTT_')}`); break;
      case 'WRITE_METADATA':
        out.push(i.metadata_mask !== 0n
          ? `WRITE_METADATA:0x${i.metadata.toString(16)}/0x${i.metadata_mask.toString(16)}`
          : `WRITE_METADATA:0x${i.metadata.toString(16)}`);
        break;
      case 'METER': out.push(`METER:${reservedToUser(i.meter_id, 'OFPM_')}`); break;
      default: break; // os-ken skips what it does not know
    }
  }
  return out;
}

function setFieldValue(field: string, v: unknown, path: string): OxmEntry {
  const fi = oxmFieldInfo(field);
  if (fi === undefined) bad(path, `unknown SET_FIELD field ${show(field)}`);
  let value: OxmValue;
  if (fi.kind === 'mac') value = macIn(v, path) as string;
  else if (fi.kind === 'ipv4' || fi.kind === 'ipv6') value = ipIn(fi, v, path) as string;
  else if (fi.kind === 'u64') value = strToU64(v, path);
  else value = strToInt(v, path, fi.width * 8);
  if (typeof value === 'object') bad(path, 'SET_FIELD takes no mask');
  return { field: fi.name, value };
}

type Parsed = { action: Action } | { instruction: Instruction } | { write: Action[] } | null;

const SIMPLE = new Set(['COPY_TTL_OUT', 'COPY_TTL_IN', 'DEC_MPLS_TTL', 'POP_VLAN', 'DEC_NW_TTL', 'POP_PBB']);
const ETHERTYPE = new Set(['PUSH_VLAN', 'PUSH_MPLS', 'POP_MPLS', 'PUSH_PBB']);

/** The {k:v, k:v} argument of SET_FIELD / EXPERIMENTER strings. */
function braces(arg: string, path: string): [string, string][] {
  const m = /^\{(.*)\}$/.exec(arg.trim());
  if (!m) bad(path, `expected {name:value}, got ${show(arg)}`);
  return m[1]!.split(/,\s*(?=[a-z_]+:)/).map((kv) => {
    const i = kv.indexOf(':');
    if (i < 0) bad(path, `expected name:value in ${show(arg)}`);
    return [kv.slice(0, i).trim(), kv.slice(i + 1).trim()];
  });
}

function parseActionString(s: string, path: string): Parsed {
  const t = s.trim();
  const i = t.indexOf(':');
  const name = (i < 0 ? t : t.slice(0, i)).trim().toUpperCase();
  const arg = i < 0 ? undefined : t.slice(i + 1).trim();
  const need = (): string => {
    if (arg === undefined || arg === '') bad(path, `${name} needs an argument (${name}:<value>)`);
    return arg;
  };
  if (SIMPLE.has(name)) return { action: { type: name } as Action };
  if (ETHERTYPE.has(name)) return { action: { type: name, ethertype: strToInt(need(), path, 16) } as Action };
  switch (name) {
    case 'OUTPUT': return { action: { type: 'OUTPUT', port: reservedFromUser(need(), 'OFPP_', path), max_len: 0xffe5 } };
    case 'SET_MPLS_TTL': return { action: { type: 'SET_MPLS_TTL', mpls_ttl: strToInt(need(), path, 8) } };
    case 'SET_NW_TTL': return { action: { type: 'SET_NW_TTL', nw_ttl: strToInt(need(), path, 8) } };
    case 'SET_QUEUE': return { action: { type: 'SET_QUEUE', queue_id: reservedFromUser(need(), 'OFPQ_', path) } };
    case 'GROUP': return { action: { type: 'GROUP', group_id: reservedFromUser(need(), 'OFPG_', path) } };
    case 'SET_FIELD': {
      const kv = braces(need(), path);
      if (kv.length !== 1) bad(path, `SET_FIELD sets one field, got ${kv.length}`);
      return { action: { type: 'SET_FIELD', field: setFieldValue(kv[0]![0], kv[0]![1], path) } };
    }
    case 'EXPERIMENTER': {
      const kv = Object.fromEntries(braces(need(), path));
      if (kv.experimenter === undefined) bad(path, 'EXPERIMENTER needs experimenter:<id>');
      return { action: { type: 'EXPERIMENTER', experimenter: strToInt(kv.experimenter, path, 32), data: Buffer.from(kv.data ?? '', 'base64') } };
    }
    case 'GOTO_TABLE': return { instruction: { type: 'GOTO_TABLE', table_id: reservedFromUser(need(), 'OFPTT_', path, 8) } };
    case 'METER': return { instruction: { type: 'METER', meter_id: reservedFromUser(need(), 'OFPM_', path) } };
    case 'CLEAR_ACTIONS': return { instruction: { type: 'CLEAR_ACTIONS' } };
    case 'WRITE_METADATA': {
      // A bare value means all 64 bits (as the dict form's default mask).
      const [v, m] = splitMask(need());
      return { instruction: { type: 'WRITE_METADATA', metadata: strToU64(v, path), metadata_mask: m === undefined ? 0xffffffffffffffffn : strToU64(m, path) } };
    }
    default:
      return bad(path, `unknown action ${show(name)}`);
  }
}

function parseActionDict(d: OfctlDict, path: string): Parsed {
  if ('WRITE_ACTIONS' in d && d.type === undefined) {
    // the form actions_to_str prints: {"WRITE_ACTIONS": ["OUTPUT:1", ...]}
    return { write: actionList(d.WRITE_ACTIONS, `${path}.WRITE_ACTIONS`) };
  }
  const type = d.type;
  if (typeof type !== 'string') bad(`${path}.type`, `expected an action type name, got ${show(type)}`);
  const t = type.toUpperCase();
  const p = (k: string) => `${path}.${k}`;
  const req = (k: string): unknown => {
    if (d[k] === undefined || d[k] === null) bad(p(k), `${t} needs ${k}`);
    return d[k];
  };
  if (SIMPLE.has(t)) return { action: { type: t } as Action };
  if (ETHERTYPE.has(t)) return { action: { type: t, ethertype: strToInt(req('ethertype'), p('ethertype'), 16) } as Action };
  switch (t) {
    case 'OUTPUT':
      return {
        action: {
          type: 'OUTPUT', port: reservedFromUser(d.port ?? 0xffffffff, 'OFPP_', p('port')),
          max_len: reservedFromUser(d.max_len ?? 0xffe5, 'OFPCML_', p('max_len'), 16),
        },
      };
    case 'SET_MPLS_TTL': return { action: { type: 'SET_MPLS_TTL', mpls_ttl: strToInt(req('mpls_ttl'), p('mpls_ttl'), 8) } };
    case 'SET_NW_TTL': return { action: { type: 'SET_NW_TTL', nw_ttl: strToInt(req('nw_ttl'), p('nw_ttl'), 8) } };
    case 'SET_QUEUE': return { action: { type: 'SET_QUEUE', queue_id: reservedFromUser(req('queue_id'), 'OFPQ_', p('queue_id')) } };
    case 'GROUP': return { action: { type: 'GROUP', group_id: reservedFromUser(req('group_id'), 'OFPG_', p('group_id')) } };
    case 'SET_FIELD': {
      const f = req('field');
      if (typeof f !== 'string') bad(p('field'), `expected a field name, got ${show(f)}`);
      return { action: { type: 'SET_FIELD', field: setFieldValue(f, req('value'), p('value')) } };
    }
    case 'EXPERIMENTER': {
      const dt = d.data_type ?? 'ascii';
      if (dt !== 'ascii' && dt !== 'base64') bad(p('data_type'), `expected "ascii" or "base64", got ${show(dt)}`);
      const data = d.data ?? '';
      if (typeof data !== 'string') bad(p('data'), `expected a string, got ${show(data)}`);
      return { action: { type: 'EXPERIMENTER', experimenter: strToInt(req('experimenter'), p('experimenter'), 32), data: Buffer.from(data, dt === 'base64' ? 'base64' : 'latin1') } };
    }
    case 'WRITE_ACTIONS': return { write: actionList(d.actions ?? [], p('actions')) };
    case 'CLEAR_ACTIONS': return { instruction: { type: 'CLEAR_ACTIONS' } };
    case 'GOTO_TABLE': return { instruction: { type: 'GOTO_TABLE', table_id: reservedFromUser(req('table_id'), 'OFPTT_', p('table_id'), 8) } };
    case 'WRITE_METADATA':
      return {
        instruction: {
          type: 'WRITE_METADATA', metadata: strToU64(req('metadata'), p('metadata')),
          metadata_mask: d.metadata_mask === undefined ? 0xffffffffffffffffn : strToU64(d.metadata_mask, p('metadata_mask')),
        },
      };
    case 'METER': return { instruction: { type: 'METER', meter_id: reservedFromUser(req('meter_id'), 'OFPM_', p('meter_id')) } };
    default:
      return bad(p('type'), `unknown action type ${show(type)}`);
  }
}

function parseOne(a: unknown, path: string): Parsed {
  if (typeof a === 'string') return parseActionString(a, path);
  if (isObj(a)) return parseActionDict(a, path);
  return bad(path, `expected an action string or object, got ${show(a)}`);
}

/** Actions only (inside WRITE_ACTIONS). */
function actionList(v: unknown, path: string): Action[] {
  if (!Array.isArray(v)) bad(path, `expected a list of actions, got ${show(v)}`);
  return v.map((a, i) => {
    const r = parseOne(a, `${path}[${i}]`);
    if (r === null || !('action' in r)) bad(`${path}[${i}]`, 'only actions are allowed inside WRITE_ACTIONS');
    return r.action;
  });
}

/**
 * An ofctl action list (strings as actions_to_str prints them, or the REST
 * API's {"type": ...} objects, mixed freely) -> instructions, as
 * ofctl_v1_3.to_actions builds them: instruction-like entries in order, then
 * one APPLY_ACTIONS holding every plain action. An empty list is a drop.
 */
export function ofctlActionsToInstructions(actions: unknown, path = 'actions'): Instruction[] {
  if (actions === undefined || actions === null) return [];
  if (!Array.isArray(actions)) bad(path, `expected a list of actions, got ${show(actions)}`);
  const ins: Instruction[] = [];
  const apply: Action[] = [];
  actions.forEach((a, i) => {
    const r = parseOne(a, `${path}[${i}]`);
    if (r === null) return;
    if ('action' in r) apply.push(r.action);
    else if ('instruction' in r) ins.push(r.instruction);
    else if (r.write.length > 0) ins.push({ type: 'WRITE_ACTIONS', actions: r.write });
  });
  if (apply.length > 0) ins.push({ type: 'APPLY_ACTIONS', actions: apply });
  return ins;
}

// ---------------------------------------------------------------------------
// flow entries

/** One flow-stats entry as ofctl_v1_3.get_flow_stats returns it (to_user form). */
export function flowStatsToOfctl(fs: FlowStats): OfctlDict {
  return {
    priority: fs.priority,
    cookie: u64out(fs.cookie),
    idle_timeout: fs.idle_timeout,
    hard_timeout: fs.hard_timeout,
    byte_count: u64out(fs.byte_count),
    duration_sec: fs.duration_sec,
    duration_nsec: fs.duration_nsec,
    packet_count: u64out(fs.packet_count),
    length: flowStatsLength(fs),
    flags: fs.flags,
    actions: instructionsToOfctl(fs.instructions),
    match: matchToOfctl(fs.match),
    table_id: reservedToUser(fs.table_id, 'OFPTT_'),
  };
}

const COMMANDS: Record<string, number> = { ADD: 0, MODIFY: 1, MODIFY_STRICT: 2, DELETE: 3, DELETE_STRICT: 4 };

/** Fields of a FLOW_MOD read from an ofctl body (xid 0). */
export type OfctlFlowMod = FlowMod;

/**
 * A REST request body -> FLOW_MOD, as ofctl_v1_3.mod_flow_entry reads it.
 * `command` is OFPFC_* (0-4) or its name ("add", "modify", "modify_strict",
 * "delete", "delete_strict": the ofctl_rest URL's last segment; "OFPFC_ADD").
 * Defaults as os-ken's: priority 0, table 0, OFP_NO_BUFFER, out_port
 * OFPP_ANY, out_group OFPG_ANY; unknown keys (dpid...) are ignored.
 */
export function ofctlToFlowMod(body: unknown, command: number | string): OfctlFlowMod {
  if (!isObj(body)) bad('$', `expected a flow entry object, got ${show(body)}`);
  let cmd: number;
  if (typeof command === 'string') {
    const c = COMMANDS[command.toUpperCase().replace(/^OFPFC_/, '')];
    if (c === undefined) bad('command', `unknown flow-mod command ${show(command)}`);
    cmd = c;
  } else cmd = command;
  const num = (k: string, def: unknown, bits: number) => strToInt(body[k] ?? def, `$.${k}`, bits);
  const bufferRaw = body.buffer_id;
  const buffer_id = bufferRaw === 'OFP_NO_BUFFER' || bufferRaw === 'NO_BUFFER' || bufferRaw === undefined
    ? 0xffffffff : strToInt(bufferRaw, '$.buffer_id', 32);
  return {
    type: 'FLOW_MOD',
    xid: 0,
    cookie: strToU64(body.cookie ?? 0, '$.cookie'),
    cookie_mask: strToU64(body.cookie_mask ?? 0, '$.cookie_mask'),
    table_id: reservedFromUser(body.table_id ?? 0, 'OFPTT_', '$.table_id', 8),
    command: cmd,
    idle_timeout: num('idle_timeout', 0, 16),
    hard_timeout: num('hard_timeout', 0, 16),
    priority: num('priority', 0, 16),
    buffer_id,
    out_port: reservedFromUser(body.out_port ?? 0xffffffff, 'OFPP_', '$.out_port'),
    out_group: reservedFromUser(body.out_group ?? 0xffffffff, 'OFPG_', '$.out_group'),
    flags: num('flags', 0, 16),
    match: ofctlMatchToMatch(body.match ?? {}, '$.match'),
    instructions: ofctlActionsToInstructions(body.actions ?? [], '$.actions'),
  };
}

/** A FLOW_MOD as an ofctl_rest body (inverse of ofctlToFlowMod, command aside). */
export function flowModToOfctl(fm: FlowMod): OfctlDict {
  return {
    table_id: reservedToUser(fm.table_id, 'OFPTT_'),
    priority: fm.priority,
    cookie: u64out(fm.cookie),
    cookie_mask: u64out(fm.cookie_mask),
    idle_timeout: fm.idle_timeout,
    hard_timeout: fm.hard_timeout,
    flags: fm.flags,
    buffer_id: fm.buffer_id === 0xffffffff ? 'NO_BUFFER' : fm.buffer_id,
    out_port: reservedToUser(fm.out_port, 'OFPP_'),
    out_group: reservedToUser(fm.out_group, 'OFPG_'),
    match: matchToOfctl(fm.match),
    actions: instructionsToOfctl(fm.instructions),
  };
}
