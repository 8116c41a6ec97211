/**
 * The embedded store's database: schema and migrations, the write side
 * (applying subscriber events, overrides and audit entries in group commits)
 * and the read side. Used by SqliteStore (./sqlite.ts) in the main thread
 * and by its writer thread (./sqlite-worker.ts); no I/O but SQLite.
 *
 * Tables (schema version 1; `schema_version` records the applied migrations):
 *   events          every subscriber event (raw-ish JSON, outcome) for audit and
 *                   replay; unique (nas, session_id, kind, event_time) finds duplicates
 *   nas_resets      latest Accounting-On/Off time per NAS
 *   sessions        the open session per attachment point (port_key)
 *   history         session history rows for whois; (nas, session_id, from_ms) unique
 *   history_addr    index keys of the addresses/prefixes a history row held (src/store/addr.ts)
 *   overrides       NOC override per port
 *   audit           who did what, when
 */
import Database from 'better-sqlite3';
import type { SubscriberEvent } from '../radius/events';
import { parsePortKey, portKeyString, type Override, type OverrideKind, type PortKey, type Session, type SessionIdentity } from '../policy/types';
import type { ApplyResult, AuditEntry, AuditInput, AuditQuery, SessionRecord } from './types';
import { decide, decideNasReset, duplicateDecision, eventKey, type Decision, type HistoryOp, type KnownEnds } from './session-rules';
import { applyResult, asProfile, auditForDecision, fromJson, toJson } from './common';
import { lookupKeys, recordKeys } from './addr';
import { logger } from '../log';

const log = logger.child({ component: 'store' });

