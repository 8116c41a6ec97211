/**
 * The controller's config: one file, YAML or JSON (YAML 1.2 reads both),
 * validated by a JSON schema (config-schema.ts) with every error naming the
 * key path, the value and what was expected, defaults filled, and the rule
 * templates of flows/op25b-rules.yaml merged in.
 *
 *   loadConfig(path)          read + parse; throws ConfigError
 *   parseConfig(text, name)   the same from text
 *
 * Keys (defaults in brackets) — see flows/example-config.yaml:
 *   openflow: host [0.0.0.0], port [6653], tls {cert,key,ca}, echo_interval_s [5],
 *             echo_timeout_s [15], handshake_timeout_s [10], request_timeout_s [10]
 *   switches: [{ dpid, name [dpid hex], uplinks ["N-M"...] [none],
 *                subscriber_ports [every port but the uplinks; [] = none],
 *                vlan_attachment {ports, vlans?}, default_policy, destination_scope }]
 *   mtas [[]], blocked_ports [[25]], table_id [0], continue [{output: NORMAL}],
 *   default_policy [block], quarantine.default_mode [smtp],
 *   destination_scope {prefixes} [absent: block toward every destination],
 *   priorities (override flows/), flows_file [flows/op25b-rules.yaml],
 *   radius: accounting {host, port [1813]}, coa {host, port [3799], enabled},
 *           clients [{address, secret, name}], mapping {rules, switches},
 *           profile_attribute [Filter-Id], exempt_values [[op25b-exempt]], duplicate_window_s [30]
 *   store: {kind: embedded, path [./data], writer [thread] | inline, inline_when_idle [16]} | {kind: mongodb, uri, database [op25b]}
 *   api: enabled [true], host [127.0.0.1], port [8080], token, read_token_required [false],
 *        allow_tokenless_ofctl_writes_from_loopback [false]
 *   audit_interval_s [30; 0 = off], log: format [json], level [info]
 *
 * Dpids written as strings are hexadecimal ("0x1", "00000000000000a1",
 * "00:..:a1"); as YAML/JSON integers they are numbers, exact to 64 bits.
 */
import * as fs from 'fs';
import * as path from 'path';
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import { parseDocument } from 'yaml';
import { compileMapping, type MappingConfig } from '../radius/mapping';
import type { RadiusClientConfig } from '../radius/clients';
import { parsePrefix, prefixText, type IpPrefix } from '../policy/prefix';
import {
  checkPriorityOrder, type FlowTemplates, type MatchPart, type RuleTemplate, type TemplateName,
} from '../policy/templates';
import type { RuleKind } from '../policy/types';
import { CONFIG_SCHEMA, FLOWS_SCHEMA, OFPP_MAX, VALUE_KINDS, parseDpidValue, parseRanges } from './config-schema';
import { dpidHex } from '../openflow/types';

// ---------------------------------------------------------------------------
// Types

/** Port numbers as inclusive ranges, sorted and merged. */
export type PortRanges = readonly (readonly [number, number])[];

export interface SwitchConfig {
  dpid: bigint;
  name: string;
  /** 'all' = every port but the uplinks (and never OFPP_LOCAL or other reserved ports). */
  subscriber_ports: 'all' | PortRanges;
  uplinks: PortRanges;
  /** Ports where each subscriber is a C-VLAN (TR-101 1:1): sessions map to (dpid, port, vlan). */
  vlan_attachment?: { ports: PortRanges; vlans?: PortRanges };
  /** Overrides the global default_policy for this switch. */
  default_policy?: 'block' | 'allow';
  /** Overrides the global destination scope for this switch. */
  destination_scope?: { prefixes: IpPrefix[] };
}

export type ContinueAction = { goto_table: number } | { output: 'NORMAL' };

