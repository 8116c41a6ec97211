/**
 * Shared pieces of the REST API: the error type every route throws, exact
 * 64-bit JSON replies, and the parsers of path/query values (dpids, port
 * keys, times, durations) that turn bad input into a 400 naming the field.
 *
 * Error body (every non-2xx answer):
 *
 *   {"error": {"code": "API_ERR_BAD_INPUT", "field": "body.reason", "message": "..."}}
 *
 * | status | code                          | when                                      |
 * |--------|-------------------------------|-------------------------------------------|
 * | 400    | API_ERR_BAD_INPUT             | schema or value check failed (`field`)    |
 * | 400    | OF_ERR_BAD_JSON / _BAD_PREREQ | an ofctl_rest body the codec refused      |
 * | 401    | API_ERR_UNAUTHORIZED          | no or wrong bearer token                  |
 * | 404    | API_ERR_UNKNOWN_DPID / _PORT  | no such switch / port                     |
 * | 404    | API_ERR_NOT_FOUND             | no such route or command                  |
 * | 409    | API_ERR_WEAKENS_OP25B         | an ofctl write would bypass an OP25B drop |
 * | 503    | API_ERR_SWITCH_NOT_CONNECTED  | the switch is known but not connected     |
 * | 502    | SWITCH_ERR_*                  | the switch refused or did not answer      |
 */
import type { FastifyReply } from 'fastify';
import { stringifyJson } from '../openflow/bigjson';
import { parsePortKey, type PortKey } from '../policy/types';
import { dpidHex, type Dpid } from '../openflow/types';
import type { NocBackend } from './backend';

export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

export const badInput = (field: string, message: string): ApiError => new ApiError(400, 'API_ERR_BAD_INPUT', `${field}: ${message}`, field);

/** Reply with exact 64-bit JSON (bigint as integer literals, like Ryu). */
export function sendJson(reply: FastifyReply, status: number, body: unknown): FastifyReply {
  return reply.code(status).type('application/json; charset=utf-8').send(stringifyJson(body));
}

export function errorBody(e: ApiError): { error: { code: string; field?: string; message: string } } {
  return { error: { code: e.code, ...(e.field !== undefined ? { field: e.field } : {}), message: e.message } };
}

/**
 * A dpid as Ryu's ofctl_rest reads it: Python int(str(x), 0) — decimal, or
 * 0x/0o/0b prefixed; a decimal with a leading zero is an error there too.
 */
export function parseRyuDpid(v: unknown, field: string): Dpid {
  const s = typeof v === 'number' || typeof v === 'bigint' ? v.toString() : typeof v === 'string' ? v.trim() : undefined;
  if (s === undefined) throw badInput(field, `expected a datapath id, got ${typeof v}`);
  const m = /^(0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+|[1-9][0-9]*|0)$/.exec(s.replace(/_/g, ''));
  if (!m) throw badInput(field, `${JSON.stringify(s)} is not a datapath id (decimal, or 0x hex)`);
  const body = m[1]!;
  const n = /^0[oO]/.test(body) ? BigInt('0o' + body.slice(2)) : BigInt(body);
  if (n > 0xffffffffffffffffn) throw badInput(field, `${s} does not fit 64 bits`);
  return n;
}

/**
 * A dpid on the NOC routes: 16 hex digits or fewer ("1", "00000000000000a1",
 * "0x1"), or a configured switch name (names win over hex).
 */
export function parseNocDpid(v: string, field: string, backend: NocBackend): Dpid {
  const byName = backend.switches().find((s) => s.name === v);
  if (byName) return byName.dpid;
  const m = /^(?:0[xX])?([0-9a-fA-F]{1,16})$/.exec(v);
  if (!m) throw badInput(field, `${JSON.stringify(v)} is neither a switch name nor a hex datapath id`);
  return BigInt('0x' + m[1]!);
}