/** Migrations, in order; index + 1 is the schema version they bring. */
export const SQLITE_MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE events (
    id INTEGER PRIMARY KEY,
    nas TEXT NOT NULL,
    session_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    event_time INTEGER NOT NULL,
    received_at INTEGER NOT NULL,
    port_key TEXT,
    outcome TEXT NOT NULL,
    body TEXT NOT NULL,
    UNIQUE (nas, session_id, kind, event_time)
  );
  CREATE TABLE nas_resets (
    nas TEXT PRIMARY KEY,
    at INTEGER NOT NULL
  );
  CREATE TABLE sessions (
    port_key TEXT PRIMARY KEY,
    nas TEXT NOT NULL,
    session_id TEXT NOT NULL,
    user TEXT,
    framed_ip TEXT,
    framed_ipv6_prefix TEXT,
    delegated_ipv6_prefix TEXT,
    profile TEXT NOT NULL,
    started_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
  ) WITHOUT ROWID;
  CREATE INDEX sessions_nas ON sessions (nas, session_id);
  CREATE TABLE history (
    id INTEGER PRIMARY KEY,
    nas TEXT NOT NULL,
    session_id TEXT NOT NULL,
    port_key TEXT NOT NULL,
    user TEXT,
    framed_ip TEXT,
    framed_ipv6_prefix TEXT,
    delegated_ipv6_prefix TEXT,
    profile TEXT NOT NULL,
    from_ms INTEGER NOT NULL,
    to_ms INTEGER,
    UNIQUE (nas, session_id, from_ms)
  );
  CREATE TABLE history_addr (
    addr_key TEXT NOT NULL,
    history_id INTEGER NOT NULL,
    PRIMARY KEY (addr_key, history_id)
  ) WITHOUT ROWID;
  CREATE TABLE overrides (
    port_key TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    actor TEXT NOT NULL,
    reason TEXT NOT NULL,
    ticket TEXT,
    expires_at INTEGER,
    created_at INTEGER NOT NULL
  );
  CREATE INDEX overrides_expiry ON overrides (expires_at) WHERE expires_at IS NOT NULL;
  CREATE TABLE audit (
    id INTEGER PRIMARY KEY,
    at INTEGER NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    port_key TEXT,
    subscriber TEXT,
    reason TEXT,
    ticket TEXT,
    before TEXT,
    after TEXT
  );
  CREATE INDEX audit_at ON audit (at);
  CREATE INDEX audit_port ON audit (port_key, at);
  CREATE INDEX audit_subscriber ON audit (subscriber, at);
  `,
];

export const SQLITE_SCHEMA_VERSION = SQLITE_MIGRATIONS.length;
export const SQLITE_FILE_NAME = 'op25b.sqlite';

/** The columns of a SessionIdentity, which sessions and history both have. */
interface IdentityRow {
  port_key: string;
  nas: string;
  session_id: string;
  user: string | null;
  framed_ip: string | null;
  framed_ipv6_prefix: string | null;
  delegated_ipv6_prefix: string | null;
}

interface SessionRow extends IdentityRow {
  profile: string;
  started_at: number;
  updated_at: number;
}

interface HistoryRow extends IdentityRow {
  id: number;
  profile: string;
  from_ms: number;
  to_ms: number | null;
}

interface OverrideRow {
  port_key: string;
  kind: string;
  actor: string;
  reason: string;
  ticket: string | null;
  expires_at: number | null;
  created_at: number;
}

interface AuditRow {
  id: number;
  at: number;
  actor: string;
  action: string;
  port_key: string | null;
  subscriber: string | null;
  reason: string | null;
  ticket: string | null;
  before: string | null;
  after: string | null;
}

/** Sets the row's optional identity fields (those not NULL) on `s`. */
function withIdentityFields<T extends SessionIdentity>(s: T, r: IdentityRow): T {
  if (r.user !== null) s.user = r.user;
  if (r.framed_ip !== null) s.framedIp = r.framed_ip;
  if (r.framed_ipv6_prefix !== null) s.framedIpv6Prefix = r.framed_ipv6_prefix;
  if (r.delegated_ipv6_prefix !== null) s.delegatedIpv6Prefix = r.delegated_ipv6_prefix;
  return s;
}

function sessionOf(r: SessionRow): Session {
  return withIdentityFields<Session>({
    nas: r.nas, sessionId: r.session_id, key: parsePortKey(r.port_key), profile: asProfile(r.profile),
    startedAt: r.started_at, updatedAt: r.updated_at,
  }, r);
}

function recordOfRow(r: HistoryRow): SessionRecord {
  const s = withIdentityFields<SessionRecord>({ nas: r.nas, sessionId: r.session_id, key: parsePortKey(r.port_key), profile: r.profile, from: r.from_ms }, r);
  if (r.to_ms !== null) s.to = r.to_ms;
  return s;
}

const OVERRIDE_KINDS: readonly OverrideKind[] = ['quarantine-smtp', 'quarantine-all', 'exempt'];

function overrideOf(r: OverrideRow): Override {
  const kind = OVERRIDE_KINDS.find((k) => k === r.kind);
  if (!kind) throw new Error(`store: unknown override kind ${JSON.stringify(r.kind)} for port ${r.port_key}`);
  const o: Override = { kind, actor: r.actor, reason: r.reason, createdAt: r.created_at };
  if (r.ticket !== null) o.ticket = r.ticket;
  if (r.expires_at !== null) o.expiresAt = r.expires_at;
  return o;
}

function auditOf(r: AuditRow): AuditEntry {
  const e: AuditEntry = { id: String(r.id), at: r.at, actor: r.actor, action: r.action };
  if (r.port_key !== null) e.key = parsePortKey(r.port_key);
  if (r.subscriber !== null) e.subscriber = r.subscriber;
  if (r.reason !== null) e.reason = r.reason;
  if (r.ticket !== null) e.ticket = r.ticket;
  const before = fromJson(r.before);
  const after = fromJson(r.after);
  if (before !== undefined) e.before = before;
  if (after !== undefined) e.after = after;
  return e;
}

/** Open the file: WAL, synchronous=FULL (a commit is on disk when it returns), migrated to the current schema. */
export function openDatabase(file: string): Database.Database {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('busy_timeout = 5000');
  // 64 MiB page cache: the indexes of a busy day stay in memory.
  db.pragma('cache_size = -65536');
  db.pragma('temp_store = MEMORY');
  migrate(db, file);
  return db;
}

export function migrate(db: Database.Database, file: string): void {
  db.exec('CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)');
  const row = db.prepare<[], { v: number | null }>('SELECT max(version) AS v FROM schema_version').get();
  const current = row?.v ?? 0;
  if (current > SQLITE_MIGRATIONS.length) {
    throw new Error(`store: ${file} has schema version ${current}, newer than this program's ${SQLITE_MIGRATIONS.length}`);
  }
  for (let v = current; v < SQLITE_MIGRATIONS.length; v++) {
    const sql = SQLITE_MIGRATIONS[v] ?? '';
    db.transaction(() => {
      db.exec(sql);
      db.prepare('INSERT INTO schema_version (version) VALUES (?)').run(v + 1);
    })();
    log.info('store schema migrated', { file: file, version: v + 1 });
  }
}

