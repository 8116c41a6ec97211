import { strict as assert } from 'assert';
import { mkdtempSync, rmSync, existsSync, statSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import Database from 'better-sqlite3';
import { SqliteStore, SQLITE_FILE_NAME, SQLITE_SCHEMA_VERSION, type SqliteStoreOptions, type StoreIo } from '../../src/store/sqlite';
import { openStore } from '../../src/store/index';
import type { ApplyResult, Store } from '../../src/store/types';
import type { SubscriberEvent } from '../../src/radius/events';
import { storeContract } from './contract';
import type { Counter, Histogram } from 'prom-client';
import { registry } from '../../src/metrics';

const dirs = new Map<Store, string>();

// 'thread' commits small batches on the event loop while the writer thread is idle; 'thread only' never does.
const WRITERS = { thread: { writer: 'thread' }, 'thread only': { writer: 'thread', inlineWhenIdle: 0 }, inline: { writer: 'inline' } } as const;
for (const writer of ['thread', 'thread only', 'inline'] as const) {
storeContract(`embedded SQLite (writer: ${writer})`, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'op25b-store-'));
  const s = new SqliteStore(dir, WRITERS[writer]);
  dirs.set(s, dir);
  return s;
}, async (s) => {
  const dir = dirs.get(s);
  dirs.delete(s);
  if (dir) rmSync(dir, { recursive: true, force: true });
}, {
  reopen: async (closed) => {
    const dir = dirs.get(closed);
    assert.ok(dir);
    const s = new SqliteStore(dir, WRITERS[writer]);
    dirs.delete(closed);
    dirs.set(s, dir);
    return s;
  },
});
}