export interface Config {
  /** Where it came from (file name), for messages. */
  source: string;
  openflow: {
    host: string;
    port: number;
    tls?: { cert: string; key: string; ca?: string };
    echo_interval_s: number;
    echo_timeout_s: number;
    handshake_timeout_s: number;
    request_timeout_s: number;
  };
  switches: SwitchConfig[];
  mtas: IpPrefix[];
  blocked_ports: number[];
  table_id: number;
  continue: ContinueAction;
  default_policy: 'block' | 'allow';
  quarantine: { default_mode: 'smtp' | 'all' };
  destination_scope?: { prefixes: IpPrefix[] };
  /** Rule templates with the effective priorities (flows file, then the config's overrides). */
  flows: FlowTemplates;
  flows_file: string;
  radius: {
    accounting: { host: string; port: number };
    coa: { host: string; port: number; enabled: boolean };
    clients: RadiusClientConfig[];
    mapping: MappingConfig;
    profile_attribute: string;
    exempt_values: string[];
    duplicate_window_s: number;
  };
  store: { kind: 'embedded'; path: string; writer?: 'thread' | 'inline'; inline_when_idle?: number } | { kind: 'mongodb'; uri: string; database: string };
  api: {
    enabled: boolean;
    host: string;
    port: number;
    token?: string;
    read_token_required: boolean;
    allow_tokenless_ofctl_writes_from_loopback: boolean;
    /** How often per-port blocked-SMTP counters are polled from flow stats (metrics). */
    flow_stats_interval_s: number;
  };
  audit_interval_s: number;
  log: { format: 'json' | 'human'; level: 'error' | 'warn' | 'info' | 'debug' };
}

export interface ConfigIssue {
  /** Key path as an operator writes it: "switches[0].uplinks". "" for the whole document. */
  path: string;
  /** The offending value (undefined for a missing key). */
  value: unknown;
  /** What was expected, in the operator's words. */
  expected: string;
  /** One line: `path: value problem (expected ...)`. */
  message: string;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly code = 'CONFIG_ERR_INVALID';
  constructor(readonly source: string, readonly issues: ConfigIssue[]) {
    super(`${source}: ${issues.length} config error(s):\n` + issues.map((i) => `  ${i.message}`).join('\n'));
  }
}

// ---------------------------------------------------------------------------
// Helpers others use

/** Expand ranges into port numbers (bounded; 'all' cannot be listed). */
export function rangesToList(r: PortRanges): number[] {
  const out: number[] = [];
  for (const [a, b] of r) for (let p = a; p <= b; p++) out.push(p);
  return out;
}

export function inRanges(r: PortRanges, port: number): boolean {
  for (const [a, b] of r) if (port >= a && port <= b) return true;
  return false;
}

/** Is `port` a subscriber port of this switch? Reserved ports (> OFPP_MAX, e.g. OFPP_LOCAL) never are. */
export function isSubscriberPort(sw: SwitchConfig, port: number): boolean {
  if (!Number.isInteger(port) || port < 1 || port > OFPP_MAX) return false;
  if (inRanges(sw.uplinks, port)) return false;
  return sw.subscriber_ports === 'all' || inRanges(sw.subscriber_ports, port);
}

export function isUplink(sw: SwitchConfig, port: number): boolean {
  return inRanges(sw.uplinks, port);
}

/** Is `port` of this switch a VLAN attachment port (subscribers are C-VLANs on it)? */
export function isVlanAttachmentPort(sw: SwitchConfig, port: number): boolean {
  return sw.vlan_attachment !== undefined && inRanges(sw.vlan_attachment.ports, port);
}

export function findSwitch(cfg: Pick<Config, 'switches'>, dpid: bigint): SwitchConfig | undefined {
  return cfg.switches.find((s) => s.dpid === dpid);
}

/** "N-M,K" form of ranges, for messages. */
export function rangesText(r: PortRanges | 'all'): string {
  if (r === 'all') return 'all but uplinks';
  if (r.length === 0) return 'none';
  return r.map(([a, b]) => (a === b ? `${a}` : `${a}-${b}`)).join(',');
}