export function schemaVersionOf(db: Database.Database): number {
  return db.prepare<[], { v: number | null }>('SELECT max(version) AS v FROM schema_version').get()?.v ?? 0;
}

function prepare(db: Database.Database) {
  return {
    // An event's duplicate check, its session's last Stop and its NAS's last reset, in one statement.
    eventFacts: db.prepare<[string, string, string, number, string, string, string], { dup: number | null; stopped: number | null; reset: number | null }>(
      `SELECT (SELECT 1 FROM events WHERE nas = ? AND session_id = ? AND kind = ? AND event_time = ?) AS dup,
              (SELECT max(event_time) FROM events WHERE nas = ? AND session_id = ? AND kind = 'stop') AS stopped,
              (SELECT at FROM nas_resets WHERE nas = ?) AS reset`),
    putNasReset: db.prepare(
      'INSERT INTO nas_resets (nas, at) VALUES (?, ?) ON CONFLICT (nas) DO UPDATE SET at = max(at, excluded.at)'),
    insertEvent: db.prepare(
      `INSERT INTO events (nas, session_id, kind, event_time, received_at, port_key, outcome, body)
       VALUES (@nas, @session_id, @kind, @event_time, @received_at, @port_key, @outcome, @body)`),
    sessionByKey: db.prepare<[string], SessionRow>('SELECT * FROM sessions WHERE port_key = ?'),
    sessionsByNas: db.prepare<[string], SessionRow>('SELECT * FROM sessions WHERE nas = ? ORDER BY port_key'),
    sessionElsewhere: db.prepare<[string, string, string], SessionRow>(
      'SELECT * FROM sessions WHERE nas = ? AND session_id = ? AND port_key <> ? LIMIT 1'),
    allSessions: db.prepare<[], SessionRow>('SELECT * FROM sessions ORDER BY port_key'),
    putSession: db.prepare(
      `INSERT OR REPLACE INTO sessions (port_key, nas, session_id, user, framed_ip, framed_ipv6_prefix, delegated_ipv6_prefix, profile, started_at, updated_at)
       VALUES (@port_key, @nas, @session_id, @user, @framed_ip, @framed_ipv6_prefix, @delegated_ipv6_prefix, @profile, @started_at, @updated_at)`),
    deleteSession: db.prepare('DELETE FROM sessions WHERE port_key = ? AND nas = ? AND session_id = ?'),
    insertHistory: db.prepare(
      `INSERT OR IGNORE INTO history (nas, session_id, port_key, user, framed_ip, framed_ipv6_prefix, delegated_ipv6_prefix, profile, from_ms, to_ms)
       VALUES (@nas, @session_id, @port_key, @user, @framed_ip, @framed_ipv6_prefix, @delegated_ipv6_prefix, @profile, @from_ms, @to_ms)`),
    beginHistory: db.prepare<Record<string, unknown>, { id: number }>(
      `INSERT INTO history (nas, session_id, port_key, user, framed_ip, framed_ipv6_prefix, delegated_ipv6_prefix, profile, from_ms, to_ms)
       VALUES (@nas, @session_id, @port_key, @user, @framed_ip, @framed_ipv6_prefix, @delegated_ipv6_prefix, @profile, @from_ms, @to_ms)
       ON CONFLICT (nas, session_id, from_ms) DO UPDATE SET port_key = excluded.port_key, user = excluded.user,
       framed_ip = excluded.framed_ip, framed_ipv6_prefix = excluded.framed_ipv6_prefix,
       delegated_ipv6_prefix = excluded.delegated_ipv6_prefix, profile = excluded.profile, to_ms = excluded.to_ms
       RETURNING id`),
    historyRow: db.prepare<[string, string, number], HistoryRow>('SELECT * FROM history WHERE nas = ? AND session_id = ? AND from_ms = ?'),
    deleteHistoryAddr: db.prepare('DELETE FROM history_addr WHERE addr_key = ? AND history_id = ?'),
    insertHistoryAddr: db.prepare('INSERT OR IGNORE INTO history_addr (addr_key, history_id) VALUES (?, ?)'),
    endHistory: db.prepare(
      `UPDATE history SET to_ms = @at
       WHERE nas = @nas AND session_id = @session_id AND from_ms <= @at AND (to_ms IS NULL OR to_ms > @at)`),
    putOverride: db.prepare(
      `INSERT OR REPLACE INTO overrides (port_key, kind, actor, reason, ticket, expires_at, created_at)
       VALUES (@port_key, @kind, @actor, @reason, @ticket, @expires_at, @created_at)`),
    getOverride: db.prepare<[string], OverrideRow>('SELECT * FROM overrides WHERE port_key = ?'),
    deleteOverride: db.prepare('DELETE FROM overrides WHERE port_key = ?'),
    allOverrides: db.prepare<[], OverrideRow>('SELECT * FROM overrides ORDER BY port_key'),
    expiredOverrides: db.prepare<[number], OverrideRow>(
      'SELECT * FROM overrides WHERE expires_at IS NOT NULL AND expires_at <= ? ORDER BY expires_at, port_key'),
    insertAudit: db.prepare(
      `INSERT INTO audit (at, actor, action, port_key, subscriber, reason, ticket, before, after)
       VALUES (@at, @actor, @action, @port_key, @subscriber, @reason, @ticket, @before, @after)`),
    };
}