describe('SqliteStore specifics', () => {
  let dir: string;
  beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'op25b-store-')); });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  for (const writer of ['thread', 'inline'] as const) {
    it(`op25b_store_commit_seconds times every group commit (writer: ${writer})`, async () => {
      const read = async (): Promise<{ count: number; sum: number }> => {
        const h = registry.getSingleMetric('op25b_store_commit_seconds') as Histogram | undefined;
        const m = h ? await h.get() : undefined;
        const v = (name: string): number => m?.values.find((x) => x.metricName === name)?.value ?? 0;
        return { count: v('op25b_store_commit_seconds_count'), sum: v('op25b_store_commit_seconds_sum') };
      };
      const before = await read();
      const s = new SqliteStore(dir, { writer });
      assert.equal(s.commitsOffLoop, writer === 'thread', 'only the thread writer commits off the event loop');
      try {
        // Two turns of the event loop: two group commits.
        await s.recordEvent({ kind: 'start', nas: 'n1', sessionId: 'a', key: { dpid: 1n, port: 1 }, dpid: 1n, port: 1, profile: 'default', eventTime: 1000, receivedAt: 1000 });
        await s.recordEvent({ kind: 'stop', nas: 'n1', sessionId: 'a', key: { dpid: 1n, port: 1 }, dpid: 1n, port: 1, profile: 'default', eventTime: 2000, receivedAt: 2000 });
      } finally {
        await s.close();
      }
      const after = await read();
      assert.equal(after.count - before.count, 2, 'one observation per commit');
      assert.ok(after.sum > before.sum, 'a commit (with its fsync) takes time');
    });
  }

  for (const writer of ['thread', 'inline'] as const) {
    it(`op25b_store_events_total counts each recorded event by outcome (writer: ${writer})`, async () => {
      const read = async (): Promise<Record<string, number>> => {
        const h = registry.getSingleMetric('op25b_store_events_total') as Counter | undefined;
        const out: Record<string, number> = { applied: 0, duplicate: 0, stale: 0 };
        for (const v of (h ? await h.get() : undefined)?.values ?? []) out[String(v.labels.outcome)] = v.value;
        return out;
      };
      const before = await read();
      const s = new SqliteStore(dir, { writer });
      const start = { kind: 'start' as const, nas: 'n1', sessionId: 'b', key: { dpid: 1n, port: 2 }, dpid: 1n, port: 2, profile: 'default' as const, eventTime: 5000, receivedAt: 5000 };
      try {
        await s.recordEvent(start);
        await s.recordEvent(start);
        await s.recordEvent({ ...start, kind: 'stop', sessionId: 'older', eventTime: 1000 });
      } finally {
        await s.close();
      }
      const after = await read();
      assert.deepEqual(Object.fromEntries(Object.keys(after).map((k) => [k, (after[k] ?? 0) - (before[k] ?? 0)])), { applied: 1, duplicate: 1, stale: 1 });
    });
  }

  it('openStore({kind: embedded}) creates the data directory, WAL, synchronous=FULL, schema version recorded', async () => {
    const sub = join(dir, 'data', 'nested');
    const s = await openStore({ kind: 'embedded', path: sub });
    assert.ok(s instanceof SqliteStore);
    assert.ok(existsSync(join(sub, SQLITE_FILE_NAME)));
    assert.equal(s.schemaVersion(), SQLITE_SCHEMA_VERSION);
    await s.close();
    const db = new Database(join(sub, SQLITE_FILE_NAME));
    assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
    assert.deepEqual(db.prepare('SELECT version FROM schema_version ORDER BY version').all(),
      Array.from({ length: SQLITE_SCHEMA_VERSION }, (_, i) => ({ version: i + 1 })));
    db.close();
    // Reopening does not migrate again.
    const again = new SqliteStore(sub);
    assert.equal(again.schemaVersion(), SQLITE_SCHEMA_VERSION);
    await again.close();
  });

  it('an Interim changing the address at the Start\'s own time replaces the history row and its index keys', async () => {
    const s = new SqliteStore(dir);
    const base = { nas: 'n', sessionId: 'A', key: { dpid: 1n, port: 1 }, profile: 'default' as const, eventTime: 1000, receivedAt: 1000 };
    await s.recordEvent({ ...base, kind: 'start', framedIp: '100.64.0.7' });
    await s.recordEvent({ ...base, kind: 'interim', framedIp: '100.64.0.8' });
    assert.deepEqual(await s.whois('100.64.0.7', 1000), []);
    assert.deepEqual((await s.whois('100.64.0.8', 1000)).map((r) => r.framedIp), ['100.64.0.8']);
    await s.close();
    const db = new Database(join(dir, SQLITE_FILE_NAME));
    assert.deepEqual(db.prepare('SELECT addr_key FROM history_addr').all(), [{ addr_key: '4:64400008/32' }]);
    db.close();
  });

  it('refuses a file from a newer program', async () => {
    const s = new SqliteStore(dir);
    await s.close();
    const db = new Database(join(dir, SQLITE_FILE_NAME));
    db.prepare('INSERT INTO schema_version (version) VALUES (?)').run(SQLITE_SCHEMA_VERSION + 1);
    db.close();
    assert.throws(() => new SqliteStore(dir), /newer than this program/);
  });

  it('group commit: concurrent writes share transactions (fewer commits than writes), each settles', async () => {
    const s = new SqliteStore(dir, { maxBatch: 100, writer: 'inline' });
    const db = new Database(join(dir, SQLITE_FILE_NAME));
    const n = 950;
    const ps = Array.from({ length: n }, (_, i) => s.recordEvent({
      kind: 'start', nas: 'n', sessionId: `s${i}`, key: { dpid: 1n, port: i + 1 }, profile: 'default', eventTime: i, receivedAt: i,
    }));
    // Full batches of 100 commit at once; the last 50 wait for the next turn of the event loop, invisible until then.
    assert.equal((db.prepare('SELECT count(*) AS n FROM events').get() as { n: number }).n, 900);
    await Promise.all(ps);
    assert.equal((db.prepare('SELECT count(*) AS n FROM events').get() as { n: number }).n, n);
    db.close();
    await s.close();
  });

  it('a write that throws rejects alone; the rest of its batch commits', async () => {
    const s = new SqliteStore(dir);
    const bad = { kind: 'start', nas: 'n', sessionId: 'x', key: { dpid: 1n, port: 1 }, profile: 'default', eventTime: Number.NaN, receivedAt: 0 } as const;
    const good = s.recordEvent({ kind: 'start', nas: 'n', sessionId: 'g', key: { dpid: 1n, port: 2 }, profile: 'default', eventTime: 1, receivedAt: 1 });
    const failed = s.recordEvent(bad);
    const audit = s.appendAudit({ actor: 'x', action: 'y', at: 2 });
    await assert.rejects(failed);
    assert.equal((await good).applied, true);
    await audit;
    assert.deepEqual((await s.sessions()).map((x) => x.sessionId), ['g']);
    await s.close();
  });

  it('keeps the raw event log with outcomes, bigint dpids intact', async () => {
    const s = new SqliteStore(dir);
    const key = { dpid: 0xfedcba9876543210n, port: 3 };
    await s.recordEvent({ kind: 'start', nas: 'n', sessionId: 'A', key, profile: 'default', eventTime: 1, receivedAt: 1 });
    await s.recordEvent({ kind: 'start', nas: 'n', sessionId: 'B', key, profile: 'default', eventTime: 2, receivedAt: 2 });
    await s.recordEvent({ kind: 'stop', nas: 'n', sessionId: 'A', key, profile: 'default', eventTime: 3, receivedAt: 3 });
    const log = await s.events();
    assert.deepEqual(log.map((e) => [e.kind, e.sessionId, e.outcome]), [['stop', 'A', 'stale: port has another session'], ['start', 'B', 'open'], ['start', 'A', 'open']]);
    assert.equal(log[0]?.key?.dpid, 0xfedcba9876543210n);
    assert.deepEqual((await s.events({ sessionId: 'B' })).length, 1);
    await s.close();
  });

  it('a closed store rejects writes', async () => {
    const s = new SqliteStore(dir);
    await s.close();
    await assert.rejects(s.appendAudit({ actor: 'x', action: 'y', at: 1 }), /closed/);
    await s.close();
  });
});

