/**
 * The embedded store's writer thread. It owns the write connection and does
 * the group commits, so the fsync of a commit never blocks the main thread
 * (RADIUS, OpenFlow): while one batch commits, the jobs that arrive queue up
 * and form the next batch.
 *
 * Protocol (structured clone; bigint dpids cross as they are):
 *   main -> worker  { type: 'jobs', ids: number[], jobs: WriteJob[] } | { type: 'checkpoint' } | { type: 'close' }
 *                   (checkpoint: a PASSIVE checkpoint of the write-ahead log, after any jobs queued
 *                   before it, for the commits the main thread makes itself; they go on meanwhile)
 *   worker -> main  { type: 'done', batch, seconds, results: { id, ok, value?, error? }[] }   (seconds: the commit's)
 *                   { type: 'checkpointed', seconds }
 *                   { type: 'failed', ids, error }   (the commit itself failed)
 *                   { type: 'closed' }
 */
import { performance } from 'perf_hooks';
import { parentPort, workerData } from 'worker_threads';
import { openDatabase, SqliteWriter, type WriteJob } from './sqlite-db';

export type ToWorker = { type: 'jobs'; ids: number[]; jobs: WriteJob[] } | { type: 'checkpoint' } | { type: 'close' };
export type FromWorker =
  | { type: 'done'; batch: number; seconds: number; results: { id: number; ok: boolean; value?: unknown; error?: unknown }[] }
  | { type: 'checkpointed'; seconds: number }
  | { type: 'failed'; ids: number[]; error: unknown }
  | { type: 'closed' };

function main(): void {
  const port = parentPort;
  if (!port) throw new Error('sqlite-worker: not in a worker thread');
  const { file, maxBatch } = workerData as { file: string; maxBatch: number };
  const db = openDatabase(file);
  const writer = new SqliteWriter(db);
  let ids: number[] = [];
  let jobs: WriteJob[] = [];
  let scheduled = false;
  let closing = false;
  let checkpoint = false;

  const send = (m: FromWorker): void => port.postMessage(m);

  const flush = (): void => {
    scheduled = false;
    while (jobs.length > 0) {
      const n = Math.min(jobs.length, maxBatch);
      const batchIds = ids.slice(0, n);
      const batch = jobs.slice(0, n);
      ids = ids.slice(n);
      jobs = jobs.slice(n);
      try {
        const t0 = performance.now();
        const out = writer.commitBatch(batch);
        const seconds = (performance.now() - t0) / 1000;
        send({
          type: 'done', batch: n, seconds,
          results: out.map((o, i) => (o.ok ? { id: batchIds[i] ?? -1, ok: true, value: o.value } : { id: batchIds[i] ?? -1, ok: false, error: o.error })),
        });
      } catch (e) {
        send({ type: 'failed', ids: batchIds, error: e });
      }
    }
    if (checkpoint) {
      checkpoint = false;
      const t0 = performance.now();
      try { db.pragma('wal_checkpoint(PASSIVE)'); } catch { /* the next one catches up */ }
      send({ type: 'checkpointed', seconds: (performance.now() - t0) / 1000 });
    }
    if (closing) {
      db.close();
      send({ type: 'closed' });
    }
  };

  port.on('message', (m: ToWorker) => {
    if (m.type === 'jobs') {
      ids.push(...m.ids);
      jobs.push(...m.jobs);
    } else if (m.type === 'checkpoint') {
      checkpoint = true;
    } else {
      closing = true;
    }
    // Everything that arrives before the next turn (e.g. during a commit) joins one batch.
    if (!scheduled) {
      scheduled = true;
      setImmediate(flush);
    }
  });
}

main();