/** PORT as DPID:PORT[.VLAN] (dpid in hex) or SWITCHNAME:PORT[.VLAN]. */
export function parseNocPort(v: string, field: string, backend: NocBackend): PortKey {
  const m = /^(.+):(\d+)(?:\.(\d+))?$/.exec(v);
  if (!m) throw badInput(field, `${JSON.stringify(v)} is not a port (expected DPID:PORT[.VLAN] or SWITCHNAME:PORT[.VLAN])`);
  const dpid = parseNocDpid(m[1]!, field, backend);
  const port = Number(m[2]);
  if (!Number.isSafeInteger(port) || port < 1 || port > 0xffffff00) throw badInput(field, `port ${m[2]} is not a port number (1-4294967040)`);
  const key: PortKey = { dpid, port };
  if (m[3] !== undefined) {
    const vlan = Number(m[3]);
    if (vlan < 1 || vlan > 4094) throw badInput(field, `VLAN ${m[3]} is out of range 1-4094`);
    key.vlan = vlan;
  }
  return key;
}

export function portKeyText(k: PortKey): string {
  return k.vlan === undefined ? `${dpidHex(k.dpid)}:${k.port}` : `${dpidHex(k.dpid)}:${k.port}.${k.vlan}`;
}

/** Re-export for callers that have a canonical key string. */
export { parsePortKey };

/**
 * A point in time: ISO 8601 ("2026-11-28T09:00:00Z"), ms since the epoch
 * (an integer), "now", or a relative "-2h" / "-30m" before `now`.
 */
export function parseTime(v: string, field: string, now: number): number {
  const s = v.trim();
  if (s === 'now') return now;
  if (/^-/.test(s)) return now - parseDuration(s.slice(1), field);
  if (/^\d+$/.test(s)) {
    const n = Number(s);
    if (!Number.isSafeInteger(n)) throw badInput(field, `${s} is out of range`);
    return n;
  }
  if (!/^\d{4}-\d{2}-\d{2}/.test(s)) throw badInput(field, `${JSON.stringify(s)} is not a time (ISO 8601, ms since epoch, "now" or "-2h")`);
  const t = Date.parse(s);
  if (Number.isNaN(t)) throw badInput(field, `${JSON.stringify(s)} is not a valid ISO 8601 time`);
  return t;
}

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** A duration: "90s", "30m", "2h", "1d", "1h30m", "1w", or a bare number of seconds. Must be > 0. */
export function parseDuration(v: string | number, field: string): number {
  if (typeof v === 'number') {
    if (!Number.isFinite(v) || v <= 0) throw badInput(field, `${v} is not a positive number of seconds`);
    return Math.round(v * 1000);
  }
  const s = v.trim();
  if (/^\d+$/.test(s)) return parseDuration(Number(s), field);
  if (!/^(\d+[smhdw])+$/.test(s)) throw badInput(field, `${JSON.stringify(s)} is not a duration (e.g. 90s, 30m, 2h, 1d, 1h30m)`);
  let ms = 0;
  for (const m of s.matchAll(/(\d+)([smhdw])/g)) ms += Number(m[1]) * UNIT_MS[m[2]!]!;
  if (ms <= 0) throw badInput(field, 'a duration must be longer than zero');
  return ms;
}

/** The field an OfError message names ("$.match.tp_dst: ..." -> "body.match.tp_dst"). */
export function ofErrorField(message: string): string | undefined {
  const m = /(?:OF_ERR_[A-Z_]+: )?(\$[^\s:]*|match[^\s:]*|actions[^\s:]*|command)\s*:/.exec(message);
  if (!m) return undefined;
  const p = m[1]!;
  return p.startsWith('$') ? 'body' + p.slice(1) : `body.${p}`;
}

/** 127.0.0.0/8, ::1 and their IPv4-mapped forms. */
export function isLoopback(ip: string): boolean {
  return /^(::ffff:)?127\./.test(ip) || ip === '::1';
}
