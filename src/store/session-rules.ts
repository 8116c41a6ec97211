/**
 * The ordering rule of subscriber events: given what the store knows about a
 * port (its open session, if any) and about the event's own session, decide
 * what one event does. Pure: no I/O, no clock. Both store adapters call these
 * functions and only execute the decision, so they behave the same.
 *
 * The rule
 * --------
 * Time. An event's time is its Event-Timestamp, or its arrival time when the
 * NAS sent none (SubscriberEvent.eventTime already holds that choice). Events
 * reach the store in arrival order, and the store applies them in that order
 * for each attachment point (PortKey). When two event times are equal, the one
 * that arrived later wins: comparisons below let an event apply when its time
 * is >= the time it competes with.
 *
 * Identity. An event is identified by (nas, sessionId, kind, eventTime)
 * (`eventIdentity`). A second event with the same identity is a duplicate and
 * changes nothing (the store finds duplicates in its event log).
 *
 * Start of session S on port P, current open session C on P:
 *  1. S is C (same nas and sessionId): a refresh. Applied as an update when
 *     its time >= C.updatedAt, otherwise stale.
 *  2. S is known to have stopped at a time > the Start's time (its Stop
 *     arrived first), or the NAS reset (Accounting-On/Off) after the Start's
 *     time: stale. S goes into history from its Start to that end; P keeps C.
 *  3. C exists and started after S (C.startedAt > S's time): stale. S goes into
 *     history from its Start until C started (or its known end); C stays.
 *  4. Otherwise S becomes P's session; C (if any) ends at S's time.
 * Interim-Update of session S on P:
 *  1. S is C: fields refresh (addresses, profile) when its time >= C.updatedAt,
 *     otherwise stale.
 *  2. C exists and is another session: stale. C is not touched, whatever the
 *     Interim's time: an Interim never ends or changes another session.
 *  3. No open session: S has stopped (any Stop seen) or the NAS reset after the
 *     Interim's time: stale. Otherwise the Start was lost (or the controller
 *     started mid-session) and S becomes P's session from the Interim's time.
 * Stop of session S on P:
 *  1. S is C and its time >= C.startedAt: C ends at the Stop's time.
 *  2. Otherwise stale (C, if any, stays). S's history is still corrected: its
 *     end becomes the Stop's time if that is earlier than the end history had.
 * Moves: when a Start or Interim opens session S on P (rules above) while S is
 * open on another port Q (the port mapping changed), S ends on Q at the
 * event's time, unless Q's state of S is newer than the event (Q's
 * updatedAt > the event's time): then the event is stale.
 * Accounting-On / Accounting-Off of a NAS (`decideNasReset`): every open
 * session of that NAS whose startedAt <= the event's time ends at that time;
 * sessions that started later (their Start is newer) stay.
 *
 * History. Every session that held a port (or is known to have existed) has
 * rows (nas, sessionId, key, addresses, profile, from, to) for whois. A row is
 * keyed by (nas, sessionId, from); an Interim that changes an address ends the
 * row and begins a new one at the Interim's time, so whois answers what the
 * session held at the time asked. An 'end' operation sets `to` to
 * min(to, at) on the session's rows that began at or before `at`: a later
 * end never extends a row, an earlier one refines it; it is idempotent.
 */
import type { SubscriberEvent } from '../radius/events';
import type { PortKey, Session } from '../policy/types';
import type { SessionRecord } from './types';

/** What the store knows about the event's own session and NAS, from its event log. */
export interface KnownEnds {
  /** Latest Stop time seen for (ev.nas, ev.sessionId). */
  stoppedAt?: number;
  /** Latest Accounting-On/Off time seen for ev.nas. */
  nasResetAt?: number;
  /** The event's session (nas, sessionId) when it is open on ANOTHER port. */
  elsewhere?: Session;
}

export type HistoryOp =
  /** Insert (or replace, by nas+sessionId+from) a history row. */
  | { op: 'begin'; record: SessionRecord }
  /** Set to = min(to, at) on rows of (nas, sessionId) with from <= at. */
  | { op: 'end'; nas: string; sessionId: string; at: number };

export type Outcome = 'open' | 'update' | 'close' | 'nas-reset' | 'ignore';

export interface Decision {
  outcome: Outcome;
  /** False when the event was stale (or a duplicate): it changed no open session. */
  applied: boolean;
  /** Why it changed nothing: 'duplicate' or 'stale: ...'. */
  ignored?: string;
  /** The port's session after the event ('open', 'update'). */
  put?: Session;
  /** Open sessions that end: removed from the session table unless `put` takes their port. */
  end: Session[];
  /** Session history operations, in order. */
  history: HistoryOp[];
}

