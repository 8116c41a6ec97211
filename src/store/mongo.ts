/**
 * The MongoDB store (official `mongodb` driver). Documents, filters and
 * indexes are in ./mongo-query.ts; the ordering rule in ./session-rules.ts.
 *
 * Write concern: { w: 'majority', journal: true } for every write. A
 * RADIUS Accounting-Response promises the NAS that the event is recorded;
 * with w: 1 a primary can acknowledge a write and lose it in a failover
 * (rolled back), so the NAS would never retransmit what we lost. 'majority'
 * with the journal survives both a crash and a failover; on a standalone
 * server it is the same as { w: 1, journal: true }.
 *
 * No transactions (a standalone server has none). Instead:
 *  - events of one attachment point are applied one at a time, in arrival
 *    order (a promise chain per port; Accounting-On/Off waits for, and holds
 *    back, every port), and
 *  - the session document of a port carries `rev`: a change is a conditional
 *    replace/delete on the rev that was read (or an insert that fails if a
 *    document appeared), so two writers can never interleave on a port; on a
 *    conflict the event is decided again against the new state.
 *  - The event document is written last: a retransmission after a failure
 *    part-way is applied again, and the ordering rule makes that a no-op.
 *    Known limit: a failure between the session write and the history write
 *    can leave that history row unwritten (the event log still has it).
 *
 * A lost connection: every operation that fails for an unreachable server
 * is retried with exponential backoff (100 ms doubling to 5 s, jittered),
 * logging each retry at warn. Writes retry until they succeed or the store
 * is closed, so recordEvent stays pending (and RADIUS stays unanswered, and
 * the NAS retransmits) rather than answering for an unrecorded event; the
 * controller meanwhile keeps enforcing the flows it has. Reads give up after
 * `readAttempts` (default 3) so an API call fails instead of hanging.
 */
import { MongoClient, ObjectId, type Collection, type Db } from 'mongodb';
import type { SubscriberEvent } from '../radius/events';
import { parsePortKey, portKeyString, type Override, type PortKey, type Session } from '../policy/types';
import type { ApplyResult, AuditEntry, AuditInput, AuditQuery, SessionRecord, Store } from './types';
import { decide, decideNasReset, duplicateDecision, eventKey, type Decision, type HistoryOp, type KnownEnds } from './session-rules';
import { applyResult, auditForDecision, type StoreOptions } from './common';
import {
  AUDIT_SORT, MONGO_INDEXES, auditDocBody, auditFilter, auditFromDoc, backoffMs, eventDoc, eventDocId, historyDoc, historyEnd,
  isDuplicateKey, isTransientMongoError, overrideDoc, overrideFromDoc, recordFromHistoryDoc, sessionDoc, sessionFromDoc, whoisFilter,
  type AuditDocBody, type EventDoc, type HistoryDoc, type NasResetDoc, type OverrideDoc, type SessionDoc,
} from './mongo-query';
import { logger } from '../log';
import { counter } from '../metrics';

const log = logger.child({ component: 'store' });
const retries = counter('op25b_store_mongo_retries_total', 'MongoDB operations retried because the server was unreachable', ['op']);

export interface MongoStoreOptions extends StoreOptions {
  /** How long one attempt waits for a reachable server (default 2000 ms): how soon an outage is noticed and logged. */
  serverSelectionTimeoutMS?: number;
  /** Reads are tried this many times before failing (default 3). Writes retry until close(). */
  readAttempts?: number;
  /** Longest backoff between retries (default 5000 ms). */
  maxBackoffMs?: number;
}

