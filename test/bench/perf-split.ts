/**
 * Where a process's CPU goes, from `perf record -g` samples: by thread kind
 * and, for the main thread, by what the code was doing. Used by the storm
 * bench (RC_STORM_PERF=1).
 *
 * Why perf and not V8's --cpu-prof: V8's profiler samples wall-clock time
 * of the JS thread, so time the thread spends descheduled inside a syscall
 * (a write that wakes ovs-vswitchd, which then runs on this core) is shown
 * as time in that syscall. perf's cpu-clock samples are CPU time only, user
 * and kernel, for every thread. Node runs with --perf-basic-prof so JS frames
 * have names ("JS:*runBatch .../reconciler.ts:...").
 *
 * A sample goes to the category of the frame nearest the leaf that matches
 * one (so SQLite called from the early decision counts as the early decision,
 * and a Map lookup inside the reconciler as the reconciler).
 */
import { execFileSync, spawn } from 'child_process';

interface Sample { tid: number; frames: string[] }

/** Samples from `perf script -F tid,ip,sym,dso`: a tid line, then one tab-indented line per frame (leaf first). */
export function parsePerfScript(text: string): Sample[] {
  const out: Sample[] = [];
  let cur: Sample | undefined;
  for (const line of text.split('\n')) {
    if (line.trim() === '') { if (cur) out.push(cur); cur = undefined; continue; }
    // A sample's first line is its tid, right-aligned (so maybe space-led); its frames are tab-led.
    if (line[0] !== '\t') { cur = { tid: Number(line.trim().split(/\s+/)[0]), frames: [] }; continue; }
    const parts = line.trim().split(/\s+/);
    cur?.frames.push(parts.slice(1).join(' '));
  }
  if (cur) out.push(cur);
  return out;
}