/**
 * The decision for one event against the committed state `stmt` reads
 * (duplicate, port's session, known ends). Used by the writer (in its
 * transaction) and by SqliteStore's early decision on the main thread.
 */
function readDecision(stmt: ReturnType<typeof prepare>, ev: SubscriberEvent): { d: Decision; before?: Session; duplicate: boolean } {
  const facts = stmt.eventFacts.get(ev.nas, ev.sessionId, ev.kind, ev.eventTime, ev.nas, ev.sessionId, ev.nas);
  if (facts?.dup) return { d: duplicateDecision(), duplicate: true };
  if (ev.kind === 'nas-on' || ev.kind === 'nas-off') {
    return { d: decideNasReset(stmt.sessionsByNas.all(ev.nas).map(sessionOf), ev), duplicate: false };
  }
  const key = eventKey(ev);
  const pk = key ? portKeyString(key) : undefined;
  const row = pk !== undefined ? stmt.sessionByKey.get(pk) : undefined;
  const before = row ? sessionOf(row) : undefined;
  const known: KnownEnds = {};
  if (facts && facts.stopped !== null) known.stoppedAt = facts.stopped;
  if (facts && facts.reset !== null) known.nasResetAt = facts.reset;
  const elsewhere = pk !== undefined && ev.kind !== 'stop' ? stmt.sessionElsewhere.get(ev.nas, ev.sessionId, pk) : undefined;
  if (elsewhere) known.elsewhere = sessionOf(elsewhere);
  const d = decide(before, ev, known);
  return before ? { d, before, duplicate: false } : { d, duplicate: false };
}