// ---------------------------------------------------------------------------
// Loading

function show(v: unknown): string {
  if (v === undefined) return 'missing';
  if (typeof v === 'bigint') return v.toString();
  let s: string;
  try {
    s = JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? x.toString() : x)) ?? String(v);
  } catch {
    s = String(v);
  }
  return s.length > 80 ? s.slice(0, 77) + '...' : s;
}

function issue(pathText: string, value: unknown, problem: string, expected: string): ConfigIssue {
  const where = pathText === '' ? '(top level)' : pathText;
  const message = value === undefined && problem === 'is missing'
    ? `${where}: missing (expected ${expected})`
    : `${where}: ${show(value)} ${problem} (expected ${expected})`;
  return { path: pathText, value, expected, message };
}

/** "/switches/0/uplinks" -> "switches[0].uplinks" */
function jsonPointerToPath(p: string): string {
  if (p === '') return '';
  let out = '';
  for (const raw of p.split('/').slice(1)) {
    const seg = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (/^\d+$/.test(seg)) out += `[${seg}]`;
    else out += out === '' ? seg : `.${seg}`;
  }
  return out;
}

function join(base: string, key: string): string {
  return base === '' ? key : `${base}.${key}`;
}

type Schema = Record<string, unknown>;

function describeSchema(s: Schema | undefined): string {
  if (!s) return 'a valid value';
  if (typeof s['x-expected'] === 'string') return s['x-expected'];
  const kind = s['x-kind'];
  if (typeof kind === 'string' && VALUE_KINDS[kind]) return VALUE_KINDS[kind].expected;
  if (Array.isArray(s.enum)) return `one of ${s.enum.map((e) => JSON.stringify(e)).join(', ')}`;
  if (s.const !== undefined) return JSON.stringify(s.const);
  const t = s.type;
  if (t === 'integer' || t === 'number') {
    const min = s.minimum;
    const max = s.maximum;
    const noun = t === 'integer' ? 'an integer' : 'a number';
    if (typeof min === 'number' && typeof max === 'number') return `${noun} from ${min} to ${max}`;
    if (typeof min === 'number') return `${noun} >= ${min}`;
    return noun;
  }
  if (t === 'string') return 'a string';
  if (t === 'boolean') return 'true or false';
  if (t === 'array') return 'a list';
  if (t === 'object') {
    const props = s.properties;
    if (props && typeof props === 'object') return `a map with keys ${Object.keys(props).join(', ')}`;
    return 'a map';
  }
  if (Array.isArray(t)) return t.join(' or ');
  return 'a valid value';
}