describe('SqliteStore.recordEventEarly (decision before the commit)', () => {
  let dir: string;
  beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'op25b-store-early-')); });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  function ev(kind: SubscriberEvent['kind'], sessionId: string, port: number, t: number, nas = 'bng1'): SubscriberEvent {
    const e: SubscriberEvent = { kind, nas, sessionId, profile: 'default', eventTime: t, receivedAt: t };
    if (kind !== 'nas-on' && kind !== 'nas-off') { e.key = { dpid: 1n, port }; e.dpid = 1n; e.port = port; }
    return e;
  }

  it('the early decision, when given, is the one the writer commits, under a burst of conflicting events', async () => {
    const s = new SqliteStore(dir, { writer: 'thread' });
    try {
      // Deterministic pseudo-random mix: few ports and sessions so events conflict while pending.
      let seed = 7;
      const rnd = (n: number): number => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed % n; };
      const kinds: SubscriberEvent['kind'][] = ['start', 'start', 'interim', 'stop', 'start', 'nas-on'];
      let early = 0;
      let withheld = 0;
      for (let round = 0; round < 6; round++) {
        const recs: { early?: ApplyResult; durable: Promise<ApplyResult> }[] = [];
        for (let i = 0; i < 60; i++) {
          const kind = kinds[rnd(kinds.length)] ?? 'start';
          const t = 1000 + round * 100 + rnd(120);
          recs.push(s.recordEventEarly(ev(kind, `s${rnd(8)}`, 1 + rnd(6), t, `bng${rnd(2)}`)));
        }
        for (const r of recs) {
          const d = await r.durable;
          if (r.early) { early++; assert.deepStrictEqual(r.early, d, 'early decision = committed decision'); } else withheld++;
        }
      }
      assert.ok(early > 0, 'some events were decided early');
      assert.ok(withheld > 0, 'events meeting a pending one waited for the commit');
      // A duplicate of a committed event is known early as a duplicate.
      const dup = s.recordEventEarly(ev('start', 'x1', 9, 5000));
      await dup.durable;
      const again = s.recordEventEarly(ev('start', 'x1', 9, 5000));
      assert.deepStrictEqual(again.early, { applied: false, ignored: 'duplicate', affected: [] });
      assert.deepStrictEqual(await again.durable, again.early);
      // A duplicate of a pending one gets no early decision.
      const p1 = s.recordEventEarly(ev('start', 'x2', 10, 6000));
      const p2 = s.recordEventEarly(ev('start', 'x2', 10, 6000));
      assert.ok(p1.early?.applied);
      assert.strictEqual(p2.early, undefined);
      assert.strictEqual((await p2.durable).ignored, 'duplicate');
      await p1.durable;
    } finally {
      await s.close();
    }
  });

  /** Every event of `recs` is recorded; once they have committed, `next` is decided early again. */
  async function earlyAgainAfter(s: SqliteStore, recs: { durable: Promise<ApplyResult> }[], next: SubscriberEvent): Promise<void> {
    for (const r of recs) assert.ok((await r.durable).applied, 'every event is recorded');
    const after = s.recordEventEarly(next);
    assert.ok(after.early?.applied, 'the backlog committed: early again');
    await after.durable;
  }

  it('saturated (too many events in flight): no early decisions until the backlog has committed, then again', async () => {
    const s = new SqliteStore(dir, { writer: 'thread', earlyMaxPending: 10 });
    try {
      const recs = Array.from({ length: 30 }, (_, i) => s.recordEventEarly(ev('start', `b${i}`, 100 + i, 1000)));
      assert.strictEqual(recs.slice(0, 10).filter((r) => r.early).length, 10, 'distinct ports: decided early');
      assert.strictEqual(recs.slice(10).filter((r) => r.early).length, 0, 'saturated: none early');
      await earlyAgainAfter(s, recs, ev('start', 'c1', 200, 1000));
    } finally {
      await s.close();
    }
  });

  it('a burst (earlyMaxBurst writes queued in one turn): the rest of it gets no early decision, the next turn does', async () => {
    const s = new SqliteStore(dir, { writer: 'thread', earlyMaxBurst: 4 });
    try {
      // One synchronous run, as the accounting server hands over the datagrams of one poll.
      const recs = Array.from({ length: 10 }, (_, i) => s.recordEventEarly(ev('start', `u${i}`, 300 + i, 1000)));
      assert.deepStrictEqual(recs.map((r) => r.early !== undefined), [true, true, true, true, false, false, false, false, false, false]);
      await earlyAgainAfter(s, recs, ev('start', 'u-after', 400, 1000));
    } finally {
      await s.close();
    }
  });

  it('the inline writer gives no early decision (its commit is synchronous anyway)', async () => {
    const s = new SqliteStore(dir, { writer: 'inline' });
    try {
      const r = s.recordEventEarly(ev('start', 's1', 1, 1000));
      assert.strictEqual(r.early, undefined);
      assert.ok((await r.durable).applied);
    } finally {
      await s.close();
    }
  });
});

