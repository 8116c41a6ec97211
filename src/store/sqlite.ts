/**
 * The embedded store: SQLite through better-sqlite3, one file under a data
 * directory (`<dir>/op25b.sqlite`), WAL journal, synchronous=FULL (a commit
 * is on disk when it returns). Schema, writes and reads: ./sqlite-db.ts.
 *
 * Group commit. Every write (recordEvent, setOverride, appendAudit) is queued;
 * the writes of one turn of the event loop (or `maxBatch` of them) go to the
 * writer as one batch, applied in ONE transaction, and their promises resolve
 * together after that commit. A burst of RADIUS packets read in one poll
 * phase therefore costs one fsync, not one per packet.
 *
 * Writer. `writer: 'inline'` (default) commits in the calling thread: the
 * lowest latency from recordEvent to resolved, which is on the attach path
 * (the controller reconciles a port once its event is recorded). It blocks
 * the event loop for each commit (one fsync). `writer: 'thread'` commits in a
 * worker thread (./sqlite-worker.ts) with its own connection, so the main
 * thread never waits for an fsync; each batch then costs two cross-thread
 * hops. Measured here (npm run bench store, 2 CPUs at load 10-11, paced
 * 1,000 Starts/s): inline p50 6-13 ms, thread p50 21-27 ms; with cores to
 * spare the thread writer keeps the loop free at little latency cost. The
 * controller (src/app/run.ts) uses the thread writer unless the config says
 * `store.writer: inline`: in the attach storm at 1,000 Starts/s the inline
 * COMMIT took ~40% of the main thread and flows p50/p99 went 21/159 ms ->
 * 6/39 ms with the thread writer.
 *
 * Idle writer thread. With the thread writer, a batch of at most
 * `inlineWhenIdle` (16) writes flushed while the writer thread has nothing in
 * flight commits on this connection instead: at a light load the two
 * cross-thread hops cost more than the fsync, on this virtual machine (a
 * round trip p99 0.3-0.45 ms, and the writer's commits themselves slower).
 * SQLite has one writer at a time, and this connection writes only when the
 * thread has nothing in flight, so neither waits for the other's lock. The
 * order of writes holds: a commit here follows every batch the thread has
 * committed, and is done before the next batch is handed over. A slow
 * commit here (`inlineSlowMs`, 20 ms: a disk in trouble) sends every commit
 * to the thread for `inlineBackoffMs`; a typical commit (moving average,
 * both threads) over `inlineTypicalMs` (4 ms: a slow disk, an HDD's fsync)
 * keeps them there until it falls. Measured (A/B pairs against inlineWhenIdle
 * 0): RADIUS at 1,000 req/s, answers within 5 ms 97.8-99.2% against
 * 94.2-97.5%, generator p99 9.2-10.6 ms against 12.0-16.3 ms; attach storm
 * at 1,000 Starts/s, controller CPU 6.6-7.4 s against 8.4-9.2 s per 10,000
 * Starts; full speed unchanged.
 *
 * Reads run on the main thread's connection and see what has been committed;
 * a write's effects are visible to reads once its promise has resolved.
 */
import { mkdirSync } from 'fs';
import { extname, join } from 'path';
import { performance } from 'perf_hooks';
import { Worker } from 'worker_threads';
import type Database from 'better-sqlite3';
import type { SubscriberEvent } from '../radius/events';
import type { Override, PortKey, Session } from '../policy/types';
import type { ApplyResult, AuditEntry, AuditInput, AuditQuery, EarlyRecord, SessionRecord, Store } from './types';
import { applyResult } from './common';
import { eventKey } from './session-rules';
import { portKeyString } from '../policy/types';
import type { StoreOptions } from './common';
import { openDatabase, schemaVersionOf, SqliteReader, SqliteWriter, SQLITE_FILE_NAME, type WriteJob } from './sqlite-db';
import type { FromWorker, ToWorker } from './sqlite-worker';
import { logger } from '../log';
import { counter, histogram } from '../metrics';

export { SQLITE_FILE_NAME, SQLITE_SCHEMA_VERSION } from './sqlite-db';

