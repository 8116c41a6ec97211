/**
 * JSON schemas of the config file and of the flow templates (flows/), for
 * ajv. Domain values (port ranges, dpids, addresses) use one custom keyword,
 * `x-kind`, checked by the functions below, so every error can say what was
 * expected in the operator's words. `x-expected` annotates a schema whose
 * alternatives (anyOf) would otherwise produce one error per branch.
 */
import { parsePrefix } from '../policy/prefix';

/** A value kind checked by the `x-kind` keyword: a noun for "is not ..." and what is expected. */
export interface ValueKind {
  noun: string;
  expected: string;
  check: (v: unknown) => boolean;
}

const RANGE_RE = /^\s*(\d+)\s*(?:-\s*(\d+)\s*)?$/;

/** Port numbers (1..0xffffff00, spec OFPP_MAX) or VLAN ids from "N", "N-M", "N-M,K", or numbers, or a list of those. */
export function parseRanges(v: unknown, min: number, max: number): [number, number][] | undefined {
  const items: unknown[] = Array.isArray(v) ? v : [v];
  const out: [number, number][] = [];
  for (const item of items) {
    if (typeof item === 'number') {
      if (!Number.isInteger(item) || item < min || item > max) return undefined;
      out.push([item, item]);
      continue;
    }
    if (typeof item !== 'string') return undefined;
    const parts = item.split(',');
    for (const p of parts) {
      const m = RANGE_RE.exec(p);
      if (!m) return undefined;
      const a = Number(m[1]);
      const b = m[2] === undefined ? a : Number(m[2]);
      if (a < min || b > max || a > b) return undefined;
      out.push([a, b]);
    }
  }
  return out;
}

/** Datapath id: a non-negative integer, or a hex string ("0x1", "00000000000000a1", "00:00:00:00:00:00:00:a1"). */
export function parseDpidValue(v: unknown): bigint | undefined {
  if (typeof v === 'number') return Number.isSafeInteger(v) && v >= 0 ? BigInt(v) : undefined;
  if (typeof v === 'bigint') return v >= 0n && v <= 0xffffffffffffffffn ? v : undefined;
  if (typeof v !== 'string') return undefined;
  const hex = v.trim().replace(/^0x/i, '');
  const plain = /^[0-9a-fA-F]{1,16}$/.test(hex);
  const colons = /^[0-9a-fA-F]{1,2}(:[0-9a-fA-F]{1,2}){1,7}$/.test(hex);
  if (!plain && !colons) return undefined;
  if (colons) return BigInt('0x' + hex.split(':').map((b) => b.padStart(2, '0')).join(''));
  return BigInt('0x' + hex);
}

export const OFPP_MAX = 0xffffff00;

export const VALUE_KINDS: Record<string, ValueKind> = {
  'port-ranges': {
    noun: 'a port range',
    expected: '"N", "N-M" or a list of them',
    check: (v) => parseRanges(v, 1, OFPP_MAX) !== undefined,
  },
  'vlan-ranges': {
    noun: 'a VLAN range',
    expected: 'VLAN ids 1-4094 as "N", "N-M" or a list of them',
    check: (v) => parseRanges(v, 1, 4094) !== undefined,
  },
  'dpid': {
    noun: 'a datapath id',
    expected: 'an integer, or hex such as "0x1", "00000000000000a1" or "00:00:00:00:00:00:00:a1"',
    check: (v) => parseDpidValue(v) !== undefined,
  },
  'ip-prefix': {
    noun: 'an IP address or prefix',
    expected: 'an IPv4/IPv6 address or prefix such as "198.51.100.25", "203.0.113.0/24" or "2001:db8::/32"',
    check: (v) => typeof v === 'string' && parsePrefix(v) !== undefined,
  },
  'host': {
    noun: 'a host',
    expected: 'an IP address or host name, e.g. "0.0.0.0", "::" or "127.0.0.1"',
    check: (v) => typeof v === 'string' && /^[0-9A-Za-z.:_-]+$/.test(v),
  },
};