/** A write, as it crosses to the writer thread (structured-cloneable). */
export type WriteJob =
  | { op: 'event'; ev: SubscriberEvent }
  | { op: 'override'; key: PortKey; override?: Override; audit: AuditInput }
  | { op: 'audit'; entry: AuditInput };

export type JobOutcome = { ok: true; value: unknown } | { ok: false; error: unknown };

/** The write side: applies jobs, a batch per transaction. */
export class SqliteWriter {
  private readonly stmt: ReturnType<typeof prepare>;
  private readonly savepoint: (f: () => unknown) => unknown;
  /** One transaction over a batch (made once: better-sqlite3 builds a wrapper per db.transaction call). */
  private readonly batchTx: (jobs: WriteJob[], savepoints: boolean, outcomes: JobOutcome[]) => void;

  constructor(private readonly db: Database.Database) {
    this.stmt = prepare(db);
    this.savepoint = db.transaction((f: () => unknown) => f());
    this.batchTx = db.transaction((jobs: WriteJob[], savepoints: boolean, outcomes: JobOutcome[]) => {
      for (const j of jobs) {
        if (!savepoints) {
          outcomes.push({ ok: true, value: this.run(j) });
          continue;
        }
        try {
          outcomes.push({ ok: true, value: this.savepoint(() => this.run(j)) });
        } catch (e) {
          outcomes.push({ ok: false, error: e });
        }
      }
    });
  }

  run(job: WriteJob): unknown {
    switch (job.op) {
      case 'event': return this.applyEvent(job.ev);
      case 'override': return this.applyOverride(job.key, job.override, job.audit);
      case 'audit': return this.insertAudit(job.entry);
    }
  }

  /**
   * Apply `jobs` in ONE transaction and commit. A job that throws fails
   * alone: the batch is rolled back and re-run with a savepoint per job
   * (savepoints cost a statement journal per page touched, so the usual path
   * has none). Throws only when the commit itself fails.
   */
  commitBatch(jobs: WriteJob[]): JobOutcome[] {
    try {
      return this.commit(jobs, false);
    } catch {
      return this.commit(jobs, true);
    }
  }

  private commit(jobs: WriteJob[], savepoints: boolean): JobOutcome[] {
    const outcomes: JobOutcome[] = [];
    this.batchTx(jobs, savepoints, outcomes);
    return outcomes;
  }

  private applyHistory(op: HistoryOp): void {
    if (op.op === 'end') {
      this.stmt.endHistory.run({ nas: op.nas, session_id: op.sessionId, at: op.at });
      return;
    }
    const r = op.record;
    const params = {
      nas: r.nas, session_id: r.sessionId, port_key: portKeyString(r.key), user: r.user ?? null,
      framed_ip: r.framedIp ?? null, framed_ipv6_prefix: r.framedIpv6Prefix ?? null,
      delegated_ipv6_prefix: r.delegatedIpv6Prefix ?? null, profile: r.profile, from_ms: r.from, to_ms: r.to ?? null,
    };
    // Usually a new row; a row with the same (nas, session, from) is replaced and its address keys redone.
    const ins = this.stmt.insertHistory.run(params);
    let id: number;
    if (ins.changes === 1) {
      id = Number(ins.lastInsertRowid);
    } else {
      const old = this.stmt.historyRow.get(r.nas, r.sessionId, r.from);
      if (old) for (const k of recordKeys(recordOfRow(old))) this.stmt.deleteHistoryAddr.run(k, old.id);
      const row = this.stmt.beginHistory.get(params);
      if (!row) throw new Error('store: history upsert returned no id');
      id = row.id;
    }
    for (const k of recordKeys(r)) this.stmt.insertHistoryAddr.run(k, id);
  }

