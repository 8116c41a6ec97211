/**
 * The MongoDB adapter's documents, filters and updates, as pure functions
 * (no driver calls), so they are unit-tested without a server.
 *
 * Collections (database default 'op25b'):
 *   events      { _id: identity [nas, sessionId, kind, eventTime] as JSON, ..., outcome, body }
 *   sessions    { _id: port key string, ..., rev }   rev: compare-and-set counter
 *   history     { _id: [nas, sessionId, from] as JSON, ..., to: number|null, addrKeys: [...] }
 *   nas_resets  { _id: nas, at }
 *   overrides   { _id: port key string, kind, actor, reason, ticket?, expiresAt?, createdAt }
 *   audit       { _id: ObjectId, at, actor, action, key?, subscriber?, reason?, ticket?, before?, after? }
 */
import type { SubscriberEvent } from '../radius/events';
import { parsePortKey, portKeyString, type Override, type OverrideKind, type Session } from '../policy/types';
import type { AuditInput, AuditQuery, SessionRecord } from './types';
import type { HistoryOp } from './session-rules';
import { asProfile, fromJson, toJson } from './common';
import { lookupKeys, recordKeys } from './addr';

export interface SessionDoc {
  _id: string;
  nas: string;
  sessionId: string;
  user?: string;
  framedIp?: string;
  framedIpv6Prefix?: string;
  delegatedIpv6Prefix?: string;
  profile: string;
  startedAt: number;
  updatedAt: number;
  /** Incremented on every change: updates are conditional on the rev they read. */
  rev: number;
}

export interface HistoryDoc {
  _id: string;
  nas: string;
  sessionId: string;
  key: string;
  user?: string;
  framedIp?: string;
  framedIpv6Prefix?: string;
  delegatedIpv6Prefix?: string;
  profile: string;
  from: number;
  /** null while open (a Mongo filter { to: null } matches it). */
  to: number | null;
  addrKeys: string[];
}

export interface EventDoc {
  _id: string;
  nas: string;
  sessionId: string;
  kind: string;
  eventTime: number;
  receivedAt: number;
  key: string | null;
  outcome: string;
  /** The event with bigints as decimal strings. */
  body: unknown;
}

export interface NasResetDoc {
  _id: string;
  at: number;
}

export interface OverrideDoc {
  _id: string;
  kind: string;
  actor: string;
  reason: string;
  ticket?: string;
  expiresAt?: number;
  createdAt: number;
}

/** Audit documents; _id is assigned by the adapter (an ObjectId), kept opaque here. */
export interface AuditDocBody {
  at: number;
  actor: string;
  action: string;
  key?: string;
  subscriber?: string;
  reason?: string;
  ticket?: string;
  before?: unknown;
  after?: unknown;
}

/** Index specifications created at start: [collection, keys, options]. */
export const MONGO_INDEXES: readonly [string, Record<string, 1 | -1>, { unique?: boolean; sparse?: boolean; name: string }][] = [
  ['events', { nas: 1, sessionId: 1, kind: 1, eventTime: -1 }, { name: 'by_session' }],
  ['events', { receivedAt: -1 }, { name: 'by_received' }],
  ['sessions', { nas: 1, sessionId: 1 }, { name: 'by_nas' }],
  ['history', { addrKeys: 1, from: 1 }, { name: 'by_address' }],
  ['history', { nas: 1, sessionId: 1, from: 1 }, { name: 'by_session' }],
  ['overrides', { expiresAt: 1 }, { sparse: true, name: 'by_expiry' }],
  ['audit', { at: -1 }, { name: 'by_time' }],
  ['audit', { key: 1, at: -1 }, { name: 'by_port' }],
  ['audit', { subscriber: 1, at: -1 }, { name: 'by_subscriber' }],
];

export function eventDocId(ev: { nas: string; sessionId: string; kind: string; eventTime: number }): string {
  return JSON.stringify([ev.nas, ev.sessionId, ev.kind, ev.eventTime]);
}

export function historyDocId(r: { nas: string; sessionId: string; from: number }): string {
  return JSON.stringify([r.nas, r.sessionId, r.from]);
}

