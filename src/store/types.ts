/**
 * The store interface. Two adapters implement it (embedded SQLite, MongoDB)
 * and pass one contract suite (test/store/contract.ts).
 *
 * Durability: every method that writes resolves only after the write is
 * durable (committed; group commit allowed). RADIUS answers Accounting-Request
 * only after recordEvent resolves (RFC 2866 5.0: no answer unless recorded).
 */
import type { SubscriberEvent } from '../radius/events';
import type { Override, PortKey, Session, SessionIdentity } from '../policy/types';

/** What applying one subscriber event did. */
export interface ApplyResult {
  /** False when the event was stale or a duplicate and changed nothing. */
  applied: boolean;
  /** Why it was not applied: 'duplicate', 'stale: ...'. */
  ignored?: string;
  /** Ports whose session changed (to be recomputed by the policy). */
  affected: PortKey[];
}

/** One row of session history: who had which address on which port, from when to when. */
/**
 * recordEventEarly's answer: `durable` is recordEvent's promise; `early`, when
 * present, is the same decision computed synchronously before the commit (the
 * caller may act on it at once, e.g. install flows, but must answer RADIUS only
 * after `durable` resolves, and undo what it did if `durable` rejects or differs).
 */
export interface EarlyRecord {
  early?: ApplyResult;
  durable: Promise<ApplyResult>;
}

export interface SessionRecord extends SessionIdentity {
  profile: string;
  /** ms since epoch. */
  from: number;
  /** ms since epoch; absent while the session is open. */
  to?: number;
}

export interface AuditInput {
  /** 'radius', 'noc:<user>', 'api', 'expiry', 'config'... */
  actor: string;
  action: string;
  key?: PortKey;
  subscriber?: string;
  reason?: string;
  ticket?: string;
  before?: unknown;
  after?: unknown;
  at: number;
}

export interface AuditEntry extends AuditInput {
  id: string;
}

export interface AuditQuery {
  key?: PortKey;
  subscriber?: string;
  from?: number;
  to?: number;
  limit?: number;
}

export interface Store {
  /** Record a subscriber event durably and apply it to the session table atomically, with the ordering rule of src/store/session-rules.ts. */
  recordEvent(ev: SubscriberEvent): Promise<ApplyResult>;
  /**
   * Optional (the SQLite store with the thread writer): recordEvent plus, when it
   * can be known without waiting for the commit, the decision (see EarlyRecord).
   */
  recordEventEarly?(ev: SubscriberEvent): EarlyRecord;
  /**
   * True when the writes of one turn of the event loop are committed together
   * and a backlog never blocks the loop (the SQLite store's thread writer; it
   * may commit a small batch on the loop while its thread is idle): callers
   * hand events over as they come. Otherwise a caller with bursts (the
   * accounting server) holds them back to give a blocking commit more per
   * transaction.
   */
  readonly commitsOffLoop?: boolean;
  /** Open sessions, optionally one port's or one NAS's. */
  sessions(filter?: { key?: PortKey; nas?: string }): Promise<Session[]>;
  /** Set (or with undefined, clear) the NOC override of a port; the audit entry is written in the same transaction. */
  setOverride(key: PortKey, override: Override | undefined, audit: AuditInput): Promise<void>;
  overrides(): Promise<{ key: PortKey; override: Override }[]>;
  /**
   * Overrides whose expiresAt <= now, oldest expiry first; lift each with
   * setOverride(key, undefined, { actor: 'expiry', ... }). Both adapters have
   * it (openStore's OpenedStore makes it required); optional here so test fakes need not.
   */
  expiredOverrides?(now: number): Promise<{ key: PortKey; override: Override }[]>;
  appendAudit(entry: AuditInput): Promise<void>;
  queryAudit(q: AuditQuery): Promise<AuditEntry[]>;
  /** Sessions that held `address` (IPv4, IPv6, or an address inside a framed/delegated IPv6 prefix) at time `at`. */
  whois(address: string, at: number): Promise<SessionRecord[]>;
  close(): Promise<void>;
}