  private putSession(s: Session): void {
    this.stmt.putSession.run({
      port_key: portKeyString(s.key), nas: s.nas, session_id: s.sessionId, user: s.user ?? null,
      framed_ip: s.framedIp ?? null, framed_ipv6_prefix: s.framedIpv6Prefix ?? null,
      delegated_ipv6_prefix: s.delegatedIpv6Prefix ?? null, profile: s.profile, started_at: s.startedAt, updated_at: s.updatedAt,
    });
  }

  private insertAudit(a: AuditInput): void {
    this.stmt.insertAudit.run({
      at: a.at, actor: a.actor, action: a.action, port_key: a.key ? portKeyString(a.key) : null,
      subscriber: a.subscriber ?? null, reason: a.reason ?? null, ticket: a.ticket ?? null,
      before: toJson(a.before) ?? null, after: toJson(a.after) ?? null,
    });
  }

  applyEvent(ev: SubscriberEvent): ApplyResult {
    const key = eventKey(ev);
    const { d, before, duplicate } = readDecision(this.stmt, ev);
    if (duplicate) return applyResult(d);
    if (ev.kind === 'nas-on' || ev.kind === 'nas-off') this.stmt.putNasReset.run(ev.nas, ev.eventTime);
    for (const s of d.end) this.stmt.deleteSession.run(portKeyString(s.key), s.nas, s.sessionId);
    if (d.put) this.putSession(d.put);
    for (const h of d.history) this.applyHistory(h);
    for (const a of auditForDecision(ev, d, before)) this.insertAudit(a);
    this.stmt.insertEvent.run({
      nas: ev.nas, session_id: ev.sessionId, kind: ev.kind, event_time: ev.eventTime, received_at: ev.receivedAt,
      port_key: key ? portKeyString(key) : null, outcome: d.ignored ?? d.outcome, body: toJson(ev) ?? '{}',
    });
    return applyResult(d);
  }

  applyOverride(key: PortKey, override: Override | undefined, audit: AuditInput): void {
    const pk = portKeyString(key);
    const prevRow = this.stmt.getOverride.get(pk);
    const prev = prevRow ? overrideOf(prevRow) : undefined;
    if (override) {
      this.stmt.putOverride.run({
        port_key: pk, kind: override.kind, actor: override.actor, reason: override.reason, ticket: override.ticket ?? null,
        expires_at: override.expiresAt ?? null, created_at: override.createdAt,
      });
    } else {
      this.stmt.deleteOverride.run(pk);
    }
    // The audit entry records the change: before/after default to the override replaced and the one set.
    const a: AuditInput = { ...audit, key: audit.key ?? key };
    if (a.before === undefined && prev) a.before = prev;
    if (a.after === undefined && override) a.after = override;
    this.insertAudit(a);
  }
}

/** The read side (any connection; sees what has been committed). */
export class SqliteReader {
  private readonly stmt: ReturnType<typeof prepare>;
  private readonly whoisStmts = new Map<number, Database.Statement>();

  constructor(private readonly db: Database.Database) {
    this.stmt = prepare(db);
  }

  sessions(filter: { key?: PortKey; nas?: string } = {}): Session[] {
    let rows: SessionRow[];
    if (filter.key) {
      const r = this.stmt.sessionByKey.get(portKeyString(filter.key));
      rows = r ? [r] : [];
    } else if (filter.nas !== undefined) {
      rows = this.stmt.sessionsByNas.all(filter.nas);
    } else {
      // Every open session (the controller's start: 100k rows): no intermediate array of rows.
      const out: Session[] = [];
      for (const r of this.stmt.allSessions.iterate()) out.push(sessionOf(r));
      return out;
    }
    return rows.map(sessionOf).filter((s) => filter.nas === undefined || s.nas === filter.nas);
  }

  /** What the writer would decide for `ev` if it were applied on the committed state now (no write). */
  decideEvent(ev: SubscriberEvent): { d: Decision; before?: Session; duplicate: boolean } {
    return readDecision(this.stmt, ev);
  }