const tcpPort = { type: 'integer', minimum: 1, maximum: 65535 } as const;
const listenPort = (def: number) => ({ type: 'integer', minimum: 0, maximum: 65535, default: def }) as const;
const seconds = (def: number) => ({ type: 'number', minimum: 0, default: def }) as const;
const portRanges = { 'x-kind': 'port-ranges' } as const;

const RULE_KINDS = ['quarantine', 'mta-allow', 'block', 'exempt-allow', 'safety-net', 'uplink', 'table-miss'] as const;
const TEMPLATE_NAMES = ['quarantine-smtp', 'quarantine-all', 'mta-allow', 'block', 'exempt-allow', 'safety-net', 'uplink', 'table-miss'] as const;
export const MATCH_PARTS = ['in_port', 'vlan', 'ip_tcp', 'blocked_port', 'mta', 'scope'] as const;

const priority = { type: 'integer', minimum: 0, maximum: 65535 } as const;

const prioritiesSchema = {
  type: 'object',
  additionalProperties: false,
  properties: Object.fromEntries(RULE_KINDS.map((k) => [k, priority])),
} as const;

const destinationScope = {
  type: 'object',
  additionalProperties: false,
  required: ['prefixes'],
  properties: {
    prefixes: { type: 'array', items: { 'x-kind': 'ip-prefix' } },
  },
} as const;

const dpidSchema = { 'x-kind': 'dpid' } as const;

const mappingRule = {
  type: 'object',
  required: ['kind'],
  properties: {
    kind: { enum: ['table', 'pattern', 'nas-port'] },
    nas: { type: 'string' },
    attribute: { enum: ['NAS-Port-Id', 'Agent-Circuit-Id'] },
    template: { type: 'string' },
    regex: { type: 'string' },
    dpid: dpidSchema,
    switch: { type: 'string' },
    vlan: { type: 'integer', minimum: 1, maximum: 4094 },
    entries: {
      type: 'array',
      items: {
        type: 'object',
        required: ['port'],
        properties: {
          nas: { type: 'string' },
          nasPortId: { type: 'string' },
          nasPort: { type: 'integer', minimum: 0 },
          dpid: dpidSchema,
          switch: { type: 'string' },
          port: { type: ['integer', 'string'] },
          vlan: { type: 'integer', minimum: 1, maximum: 4094 },
        },
      },
    },
  },
} as const;