function ajvIssues(errors: ErrorObject[]): ConfigIssue[] {
  // An anyOf/oneOf failure explains itself through x-expected: drop its branches' errors.
  const alternatives = errors.filter((e) => e.keyword === 'anyOf' || e.keyword === 'oneOf');
  const kept = errors.filter((e) => !alternatives.some((a) => a !== e && e.schemaPath.startsWith(a.schemaPath + '/')));
  const out: ConfigIssue[] = [];
  const seen = new Set<string>();
  for (const e of kept) {
    const p = jsonPointerToPath(e.instancePath);
    const parent = e.parentSchema as Schema | undefined;
    let iss: ConfigIssue;
    switch (e.keyword) {
      case 'required': {
        const key = (e.params as { missingProperty: string }).missingProperty;
        const props = (parent?.properties ?? {}) as Record<string, Schema>;
        iss = issue(join(p, key), undefined, 'is missing', describeSchema(props[key]));
        break;
      }
      case 'additionalProperties': {
        const key = (e.params as { additionalProperty: string }).additionalProperty;
        const props = Object.keys((parent?.properties ?? {}) as object);
        const data = e.data as Record<string, unknown> | undefined;
        iss = issue(join(p, key), data?.[key], 'is not a known key', props.length ? `one of ${props.join(', ')}` : 'no other keys');
        break;
      }
      case 'x-kind': {
        const k = VALUE_KINDS[String(e.schema)];
        iss = issue(p, e.data, `is not ${k?.noun ?? 'valid'}`, k?.expected ?? 'a valid value');
        break;
      }
      case 'type':
        iss = issue(p, e.data, `is not ${describeSchema(parent)}`, describeSchema(parent));
        break;
      case 'enum':
      case 'const':
        iss = issue(p, e.data, 'is not allowed', describeSchema(parent));
        break;
      case 'minimum':
      case 'maximum':
        iss = issue(p, e.data, 'is out of range', describeSchema(parent));
        break;
      case 'uniqueItems':
        iss = issue(p, e.data, 'has duplicates', 'each value once');
        break;
      case 'minItems':
        iss = issue(p, e.data, 'is too short', `at least ${String((e.params as { limit: number }).limit)} item(s)`);
        break;
      case 'minLength':
        iss = issue(p, e.data, 'is empty', 'a non-empty string');
        break;
      case 'pattern':
        iss = issue(p, e.data, 'does not have the right form', p.endsWith('uri') ? 'a mongodb:// or mongodb+srv:// URI' : `text matching ${String((e.params as { pattern: string }).pattern)}`);
        break;
      case 'discriminator':
        iss = issue(join(p, 'kind'), (e.data as Record<string, unknown> | undefined)?.kind, 'is not a known kind', 'one of "embedded", "mongodb"');
        break;
      default:
        iss = issue(p, e.data, 'is not valid', describeSchema(parent));
    }
    if (!seen.has(iss.message)) {
      seen.add(iss.message);
      out.push(iss);
    }
  }
  return out;
}

let ajvInstance: Ajv | undefined;
const validators = new Map<object, ValidateFunction>();
function validatorFor(schema: object): ValidateFunction {
  let v = validators.get(schema);
  if (!v) {
    v = ajv().compile(schema);
    validators.set(schema, v);
  }
  return v;
}

function ajv(): Ajv {
  if (!ajvInstance) {
    ajvInstance = new Ajv({ allErrors: true, useDefaults: true, verbose: true, discriminator: true, strict: true, strictRequired: false, allowUnionTypes: true });
    ajvInstance.addKeyword({
      keyword: 'x-kind',
      schemaType: 'string',
      errors: true,
      validate: (kind: string, data: unknown) => VALUE_KINDS[kind]?.check(data) ?? false,
    });
    ajvInstance.addKeyword({ keyword: 'x-expected', schemaType: 'string' });
  }
  return ajvInstance;
}

/**
 * YAML/JSON text to a plain value. Integers are read exactly: those beyond
 * 2^53 (64-bit dpids) become "0x..." hex strings, which the dpid kind reads.
 */
function readDocument(text: string, source: string): unknown {
  const doc = parseDocument(text, { intAsBigInt: true, prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new ConfigError(source, doc.errors.map((e) => {
      const line = e.linePos?.[0];
      const where = line ? `line ${line.line}, column ${line.col}` : '';
      return { path: '', value: undefined, expected: 'valid YAML or JSON', message: `${where ? where + ': ' : ''}${(e.message.split('\n')[0] ?? e.message).replace(/ at line \d+, column \d+:?$/, '')} (expected valid YAML or JSON)` };
    }));
  }
  const fix = (v: unknown): unknown => {
    if (typeof v === 'bigint') {
      if (v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER)) return Number(v);
      return v >= 0n ? '0x' + v.toString(16) : v.toString();
    }
    if (Array.isArray(v)) return v.map(fix);
    if (v && typeof v === 'object') {
      const o: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) o[k] = fix(x);
      return o;
    }
    return v;
  };
  return fix(doc.toJS({ maxAliasCount: 100 }));
}