/** A value made BSON-safe: bigint to decimal string, undefined fields dropped. */
export function plain(v: unknown): unknown {
  const j = toJson(v);
  return j === undefined ? undefined : fromJson(j);
}

export function eventDoc(ev: SubscriberEvent, outcome: string): EventDoc {
  const key = ev.key ?? (ev.dpid !== undefined && ev.port !== undefined ? { dpid: ev.dpid, port: ev.port } : undefined);
  return {
    _id: eventDocId(ev), nas: ev.nas, sessionId: ev.sessionId, kind: ev.kind, eventTime: ev.eventTime, receivedAt: ev.receivedAt,
    key: key ? portKeyString(key) : null, outcome, body: plain(ev),
  };
}

function optionalFields<T extends object>(target: T, src: { user?: string; framedIp?: string; framedIpv6Prefix?: string; delegatedIpv6Prefix?: string }): T {
  const t = target as T & { user?: string; framedIp?: string; framedIpv6Prefix?: string; delegatedIpv6Prefix?: string };
  if (src.user !== undefined && src.user !== null) t.user = src.user;
  if (src.framedIp !== undefined && src.framedIp !== null) t.framedIp = src.framedIp;
  if (src.framedIpv6Prefix !== undefined && src.framedIpv6Prefix !== null) t.framedIpv6Prefix = src.framedIpv6Prefix;
  if (src.delegatedIpv6Prefix !== undefined && src.delegatedIpv6Prefix !== null) t.delegatedIpv6Prefix = src.delegatedIpv6Prefix;
  return t;
}

export function sessionDoc(s: Session, rev: number): SessionDoc {
  return optionalFields<SessionDoc>({
    _id: portKeyString(s.key), nas: s.nas, sessionId: s.sessionId, profile: s.profile, startedAt: s.startedAt, updatedAt: s.updatedAt, rev,
  }, s);
}

export function sessionFromDoc(d: SessionDoc): Session {
  return optionalFields<Session>({
    nas: d.nas, sessionId: d.sessionId, key: parsePortKey(d._id), profile: asProfile(d.profile), startedAt: d.startedAt, updatedAt: d.updatedAt,
  }, d);
}

export function historyDoc(r: SessionRecord): HistoryDoc {
  return optionalFields<HistoryDoc>({
    _id: historyDocId(r), nas: r.nas, sessionId: r.sessionId, key: portKeyString(r.key), profile: r.profile, from: r.from,
    to: r.to ?? null, addrKeys: recordKeys(r),
  }, r);
}

export function recordFromHistoryDoc(d: HistoryDoc): SessionRecord {
  const r = optionalFields<SessionRecord>({ nas: d.nas, sessionId: d.sessionId, key: parsePortKey(d.key), profile: d.profile, from: d.from }, d);
  if (d.to !== null && d.to !== undefined) r.to = d.to;
  return r;
}

/** The history 'end' operation: to = min(to, at) on the session's rows that began by `at`. */
export function historyEnd(op: Extract<HistoryOp, { op: 'end' }>): { filter: Record<string, unknown>; update: Record<string, unknown> } {
  return {
    filter: { nas: op.nas, sessionId: op.sessionId, from: { $lte: op.at }, $or: [{ to: null }, { to: { $gt: op.at } }] },
    update: { $set: { to: op.at } },
  };
}

/** whois: rows holding a key of `address` (every prefix length) whose window [from, to) contains `at`. */
export function whoisFilter(address: string, at: number): Record<string, unknown> | undefined {
  const keys = lookupKeys(address);
  if (keys.length === 0) return undefined;
  return { addrKeys: { $in: keys }, from: { $lte: at }, $or: [{ to: null }, { to: { $gt: at } }] };
}

/** Audit query filter (from/to inclusive); sort newest first. */
export function auditFilter(q: AuditQuery): Record<string, unknown> {
  const f: Record<string, unknown> = {};
  if (q.key) f.key = portKeyString(q.key);
  if (q.subscriber !== undefined) f.subscriber = q.subscriber;
  if (q.from !== undefined || q.to !== undefined) {
    const at: Record<string, number> = {};
    if (q.from !== undefined) at.$gte = q.from;
    if (q.to !== undefined) at.$lte = q.to;
    f.at = at;
  }
  return f;
}