type AuditDoc = AuditDocBody & { _id: ObjectId };

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export class MongoStore implements Store {
  private readonly events: Collection<EventDoc>;
  private readonly sessionsC: Collection<SessionDoc>;
  private readonly history: Collection<HistoryDoc>;
  private readonly nasResets: Collection<NasResetDoc>;
  private readonly overridesC: Collection<OverrideDoc>;
  private readonly audit: Collection<AuditDoc>;
  private readonly readAttempts: number;
  private readonly maxBackoffMs: number;
  private closing = false;
  private portTails = new Map<string, Promise<unknown>>();
  private nasTail: Promise<unknown> = Promise.resolve();
  private readonly inflight = new Set<Promise<void>>();

  private constructor(private readonly disconnect: () => Promise<void>, readonly db: Db, opts: MongoStoreOptions) {
    this.events = db.collection<EventDoc>('events');
    this.sessionsC = db.collection<SessionDoc>('sessions');
    this.history = db.collection<HistoryDoc>('history');
    this.nasResets = db.collection<NasResetDoc>('nas_resets');
    this.overridesC = db.collection<OverrideDoc>('overrides');
    this.audit = db.collection<AuditDoc>('audit');
    this.readAttempts = Math.max(1, opts.readAttempts ?? 3);
    this.maxBackoffMs = opts.maxBackoffMs ?? 5000;
  }

  /** Connect (retrying with backoff while the server is unreachable) and create the indexes. */
  static async open(uri: string, database = 'op25b', opts: MongoStoreOptions = {}): Promise<MongoStore> {
    const client = new MongoClient(uri, {
      serverSelectionTimeoutMS: opts.serverSelectionTimeoutMS ?? 2000,
      writeConcern: { w: 'majority', journal: true },
      retryWrites: true,
      retryReads: true,
      ignoreUndefined: true,
    });
    const store = new MongoStore(() => client.close(), client.db(database), opts);
    await store.retry('connect', () => client.connect(), Infinity);
    await store.retry('create indexes', () => store.ensureIndexes(), Infinity);
    log.info('MongoDB store open', { database, indexes: MONGO_INDEXES.length });
    return store;
  }

  /**
   * A store over a Db the caller connected (or, in tests, an in-memory fake of
   * the collection API); `disconnect` runs on close(). Creates the indexes.
   */
  static async fromDb(db: Db, opts: MongoStoreOptions = {}, disconnect: () => Promise<void> = async () => undefined): Promise<MongoStore> {
    const store = new MongoStore(disconnect, db, opts);
    await store.retry('create indexes', () => store.ensureIndexes(), Infinity);
    return store;
  }

  private async ensureIndexes(): Promise<void> {
    for (const [coll, keys, options] of MONGO_INDEXES) {
      await this.db.collection(coll).createIndex(keys, options);
    }
  }

  private async retry<T>(what: string, op: () => Promise<T>, attempts: number): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        const r = await op();
        if (attempt > 0) log.info('MongoDB reachable again', { op: what, attempts: attempt + 1 });
        return r;
      } catch (e) {
        if (!isTransientMongoError(e) || attempt + 1 >= attempts || this.closing) throw e;
        const ms = backoffMs(attempt, this.maxBackoffMs);
        retries.inc({ op: what });
        log.warn('MongoDB unreachable; retrying with backoff', { op: what, attempt: attempt + 1, retryInMs: ms, error: (e as Error).message });
        await sleep(ms);
      }
    }
  }

  private write<T>(what: string, op: () => Promise<T>): Promise<T> {
    if (this.closing) return Promise.reject(new Error('store: closed'));
    const p = this.retry(what, op, Infinity);
    const settled = p.then(() => undefined, () => undefined);
    this.inflight.add(settled);
    void settled.then(() => this.inflight.delete(settled));
    return p;
  }

  private read<T>(what: string, op: () => Promise<T>): Promise<T> {
    if (this.closing) return Promise.reject(new Error('store: closed'));
    return this.retry(what, op, this.readAttempts);
  }

  /** Run `fn` after earlier work on port `pk` (or, for undefined, after all work: NAS-wide events). */
  private serial<T>(pk: string | undefined, fn: () => Promise<T>): Promise<T> {
    const before = pk === undefined
      ? Promise.all([this.nasTail, ...this.portTails.values()])
      : Promise.all([this.nasTail, this.portTails.get(pk)]);
    const p = before.then(fn);
    const tail = p.catch(() => undefined);
    if (pk === undefined) {
      this.nasTail = tail;
    } else {
      this.portTails.set(pk, tail);
      void tail.then(() => { if (this.portTails.get(pk) === tail) this.portTails.delete(pk); });
    }
    return p;
  }

  // ---- recordEvent ----

  recordEvent(ev: SubscriberEvent): Promise<ApplyResult> {
    if (this.closing) return Promise.reject(new Error('store: closed'));
    if (ev.kind === 'nas-on' || ev.kind === 'nas-off') {
      return this.serial(undefined, () => this.write('recordEvent', () => this.applyNasEvent(ev)));
    }
    const key = eventKey(ev);
    return this.serial(key ? portKeyString(key) : '', () => this.write('recordEvent', () => this.applyPortEvent(ev, key)));
  }

  private async isDuplicate(ev: SubscriberEvent): Promise<boolean> {
    return (await this.events.findOne({ _id: eventDocId(ev) }, { projection: { _id: 1 } })) !== null;
  }

  private async known(ev: SubscriberEvent, pk: string): Promise<KnownEnds> {
    const [stop, reset, elsewhere] = await Promise.all([
      this.events.find({ nas: ev.nas, sessionId: ev.sessionId, kind: 'stop' }, { projection: { eventTime: 1 } }).sort({ eventTime: -1 }).limit(1).next(),
      this.nasResets.findOne({ _id: ev.nas }),
      ev.kind === 'stop' ? null : this.sessionsC.findOne({ nas: ev.nas, sessionId: ev.sessionId, _id: { $ne: pk } }),
    ]);
    const k: KnownEnds = {};
    if (stop) k.stoppedAt = stop.eventTime;
    if (reset) k.nasResetAt = reset.at;
    if (elsewhere) k.elsewhere = sessionFromDoc(elsewhere);
    return k;
  }

  /** Conditional write of a port's session per decision: false when the port changed since `cur` was read. */
  private async casSession(pk: string, cur: SessionDoc | null, d: Decision): Promise<boolean> {
    if (d.put) {
      if (cur) return (await this.sessionsC.replaceOne({ _id: pk, rev: cur.rev }, sessionDoc(d.put, cur.rev + 1))).matchedCount === 1;
      try {
        await this.sessionsC.insertOne(sessionDoc(d.put, 1));
        return true;
      } catch (e) {
        if (isDuplicateKey(e)) return false;
        throw e;
      }
    }
    if (d.end.length > 0 && cur) return (await this.sessionsC.deleteOne({ _id: pk, rev: cur.rev })).deletedCount === 1;
    return true;
  }

  private async applyHistory(ops: HistoryOp[]): Promise<void> {
    for (const op of ops) {
      if (op.op === 'end') {
        const { filter, update } = historyEnd(op);
        await this.history.updateMany(filter, update);
      } else {
        const doc = historyDoc(op.record);
        await this.history.replaceOne({ _id: doc._id }, doc, { upsert: true });
      }
    }
  }

  private async insertAudit(a: AuditInput, id = new ObjectId()): Promise<void> {
    try {
      await this.audit.insertOne({ _id: id, ...auditDocBody(a) });
    } catch (e) {
      if (!isDuplicateKey(e)) throw e; // a retried insert that had reached the server
    }
  }

  private async finish(ev: SubscriberEvent, d: Decision, before: Session | undefined): Promise<ApplyResult> {
    await this.applyHistory(d.history);
    for (const a of auditForDecision(ev, d, before)) await this.insertAudit(a);
    const doc = eventDoc(ev, d.ignored ?? d.outcome);
    await this.events.replaceOne({ _id: doc._id }, doc, { upsert: true });
    return applyResult(d);
  }

  private async applyPortEvent(ev: SubscriberEvent, key: PortKey | undefined): Promise<ApplyResult> {
    if (await this.isDuplicate(ev)) return applyResult(duplicateDecision());
    if (!key) return this.finish(ev, decide(undefined, ev), undefined);
    const pk = portKeyString(key);
    for (;;) {
      const [curDoc, known] = await Promise.all([this.sessionsC.findOne({ _id: pk }), this.known(ev, pk)]);
      const cur = curDoc ? sessionFromDoc(curDoc) : undefined;
      const d = decide(cur, ev, known);
      if (await this.casSession(pk, curDoc, d)) {
        // A session that moved here ends on its old port (conditional on still being that session there).
        for (const s of d.end) {
          const other = portKeyString(s.key);
          if (other !== pk) await this.sessionsC.deleteOne({ _id: other, nas: s.nas, sessionId: s.sessionId });
        }
        return this.finish(ev, d, cur);
      }
      log.debug('session changed under us; deciding again', { port: pk, sessionId: ev.sessionId });
    }
  }

  private async applyNasEvent(ev: SubscriberEvent): Promise<ApplyResult> {
    if (await this.isDuplicate(ev)) return applyResult(duplicateDecision());
    const docs = await this.sessionsC.find({ nas: ev.nas }).toArray();
    const d = decideNasReset(docs.map(sessionFromDoc), ev);
    const ended: Session[] = [];
    for (const s of d.end) {
      // Conditional per port: only the session as read, or another of this NAS started by the event time.
      const r = await this.sessionsC.findOneAndDelete({ _id: portKeyString(s.key), nas: ev.nas, startedAt: { $lte: ev.eventTime } });
      if (r) ended.push(sessionFromDoc(r));
    }
    await this.nasResets.updateOne({ _id: ev.nas }, { $max: { at: ev.eventTime } }, { upsert: true });
    const done: Decision = {
      ...d, end: ended,
      history: ended.map((s) => ({ op: 'end', nas: s.nas, sessionId: s.sessionId, at: ev.eventTime })),
    };
    return this.finish(ev, done, undefined);
  }

  // ---- the rest of Store ----

  async sessions(filter: { key?: PortKey; nas?: string } = {}): Promise<Session[]> {
    const f: Record<string, unknown> = {};
    if (filter.key) f._id = portKeyString(filter.key);
    if (filter.nas !== undefined) f.nas = filter.nas;
    const docs = await this.read('sessions', () => this.sessionsC.find(f).sort({ _id: 1 }).toArray());
    return docs.map(sessionFromDoc);
  }

  setOverride(key: PortKey, override: Override | undefined, audit: AuditInput): Promise<void> {
    // Two writes (no transactions on a standalone server): the override, then its audit entry, each
    // retried until written; the promise resolves after both. The audit id is fixed up front so a
    // retried insert cannot write it twice.
    const pk = portKeyString(key);
    const auditId = new ObjectId();
    return this.serial(`override:${pk}`, () => this.write('setOverride', async () => {
      const prevDoc = override
        ? await this.overridesC.findOneAndReplace({ _id: pk }, overrideDoc(pk, override), { upsert: true, returnDocument: 'before' })
        : await this.overridesC.findOneAndDelete({ _id: pk });
      const prev = prevDoc ? overrideFromDoc(prevDoc) : undefined;
      const a: AuditInput = { ...audit, key: audit.key ?? key };
      if (a.before === undefined && prev) a.before = prev;
      if (a.after === undefined && override) a.after = override;
      await this.insertAudit(a, auditId);
    }));
  }

  async overrides(): Promise<{ key: PortKey; override: Override }[]> {
    const docs = await this.read('overrides', () => this.overridesC.find({}).sort({ _id: 1 }).toArray());
    return docs.map((d) => ({ key: parsePortKey(d._id), override: overrideFromDoc(d) }));
  }

  /** Additive (not in Store): overrides whose expiresAt <= now, oldest expiry first. */
  async expiredOverrides(now: number): Promise<{ key: PortKey; override: Override }[]> {
    const docs = await this.read('expiredOverrides', () => this.overridesC.find({ expiresAt: { $lte: now } }).sort({ expiresAt: 1, _id: 1 }).toArray());
    return docs.map((d) => ({ key: parsePortKey(d._id), override: overrideFromDoc(d) }));
  }

  appendAudit(entry: AuditInput): Promise<void> {
    const id = new ObjectId();
    return this.write('appendAudit', () => this.insertAudit(entry, id));
  }

  async queryAudit(q: AuditQuery): Promise<AuditEntry[]> {
    const docs = await this.read('queryAudit', () => {
      const c = this.audit.find(auditFilter(q)).sort(AUDIT_SORT);
      if (q.limit !== undefined && q.limit >= 0) c.limit(Math.floor(q.limit));
      return c.toArray();
    });
    if (q.limit === 0) return [];
    return docs.map((d) => {
      const { _id, ...body } = d;
      return auditFromDoc(_id.toHexString(), body);
    });
  }

  async whois(address: string, at: number): Promise<SessionRecord[]> {
    const f = whoisFilter(address, at);
    if (!f) throw new Error(`whois: not an IPv4 or IPv6 address: ${JSON.stringify(address)}`);
    const docs = await this.read('whois', () => this.history.find(f).sort({ from: 1, _id: 1 }).toArray());
    return docs.map(recordFromHistoryDoc);
  }

  /** Wait for queued work, then disconnect. Work still retrying against an unreachable server is abandoned. */
  async close(): Promise<void> {
    if (this.closing) return;
    let timer: NodeJS.Timeout | undefined;
    const limit = new Promise<void>((r) => { timer = setTimeout(r, 10_000); timer.unref(); });
    await Promise.race([Promise.all([this.nasTail, ...this.portTails.values(), ...this.inflight]), limit]);
    if (timer) clearTimeout(timer);
    this.closing = true;
    await this.disconnect();
  }
}