function mergeRanges(r: [number, number][]): [number, number][] {
  const s = [...r].sort((a, b) => a[0] - b[0]);
  const out: [number, number][] = [];
  for (const [a, b] of s) {
    const last = out[out.length - 1];
    if (last && a <= last[1] + 1) last[1] = Math.max(last[1], b);
    else out.push([a, b]);
  }
  return out;
}

function overlapOf(a: PortRanges, b: PortRanges): number[] {
  const out: number[] = [];
  for (const [a0, a1] of a) {
    for (const [b0, b1] of b) {
      const lo = Math.max(a0, b0);
      const hi = Math.min(a1, b1);
      for (let p = lo; p <= hi && out.length < 10; p++) out.push(p);
    }
  }
  return out;
}

function packageRoot(): string {
  let dir = __dirname;
  for (let i = 0; i < 6; i++) {
    if (fs.existsSync(path.join(dir, 'flows', 'op25b-rules.yaml'))) return dir;
    dir = path.dirname(dir);
  }
  return process.cwd();
}

/** The default rule templates file shipped with the product. */
export function defaultFlowsFile(): string {
  return path.join(packageRoot(), 'flows', 'op25b-rules.yaml');
}

/** Parse and validate a rule templates file (flows/op25b-rules.yaml). */
export function parseFlowTemplates(text: string, source: string): FlowTemplates {
  const raw = readDocument(text, source);
  const validate = validatorFor(FLOWS_SCHEMA);
  if (!validate(raw)) throw new ConfigError(source, ajvIssues(validate.errors ?? []));
  const t = raw as unknown as FlowTemplates;
  const issues: ConfigIssue[] = [];
  for (const [name, tpl] of Object.entries(t.templates) as [TemplateName, RuleTemplate][]) {
    const parts = tpl.match.filter((m): m is MatchPart => typeof m === 'string');
    const needsIp = parts.filter((m) => m === 'blocked_port' || m === 'mta' || m === 'scope');
    if (needsIp.length > 0 && !parts.includes('ip_tcp')) {
      issues.push(issue(`templates.${name}.match`, tpl.match, `uses ${needsIp.join(', ')} without ip_tcp`, 'ip_tcp wherever blocked_port, mta or scope is used'));
    }
  }
  for (const bad of checkPriorityOrder(t.priorities, t.vlan_priority_offset)) {
    issues.push(issue(`priorities.${bad.kind}`, t.priorities[bad.kind], 'breaks the rule order', bad.message));
  }
  if (issues.length) throw new ConfigError(source, issues);
  return t;
}

export interface ParseOptions {
  /** Directory relative paths (flows_file, store path stays as written) resolve against; default: the source's directory. */
  baseDir?: string;
  /** Rule templates to use instead of reading the flows file. */
  flows?: FlowTemplates;
}