const log = logger.child({ component: 'store' });
const eventsTotal = counter('op25b_store_events_total', 'Subscriber events recorded by the store, by outcome (applied, stale, duplicate)', ['outcome']);
/** The counter's children, looked up once (a label lookup per event builds a key string each time). */
const eventsBy = { applied: eventsTotal.labels('applied'), duplicate: eventsTotal.labels('duplicate'), stale: eventsTotal.labels('stale') };
const countEvent = (r: ApplyResult): ApplyResult => {
  (r.applied ? eventsBy.applied : r.ignored === 'duplicate' ? eventsBy.duplicate : eventsBy.stale).inc();
  return r;
};
const batchSize = histogram('op25b_store_commit_batch_size', 'Writes per group commit', [], [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000]);
const commitsTotal = counter('op25b_store_commits_total', 'Group commits, by the thread that ran them: the event loop (the writer thread was idle and the batch small) or the writer thread', ['on']);
const commitSeconds = histogram('op25b_store_commit_seconds', 'Duration of one group commit (its statements and the fsync of the write-ahead log)', [],
  [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 1]);
const checkpointSeconds = histogram('op25b_store_checkpoint_seconds', 'Duration of one checkpoint of the write-ahead log, by the thread that ran it: the writer thread (beside the event loop\'s commits) or the event loop (the catch-up after it)', ['on'],
  [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 1]);

export interface SqliteStoreOptions extends StoreOptions {
  /** 'inline' (default): commits in the calling thread; 'thread': in a worker thread. */
  writer?: 'thread' | 'inline';
  /**
   * recordEventEarly: with this many events in flight (queued or in the writer), the store is
   * saturated and gives no early decisions (they cost main-thread reads) until all drain. Default 256.
   */
  earlyMaxPending?: number;
  /**
   * recordEventEarly: a burst (this many writes queued in one turn of the event loop, not yet
   * handed to the writer) means the main thread is behind: the rest of the burst gets no early
   * decision, as when saturated. Default 32.
   */
  earlyMaxBurst?: number;
  /**
   * Thread writer: a batch of at most this many writes, flushed while the writer thread has
   * nothing in flight, is committed on the calling thread instead (0: never). Default 16.
   * At a light load every hand-off to the writer thread and back costs two thread wake-ups,
   * which on a virtual machine cost more than the commit's fsync saves the event loop; under
   * load the writer thread takes the batches and the event loop never waits for a disk.
   */
  inlineWhenIdle?: number;
  /**
   * A commit on the event loop that takes longer than this (ms; default 20: a disk in trouble,
   * not this machine's usual fsync tail) sends every commit to the writer thread for the next
   * `inlineBackoffMs` (default 1000), so a failing disk never stalls RADIUS and OpenFlow.
   */
  inlineSlowMs?: number;
  inlineBackoffMs?: number;
  /**
   * The typical small commit (a moving average of the durations of commits of at most
   * `inlineWhenIdle` writes, on either thread) above
   * this many ms (default 4) means a slow disk, not a slow moment: commits stay in the writer
   * thread until it falls below again. An HDD's ~10 ms fsync would otherwise block the event
   * loop on every commit at a light load.
   */
  inlineTypicalMs?: number;
  /** Clock in ms for commit durations and the back-off (default performance.now). */
  now?: () => number;
  /**
   * Told of every group commit once it is durable, and of every checkpoint once done, on the
   * calling thread (for diagnostics: the RADIUS bench's tail attribution).
   */
  onIo?: (r: StoreIo) => void;
}

/** One group commit or checkpoint, as SqliteStoreOptions.onIo sees it. */
export interface StoreIo {
  what: 'commit' | 'checkpoint';
  on: 'event-loop' | 'writer-thread';
  /** now() when the calling thread learnt it was done. */
  at: number;
  /** Its own duration (a commit's statements and fsync; a checkpoint's copy and fsyncs), ms. */
  ms: number;
  /** Writes committed (0 for a checkpoint). */
  writes: number;
}

interface Pending {
  job: WriteJob;
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
}