/** Categories of main-thread work, nearest-the-leaf first match wins. Order matters only within one frame. */
const MAIN_CATEGORIES: readonly [string, RegExp][] = [
  ['GC on the main thread', /Scavenge|Heap::Collect|MarkCompact|IncrementalMarking/],
  ['V8 compiling on the main thread', /compiler::|Compiler::|Maglev/],
  ['log lines (winston, src/log.ts)', /winston|\/src\/log\.ts|logChange|readable-stream/],
  ['metrics (prom-client)', /prom-client/],
  ['store: commit on the event loop (writer thread idle)', /commitHere|commitBatch/],
  ['store: early decision (SQLite reads)', /readDecision|Statement::JS_get/],
  ['store: event to the writer thread (postMessage)', /postMessage|MessagePort::PostMessage/],
  ['store: result from the writer thread', /MessagePort::OnMessage|fromWorker/],
  ['OpenFlow: socket write', /writeBuffer|LibuvStreamWrap::DoTryWrite|StreamBase::Write/],
  ['OpenFlow: socket read and decode', /src\/openflow\/|LibuvStreamWrap::OnUvRead/],
  ['RADIUS: answer sent (UDP)', /doSend|UDPWrap::DoSend|UDPWrap::Send/],
  ['RADIUS: datagram received (UDP)', /UDPWrap::OnRecv|recvmsg/],
  ['RADIUS: decode and authenticator', /src\/radius\/codec|crypto\/hash|Hash::/],
  ['reconciler, policy, controller', /src\/reconcile\/|src\/policy\/|src\/app\//],
  ['switch connection', /src\/switch\//],
  ['RADIUS servers (rest)', /src\/radius\//],
  ['store (rest)', /src\/store\//],
  ['rxjs', /rxjs/],
  ['promises and microtasks', /RunMicrotasks|processTicksAndRejections|Promise/],
  ['event loop (epoll, timers)', /epoll|uv__io_poll|uv__run_timers|listOnTimeout|processImmediate/],
];

function threadKind(pid: number, tid: number, samples: Sample[]): string {
  if (tid === pid) return 'main thread';
  const has = (re: RegExp): boolean => samples.some((s) => s.frames.some((f) => re.test(f)));
  if (has(/better_sqlite3|sqlite-worker/)) return 'store writer thread';
  if (has(/PlatformWorker|DefaultJobWorker|WorkerThreadsTaskRunner/)) return 'V8 helper threads';
  if (has(/Worker::Run/)) return 'other worker threads (tsx loader)';
  if (has(/uv__threadpool|worker \(/)) return 'libuv thread pool';
  return 'other threads';
}

function kernelShare(samples: Sample[]): number {
  if (samples.length === 0) return 0;
  return samples.filter((s) => (s.frames[0] ?? '').includes('[kernel')).length / samples.length;
}

/**
 * Start sampling `pid` (all threads) at `freq` Hz into `file`; `stop()`
 * ends the recording (SIGINT, as perf expects) and resolves once the file is
 * written, or rejects with perf's own message.
 */
export async function perfStart(pid: number, file: string, freq: number): Promise<{ stop(): Promise<void> }> {
  const p = spawn('perf', ['record', '-F', String(freq), '-g', '-p', String(pid), '-o', file], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  p.stderr.on('data', (d: Buffer) => { err = (err + d.toString()).slice(-2000); });
  const exited = new Promise<void>((resolve, reject) => {
    p.on('error', reject);
    p.on('exit', (code, signal) => (code === 0 || signal === 'SIGINT' ? resolve() : reject(new Error(`perf record exited ${code ?? signal}: ${err.trim()}`))));
  });
  // perf attaches to every thread before it samples; a storm sent before that would be missed.
  await Promise.race([exited, new Promise((r) => setTimeout(r, 300))]);
  return { stop: async () => { p.kill('SIGINT'); await exited; } };
}

/**
 * The split, as text: CPU per unit of work (`units` done while recording,
 * e.g. the storm's Starts) by thread kind, then the main thread by category.
 */
export function perfSplit(file: string, pid: number, freq: number, units: number, unitName: string): string {
  const text = execFileSync('perf', ['script', '-F', 'tid,ip,sym,dso', '-i', file], { encoding: 'utf8', maxBuffer: 1 << 30, stdio: ['ignore', 'pipe', 'ignore'] });
  const samples = parsePerfScript(text);
  const byTid = new Map<number, Sample[]>();
  for (const s of samples) {
    const l = byTid.get(s.tid);
    if (l) l.push(s); else byTid.set(s.tid, [s]);
  }
  const us = (n: number): string => `${((n / freq) * 1e6 / units).toFixed(0).padStart(5)} µs`;
  const kinds = new Map<string, Sample[]>();
  for (const [tid, l] of byTid) {
    const k = threadKind(pid, tid, l);
    kinds.set(k, [...(kinds.get(k) ?? []), ...l]);
  }
  const lines = [`CPU per ${unitName} (perf, ${samples.length} samples at ${freq} Hz over ${units} ${unitName}s), user + kernel:`];
  for (const [k, l] of [...kinds].sort((a, b) => b[1].length - a[1].length)) {
    let extra = `, kernel ${(kernelShare(l) * 100).toFixed(0)}%`;
    if (k === 'V8 helper threads') {
      const compile = l.filter((s) => s.frames.some((f) => /OptimizingCompile|compiler::|Maglev/.test(f))).length;
      const gc = l.filter((s) => s.frames.some((f) => /Scaveng|Marking|Sweep|Evacuat|Heap/.test(f))).length;
      extra += `; JIT compiling ${us(compile).trim()}, GC ${us(gc).trim()}`;
    }
    lines.push(`  ${us(l.length)}  ${k}${extra}`);
  }
  lines.push(`  ${us(samples.length)}  all threads`);
  const main = byTid.get(pid) ?? [];
  const cats = new Map<string, number>();
  for (const s of main) {
    let cat = 'other';
    for (const f of s.frames) {
      const hit = MAIN_CATEGORIES.find(([, re]) => re.test(f));
      if (hit) { cat = hit[0]; break; }
    }
    cats.set(cat, (cats.get(cat) ?? 0) + 1);
  }
  lines.push(`main thread by activity (${us(main.length).trim()} per ${unitName}):`);
  for (const [c, n] of [...cats].sort((a, b) => b[1] - a[1])) {
    lines.push(`  ${us(n)}  ${((n / Math.max(1, main.length)) * 100).toFixed(0).padStart(3)}%  ${c}`);
  }
  return lines.join('\n');
}