/** Duplicate identity of an event: same NAS, session, kind and event time. */
export function eventIdentity(ev: SubscriberEvent): string {
  return `${ev.nas}\u0000${ev.sessionId}\u0000${ev.kind}\u0000${ev.eventTime}`;
}

export function sameSession(a: { nas: string; sessionId: string }, b: { nas: string; sessionId: string }): boolean {
  return a.nas === b.nas && a.sessionId === b.sessionId;
}

export function samePortKey(a: PortKey, b: PortKey): boolean {
  return a.dpid === b.dpid && a.port === b.port && a.vlan === b.vlan;
}

/** The event's attachment point: ev.key, else (ev.dpid, ev.port). */
export function eventKey(ev: SubscriberEvent): PortKey | undefined {
  if (ev.key) return ev.key;
  if (ev.dpid !== undefined && ev.port !== undefined) return { dpid: ev.dpid, port: ev.port };
  return undefined;
}

/** The decision for a duplicate event (found by the store in its event log). */
export function duplicateDecision(): Decision {
  return { outcome: 'ignore', applied: false, ignored: 'duplicate', end: [], history: [] };
}

/** The history row of a session as it is now. */
export function recordOf(s: Session, from: number, to?: number): SessionRecord {
  const r: SessionRecord = { nas: s.nas, sessionId: s.sessionId, key: s.key, profile: s.profile, from };
  if (s.user !== undefined) r.user = s.user;
  if (s.framedIp !== undefined) r.framedIp = s.framedIp;
  if (s.framedIpv6Prefix !== undefined) r.framedIpv6Prefix = s.framedIpv6Prefix;
  if (s.delegatedIpv6Prefix !== undefined) r.delegatedIpv6Prefix = s.delegatedIpv6Prefix;
  if (to !== undefined) r.to = to;
  return r;
}

function sessionFromEvent(ev: SubscriberEvent, key: PortKey): Session {
  const s: Session = {
    nas: ev.nas,
    sessionId: ev.sessionId,
    key,
    profile: ev.profile,
    startedAt: ev.eventTime,
    updatedAt: ev.eventTime,
  };
  if (ev.user !== undefined) s.user = ev.user;
  if (ev.framedIp !== undefined) s.framedIp = ev.framedIp;
  if (ev.framedIpv6Prefix !== undefined) s.framedIpv6Prefix = ev.framedIpv6Prefix;
  if (ev.delegatedIpv6Prefix !== undefined) s.delegatedIpv6Prefix = ev.delegatedIpv6Prefix;
  return s;
}

/** Current session refreshed by an event of the same session: the event's values win where it has them. */
function refreshed(cur: Session, ev: SubscriberEvent): Session {
  const s: Session = { ...cur, profile: ev.profile, updatedAt: ev.eventTime };
  if (ev.user !== undefined) s.user = ev.user;
  if (ev.framedIp !== undefined) s.framedIp = ev.framedIp;
  if (ev.framedIpv6Prefix !== undefined) s.framedIpv6Prefix = ev.framedIpv6Prefix;
  if (ev.delegatedIpv6Prefix !== undefined) s.delegatedIpv6Prefix = ev.delegatedIpv6Prefix;
  return s;
}

/** True when what whois answers from (addresses, user, profile) differs. */
export function historyFieldsChanged(a: Session, b: Session): boolean {
  return a.framedIp !== b.framedIp || a.framedIpv6Prefix !== b.framedIpv6Prefix
    || a.delegatedIpv6Prefix !== b.delegatedIpv6Prefix || a.user !== b.user || a.profile !== b.profile
    || !samePortKey(a.key, b.key);
}

function stale(reason: string, history: HistoryOp[] = []): Decision {
  return { outcome: 'ignore', applied: false, ignored: `stale: ${reason}`, end: [], history };
}

function update(cur: Session, ev: SubscriberEvent): Decision {
  const next = refreshed(cur, ev);
  const history: HistoryOp[] = historyFieldsChanged(cur, next)
    ? [{ op: 'end', nas: cur.nas, sessionId: cur.sessionId, at: ev.eventTime },
       { op: 'begin', record: recordOf(next, ev.eventTime) }]
    : [];
  return { outcome: 'update', applied: true, put: next, end: [], history };
}