function startWorker(file: string, maxBatch: number): Worker {
  const ext = extname(__filename);
  const script = join(__dirname, `sqlite-worker${ext}`);
  const workerData = { file, maxBatch };
  // Under tsx (running the .ts sources) the worker registers tsx itself; compiled, it is plain JS.
  return ext === '.ts'
    ? new Worker(`require('tsx/cjs/api').register(); require(${JSON.stringify(script)});`, { eval: true, workerData })
    : new Worker(script, { workerData });
}

/**
 * After this many commits on the event loop (with one write a commit, ~10 pages, 41 KiB measured
 * for a Start: a log of about 2,600 pages, 11 MB), the writer thread checkpoints the log
 * (PASSIVE) while the event loop goes on committing. The log restarts from its beginning only after a checkpoint that copied every
 * frame, which that one cannot be (the loop's commits append meanwhile): once it is done, the
 * event loop runs a catch-up checkpoint of just those frames, while the writer thread is idle,
 * and the next commit restarts the log. Before, the checkpoint ran in the thread after a batch
 * and before its answer, and held up every answer until it was done (p50 1.9 ms, max 7.9 ms):
 * in the RADIUS bench at 1,000 req/s, 27-99 of the 100 slowest requests overlapped one.
 */
const CHECKPOINT_EVERY = 256;

/** The mark of an event's (nas, session) in SqliteStore's pending counts. */
function sessionMark(nas: string, sessionId: string): string {
  return `${nas}\u0000${sessionId}`;
}

/**
 * How many events in flight mark each key. A key whose count falls to 0
 * stays in the map until nothing is marked at all (or too many zeros pile
 * up): a Map that shrinks on every delete and grows on the next insert
 * allocates a new table each time, which was most of the early decision's
 * garbage at 1,000 events/s.
 */
class MarkCounts {
  private readonly m = new Map<string, number>();
  private marked = 0;

  has(k: string): boolean {
    return (this.m.get(k) ?? 0) > 0;
  }

  add(k: string): void {
    this.m.set(k, (this.m.get(k) ?? 0) + 1);
    this.marked++;
  }

  remove(k: string): void {
    const n = this.m.get(k) ?? 0;
    if (n <= 0) return;
    this.m.set(k, n - 1);
    this.marked--;
    if (this.marked === 0) {
      if (this.m.size > 64) this.m.clear();
    } else if (this.m.size > 4096 + 4 * this.marked) {
      // Mostly zeros: drop them. Sized against what is marked, so a sweep is
      // followed by at least 4096 removes before the next one.
      for (const [key, c] of this.m) if (c === 0) this.m.delete(key);
    }
  }
}

export class SqliteStore implements Store {
  /** The database file. */
  readonly file: string;
  private readonly db: Database.Database;
  private readonly reader: SqliteReader;
  private readonly inline?: SqliteWriter;
  private readonly worker?: Worker;
  /** Thread writer: the event loop's own writer for small batches while the writer thread is idle. */
  private readonly idleWriter?: SqliteWriter;
  private readonly inlineWhenIdle: number;
  private readonly inlineSlowMs: number;
  private readonly inlineBackoffMs: number;
  /** this.now() before which no commit runs on the event loop (after a slow one). */
  private inlineSuspendedUntil = 0;
  private readonly inlineTypicalMs: number;
  /** Moving average (1/8 weight to each new value) of the durations in ms of commits of at most inlineWhenIdle writes, both threads. */
  private typicalCommitMs = 0;
  private inlineCommits = 0;
  private readonly now: () => number;
  private readonly onIo: ((r: StoreIo) => void) | undefined;
  /** The writer thread is checkpointing (see CHECKPOINT_EVERY). */
  private checkpointing = false;
  /** It has: the event loop's catch-up checkpoint is due, once the writer thread is idle. */
  private catchUpDue = false;
  private catchUpScheduled = false;
  private readonly maxBatch: number;
  private queue: Pending[] = [];
  private scheduled = false;
  private closed = false;
  private broken: Error | undefined;
  private nextId = 1;
  private readonly inWorker = new Map<number, Pending>();
  private workerClosed?: Promise<void>;
  private readonly earlyMaxPending: number;
  private readonly earlyMaxBurst: number;
  /** Events in flight (recordEventEarly), and those of them recorded without marks (saturated). */
  private eventsInFlight = 0;
  private unmarked = 0;
  /**
   * What the events queued or in the writer may still change (counts), for recordEventEarly. No
   * map of identities: an identity starts with its (nas, session), which `sessions` marks already.
   */
  private readonly pending = { nases: new MarkCounts(), ports: new MarkCounts(), sessions: new MarkCounts() };
  private onWorkerClosed?: () => void;

