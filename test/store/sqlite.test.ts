import { strict as assert } from 'assert';
import { mkdtempSync, rmSync, existsSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import Database from 'better-sqlite3';
import { SqliteStore, SQLITE_FILE_NAME, SQLITE_SCHEMA_VERSION } from '../../src/store/sqlite';
import { openStore } from '../../src/store/index';
import type { Store } from '../../src/store/types';
import { storeContract } from './contract';

const dirs = new Map<Store, string>();

for (const writer of ['thread', 'inline'] as const) {
storeContract(`embedded SQLite (writer: ${writer})`, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'op25b-store-'));
  const s = new SqliteStore(dir, { writer });
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
    const s = new SqliteStore(dir, { writer });
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

  it('openStore({kind: embedded}) creates the data directory, WAL, synchronous=FULL, schema version recorded', async () => {
    const sub = join(dir, 'data', 'nested');
    const s = await openStore({ kind: 'embedded', path: sub });
    assert.ok(s instanceof SqliteStore);
    assert.ok(existsSync(join(sub, SQLITE_FILE_NAME)));
    assert.equal(s.schemaVersion(), SQLITE_SCHEMA_VERSION);
    await s.close();
    const db = new Database(join(sub, SQLITE_FILE_NAME));
    assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
    assert.deepEqual(db.prepare('SELECT version FROM schema_version').all(), [{ version: 1 }]);
    db.close();
    // Reopening does not migrate again.
    const again = new SqliteStore(sub);
    assert.equal(again.schemaVersion(), SQLITE_SCHEMA_VERSION);
    await again.close();
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