function open(cur: Session | undefined, ev: SubscriberEvent, key: PortKey, elsewhere?: Session): Decision {
  if (elsewhere && samePortKey(elsewhere.key, key)) elsewhere = undefined;
  if (elsewhere && elsewhere.updatedAt > ev.eventTime) return stale('session is open on another port with newer state');
  const s = sessionFromEvent(ev, key);
  const history: HistoryOp[] = [];
  const end: Session[] = [];
  if (elsewhere) {
    // Moved (the port mapping changed): it ends on the old port.
    end.push(elsewhere);
    history.push({ op: 'end', nas: elsewhere.nas, sessionId: elsewhere.sessionId, at: ev.eventTime });
  }
  if (cur) {
    end.push(cur);
    history.push({ op: 'end', nas: cur.nas, sessionId: cur.sessionId, at: ev.eventTime });
  }
  history.push({ op: 'begin', record: recordOf(s, ev.eventTime) });
  return { outcome: 'open', applied: true, put: s, end, history };
}

/**
 * Decide what a start, interim or stop event does to its port.
 * `current` is the open session on the event's port; `known` what the event
 * log knows of the event's session and NAS. Duplicates are found by the store
 * (eventIdentity) before calling this.
 */
export function decide(current: Session | undefined, ev: SubscriberEvent, known: KnownEnds = {}): Decision {
  if (ev.kind === 'nas-on' || ev.kind === 'nas-off') {
    throw new Error(`decide: ${ev.kind} is a NAS-wide event; use decideNasReset`);
  }
  const key = eventKey(ev);
  if (!key) return stale('event has no attachment point');
  if (current && !samePortKey(current.key, key)) {
    throw new Error('decide: current session is not on the event\'s port');
  }
  const t = ev.eventTime;
  const isCurrent = current !== undefined && sameSession(current, ev);

  switch (ev.kind) {
    case 'start': {
      if (current && isCurrent) {
        return t >= current.updatedAt ? update(current, ev) : stale('older than the session\'s last update');
      }
      // Ends already known for this session or its NAS, later than the Start; and a newer session on the port.
      const ends: { at: number; why: string }[] = [];
      if (known.stoppedAt !== undefined && known.stoppedAt > t) ends.push({ at: known.stoppedAt, why: 'session already stopped' });
      if (known.nasResetAt !== undefined && known.nasResetAt > t) ends.push({ at: known.nasResetAt, why: 'NAS reset after this start' });
      if (current && current.startedAt > t) ends.push({ at: current.startedAt, why: 'port has a newer session' });
      if (ends.length > 0) {
        const first = ends.reduce((a, b) => (b.at < a.at ? b : a));
        return stale(first.why, [{ op: 'begin', record: recordOf(sessionFromEvent(ev, key), t, first.at) }]);
      }
      return open(current, ev, key, known.elsewhere);
    }
    case 'interim': {
      if (current && isCurrent) {
        return t >= current.updatedAt ? update(current, ev) : stale('older than the session\'s last update');
      }
      if (current) return stale('port has another session');
      if (known.stoppedAt !== undefined) return stale('session already stopped');
      if (known.nasResetAt !== undefined && known.nasResetAt > t) return stale('NAS reset after this update');
      return open(undefined, ev, key, known.elsewhere);
    }
    case 'stop': {
      const endOp: HistoryOp = { op: 'end', nas: ev.nas, sessionId: ev.sessionId, at: t };
      if (current && isCurrent) {
        if (t < current.startedAt) return stale('older than the session\'s start', [endOp]);
        return { outcome: 'close', applied: true, end: [current], history: [endOp] };
      }
      return stale(current ? 'port has another session' : 'no open session', [endOp]);
    }
  }
}

/**
 * Accounting-On / Accounting-Off: the NAS's open sessions that started at or
 * before the event's time end at that time. `open` holds the NAS's open
 * sessions (others are ignored).
 */
export function decideNasReset(open: Session[], ev: SubscriberEvent): Decision {
  if (ev.kind !== 'nas-on' && ev.kind !== 'nas-off') throw new Error(`decideNasReset: not a NAS event: ${ev.kind}`);
  const end = open.filter((s) => s.nas === ev.nas && s.startedAt <= ev.eventTime);
  return {
    outcome: 'nas-reset',
    applied: true,
    end,
    history: end.map((s) => ({ op: 'end', nas: s.nas, sessionId: s.sessionId, at: ev.eventTime })),
  };
}

/** Apply a history 'end' to one row: the row's new `to` (unchanged when the op does not concern it). */
export function endRow(row: { nas: string; sessionId: string; from: number; to?: number }, op: { nas: string; sessionId: string; at: number }): number | undefined {
  if (row.nas !== op.nas || row.sessionId !== op.sessionId || row.from > op.at) return row.to;
  return row.to === undefined ? op.at : Math.min(row.to, op.at);
}