describe('SqliteStore thread writer: small batches commit on the event loop while the writer thread is idle', () => {
  let dir: string;
  beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'op25b-store-idle-')); });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const start = (sessionId: string, port: number, t: number): SubscriberEvent =>
    ({ kind: 'start', nas: 'n1', sessionId, key: { dpid: 1n, port }, dpid: 1n, port, profile: 'default', eventTime: t, receivedAt: t });
  const commits = async (): Promise<{ loop: number; thread: number }> => {
    const c = registry.getSingleMetric('op25b_store_commits_total') as Counter | undefined;
    const values = (c ? await c.get() : undefined)?.values ?? [];
    const v = (on: string): number => values.find((x) => x.labels.on === on)?.value ?? 0;
    return { loop: v('event-loop'), thread: v('writer-thread') };
  };
  const delta = (a: { loop: number; thread: number }, b: { loop: number; thread: number }): { loop: number; thread: number } =>
    ({ loop: b.loop - a.loop, thread: b.thread - a.thread });

  /**
   * These tests are about where commits and checkpoints run, not about the slow-disk back-off
   * (its own tests below inject the clock): a slow CI disk must not move commits to the thread.
   */
  const DISK_BLIND = { inlineSlowMs: Infinity, inlineTypicalMs: Infinity };

  it('one write commits on the event loop; a batch over inlineWhenIdle goes to the thread; 0 sends everything there', async () => {
    const s = new SqliteStore(dir, { writer: 'thread', inlineWhenIdle: 4, ...DISK_BLIND });
    try {
      let c0 = await commits();
      assert.ok((await s.recordEvent(start('a', 1, 1000))).applied);
      assert.deepEqual(delta(c0, await commits()), { loop: 1, thread: 0 }, 'a single write: on the event loop');
      c0 = await commits();
      const five = Array.from({ length: 5 }, (_, i) => s.recordEvent(start(`b${i}`, 10 + i, 1000)));
      for (const r of await Promise.all(five)) assert.ok(r.applied);
      assert.deepEqual(delta(c0, await commits()), { loop: 0, thread: 1 }, 'five writes in one turn: one commit in the thread');
      assert.equal((await s.sessions()).length, 6);
    } finally {
      await s.close();
    }
    const only = new SqliteStore(join(dir, 'only'), { writer: 'thread', inlineWhenIdle: 0 });
    try {
      const c0 = await commits();
      assert.ok((await only.recordEvent(start('c', 1, 1000))).applied);
      assert.deepEqual(delta(c0, await commits()), { loop: 0, thread: 1 }, 'inlineWhenIdle 0: the thread commits');
    } finally {
      await only.close();
    }
  });

  it('writes keep their order across the two writers: a Stop after a burst applies after it', async () => {
    const s = new SqliteStore(dir, { writer: 'thread', inlineWhenIdle: 4 });
    try {
      for (let round = 0; round < 5; round++) {
        const port = 100 + round;
        // A burst (thread), then, in the next turns while it may still be committing, a Stop and a Start (either writer).
        const burst = Array.from({ length: 20 }, (_, i) => s.recordEvent(start(`r${round}-${i}`, port, 1000 + i)));
        await new Promise((r) => setImmediate(r));
        const stop = s.recordEvent({ ...start(`r${round}-19`, port, 2000), kind: 'stop' });
        await new Promise((r) => setImmediate(r));
        const again = s.recordEvent(start(`r${round}-new`, port, 3000));
        await Promise.all([...burst, stop, again]);
        assert.ok((await stop).applied, `round ${round}: the Stop found the burst's last session open`);
        const open = await s.sessions({ key: { dpid: 1n, port } });
        assert.deepEqual(open.map((x) => x.sessionId), [`r${round}-new`], `round ${round}: the port holds the newest session`);
      }
    } finally {
      await s.close();
    }
  });

  /** Polls `done` every 20 ms until it holds or 5 s have passed (what runs after the last commit: a slow disk takes longer). */
  const settle = async (done: () => Promise<boolean> | boolean): Promise<void> => {
    for (let i = 0; i < 250 && !(await done()); i++) await new Promise((r) => setTimeout(r, 20));
  };

  const checkpointCount = async (): Promise<{ loop: number; thread: number }> => {
    const h = registry.getSingleMetric('op25b_store_checkpoint_seconds') as Histogram | undefined;
    const values = (h ? await h.get() : undefined)?.values ?? [];
    const v = (on: string): number => values.find((x) => x.metricName === 'op25b_store_checkpoint_seconds_count' && x.labels.on === on)?.value ?? 0;
    return { loop: v('event-loop'), thread: v('writer-thread') };
  };

  it('the writer thread checkpoints beside the event loop\'s commits and the loop catches up: every commit stays on the loop, the write-ahead log stays bounded', async () => {
    const s = new SqliteStore(dir, { writer: 'thread', ...DISK_BLIND });
    try {
      assert.equal((s as unknown as { db: Database.Database }).db.pragma('wal_autocheckpoint', { simple: true }), 0);
      // A batch over inlineWhenIdle goes to the thread: once it has committed, the thread is up.
      await Promise.all(Array.from({ length: 20 }, (_, i) => s.recordEvent(start(`up${i}`, 1000 + i, 1000))));
      const c0 = await commits();
      const k0 = await checkpointCount();
      for (let i = 0; i < 1000; i++) await s.recordEvent(start(`w${i}`, 1 + i, 1000));
      assert.deepEqual(delta(c0, await commits()), { loop: 1000, thread: 0 }, 'no commit waits for a checkpoint in the thread');
      // The last checkpoint and its catch-up run after the last commit.
      await settle(async () => delta(k0, await checkpointCount()).loop >= 3);
      const k = delta(k0, await checkpointCount());
      assert.equal(k.thread, 3, 'the thread checkpoints after every 256 commits on the loop');
      assert.equal(k.loop, 3, 'and the loop catches up after each');
      // 1,000 commits of ~10 pages each (41 KiB measured) would be a 41 MB log; checkpoints let SQLite reuse it from the start.
      const wal = statSync(`${s.file}-wal`).size;
      assert.ok(wal < 20 * 2 ** 20, `write-ahead log ${wal} bytes`);
    } finally {
      await s.close();
    }
  });

  it('onIo is told of every commit once durable and of every checkpoint: where each ran, and the writes', async () => {
    const seen: StoreIo[] = [];
    const s = new SqliteStore(dir, { writer: 'thread', ...DISK_BLIND, onIo: (r) => seen.push(r) });
    try {
      await Promise.all(Array.from({ length: 20 }, (_, i) => s.recordEvent(start(`up${i}`, 1000 + i, 1000))));
      assert.deepEqual(seen.map((c) => [c.what, c.on, c.writes]), [['commit', 'writer-thread', 20]], 'a burst: one commit in the thread');
      let durableBeforeTold = 0;
      for (let i = 0; i < 256; i++) {
        const n = seen.filter((r) => r.what === 'commit').length;
        await s.recordEvent(start(`w${i}`, 1 + i, 1000));
        if (seen.filter((r) => r.what === 'commit').length !== n + 1) durableBeforeTold++;
      }
      assert.equal(durableBeforeTold, 0, 'each recordEvent resolved after its commit was told');
      await settle(() => seen.filter((r) => r.what === 'checkpoint').length >= 2);
      const loop = seen.filter((c) => c.what === 'commit' && c.on === 'event-loop');
      assert.equal(loop.length, 256);
      assert.ok(loop.every((c) => c.writes === 1 && c.ms >= 0));
      assert.deepEqual(seen.filter((r) => r.what === 'checkpoint').map((r) => [r.on, r.writes]), [['writer-thread', 0], ['event-loop', 0]],
        'after the 256th, the thread checkpoints, then the loop catches up');
      assert.ok(seen.every((c, i) => i === 0 || c.at >= (seen[i - 1] as StoreIo).at), 'told in order');
    } finally {
      await s.close();
    }
  });

  /**
   * Injected clock: each reading advances it by `clock.step` ms, so a commit on the loop "takes"
   * one step (the writer thread's commits keep their real durations).
   */
  const clocked = (opts: SqliteStoreOptions): { s: SqliteStore; clock: { t: number; step: number } } => {
    const clock = { t: 0, step: 1 };
    return { s: new SqliteStore(dir, { writer: 'thread', inlineWhenIdle: 4, ...opts, now: () => (clock.t += clock.step) }), clock };
  };

  it('a typical commit slower than inlineTypicalMs (a slow disk) keeps commits in the thread until it falls again', async () => {
    // Commits on the loop "take" 190 ms: under inlineSlowMs, so only the moving average can move them.
    // (Ten times a slow disk's figures: the thread's real commits, a slow CI disk's included, stay far below.)
    const { s, clock } = clocked({ inlineSlowMs: 500, inlineTypicalMs: 80 });
    clock.step = 190;
    try {
      const c0 = await commits();
      for (let i = 0; i < 6; i++) await s.recordEvent(start(`slow${i}`, 1 + i, 1000));
      // The average after k commits of 190 ms: 24, 45, 63, 79, 93 (> 80): the sixth goes to the thread.
      assert.deepEqual(delta(c0, await commits()), { loop: 5, thread: 1 });
      clock.step = 1;
      // The thread's commits are real (well under 80 ms): the average falls and the loop commits again.
      let back = false;
      for (let i = 0; i < 20 && !back; i++) {
        const before = await commits();
        await s.recordEvent(start(`fast${i}`, 100 + i, 1000));
        back = delta(before, await commits()).loop === 1;
      }
      assert.ok(back, 'commits return to the event loop once the typical commit is fast again');
    } finally {
      await s.close();
    }
  });

  it('after a commit on the event loop slower than inlineSlowMs, the thread takes every commit for inlineBackoffMs', async () => {
    const { s, clock } = clocked({ inlineSlowMs: 20, inlineBackoffMs: 1000, inlineTypicalMs: 100 });
    try {
      const c0 = await commits();
      await s.recordEvent(start('a', 1, 1000));
      clock.step = 25;
      await s.recordEvent(start('b', 2, 1000)); // a 25 ms commit: slow
      clock.step = 1;
      await s.recordEvent(start('c', 3, 1000));
      await s.recordEvent(start('d', 4, 1000));
      assert.deepEqual(delta(c0, await commits()), { loop: 2, thread: 2 }, 'after the slow commit, the thread');
      clock.t += 1000;
      await s.recordEvent(start('e', 5, 1000));
      assert.deepEqual(delta(c0, await commits()), { loop: 3, thread: 2 }, 'the back-off over: on the event loop again');
    } finally {
      await s.close();
    }
  });
});