  /** Open (creating and migrating as needed) the store in data directory `dir`. */
  constructor(dir: string, opts: SqliteStoreOptions = {}) {
    mkdirSync(dir, { recursive: true });
    this.file = join(dir, SQLITE_FILE_NAME);
    this.maxBatch = Math.max(1, opts.maxBatch ?? 2000);
    this.earlyMaxPending = opts.earlyMaxPending ?? 256;
    this.earlyMaxBurst = opts.earlyMaxBurst ?? 32;
    this.inlineWhenIdle = opts.writer === 'thread' ? Math.max(0, opts.inlineWhenIdle ?? 16) : 0;
    this.inlineSlowMs = opts.inlineSlowMs ?? 20;
    this.inlineBackoffMs = opts.inlineBackoffMs ?? 1000;
    this.inlineTypicalMs = opts.inlineTypicalMs ?? 4;
    this.now = opts.now ?? (() => performance.now());
    this.onIo = opts.onIo;
    this.db = openDatabase(this.file);
    this.reader = new SqliteReader(this.db);
    if (opts.writer !== 'thread') {
      this.inline = new SqliteWriter(this.db);
      return;
    }
    // This connection reads (point lookups, API listings) and commits only small batches while
    // the thread is idle: a small page cache. The writer thread's connection, which takes every
    // backlog, keeps the large one, where the indexes of a busy day matter.
    this.db.pragma('cache_size = -8192');
    // SQLite has one writer at a time: this connection writes only while the writer thread has
    // nothing in flight (flush checks), so neither ever waits on the other's lock.
    if (this.inlineWhenIdle > 0) {
      this.idleWriter = new SqliteWriter(this.db);
      // Its commits never checkpoint the whole log here (copying it would stall the event loop):
      // every CHECKPOINT_EVERY of them the writer thread does, and this connection catches up.
      this.db.pragma('wal_autocheckpoint = 0');
    }
    const w = startWorker(this.file, this.maxBatch);
    this.worker = w;
    w.unref();
    w.on('message', (m: FromWorker) => this.fromWorker(m));
    const lost = (why: string): void => {
      if (this.broken) return;
      this.broken = new Error(`store: writer thread ${why}`);
      if (!this.closed) log.error('store writer thread lost', { why, pending: this.inWorker.size });
      this.onWorkerClosed?.();
      for (const p of this.inWorker.values()) p.reject(this.broken);
      this.inWorker.clear();
    };
    w.on('error', (e) => lost(`failed: ${String(e)}`));
    w.on('exit', (code) => lost(`exited (${code})`));
  }

  private fromWorker(m: FromWorker): void {
    if (m.type === 'done') {
      commitsTotal.inc({ on: 'writer-thread' });
      if (m.batch <= this.inlineWhenIdle) this.noteCommit(m.seconds * 1000);
      batchSize.observe(m.batch);
      commitSeconds.observe(m.seconds);
      this.onIo?.({ what: 'commit', on: 'writer-thread', at: this.now(), ms: m.seconds * 1000, writes: m.batch });
      for (const r of m.results) {
        const p = this.inWorker.get(r.id);
        if (!p) continue;
        this.inWorker.delete(r.id);
        if (r.ok) p.resolve(r.value);
        else p.reject(r.error);
      }
    } else if (m.type === 'checkpointed') {
      checkpointSeconds.observe({ on: 'writer-thread' }, m.seconds);
      this.onIo?.({ what: 'checkpoint', on: 'writer-thread', at: this.now(), ms: m.seconds * 1000, writes: 0 });
      this.checkpointing = false;
      this.catchUpDue = true;
      this.scheduleCatchUp();
    } else if (m.type === 'closed') {
      this.onWorkerClosed?.();
      return;
    } else if (m.type === 'failed') {
      log.error('store commit failed', { error: String(m.error), writes: m.ids.length });
      for (const id of m.ids) {
        this.inWorker.get(id)?.reject(m.error);
        this.inWorker.delete(id);
      }
    }
    // Hold the process open only while writes are in flight.
    if (this.inWorker.size === 0) this.worker?.unref();
  }

