/**
 * Attach storm against a real Open vSwitch bridge.
 *
 * Setup: bridge `rcbench` (system OVS, userspace datapath, fail-mode secure),
 * the controller as a child process (`op25b start`, embedded store on disk,
 * log level info: one line per event and per change), three MTAs (two IPv4,
 * one IPv6) and default_policy allow, so each Accounting-Start installs five
 * flows on its port (3 MTA allows + IPv4/IPv6 drops) that were not there.
 *
 * Load: N Accounting-Starts, each for its own port, real signed RADIUS
 * packets (pre-encoded) sent over loopback UDP from 64 sockets, at R/s
 * (paced in 1 ms slots) or at full speed.
 *
 * Measurement, switch side: `ovs-ofctl monitor rcbench watch: --timestamp`
 * runs throughout; a Start's latency is from its send time to the OVS
 * timestamp of the last of its port's five flow additions (OVS stamps to the
 * millisecond, so figures are whole ms, rounded down by up to 1 ms). The
 * Accounting-Response time (recorded in the store) is measured on the
 * generator side, to show where the time goes: RADIUS+store vs
 * reconcile+switch. CPU seconds of the controller and of ovs-vswitchd come
 * from /proc.
 *
 * RSS at 100,000 subscriber ports: a child process builds the real
 * controller (real policy, SQLite store with 100,000 open sessions, 5 flows
 * each) against an in-memory datapath that accepts flow-mods, lets the
 * reconciler index all 500,000 flows, then reports RSS after a GC.
 *
 * Run: npm run bench storm   (as root, OVS running). Knobs:
 *   RC_STORM_N=10000, RC_STORM_RATES=1000,full   one size, chosen rates
 *   RC_STORM_QUICK=1 (N=1,000, with RSS), RC_STORM_ONLY=1 (storms only)
 *   RC_STORM_FLOOR=1      only the floor's storms (./storm-floor.ts in the
 *                         controller's place: OVS, monitor and generator
 *                         with no controller work); a plain run prints them
 *                         after the controller's, for the largest N
 *   RC_STORM_WARM=10000   the controller first takes that many Starts at the
 *                         same rate on other ports, unmeasured (a controller
 *                         that has run, not its first seconds)
 *   RC_STORM_PERF=1       perf samples the controller during each measured
 *                         storm; prints CPU per Start by thread and, for the
 *                         main thread, by activity (./perf-split.ts)
 *   RC_STORM_WRITER=inline|thread, RC_STORM_IWI=N   the config's store.writer and
 *                         store.inline_when_idle (absent: the defaults)
 *   RC_CPU_PROF=DIR, RC_NODE_FLAGS="--trace-gc ...", RC_STDOUT=FILE
 *                         V8 profile / extra node flags / the controller's stdout
 */
import { execFileSync, spawn, type ChildProcess } from 'child_process';
import * as dgram from 'dgram';
import { mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { createServer } from 'net';
import { tmpdir } from 'os';
import { join, resolve } from 'path';
import { encodePacket } from '../../src/radius/codec';
import { perfSplit, perfStart } from './perf-split';

const ROOT = resolve(__dirname, '../..');
const BR = 'rcbench';
const DPID = 0xbe7cn;
const SECRET = 'testing123';
const FLOWS_PER_START = 5;
/** RC_STORM_PERF=1: perf samples the controller during each measured storm; the bench prints where its CPU went. */
const PERF = process.env.RC_STORM_PERF === '1';
const PERF_HZ = 999;

function sh(cmd: string, args: string[]): string {
  return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 120_000 });
}
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function configText(dataDir: string, logLevel: string, ofPort: number, acctPort: number): string {
  return `
openflow: { host: 127.0.0.1, port: ${ofPort} }
switches:
  - { dpid: "0x${DPID.toString(16)}", name: bench, uplinks: "65000", subscriber_ports: "1-60000" }
mtas: [198.51.100.25, 192.0.2.0/24, "2001:db8:100::25"]
continue: { output: NORMAL }
default_policy: allow
radius:
  accounting: { host: 127.0.0.1, port: ${acctPort} }
  coa: { host: 127.0.0.1, port: 0, enabled: false }
  clients:
    - { address: 127.0.0.0/8, secret: ${SECRET}, name: localhost }
  mapping:
    rules:
      - { kind: nas-port, nas: bench, switch: bench }
store: { kind: embedded, path: ${dataDir}${process.env.RC_STORM_WRITER ? `, writer: ${process.env.RC_STORM_WRITER}` : ""}${process.env.RC_STORM_IWI ? `, inline_when_idle: ${process.env.RC_STORM_IWI}` : ""} }
api: { enabled: false }
audit_interval_s: 0
log: { format: json, level: ${logLevel} }
`;
}

