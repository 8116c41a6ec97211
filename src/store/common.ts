/**
 * Pieces both store adapters share (pure): JSON that keeps bigints, the audit
 * entries a decision produces, result shaping.
 */
import type { SubscriberEvent } from '../radius/events';
import { portKeyString, type PortKey, type Profile, type Session } from '../policy/types';
import type { ApplyResult, AuditInput } from './types';
import { historyFieldsChanged, type Decision } from './session-rules';

/** JSON.stringify where bigint (dpid, cookie) becomes its decimal string. undefined stays undefined. */
export function toJson(v: unknown): string | undefined {
  if (v === undefined) return undefined;
  return JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? x.toString() : x));
}

export function fromJson(s: string | null | undefined): unknown {
  if (s === null || s === undefined) return undefined;
  return JSON.parse(s) as unknown;
}

/** A session as audit entries show it: the port key in its string form, no bigint. */
export function sessionView(s: Session): Record<string, unknown> {
  const { key, ...rest } = s;
  return { ...rest, key: portKeyString(key) };
}

export function asProfile(s: string): Profile {
  return s === 'exempt' ? 'exempt' : 'default';
}

/** Distinct keys of the ports a decision changed. */
export function affectedKeys(d: Decision): PortKey[] {
  const seen = new Map<string, PortKey>();
  for (const s of d.end) seen.set(portKeyString(s.key), s.key);
  if (d.put) seen.set(portKeyString(d.put.key), d.put.key);
  return [...seen.values()];
}

export function applyResult(d: Decision): ApplyResult {
  const r: ApplyResult = { applied: d.applied, affected: d.applied ? affectedKeys(d) : [] };
  if (d.ignored !== undefined) r.ignored = d.ignored;
  return r;
}

function entry(action: string, s: Session, at: number, before: Session | undefined, after: Session | undefined, reason?: string): AuditInput {
  const e: AuditInput = { actor: 'radius', action, key: s.key, at };
  if (s.user !== undefined) e.subscriber = s.user;
  if (reason !== undefined) e.reason = reason;
  if (before) e.before = sessionView(before);
  if (after) e.after = sessionView(after);
  return e;
}

/**
 * The audit entries of an applied decision: every session change (start,
 * replacement, address/profile change, stop, NAS reset). An Interim that only
 * refreshes the time is not a change and writes none. actor 'radius'; `at` is
 * the event time.
 */
export function auditForDecision(ev: SubscriberEvent, d: Decision, before: Session | undefined): AuditInput[] {
  if (!d.applied) return [];
  const at = ev.eventTime;
  switch (d.outcome) {
    case 'open': {
      const out: AuditInput[] = [];
      for (const old of d.end) {
        out.push(old.nas === ev.nas && old.sessionId === ev.sessionId
          ? entry('session-moved', old, at, old, undefined, `session moved to port ${d.put ? portKeyString(d.put.key) : '?'}`)
          : entry('session-replaced', old, at, old, undefined, `newer session ${ev.sessionId} started on the port`));
      }
      if (d.put) out.push(entry('session-start', d.put, at, undefined, d.put, ev.kind === 'interim' ? 'Interim-Update without a known Start' : undefined));
      return out;
    }
    case 'update':
      return d.put && before && historyFieldsChanged(before, d.put) ? [entry('session-update', d.put, at, before, d.put)] : [];
    case 'close':
      return d.end.map((s) => entry('session-stop', s, at, s, undefined));
    case 'nas-reset':
      return d.end.map((s) => entry('session-stop', s, at, s, undefined, `${ev.kind === 'nas-on' ? 'Accounting-On' : 'Accounting-Off'} from NAS ${ev.nas}`));
    case 'ignore':
      return [];
  }
}

/** Options both adapters take. */
export interface StoreOptions {
  /** Group commit: at most this many writes per transaction (default 2000). */
  maxBatch?: number;
}