export const AUDIT_SORT = { at: -1, _id: -1 } as const;

export function auditDocBody(a: AuditInput): AuditDocBody {
  const d: AuditDocBody = { at: a.at, actor: a.actor, action: a.action };
  if (a.key) d.key = portKeyString(a.key);
  if (a.subscriber !== undefined) d.subscriber = a.subscriber;
  if (a.reason !== undefined) d.reason = a.reason;
  if (a.ticket !== undefined) d.ticket = a.ticket;
  const before = plain(a.before);
  const after = plain(a.after);
  if (before !== undefined) d.before = before;
  if (after !== undefined) d.after = after;
  return d;
}

export function auditFromDoc(id: string, d: AuditDocBody): AuditInput & { id: string } {
  const e: AuditInput & { id: string } = { id, at: d.at, actor: d.actor, action: d.action };
  if (d.key !== undefined && d.key !== null) e.key = parsePortKey(d.key);
  if (d.subscriber !== undefined && d.subscriber !== null) e.subscriber = d.subscriber;
  if (d.reason !== undefined && d.reason !== null) e.reason = d.reason;
  if (d.ticket !== undefined && d.ticket !== null) e.ticket = d.ticket;
  if (d.before !== undefined && d.before !== null) e.before = d.before;
  if (d.after !== undefined && d.after !== null) e.after = d.after;
  return e;
}

const OVERRIDE_KINDS: readonly OverrideKind[] = ['quarantine-smtp', 'quarantine-all', 'exempt'];

export function overrideDoc(keyString: string, o: Override): OverrideDoc {
  const d: OverrideDoc = { _id: keyString, kind: o.kind, actor: o.actor, reason: o.reason, createdAt: o.createdAt };
  if (o.ticket !== undefined) d.ticket = o.ticket;
  if (o.expiresAt !== undefined) d.expiresAt = o.expiresAt;
  return d;
}

export function overrideFromDoc(d: OverrideDoc): Override {
  const kind = OVERRIDE_KINDS.find((k) => k === d.kind);
  if (!kind) throw new Error(`store: unknown override kind ${JSON.stringify(d.kind)} for port ${d._id}`);
  const o: Override = { kind, actor: d.actor, reason: d.reason, createdAt: d.createdAt };
  if (d.ticket !== undefined && d.ticket !== null) o.ticket = d.ticket;
  if (d.expiresAt !== undefined && d.expiresAt !== null) o.expiresAt = d.expiresAt;
  return o;
}

/** Retry delay after `attempt` failures: 100 ms doubling to at most `max`, with +-20% jitter from `rand` (0..1). */
export function backoffMs(attempt: number, max = 5000, rand: number = Math.random()): number {
  const base = Math.min(max, 100 * 2 ** Math.min(attempt, 20));
  return Math.round(base * (0.8 + 0.4 * rand));
}

/** True for errors that mean "the server is unreachable right now" (worth retrying), by error name/label. */
export function isTransientMongoError(e: unknown): boolean {
  if (!(e instanceof Error)) return false;
  const name = e.name;
  if (['MongoNetworkError', 'MongoNetworkTimeoutError', 'MongoServerSelectionError', 'MongoNotConnectedError',
    'MongoTopologyClosedError', 'MongoPoolClearedError', 'MongoWaitQueueTimeoutError'].includes(name)) return true;
  const labelled = e as Error & { hasErrorLabel?: (l: string) => boolean; code?: unknown };
  if (typeof labelled.hasErrorLabel === 'function'
    && (labelled.hasErrorLabel('RetryableWriteError') || labelled.hasErrorLabel('TransientTransactionError'))) return true;
  // NotWritablePrimary, PrimarySteppedDown, ShutdownInProgress, InterruptedDueToReplStateChange...
  return typeof labelled.code === 'number' && [91, 189, 10107, 11600, 11602, 13435, 13436].includes(labelled.code);
}

/** Duplicate key (E11000). */
export function isDuplicateKey(e: unknown): boolean {
  return typeof e === 'object' && e !== null && (e as { code?: unknown }).code === 11000;
}