interface Ctl { child: ChildProcess; openflow: number; accounting: number; exited: Promise<number | null> }

async function freePort(kind: 'tcp' | 'udp'): Promise<number> {
  if (kind === 'udp') {
    const s = dgram.createSocket('udp4');
    await new Promise<void>((r) => s.bind(0, '127.0.0.1', r));
    const p = s.address().port;
    s.close();
    return p;
  }
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const p = (srv.address() as { port: number }).port;
  await new Promise((r) => srv.close(r));
  return p;
}

/**
 * The controller on ports chosen here (so a run at log level warn, which
 * prints no "controller ready" line, needs no log to find them). Ready =
 * the switch got its table-miss flow (the OpenFlow sync finished; RADIUS
 * listens before that line is reached).
 */
async function startController(cfg: string, floor: boolean): Promise<Ctl> {
  const env = { ...process.env };
  delete env.OP25B_TEST;
  const prof = [...(process.env.RC_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.RC_CPU_PROF}`] : []), ...(process.env.RC_NODE_FLAGS ? process.env.RC_NODE_FLAGS.split(' ') : []), ...(PERF ? ['--perf-basic-prof'] : [])];
  const argv = floor ? [join(__dirname, 'storm-floor.ts'), cfg] : [join(ROOT, 'src/cli/main.ts'), 'start', '--config', cfg];
  const child = spawn(process.execPath, [...prof, '--import', 'tsx', ...argv], {
    cwd: ROOT, env, stdio: ['ignore', process.env.RC_STDOUT ? openSync(process.env.RC_STDOUT, 'w') : 'ignore', 'pipe'],
  });
  const exited = new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
  let tail = '';
  child.stderr?.on('data', (d: Buffer) => { tail = (tail + d.toString()).slice(-4000); });
  const text = readFileSync(cfg, 'utf8');
  const openflow = Number(/openflow: \{ host: 127.0.0.1, port: (\d+)/.exec(text)?.[1]);
  const accounting = Number(/accounting: \{ host: 127.0.0.1, port: (\d+)/.exec(text)?.[1]);
  let dead = false;
  void exited.then(() => { dead = true; });
  sh('ovs-vsctl', ['set-controller', BR, `tcp:127.0.0.1:${openflow}`]);
  for (let i = 0; ; i++) {
    if (dead) throw new Error(`controller exited: ${tail}`);
    if (sh('ovs-ofctl', ['-O', 'OpenFlow13', 'dump-flows', BR]).includes('0xb257')) break;
    if (i > 600) throw new Error(`controller not ready: ${tail}`);
    await sleep(100);
  }
  await sleep(300);
  return { child, openflow, accounting, exited };
}

/** CPU seconds (user+sys) of a process, from /proc. */
function cpuSeconds(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const parts = f.slice(f.lastIndexOf(')') + 2).split(' ');
  return (Number(parts[11]) + Number(parts[12])) / 100;
}

function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

/** Node's own pid under tsx: the controller child is node itself here (no npx wrapper). */
function vswitchdPid(): number {
  return Number(readFileSync('/var/run/openvswitch/ovs-vswitchd.pid', 'utf8').trim());
}

class Monitor {
  /** port -> OVS timestamps (ms) of its flow additions. */
  readonly added = new Map<number, number[]>();
  private buf = '';
  private ts = 0;
  paused = 0;
  readonly child: ChildProcess;
  constructor() {
    this.child = spawn('sh', ['-c', `exec stdbuf -oL -eL ovs-ofctl -O OpenFlow13 monitor ${BR} watch:\\!initial --timestamp 2>&1`]);
    this.child.stdout?.setEncoding('utf8');
    this.child.stdout?.on('data', (d: string) => {
      this.buf += d;
      let i: number;
      while ((i = this.buf.indexOf('\n')) >= 0) {
        const line = this.buf.slice(0, i); this.buf = this.buf.slice(i + 1);
        if (line.charCodeAt(0) === 50 /* '2' */) {
          const m = /^(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d\.\d+):/.exec(line);
          if (m) this.ts = Date.parse(`${m[1]}T${m[2]}Z`);
          if (line.includes('PAUSED')) this.paused++;
          continue;
        }
        const a = line.indexOf('event=ADDED');
        if (a < 0) continue;
        const c = /cookie=0x(b25[0-9a-f]+)/.exec(line);
        if (!c) continue;
        const port = Number(BigInt('0x' + c[1]) & 0xffffffffn);
        const l = this.added.get(port);
        if (l) l.push(this.ts); else this.added.set(port, [this.ts]);
      }
    });
  }
  stop(): void { this.child.kill('SIGTERM'); }
}

function pct(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number;
}

interface RunResult {
  label: string; n: number; rate: number | 'full';
  sendSec: number; sustained: number; complete: number;
  flowP50: number; flowP99: number; flowMax: number;
  ackP50: number; ackP99: number; lost: number;
  ctlCpu: number; ovsCpu: number; paused: number; ctlRss: number;
  /** RC_STORM_PERF=1: where the controller's CPU went (text), or why perf could not say. */
  perf?: string;
}

interface Rig { tmp: string; ctl: Ctl; mon: Monitor }

/** A fresh bridge, the controller (or the floor, ./storm-floor.ts) on it (synced) and the flow monitor. */
async function openRig(logLevel: string, floor: boolean): Promise<Rig> {
  const tmp = mkdtempSync(join(tmpdir(), 'rc-storm-'));
  const cfg = join(tmp, 'config.yaml');
  writeFileSync(cfg, configText(join(tmp, 'data'), logLevel, await freePort('tcp'), await freePort('udp')));
  sh('ovs-vsctl', ['--may-exist', 'add-br', BR, '--', 'set', 'bridge', BR, 'datapath_type=netdev', 'protocols=OpenFlow13',
    'fail-mode=secure', `other-config:datapath-id=${DPID.toString(16).padStart(16, '0')}`]);
  sh('ovs-ofctl', ['-O', 'OpenFlow13', 'del-flows', BR]);
  const ctl = await startController(cfg, floor);
  const mon = new Monitor();
  await sleep(500);
  return { tmp, ctl, mon };
}

async function closeRig(rig: Rig): Promise<void> {
  rig.mon.stop();
  rig.ctl.child.kill('SIGTERM');
  await rig.ctl.exited;
  sh('ovs-vsctl', ['del-br', BR]);
  rmSync(rig.tmp, { recursive: true, force: true });
  // --perf-basic-prof's symbol map for perf script: done with it.
  if (PERF) rmSync(`/tmp/perf-${rig.ctl.child.pid as number}.map`, { force: true });
}

/** Ports of the warm-up storm: above any measured storm's (N <= 30,000), below the uplink. */
const WARM_PORT_BASE = 30_001;

/**
 * One storm on a fresh controller. With `warm` > 0 the controller first
 * takes `warm` Starts at the same rate on other ports (not measured), so the
 * figures are those of a controller that has run, not of its first seconds
 * (V8 compiles the hot path while they run).
 */
async function storm(label: string, n: number, rate: number | 'full', logLevel = 'info', warm = 0, floor = false): Promise<RunResult> {
  // Measured Starts use ports 1..n (each storm has a fresh bridge and controller).
  const portBase = 1;
  // The config's subscriber ports are 1-60000: measured storms below the warm-up's, the warm-up's below 60001.
  if (portBase + n > WARM_PORT_BASE || WARM_PORT_BASE + warm > 60_001) {
    throw new Error(`storm: N=${n} (at most ${WARM_PORT_BASE - portBase}) and RC_STORM_WARM=${warm} (at most ${60_001 - WARM_PORT_BASE}) must fit the subscriber ports 1-60000`);
  }
  const rig = await openRig(logLevel, floor);
  try {
    if (warm > 0) await load(rig, `${label}-warm-up`, warm, rate, WARM_PORT_BASE, false);
    return await load(rig, label, n, rate, portBase, PERF);
  } finally {
    await closeRig(rig);
  }
}

async function load(rig: Rig, label: string, n: number, rate: number | 'full', portBase: number, profile: boolean): Promise<RunResult> {
  const { ctl, mon } = rig;
  // Pre-encode every packet: 64 sockets x 256 ids, so (source port, id) never repeats within a run of <= 16k.
  const SOCKS = 64;
  const socks: dgram.Socket[] = [];
  for (let i = 0; i < SOCKS; i++) {
    const s = dgram.createSocket('udp4');
    await new Promise<void>((r) => s.bind(0, '127.0.0.1', r));
    socks.push(s);
  }
  const now = Math.floor(Date.now() / 1000);
  const pkts: Buffer[] = [];
  for (let i = 0; i < n; i++) {
    const port = portBase + i;
    pkts.push(encodePacket({
      code: 4, identifier: (i >> 6) & 0xff,
      attributes: [
        ['Acct-Status-Type', 1], ['NAS-Identifier', 'bench'], ['NAS-Port', port],
        ['Acct-Session-Id', `storm-${label}-${i}`], ['Framed-IP-Address', `100.64.${(i >> 8) & 0xff}.${i & 0xff}`],
        ['Event-Timestamp', now],
      ],
    }, SECRET));
  }
  const sentAt = new Float64Array(n);
  const ackAt = new Float64Array(n);
  const t0 = performance.timeOrigin;
  for (let k = 0; k < SOCKS; k++) {
    (socks[k] as dgram.Socket).on('message', (msg) => {
      const id = msg[1] as number;
      // request i was sent on socket i % 64 with id (i >> 6) & 0xff: recover i from (socket, id, generation)
      let i = ((id << 6) | k);
      while (i + 16384 < n && ackAt[i] !== 0) i += 16384;
      if (i < n && ackAt[i] === 0) ackAt[i] = t0 + performance.now();
    });
  }
  const paused0 = mon.paused;
  const ctlCpu0 = cpuSeconds(ctl.child.pid as number);
  const ovsCpu0 = cpuSeconds(vswitchdPid());
  // perf samples the controller for the whole storm: started before the first Start, stopped after the last answer.
  let perfRec: { stop(): Promise<void> } | string | undefined;
  if (profile) {
    try {
      perfRec = await perfStart(ctl.child.pid as number, join(rig.tmp, 'perf.data'), PERF_HZ);
    } catch (e) {
      perfRec = `perf: ${e instanceof Error ? e.message : String(e)}`;
    }
  }
  const start = t0 + performance.now();
  if (rate === 'full') {
    for (let i = 0; i < n; i++) {
      sentAt[i] = t0 + performance.now();
      (socks[i % SOCKS] as dgram.Socket).send(pkts[i] as Buffer, ctl.accounting, '127.0.0.1');
      if ((i & 255) === 255) await new Promise((r) => setImmediate(r));
    }
  } else {
    const perMs = rate / 1000;
    let i = 0;
    while (i < n) {
      const due = Math.min(n, Math.floor(((t0 + performance.now()) - start) * perMs) + 1);
      for (; i < due; i++) {
        sentAt[i] = t0 + performance.now();
        (socks[i % SOCKS] as dgram.Socket).send(pkts[i] as Buffer, ctl.accounting, '127.0.0.1');
      }
      await new Promise((r) => setTimeout(r, 1));
    }
  }
  const sendEnd = t0 + performance.now();
  // wait until every port shows its five flows (or 20 s of no progress)
  let last = -1; let still = 0;
  for (;;) {
    let done = 0;
    for (let i = 0; i < n; i++) if ((mon.added.get(portBase + i)?.length ?? 0) >= FLOWS_PER_START) done++;
    if (done === n) break;
    if (done === last) { if (++still > 100) break; } else { still = 0; last = done; }
    await sleep(200);
  }
  // Flows may now be visible before the commit answers the last Starts: wait (up to 2 s) for those answers.
  for (let w = 0; w < 40 && ackAt.some((a, i) => i < n && a === 0); w++) await sleep(50);
  const ctlCpu = cpuSeconds(ctl.child.pid as number) - ctlCpu0;
  const ctlRss = rssMb(ctl.child.pid as number);
  const ovsCpu = cpuSeconds(vswitchdPid()) - ovsCpu0;
  const lat: number[] = []; const ack: number[] = [];
  let lastVisible = 0;
  for (let i = 0; i < n; i++) {
    const ts = mon.added.get(portBase + i);
    if (ts && ts.length >= FLOWS_PER_START) {
      const vis = Math.max(...ts.slice(0, FLOWS_PER_START));
      lat.push(Math.max(0, vis - (sentAt[i] as number)));
      lastVisible = Math.max(lastVisible, vis);
    }
    if (ackAt[i]) ack.push((ackAt[i] as number) - (sentAt[i] as number));
  }
  lat.sort((a, b) => a - b); ack.sort((a, b) => a - b);
  for (const s of socks) s.close();
  let perf: string | undefined;
  if (typeof perfRec === 'string') perf = perfRec;
  else if (perfRec) {
    try {
      await perfRec.stop();
      perf = perfSplit(join(rig.tmp, 'perf.data'), ctl.child.pid as number, PERF_HZ, n, 'Start');
    } catch (e) {
      perf = `perf: ${e instanceof Error ? e.message : String(e)}`;
    }
  }

  return {
    label, n, rate, sendSec: (sendEnd - start) / 1000,
    sustained: lat.length / ((lastVisible - start) / 1000), complete: lat.length,
    flowP50: pct(lat, 50), flowP99: pct(lat, 99), flowMax: lat[lat.length - 1] ?? NaN,
    ackP50: pct(ack, 50), ackP99: pct(ack, 99), lost: n - ack.length,
    ctlCpu, ovsCpu, paused: mon.paused - paused0, ctlRss, perf,
  };
}

function row(r: RunResult): string {
  const f = (x: number): string => (Number.isFinite(x) ? x.toFixed(1) : '-');
  return `${r.label.padEnd(22)} N=${String(r.n).padStart(5)} R=${String(r.rate).padStart(4)}  ` +
    `flows visible p50 ${f(r.flowP50)} p99 ${f(r.flowP99)} max ${f(r.flowMax)} ms | ` +
    `acct-response p50 ${f(r.ackP50)} p99 ${f(r.ackP99)} ms | sustained ${r.sustained.toFixed(0)} Starts/s ` +
    `(${r.complete}/${r.n} complete, ${r.lost} unanswered) | CPU ctl ${r.ctlCpu.toFixed(2)} s, ovs-vswitchd ${r.ovsCpu.toFixed(2)} s | controller RSS ${r.ctlRss.toFixed(0)} MB` +
    (r.paused ? ` | monitor paused ${r.paused}x` : '') +
    (r.perf ? `\n${r.perf}` : '');
}

// ---------------------------------------------------------------------------
// RSS at 100,000 subscriber ports (child process)

function rssConfigText(dir: string, half: number): string {
  return `
openflow: { port: 0 }
switches:
  - { dpid: "0x1", name: s1, uplinks: "65000", subscriber_ports: "1-${half}" }
  - { dpid: "0x2", name: s2, uplinks: "65000", subscriber_ports: "1-${half}" }
mtas: [198.51.100.25, 192.0.2.0/24, "2001:db8:100::25"]
default_policy: allow
radius: { clients: [], mapping: { rules: [] } }
store: { kind: embedded, path: ${dir} }
`;
}

/** Child 1: fill a store with PORTS open sessions (two switches of PORTS/2 ports: OVS port numbers stop at 0xff00). */
async function rssFill(dir: string, ports: number): Promise<void> {
  const { openStore } = await import('../../src/store');
  const store = await openStore({ kind: 'embedded', path: dir });
  const t = Date.now();
  const batch: Promise<unknown>[] = [];
  for (let i = 0; i < ports; i++) {
    const dpid = BigInt(1 + (i % 2));
    const port = 1 + Math.floor(i / 2);
    batch.push(store.recordEvent({ kind: 'start', nas: 'n', sessionId: `s${i}`, key: { dpid, port }, dpid, port, profile: 'default', eventTime: t, receivedAt: t, framedIp: `100.64.${(i >> 8) & 0xff}.${i & 0xff}`, user: `user${i}@isp.example` }));
    if (batch.length >= 5000) { await Promise.all(batch); batch.length = 0; }
  }
  await Promise.all(batch);
  await store.close();
}

/**
 * Child 2: the controller as it runs after a restart with PORTS sessions in
 * its store: real config and policy, store opened, state loaded, both
 * switches connected (an in-memory datapath that accepts every flow-mod) and
 * synced, so the reconciler indexes every flow. RSS after a GC.
 */
async function rssMeasure(dir: string, ports: number): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc ?? (() => undefined);
  const { Controller } = await import('../../src/app/controller');
  const { policyFromConfig } = await import('../../src/app/policy-adapter');
  const { parseConfig } = await import('../../src/app/config');
  const { openStore } = await import('../../src/store');
  const { Subject } = await import('rxjs');
  gc();
  const mb = (): string => { const m = process.memoryUsage(); return `${(m.rss / 2 ** 20).toFixed(0)} MB (heap used/total ${(m.heapUsed / 2 ** 20).toFixed(0)}/${(m.heapTotal / 2 ** 20).toFixed(0)}, external ${(m.external / 2 ** 20).toFixed(0)})`; };
  const phases: string[] = [`modules loaded ${mb()}`];
  const cfg = parseConfig(rssConfigText(dir, ports / 2), 'rss.yaml');
  // As startController opens it (src/app/run.ts): the writer thread unless the config says inline.
  const store = await openStore(cfg.store, { writer: cfg.store.kind === 'embedded' ? cfg.store.writer ?? 'thread' : undefined });
  const sw$ = new Subject<import('../../src/switch/types').SwitchEvent>();
  const ctl = new Controller({ store, policy: policyFromConfig(cfg), switchEvents$: sw$, auditIntervalMs: 0, logChanges: false });
  await ctl.start();
  gc(); await sleep(500); phases.push(`state loaded ${mb()}`);
  let mods = 0;
  for (const d of [1n, 2n]) {
    const dp = {
      dpid: d, ports: new Map(), desc: undefined, nTables: 254, connected: true, peer: 'mem',
      sendFlowMods: async (m: unknown[]) => { mods += m.length; },
      barrier: async () => undefined, dumpFlows: async () => [], aggregate: async () => ({ packet_count: 0n, byte_count: 0n, flow_count: 0 }),
      portStats: async () => [], tableStats: async () => [], portDesc: async () => [],
      requestRole: async (role: number, generation_id: bigint) => ({ role, generation_id }), request: async () => [], close: () => undefined,
    };
    sw$.next({ type: 'connected', dpid: d, datapath: dp, ports: [], desc: undefined });
  }
  await ctl.idle();
  // After a full GC, V8 releases the pages it evacuated from a background thread: RSS read
  // right after gc() still counts them (measured: 309 MB right after, 236 MB a moment later).
  const settled = async (): Promise<void> => { gc(); await sleep(100); gc(); await sleep(500); };
  await settled();
  phases.push(`switches synced ${mb()}`);
  if (process.env.RC_RSS_DEBUG) {
    for (const d of [1n, 2n]) (ctl.reconciler(d) as unknown as { index: Map<string, string[]> }).index.clear();
    gc(); await sleep(100); gc();
    phases.push(`(debug) index dropped ${mb()}`);
  }
  const rss = process.memoryUsage().rss;
  const heap = process.memoryUsage().heapUsed;
  const installed = (ctl.reconciler(1n)?.installedCount ?? 0) + (ctl.reconciler(2n)?.installedCount ?? 0);
  process.stdout.write(JSON.stringify({ ports, installed, mods, rssMb: rss / 2 ** 20, heapMb: heap / 2 ** 20, phases }) + '\n');
  await ctl.stop();
  await store.close();
}

export async function measureRss(): Promise<void> {
  const ports = Number(process.env.RC_RSS_PORTS ?? 100_000);
  const dir = mkdtempSync(join(tmpdir(), 'rc-rss-'));
  // Compiled (node dist/...js): no tsx loader in the measured process.
  const loader = __filename.endsWith('.js') ? [] : ['--import', 'tsx'];
  const child = (mode: string): string => execFileSync(process.execPath, ['--expose-gc', ...loader, __filename], {
    cwd: ROOT, env: { ...process.env, OP25B_TEST: '1', RC_RSS_CHILD: mode, RC_RSS_DIR: dir, RC_RSS_PORTS: String(ports) }, encoding: 'utf8', timeout: 900_000,
  });
  try {
    child('fill');
    const out = child('measure');
    const j = JSON.parse(out.trim().split('\n').pop() as string) as { ports: number; installed: number; mods: number; rssMb: number; heapMb: number; phases: string[] };
    process.stdout.write(`RSS at ${j.ports} subscriber ports: ${j.rssMb.toFixed(0)} MB after a GC (heap ${j.heapMb.toFixed(0)} MB; ${j.phases.join(', ')}), ` +
      `${j.installed} flows indexed, ${j.mods} flow-mods sent to an in-memory datapath, SQLite store with ${j.ports} open sessions; goal < 300 MB -> ${j.rssMb < 300 ? 'met' : 'NOT met'}\n`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Where the time goes, controller core only: CPU per Start from a recorded
 * event to its flow-mods handed to the channel (policy, diff against the
 * index, flow-mod building, promises), no RADIUS, store, socket or log output.
 */
export async function coreCost(n = 20_000): Promise<string> {
  const { Subject } = await import('rxjs');
  const { Controller } = await import('../../src/app/controller');
  const { policyFromConfig } = await import('../../src/app/policy-adapter');
  const { parseConfig } = await import('../../src/app/config');
  const cfg = parseConfig(rssConfigText('/nonexistent', 30_000), 'core.yaml');
  const store = { sessions: async () => [], overrides: async () => [] } as unknown as import('../../src/store/types').Store;
  const sw$ = new Subject<import('../../src/switch/types').SwitchEvent>();
  const { logger } = await import('../../src/log');
  const wasSilent = logger.silent;
  logger.silent = true;
  const ctl = new Controller({ store, policy: policyFromConfig(cfg), switchEvents$: sw$, auditIntervalMs: 0 });
  await ctl.start();
  let mods = 0;
  const dp = { dpid: 1n, ports: new Map(), desc: undefined, nTables: 254, connected: true, peer: 'mem',
    sendFlowMods: async (m: unknown[]) => { mods += m.length; }, dumpFlows: async () => [] } as unknown as import('../../src/switch/types').Datapath;
  sw$.next({ type: 'connected', dpid: 1n, datapath: dp, ports: [], desc: undefined });
  await ctl.idle();
  const out: string[] = [];
  for (const oneByOne of [true, false]) {
    const c0 = process.cpuUsage();
    const t = performance.now();
    const ps: Promise<unknown>[] = [];
    const base = oneByOne ? 1 : 1 + n;
    for (let i = 0; i < n / 2; i++) {
      const port = base + (i % 29_000);
      const p = ctl.onRecorded({
        event: { kind: 'start', nas: 'n', sessionId: `c${oneByOne}${i}`, key: { dpid: 1n, port: port % 30_000 || 1 }, dpid: 1n, port, profile: 'default', eventTime: i, receivedAt: i },
        result: { applied: true, affected: [{ dpid: 1n, port: port % 30_000 || 1 }] },
      });
      if (oneByOne) await p; else ps.push(p);
    }
    await Promise.all(ps);
    const c = process.cpuUsage(c0);
    out.push(`${oneByOne ? 'one at a time' : 'burst (coalesced)'} ${((c.user + c.system) / (n / 2)).toFixed(0)} us CPU, ${((performance.now() - t) * 1000 / (n / 2)).toFixed(0)} us wall per Start`);
  }
  await ctl.stop();
  logger.silent = wasSilent;
  return `controller core (event -> flow-mods, no I/O, log output off): ${out.join('; ')} (${mods} flow-mods)`;
}

// ---------------------------------------------------------------------------

export async function run(): Promise<void> {
  if (typeof process.getuid === 'function' && process.getuid() !== 0) { process.stdout.write('skipped: not root\n'); return; }
  try { sh('ovs-vsctl', ['--timeout=5', 'show']); } catch { process.stdout.write('skipped: Open vSwitch not running\n'); return; }
  const quick = process.env.RC_STORM_QUICK === '1';
  const sizes = process.env.RC_STORM_N ? [Number(process.env.RC_STORM_N)] : quick ? [1000] : [1000, 10000];
  const rates = process.env.RC_STORM_RATES ? process.env.RC_STORM_RATES.split(',').map((x) => (x === 'full' ? 'full' as const : Number(x))) : [1000, 'full' as const];
  const warm = Number(process.env.RC_STORM_WARM ?? 0);
  const floorOnly = process.env.RC_STORM_FLOOR === '1';
  const results: RunResult[] = [];
  if (!floorOnly) {
    for (const n of sizes) {
      for (const rate of rates) {
        // Each run uses a fresh bridge and controller.
        const r = await storm(`start-storm`, n, rate, 'info', warm);
        process.stdout.write(row(r) + '\n');
        results.push(r);
      }
    }
  }
  // The floor: the same storms with ./storm-floor.ts in the controller's place (no controller work).
  const floors = new Map<number | 'full', RunResult>();
  if (floorOnly || !quick) {
    for (const rate of rates) {
      const r = await storm('floor (no ctl work)', sizes[sizes.length - 1] as number, rate, 'info', warm, true);
      process.stdout.write(row(r) + '\n');
      floors.set(rate, r);
    }
  }
  if (floorOnly || process.env.RC_STORM_ONLY === '1') return;
  // Where the time goes: the same full-speed storm with log level warn (no per-event log lines).
  if (!quick) {
    const r = await storm('full, log level warn', sizes[sizes.length - 1] as number, 'full', 'warn');
    process.stdout.write(row(r) + '\n');
  }
  // The switch alone: ovs-ofctl add-flows of the same flows (5 per port), no controller.
  const n = sizes[sizes.length - 1] as number;
  const lines: string[] = [];
  for (let p = 1; p <= n; p++) {
    for (const dst of ['nw_dst=198.51.100.25', 'nw_dst=192.0.2.0/24']) lines.push(`cookie=0xb252000${p.toString(16).padStart(8, '0')},priority=30000,tcp,in_port=${p},${dst},tp_dst=25,actions=NORMAL`);
    lines.push(`cookie=0xb252000${p.toString(16).padStart(8, '0')},priority=30000,tcp6,in_port=${p},ipv6_dst=2001:db8:100::25,tp_dst=25,actions=NORMAL`);
    lines.push(`cookie=0xb253000${p.toString(16).padStart(8, '0')},priority=20000,tcp,in_port=${p},tp_dst=25,actions=drop`);
    lines.push(`cookie=0xb253000${p.toString(16).padStart(8, '0')},priority=20000,tcp6,in_port=${p},tp_dst=25,actions=drop`);
  }
  const tmp = mkdtempSync(join(tmpdir(), 'rc-storm-'));
  writeFileSync(join(tmp, 'flows'), lines.join('\n') + '\n');
  sh('ovs-vsctl', ['--may-exist', 'add-br', BR, '--', 'set', 'bridge', BR, 'datapath_type=netdev', 'protocols=OpenFlow13', 'fail-mode=secure']);
  const t = performance.now();
  sh('ovs-ofctl', ['-O', 'OpenFlow13', 'add-flows', BR, join(tmp, 'flows')]);
  const sec = (performance.now() - t) / 1000;
  sh('ovs-vsctl', ['del-br', BR]);
  rmSync(tmp, { recursive: true, force: true });
  process.stdout.write(`switch alone: ovs-ofctl add-flows of ${lines.length} flows (${n} ports x 5): ${sec.toFixed(2)} s = ${(lines.length / sec).toFixed(0)} flow-mods/s = ${(n / sec).toFixed(0)} Starts/s equivalent\n`);
  for (const r of results) {
    const f = r.n === floors.get(r.rate)?.n ? floors.get(r.rate) : undefined;
    if (r.rate === 1000) {
      process.stdout.write(`goal p99 < 5 ms at 1,000/s, N=${r.n}: ${r.flowP99 < 5 ? 'met' : 'NOT met'} (p99 ${r.flowP99.toFixed(0)} ms` +
        `${f ? `; the floor, no controller work: p99 ${f.flowP99.toFixed(1)} ms` : ''})\n`);
    } else {
      process.stdout.write(`goal >= 10,000 Starts/s sustained at full speed, N=${r.n}: ${r.sustained >= 10000 ? 'met' : 'NOT met'} (${r.sustained.toFixed(0)}/s` +
        `${f ? `; the floor, no controller work: ${f.sustained.toFixed(0)}/s` : ''})\n`);
    }
  }
  process.stdout.write((await coreCost()) + '\n');
  await measureRss();
}

if (process.env.RC_RSS_CHILD) {
  const dir = process.env.RC_RSS_DIR as string;
  const ports = Number(process.env.RC_RSS_PORTS);
  (process.env.RC_RSS_CHILD === 'fill' ? rssFill(dir, ports) : rssMeasure(dir, ports)).then(() => process.exit(0), (e: unknown) => { process.stderr.write(String(e instanceof Error ? e.stack : e) + '\n'); process.exit(1); });
}