export const CONFIG_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['switches'],
  properties: {
    openflow: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        host: { 'x-kind': 'host', default: '0.0.0.0' },
        port: listenPort(6653),
        tls: {
          type: 'object',
          additionalProperties: false,
          required: ['cert', 'key'],
          properties: { cert: { type: 'string' }, key: { type: 'string' }, ca: { type: 'string' } },
        },
        echo_interval_s: seconds(5),
        echo_timeout_s: seconds(15),
        handshake_timeout_s: seconds(10),
        request_timeout_s: seconds(10),
      },
    },
    switches: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['dpid'],
        properties: {
          dpid: dpidSchema,
          name: { type: 'string', minLength: 1 },
          subscriber_ports: portRanges,
          uplinks: portRanges,
          vlan_attachment: {
            type: 'object',
            additionalProperties: false,
            required: ['ports'],
            properties: { ports: portRanges, vlans: { 'x-kind': 'vlan-ranges' } },
          },
          default_policy: { enum: ['block', 'allow'] },
          destination_scope: destinationScope,
        },
      },
    },
    mtas: { type: 'array', items: { 'x-kind': 'ip-prefix' }, default: [] },
    blocked_ports: { type: 'array', items: tcpPort, minItems: 1, uniqueItems: true, default: [25] },
    table_id: { type: 'integer', minimum: 0, maximum: 254, default: 0 },
    continue: {
      'x-expected': '{ goto_table: N } or { output: NORMAL }',
      default: { output: 'NORMAL' },
      anyOf: [
        {
          type: 'object', additionalProperties: false, required: ['goto_table'],
          properties: { goto_table: { type: 'integer', minimum: 1, maximum: 254 } },
        },
        {
          type: 'object', additionalProperties: false, required: ['output'],
          properties: { output: { const: 'NORMAL' } },
        },
      ],
    },
    default_policy: { enum: ['block', 'allow'], default: 'block' },
    quarantine: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: { default_mode: { enum: ['smtp', 'all'], default: 'smtp' } },
    },
    destination_scope: destinationScope,
    priorities: prioritiesSchema,
    flows_file: { type: 'string' },
    radius: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        accounting: {
          type: 'object', additionalProperties: false, default: {},
          properties: { host: { 'x-kind': 'host', default: '0.0.0.0' }, port: listenPort(1813) },
        },
        coa: {
          type: 'object', additionalProperties: false, default: {},
          properties: { host: { 'x-kind': 'host', default: '0.0.0.0' }, port: listenPort(3799), enabled: { type: 'boolean', default: true } },
        },
        clients: {
          type: 'array',
          default: [],
          items: {
            type: 'object',
            additionalProperties: false,
            required: ['address', 'secret'],
            properties: {
              address: { 'x-kind': 'ip-prefix' },
              secret: { type: 'string', minLength: 1 },
              name: { type: 'string' },
            },
          },
        },
        mapping: {
          type: 'object',
          additionalProperties: false,
          default: { rules: [] },
          required: ['rules'],
          properties: {
            rules: { type: 'array', items: mappingRule },
            switches: { type: 'object', additionalProperties: dpidSchema },
          },
        },
        profile_attribute: { type: 'string', minLength: 1, default: 'Filter-Id' },
        exempt_values: { type: 'array', items: { type: 'string' }, default: ['op25b-exempt'] },
        duplicate_window_s: seconds(30),
      },
    },
    store: {
      type: 'object',
      default: { kind: 'embedded' },
      required: ['kind'],
      discriminator: { propertyName: 'kind' },
      oneOf: [
        {
          type: 'object', additionalProperties: false,
          properties: {
            kind: { const: 'embedded' }, path: { type: 'string', minLength: 1, default: './data' },
            // Where commits (and their fsync) run; absent = thread (see src/store/sqlite.ts).
            writer: { enum: ['thread', 'inline'] },
            // Thread writer: batches of at most this many writes commit on the event loop while the thread is idle (0: never).
            inline_when_idle: { type: 'integer', minimum: 0, maximum: 10000 },
          },
        },
        {
          type: 'object', additionalProperties: false, required: ['uri'],
          properties: {
            kind: { const: 'mongodb' },
            uri: { type: 'string', pattern: '^mongodb(\\+srv)?://' },
            database: { type: 'string', minLength: 1, default: 'op25b' },
          },
        },
      ],
    },
    api: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        enabled: { type: 'boolean', default: true },
        host: { 'x-kind': 'host', default: '127.0.0.1' },
        port: listenPort(8080),
        token: { type: 'string', minLength: 1 },
        read_token_required: { type: 'boolean', default: false },
        allow_tokenless_ofctl_writes_from_loopback: { type: 'boolean', default: false },
        flow_stats_interval_s: seconds(15),
      },
    },
    audit_interval_s: seconds(30),
    log: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        format: { enum: ['json', 'human'], default: 'json' },
        level: { enum: ['error', 'warn', 'info', 'debug'], default: 'info' },
      },
    },
  },
} as const;

export const FLOWS_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['priorities', 'templates'],
  properties: {
    priorities: { ...prioritiesSchema, required: [...RULE_KINDS] },
    vlan_priority_offset: { type: 'integer', minimum: 1, maximum: 1000, default: 100 },
    templates: {
      type: 'object',
      additionalProperties: false,
      required: [...TEMPLATE_NAMES],
      properties: Object.fromEntries(TEMPLATE_NAMES.map((t) => [t, {
        type: 'object',
        additionalProperties: false,
        required: ['rule', 'match', 'action'],
        properties: {
          rule: { enum: [...RULE_KINDS] },
          description: { type: 'string' },
          match: {
            type: 'array',
            items: {
              'x-expected': `one of ${MATCH_PARTS.join(', ')}, or an object of fixed OXM fields`,
              anyOf: [
                { enum: [...MATCH_PARTS] },
                { type: 'object', additionalProperties: { type: ['integer', 'string'] } },
              ],
            },
          },
          action: { enum: ['drop', 'continue'] },
        },
      }])),
    },
  },
} as const;