/** Parse and validate config text; throws ConfigError listing every problem. */
export function parseConfig(text: string, sourceName: string, opts: ParseOptions = {}): Config {
  const raw = readDocument(text, sourceName);
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new ConfigError(sourceName, [issue('', raw, 'is not a map', 'a map of config keys (openflow, switches, mtas, ...)')]);
  }
  const validate = validatorFor(CONFIG_SCHEMA);
  if (!validate(raw)) throw new ConfigError(sourceName, ajvIssues(validate.errors ?? []));
  // Structure and value kinds are valid from here on; build the typed config and check relations.
  const r = raw as Record<string, unknown> & {
    switches: Record<string, unknown>[];
    mtas: string[];
    destination_scope?: { prefixes: string[] };
    priorities?: Partial<Record<RuleKind, number>>;
    flows_file?: string;
    continue: ContinueAction;
    table_id: number;
    radius: Config['radius'] & { mapping: MappingConfig };
  };
  const issues: ConfigIssue[] = [];
  const baseDir = opts.baseDir ?? path.dirname(path.resolve(sourceName));

  const ranges = (v: unknown): [number, number][] => mergeRanges(parseRanges(v, 1, OFPP_MAX) ?? []);
  const prefixes = (list: string[]): IpPrefix[] => list.map((s) => parsePrefix(s)!);

  const switches: SwitchConfig[] = r.switches.map((s, i) => {
    const dpid = parseDpidValue(s.dpid)!;
    const sw: SwitchConfig = {
      dpid,
      name: typeof s.name === 'string' ? s.name : dpidHex(dpid),
      subscriber_ports: s.subscriber_ports === undefined ? 'all' : ranges(s.subscriber_ports),
      uplinks: s.uplinks === undefined ? [] : ranges(s.uplinks),
    };
    const va = s.vlan_attachment as { ports: unknown; vlans?: unknown } | undefined;
    if (va) {
      sw.vlan_attachment = { ports: ranges(va.ports) };
      if (va.vlans !== undefined) sw.vlan_attachment.vlans = mergeRanges(parseRanges(va.vlans, 1, 4094) ?? []);
    }
    if (s.default_policy === 'block' || s.default_policy === 'allow') sw.default_policy = s.default_policy;
    const ds = s.destination_scope as { prefixes: string[] } | undefined;
    if (ds) sw.destination_scope = { prefixes: prefixes(ds.prefixes) };
    const at = `switches[${i}]`;
    if (sw.subscriber_ports !== 'all') {
      const both = overlapOf(sw.subscriber_ports, sw.uplinks);
      if (both.length) {
        issues.push(issue(`${at}.subscriber_ports`, s.subscriber_ports, `overlaps uplinks on port(s) ${both.join(', ')}`, 'a port to be either a subscriber port or an uplink, not both'));
      }
    }
    if (sw.vlan_attachment) {
      const notSub: number[] = [];
      for (const [a, b] of sw.vlan_attachment.ports) {
        for (let p = a; p <= b && notSub.length < 10; p++) if (!isSubscriberPort(sw, p)) notSub.push(p);
      }
      if (notSub.length) {
        issues.push(issue(`${at}.vlan_attachment.ports`, va?.ports, `includes port(s) ${notSub.join(', ')} that are not subscriber ports`, 'subscriber ports only'));
      }
    }
    return sw;
  });
  const byDpid = new Map<bigint, number>();
  const byName = new Map<string, number>();
  switches.forEach((sw, i) => {
    const d = byDpid.get(sw.dpid);
    if (d !== undefined) issues.push(issue(`switches[${i}].dpid`, r.switches[i]?.dpid, `repeats switches[${d}]`, 'each dpid once'));
    else byDpid.set(sw.dpid, i);
    const n = byName.get(sw.name);
    if (n !== undefined) issues.push(issue(`switches[${i}].name`, sw.name, `repeats switches[${n}]`, 'each switch name once'));
    else byName.set(sw.name, i);
  });

  const cont = r.continue;
  if ('goto_table' in cont && cont.goto_table <= r.table_id) {
    issues.push(issue('continue.goto_table', cont.goto_table, `is not after table_id ${r.table_id}`, `a table id above table_id (${r.table_id}); OpenFlow only goes forward`));
  }

  // Rule templates, then the config's priority overrides.
  let flows: FlowTemplates | undefined = opts.flows;
  const flowsFile = r.flows_file !== undefined ? path.resolve(baseDir, r.flows_file) : defaultFlowsFile();
  if (!flows) {
    let text: string | undefined;
    try {
      text = fs.readFileSync(flowsFile, 'utf8');
    } catch (e) {
      issues.push(issue('flows_file', r.flows_file ?? flowsFile, `cannot be read (${e instanceof Error ? e.message : String(e)})`, 'a readable rule templates file'));
    }
    if (text !== undefined) {
      try {
        flows = parseFlowTemplates(text, flowsFile);
      } catch (e) {
        if (!(e instanceof ConfigError)) throw e;
        for (const i of e.issues) issues.push({ ...i, message: `${flowsFile}: ${i.message}` });
      }
    }
  }
  if (flows) {
    flows = { ...flows, priorities: { ...flows.priorities, ...(r.priorities ?? {}) } };
    for (const bad of checkPriorityOrder(flows.priorities, flows.vlan_priority_offset)) {
      issues.push(issue(`priorities.${bad.kind}`, flows.priorities[bad.kind], 'breaks the rule order', bad.message));
    }
  }

  // RADIUS port mapping: switch names from the switches list unless given.
  const mapping: MappingConfig = { ...r.radius.mapping };
  if (!mapping.switches) {
    mapping.switches = Object.fromEntries(switches.map((s) => [s.name, s.dpid]));
  }
  try {
    compileMapping(mapping);
  } catch (e) {
    issues.push(issue('radius.mapping', r.radius.mapping, `is not usable: ${e instanceof Error ? e.message : String(e)}`, 'mapping rules as src/radius/mapping.ts describes'));
  }

  if (issues.length) throw new ConfigError(sourceName, issues);

  const scope = r.destination_scope ? { prefixes: prefixes(r.destination_scope.prefixes) } : undefined;
  const cfg: Config = {
    source: sourceName,
    openflow: r.openflow as Config['openflow'],
    switches,
    mtas: prefixes(r.mtas),
    blocked_ports: [...(r.blocked_ports as number[])],
    table_id: r.table_id,
    continue: cont,
    default_policy: r.default_policy as Config['default_policy'],
    quarantine: r.quarantine as Config['quarantine'],
    flows: flows!,
    flows_file: flowsFile,
    radius: { ...r.radius, mapping },
    store: r.store as Config['store'],
    api: r.api as Config['api'],
    audit_interval_s: r.audit_interval_s as number,
    log: r.log as Config['log'],
  };
  if (scope) cfg.destination_scope = scope;
  return cfg;
}

