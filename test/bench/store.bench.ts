/**
 * Embedded store: durable recordEvent throughput and latency (group commit).
 *   npm run bench store
 * Starts on distinct ports (each writes event log, session, history, address
 * index and audit rows), resolved only after commit with synchronous=FULL.
 * Both writers: 'inline' (default) and 'thread' (commits off the main thread);
 * and, for the ratio, one transaction (one fsync) per event.
 * "Full speed" submits faster than the disk commits, so its latency is queueing.
 */
import { mkdtempSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { monitorEventLoopDelay } from 'perf_hooks';
import { SqliteStore } from '../../src/store/sqlite';
import type { SubscriberEvent } from '../../src/radius/events';

function start(i: number, t: number): SubscriberEvent {
  return {
    kind: 'start', nas: 'bench', sessionId: `s${i}`, key: { dpid: 1n + BigInt(i >> 12), port: (i & 4095) + 1 }, profile: 'default',
    framedIp: `100.${64 + ((i >> 16) & 63)}.${(i >> 8) & 255}.${i & 255}`, delegatedIpv6Prefix: `2001:db8:${(i & 0xffff).toString(16)}::/56`,
    user: `sub${i}`, eventTime: t, receivedAt: t,
  };
}

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
}

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

/** Submit n events, `perTick` per event-loop turn (as datagrams arrive), as fast as possible. */
async function fullSpeed(store: SqliteStore, n: number, perTick: number, base: number): Promise<{ rate: number; lat: number[] }> {
  const lat: number[] = [];
  const ps: Promise<unknown>[] = [];
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    const s = performance.now();
    ps.push(store.recordEvent(start(base + i, Date.now())).then(() => lat.push(performance.now() - s)));
    if ((i + 1) % perTick === 0) await tick();
  }
  await Promise.all(ps);
  return { rate: n / ((performance.now() - t0) / 1000), lat };
}

/** Paced: `rate` events/s for `seconds`. */
async function paced(store: SqliteStore, rate: number, seconds: number, base: number): Promise<number[]> {
  const lat: number[] = [];
  const ps: Promise<unknown>[] = [];
  const n = rate * seconds;
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    const due = t0 + (i * 1000) / rate;
    while (performance.now() < due) await new Promise((r) => setTimeout(r, Math.max(0, due - performance.now())));
    const s = performance.now();
    ps.push(store.recordEvent(start(base + i, Date.now())).then(() => lat.push(performance.now() - s)));
  }
  await Promise.all(ps);
  return lat;
}

export async function run(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'op25b-bench-store-'));
  try {
    const fmt = (xs: number[]): string => `p50 ${pct(xs, 50).toFixed(2)} ms, p99 ${pct(xs, 99).toFixed(2)} ms, max ${Math.max(...xs).toFixed(2)} ms`;
    for (const writer of ['inline', 'thread'] as const) {
    console.log(`-- writer: ${writer}`);
    const store = new SqliteStore(join(dir, writer), { writer });
    for (const [n, perTick] of [[10000, 64], [20000, 256]] as const) {
      const r = await fullSpeed(store, n, perTick, n * 10);
      console.log(`full speed, ${n} Starts, ${perTick} per tick: ${Math.round(r.rate)} events/s durable; latency ${fmt(r.lat)}`);
    }
    const loop = monitorEventLoopDelay({ resolution: 1 });
    loop.enable();
    const lat = await paced(store, 1000, 3, 1_000_000);
    loop.disable();
    console.log(`paced 1,000 Starts/s for 3 s: latency ${fmt(lat)}; main event loop blocked p99 ${(loop.percentile(99) / 1e6).toFixed(2)} ms, max ${(loop.max / 1e6).toFixed(2)} ms`);
    await store.close();
    }
    const single = new SqliteStore(join(dir, 'single'), { maxBatch: 1, writer: 'inline' });
    const one = await fullSpeed(single, 2000, 64, 0);
    console.log(`one transaction (one fsync) per event, 2000 Starts: ${Math.round(one.rate)} events/s`);
    const load = (await import('os')).loadavg()[0] ?? 0;
    console.log(`load average (1 min) while measuring: ${load.toFixed(1)} on ${(await import('os')).cpus().length} CPUs`);
    await single.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