  /** With the thread writer, a backlog never blocks the event loop (see Store.commitsOffLoop). */
  get commitsOffLoop(): boolean {
    return this.worker !== undefined;
  }

  /** Schema version of the open file. */
  schemaVersion(): number {
    return schemaVersionOf(this.db);
  }

  private enqueue(job: WriteJob): Promise<unknown> {
    if (this.closed) return Promise.reject(new Error('store: closed'));
    if (this.broken) return Promise.reject(this.broken);
    return new Promise((resolve, reject) => {
      this.queue.push({ job, resolve, reject });
      if (this.queue.length >= this.maxBatch) this.flush();
      else if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  /** Hand the queued writes to the writer as one batch. */
  private flush(): void {
    this.scheduled = false;
    const batch = this.queue;
    if (batch.length === 0) return;
    this.queue = [];
    if (this.inline) {
      this.commitHere(this.inline, batch);
      return;
    }
    if (this.idleWriter && this.mayCommitOnLoop(batch.length)) {
      this.commitOnLoop(this.idleWriter, batch);
      return;
    }
    if (this.broken || !this.worker) {
      for (const p of batch) p.reject(this.broken ?? new Error('store: no writer'));
      return;
    }
    const ids: number[] = [];
    for (const p of batch) {
      const id = this.nextId++;
      ids.push(id);
      this.inWorker.set(id, p);
    }
    this.worker.ref();
    const msg: ToWorker = { type: 'jobs', ids, jobs: batch.map((p) => p.job) };
    this.worker.postMessage(msg);
  }

  /** Thread writer: whether this batch commits on the event loop (see "Idle writer thread" above). */
  private mayCommitOnLoop(writes: number): boolean {
    return this.inWorker.size === 0 && writes <= this.inlineWhenIdle && !this.broken &&
      this.typicalCommitMs <= this.inlineTypicalMs && this.now() >= this.inlineSuspendedUntil;
  }

  /** The idle writer thread's stand-in commit, with what follows it: the average, the checkpoint turn, the back-off. */
  private commitOnLoop(writer: SqliteWriter, batch: Pending[]): void {
    const ms = this.commitHere(writer, batch);
    this.noteCommit(ms);
    if (++this.inlineCommits % CHECKPOINT_EVERY === 0) this.requestCheckpoint();
    if (this.catchUpDue) this.scheduleCatchUp();
    if (ms > this.inlineSlowMs) {
      this.inlineSuspendedUntil = this.now() + this.inlineBackoffMs;
      log.warn('store commit on the event loop was slow: the writer thread takes every commit for a while',
        { ms: Math.round(ms * 10) / 10, threshold_ms: this.inlineSlowMs, for_ms: this.inlineBackoffMs });
    }
  }

  /** The writer thread checkpoints the log beside the event loop's commits (see CHECKPOINT_EVERY). */
  private requestCheckpoint(): void {
    if (this.checkpointing || !this.worker || this.broken || this.closed) return;
    this.checkpointing = true;
    const msg: ToWorker = { type: 'checkpoint' };
    this.worker.postMessage(msg);
  }

  /** After the answers of this turn (promise callbacks run first). */
  private scheduleCatchUp(): void {
    if (this.catchUpScheduled) return;
    this.catchUpScheduled = true;
    setImmediate(() => {
      this.catchUpScheduled = false;
      this.catchUp();
    });
  }

  /**
   * The event loop's catch-up checkpoint: only the frames committed while the writer thread
   * checkpointed, so the log is then fully copied and the next commit restarts it. Only while
   * the writer thread is idle (else after the next commit on the event loop).
   */
  private catchUp(): void {
    if (!this.catchUpDue || this.closed || this.broken || this.inWorker.size > 0) return;
    this.catchUpDue = false;
    const t0 = this.now();
    try {
      this.db.pragma('wal_checkpoint(PASSIVE)');
    } catch (e) {
      log.warn('store checkpoint on the event loop failed; the next one catches up', { error: String(e) });
      return;
    }
    const ms = this.now() - t0;
    checkpointSeconds.observe({ on: 'event-loop' }, ms / 1000);
    this.onIo?.({ what: 'checkpoint', on: 'event-loop', at: this.now(), ms, writes: 0 });
  }

  private noteCommit(ms: number): void {
    this.typicalCommitMs += (ms - this.typicalCommitMs) / 8;
  }

  /** Commit `batch` on this thread (the inline writer, or commitOnLoop); returns its ms. */
  private commitHere(writer: SqliteWriter, batch: Pending[]): number {
    let out;
    const t0 = this.now();
    try {
      out = writer.commitBatch(batch.map((p) => p.job));
    } catch (e) {
      log.error('store commit failed', { error: String(e), writes: batch.length });
      for (const p of batch) p.reject(e);
      return this.now() - t0;
    }
    const ms = this.now() - t0;
    commitSeconds.observe(ms / 1000);
    batchSize.observe(batch.length);
    commitsTotal.inc({ on: 'event-loop' });
    this.onIo?.({ what: 'commit', on: 'event-loop', at: this.now(), ms, writes: batch.length });
    batch.forEach((p, i) => {
      const o = out[i];
      if (o?.ok) p.resolve(o.value);
      else p.reject(o ? o.error : new Error('store: write lost'));
    });
    return ms;
  }

  recordEvent(ev: SubscriberEvent): Promise<ApplyResult> {
    // With the thread writer every event goes through recordEventEarly, so each one in flight
    // is marked (an event recorded around the marks could make an early decision wrong).
    return this.worker ? this.recordEventEarly(ev).durable : this.commitEvent(ev);
  }

  private commitEvent(ev: SubscriberEvent): Promise<ApplyResult> {
    return (this.enqueue({ op: 'event', ev }) as Promise<ApplyResult>).then(countEvent);
  }

  /**
   * recordEvent, plus (thread writer only) the decision computed now on the
   * main thread, before the commit: the read connection's committed state is
   * what the writer will see for this event unless an event still queued or
   * in the writer touches its port, its session (a duplicate has the same one)
   * or its NAS (Accounting-On/Off). Each queued event marks what it may change (its
   * port and session, and the ports and sessions its decision on the committed
   * state ends or opens; its NAS for a NAS reset) until it commits; an event
   * that meets a mark gets no early decision (only `durable`). The ordering
   * rule is pure, so the two decisions agree; `durable` stays the truth.
   * Saturated (more than `earlyMaxPending` events in flight, or `earlyMaxBurst`
   * queued in this turn: a burst the main thread is behind on), it is plain
   * recordEvent until the backlog drains: at full rate the reads cost more
   * throughput than the early flows gain.
   */
  recordEventEarly(ev: SubscriberEvent): EarlyRecord {
    if (!this.worker || this.closed || this.broken) return { durable: this.commitEvent(ev) };
    this.eventsInFlight++;
    if (this.unmarked > 0 || this.eventsInFlight > this.earlyMaxPending || this.queue.length >= this.earlyMaxBurst) {
      // Saturated (the main thread is the bottleneck; early decisions would not come sooner): plain
      // recordEvent, unmarked, and no early decision until every unmarked event has committed.
      this.unmarked++;
      const durable = this.commitEvent(ev);
      const done = (): void => { this.unmarked--; this.eventsInFlight--; };
      durable.then(done, done);
      return { durable };
    }
    const p = this.pending;
    const key = eventKey(ev);
    const pk = key ? portKeyString(key) : undefined;
    const isNas = ev.kind === 'nas-on' || ev.kind === 'nas-off';
    const own = sessionMark(ev.nas, ev.sessionId);
    const clear = !isNas && !p.nases.has(ev.nas) && !p.sessions.has(own) && (pk === undefined || !p.ports.has(pk));
    // What this event marks, as (counts, key) pairs in one flat array.
    const marks: (MarkCounts | string)[] = [p.sessions, own];
    if (pk !== undefined) marks.push(p.ports, pk);
    if (isNas) marks.push(p.nases, ev.nas);
    let early: ApplyResult | undefined;
    try {
      const { d } = this.reader.decideEvent(ev);
      for (const s of d.end) marks.push(p.ports, portKeyString(s.key), p.sessions, sessionMark(s.nas, s.sessionId));
      if (d.put) marks.push(p.ports, portKeyString(d.put.key), p.sessions, sessionMark(d.put.nas, d.put.sessionId));
      if (clear) early = applyResult(d);
    } catch (e) {
      // No early decision; the writer decides (and reports) as always.
      log.debug('store early decision failed', { error: String(e) });
    }
    for (let i = 0; i < marks.length; i += 2) (marks[i] as MarkCounts).add(marks[i + 1] as string);
    const unmark = (): void => {
      this.eventsInFlight--;
      for (let i = 0; i < marks.length; i += 2) (marks[i] as MarkCounts).remove(marks[i + 1] as string);
    };
    const durable = this.commitEvent(ev);
    durable.then(unmark, unmark);
    return early ? { early, durable } : { durable };
  }

  async setOverride(key: PortKey, override: Override | undefined, audit: AuditInput): Promise<void> {
    await this.enqueue(override ? { op: 'override', key, override, audit } : { op: 'override', key, audit });
  }

  async appendAudit(entry: AuditInput): Promise<void> {
    await this.enqueue({ op: 'audit', entry });
  }

  private live(): void {
    if (this.closed) throw new Error('store: closed');
  }

  async sessions(filter: { key?: PortKey; nas?: string } = {}): Promise<Session[]> {
    this.live();
    const out = this.reader.sessions(filter);
    // A full read (the controller's start) pulls the whole sessions table through the page
    // cache: give that memory back (100k sessions: tens of MB of RSS kept for nothing).
    if (!filter.key && filter.nas === undefined) this.db.pragma('shrink_memory');
    return out;
  }

  async overrides(): Promise<{ key: PortKey; override: Override }[]> {
    this.live();
    return this.reader.overrides();
  }

  /** Overrides whose expiresAt <= now, oldest expiry first. Lift them with setOverride(key, undefined, { actor: 'expiry', ... }). */
  async expiredOverrides(now: number): Promise<{ key: PortKey; override: Override }[]> {
    this.live();
    return this.reader.expiredOverrides(now);
  }

  /** Audit entries matching every given filter (from/to inclusive), newest first. */
  async queryAudit(q: AuditQuery): Promise<AuditEntry[]> {
    this.live();
    return this.reader.queryAudit(q);
  }

  async whois(address: string, at: number): Promise<SessionRecord[]> {
    this.live();
    return this.reader.whois(address, at);
  }

  /** Additive (not in Store): the raw event log, newest first, each with what the store did with it. */
  async events(q: { nas?: string; sessionId?: string; from?: number; to?: number; limit?: number } = {}): Promise<(SubscriberEvent & { outcome: string })[]> {
    this.live();
    return this.reader.events(q);
  }

  /** Commit what is queued, stop the writer, close the file. */
  async close(): Promise<void> {
    if (this.closed) return this.workerClosed;
    this.flush();
    this.closed = true;
    const w = this.worker;
    if (w && !this.broken) {
      this.workerClosed = new Promise<void>((resolve) => {
        this.onWorkerClosed = resolve;
        w.ref();
        const msg: ToWorker = { type: 'close' };
        w.postMessage(msg);
      }).then(() => w.terminate()).then(() => undefined);
      await this.workerClosed;
    }
    this.db.close();
  }
}