/** Read and parse a config file (YAML or JSON). */
export function loadConfig(file: string, opts: ParseOptions = {}): Config {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new ConfigError(file, [{
      path: '', value: file, expected: 'a readable config file',
      message: `cannot read ${file}: ${e instanceof Error ? e.message : String(e)} (expected a readable config file)`,
    }]);
  }
  return parseConfig(text, file, opts);
}

/** One-line summary for logs and check-config: "3 switches, 96 subscriber ports, ...". */
export function summarizeConfig(cfg: Config): string {
  let ports = 0;
  let allBut = 0;
  for (const s of cfg.switches) {
    if (s.subscriber_ports === 'all') allBut++;
    else for (const [a, b] of s.subscriber_ports) ports += b - a + 1;
  }
  const v4 = cfg.mtas.filter((m) => m.family === 4).length;
  const parts = [
    `${cfg.switches.length} switch${cfg.switches.length === 1 ? '' : 'es'}`,
    `${ports} subscriber port${ports === 1 ? '' : 's'}${allBut ? ` (+ every non-uplink port on ${allBut} switch${allBut === 1 ? '' : 'es'})` : ''}`,
    `${cfg.mtas.length} MTA${cfg.mtas.length === 1 ? '' : 's'} (${v4} IPv4, ${cfg.mtas.length - v4} IPv6)`,
    `blocked ports ${cfg.blocked_ports.join(',')}`,
    `default ${cfg.default_policy}`,
    cfg.destination_scope ? `destination-scoped (${cfg.destination_scope.prefixes.map(prefixText).join(', ')})` : 'all destinations',
    `table ${cfg.table_id}, continue ${'goto_table' in cfg.continue ? `goto_table:${cfg.continue.goto_table}` : 'output:NORMAL'}`,
    `${cfg.radius.clients.length} RADIUS client${cfg.radius.clients.length === 1 ? '' : 's'}`,
    `store ${cfg.store.kind}`,
  ];
  return parts.join(', ');
}
