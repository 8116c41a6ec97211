/**
 * The embedded store's writer thread. It owns the write connection and does
 * the group commits, so the fsync of a commit never blocks the main thread
 * (RADIUS, OpenFlow): while one batch commits, the jobs that arrive queue up
 * and form the next batch.
 *
 * Protocol (structured clone; bigint dpids cross as they are):
 *   main -> worker  { type: 'jobs', ids: number[], jobs: WriteJob[], checkpoint? } | { type: 'close' }
 *                   (checkpoint: after committing, a PASSIVE checkpoint before answering, for the
 *                   commits the main thread made itself; it does not commit while this is in flight)
 *   worker -> main  { type: 'done', batch, seconds, checkpointSeconds?, results: { id, ok, value?, error? }[] }
 *                   (seconds: the commit's, without the checkpoint; checkpointSeconds: the checkpoint's, when one ran)
 *                   { type: 'failed', ids, error }   (the commit itself failed)
 *                   { type: 'closed' }
 */
import { performance } from 'perf_hooks';
import { parentPort, workerData } from 'worker_threads';
import { openDatabase, SqliteWriter, type WriteJob } from './sqlite-db';

export type ToWorker = { type: 'jobs'; ids: number[]; jobs: WriteJob[]; checkpoint?: boolean } | { type: 'close' };
export type FromWorker =
  | { type: 'done'; batch: number; seconds: number; checkpointSeconds?: number; results: { id: number; ok: boolean; value?: unknown; error?: unknown }[] }
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
        let checkpointSeconds: number | undefined;
        if (checkpoint && jobs.length === 0) {
          checkpoint = false;
          // Before the answer: until main has it, main commits nothing, so the checkpoint
          // completes and the next write restarts the log from its beginning.
          const c0 = performance.now();
          try { db.pragma('wal_checkpoint(PASSIVE)'); } catch { /* SQLite's own checkpoints catch up */ }
          checkpointSeconds = (performance.now() - c0) / 1000;
        }
        send({
          type: 'done', batch: n, seconds, ...(checkpointSeconds === undefined ? {} : { checkpointSeconds }),
          results: out.map((o, i) => (o.ok ? { id: batchIds[i] ?? -1, ok: true, value: o.value } : { id: batchIds[i] ?? -1, ok: false, error: o.error })),
        });
      } catch (e) {
        send({ type: 'failed', ids: batchIds, error: e });
      }
    }
    if (closing) {
      db.close();
      send({ type: 'closed' });
    }
  };

  port.on('message', (m: ToWorker) => {
    if (m.type === 'jobs') {
      if (m.checkpoint) checkpoint = true;
      ids.push(...m.ids);
      jobs.push(...m.jobs);
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