  overrides(): { key: PortKey; override: Override }[] {
    return this.stmt.allOverrides.all().map((r) => ({ key: parsePortKey(r.port_key), override: overrideOf(r) }));
  }

  /** Overrides whose expiresAt <= now, oldest expiry first. Clear them with setOverride(key, undefined, {actor: 'expiry', ...}). */
  expiredOverrides(now: number): { key: PortKey; override: Override }[] {
    return this.stmt.expiredOverrides.all(now).map((r) => ({ key: parsePortKey(r.port_key), override: overrideOf(r) }));
  }

  /** Audit entries matching every given filter (from/to inclusive), newest first. */
  queryAudit(q: AuditQuery): AuditEntry[] {
    const where: string[] = [];
    const params: Record<string, unknown> = {};
    if (q.key) { where.push('port_key = @port_key'); params.port_key = portKeyString(q.key); }
    if (q.subscriber !== undefined) { where.push('subscriber = @subscriber'); params.subscriber = q.subscriber; }
    if (q.from !== undefined) { where.push('at >= @from'); params.from = q.from; }
    if (q.to !== undefined) { where.push('at <= @to'); params.to = q.to; }
    const limit = q.limit !== undefined && q.limit >= 0 ? Math.floor(q.limit) : -1;
    const sql = `SELECT * FROM audit ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY at DESC, id DESC LIMIT ${limit}`;
    return this.db.prepare<Record<string, unknown>, AuditRow>(sql).all(params).map(auditOf);
  }

  whois(address: string, at: number): SessionRecord[] {
    const keys = lookupKeys(address);
    if (keys.length === 0) throw new Error(`whois: not an IPv4 or IPv6 address: ${JSON.stringify(address)}`);
    let st = this.whoisStmts.get(keys.length);
    if (!st) {
      st = this.db.prepare(
        `SELECT DISTINCT h.* FROM history_addr a JOIN history h ON h.id = a.history_id
         WHERE a.addr_key IN (${keys.map(() => '?').join(',')}) AND h.from_ms <= ? AND (h.to_ms IS NULL OR h.to_ms > ?)
         ORDER BY h.from_ms, h.id`);
      this.whoisStmts.set(keys.length, st);
    }
    return (st.all(...keys, at, at) as HistoryRow[]).map(recordOfRow);
  }

  /** The raw event log (newest first), for audit and replay. */
  events(q: { nas?: string; sessionId?: string; from?: number; to?: number; limit?: number } = {}): (SubscriberEvent & { outcome: string })[] {
    const where: string[] = [];
    const params: Record<string, unknown> = {};
    if (q.nas !== undefined) { where.push('nas = @nas'); params.nas = q.nas; }
    if (q.sessionId !== undefined) { where.push('session_id = @sid'); params.sid = q.sessionId; }
    if (q.from !== undefined) { where.push('received_at >= @from'); params.from = q.from; }
    if (q.to !== undefined) { where.push('received_at <= @to'); params.to = q.to; }
    const limit = q.limit !== undefined && q.limit >= 0 ? Math.floor(q.limit) : -1;
    const rows = this.db.prepare<Record<string, unknown>, { body: string; outcome: string }>(
      `SELECT body, outcome FROM events ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY id DESC LIMIT ${limit}`).all(params);
    return rows.map((r) => ({ ...reviveEvent(r.body), outcome: r.outcome }));
  }

}

/** An event back from its JSON body: dpid (a decimal string in JSON) becomes bigint again. */
function reviveEvent(body: string): SubscriberEvent {
  const o = JSON.parse(body) as SubscriberEvent & { key?: { dpid: string | bigint }; dpid?: string | bigint };
  if (o.key) o.key = { ...o.key, dpid: BigInt(o.key.dpid) };
  if (o.dpid !== undefined) o.dpid = BigInt(o.dpid);
  return o;
}
