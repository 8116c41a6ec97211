/**
 * Integration test support: a private Open vSwitch instance, the controller
 * as a child process (`op25b start`), flow dumps and the OVS flow monitor.
 *
 * Why a private OVS: the Must-show includes restarting ovs-vswitchd, which
 * must not disturb the bridges of anyone else on the machine. The private
 * ovs-vswitchd runs in its own network namespace (the userspace datapath
 * creates a tap device "ovs-netdev", one per namespace) with its own
 * ovsdb-server and run directory; it reaches the controller over a veth pair
 * (169.254.25.1 root side, 169.254.25.2 inside). Everything is named with the
 * "rc" prefix and removed by stop().
 */
import { execFileSync, spawn, type ChildProcess } from 'child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'fs';
import { join } from 'path';
import { haveCommand } from '../radius/support/radclient';

// Names and addresses unique per test process: several test runs (other
// engineers' `npm test`) may run at once on this machine.
const IDX = process.pid % 4096;
export const NETNS = `rcovs${IDX}`;
export const VETH_ROOT = `rcv${IDX}a`;
export const VETH_NS = `rcv${IDX}b`;
export const HOST_ADDR = `169.254.${64 + (IDX >> 6)}.${(IDX & 63) * 4 + 1}`;
const NS_ADDR = `169.254.${64 + (IDX >> 6)}.${(IDX & 63) * 4 + 2}`;

/** Why the OVS integration tests cannot run here, or undefined. */
export function ovsSkipReason(): string | undefined {
  if (typeof process.getuid === 'function' && process.getuid() !== 0) return 'not root (OVS tests need root)';
  for (const c of ['ovs-vsctl', 'ovs-ofctl', 'ovs-vswitchd', 'ovsdb-server', 'ovsdb-tool', 'ip']) {
    if (!haveCommand(c) && !existsSync(`/usr/sbin/${c}`)) return `${c} not installed (apt-get install openvswitch-switch iproute2)`;
  }
  if (!haveCommand('radclient')) return 'radclient not installed (apt-get install freeradius-utils)';
  return undefined;
}

function sh(cmd: string, args: string[], env?: NodeJS.ProcessEnv): string {
  return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: env ?? process.env, timeout: 30_000 });
}

function quiet(cmd: string, args: string[]): void {
  try { execFileSync(cmd, args, { stdio: 'ignore', timeout: 15_000 }); } catch { /* already gone */ }
}

export async function sleep(ms: number): Promise<void> {
  await new Promise((r) => setTimeout(r, ms));
}

/** Poll `fn` until it returns a truthy value (or throw after `ms`). */
export async function waitFor<T>(what: string, fn: () => T | undefined | false | Promise<T | undefined | false>, ms = 15_000, every = 100): Promise<T> {
  const end = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) { last = e; }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await sleep(every);
  }
}

export class PrivateOvs {
  readonly dir: string;
  private readonly env: NodeJS.ProcessEnv;

  constructor(dir: string) {
    this.dir = dir;
    this.env = { ...process.env, OVS_RUNDIR: dir, OVS_DBDIR: dir, OVS_LOGDIR: dir };
  }

  get db(): string { return `unix:${join(this.dir, 'db.sock')}`; }
  mgmt(bridge: string): string { return `unix:${join(this.dir, `${bridge}.mgmt`)}`; }

  static cleanupLeftovers(): void {
    quiet('ip', ['netns', 'del', NETNS]);
    quiet('ip', ['link', 'del', VETH_ROOT]);
  }

  start(): void {
    PrivateOvs.cleanupLeftovers();
    rmSync(this.dir, { recursive: true, force: true });
    mkdirSync(this.dir, { recursive: true });
    sh('ovsdb-tool', ['create', join(this.dir, 'conf.db'), '/usr/share/openvswitch/vswitch.ovsschema'], this.env);
    sh('ovsdb-server', [join(this.dir, 'conf.db'), `--remote=punix:${join(this.dir, 'db.sock')}`,
      `--pidfile=${join(this.dir, 'ovsdb-server.pid')}`, `--unixctl=${join(this.dir, 'ovsdb-server.ctl')}`,
      `--log-file=${join(this.dir, 'ovsdb-server.log')}`, '--detach'], this.env);
    this.vsctl('--no-wait', 'init');
    sh('ip', ['netns', 'add', NETNS]);
    sh('ip', ['link', 'add', VETH_ROOT, 'type', 'veth', 'peer', 'name', VETH_NS]);
    sh('ip', ['link', 'set', VETH_NS, 'netns', NETNS]);
    sh('ip', ['addr', 'add', `${HOST_ADDR}/30`, 'dev', VETH_ROOT]);
    sh('ip', ['link', 'set', VETH_ROOT, 'up']);
    sh('ip', ['netns', 'exec', NETNS, 'ip', 'addr', 'add', `${NS_ADDR}/30`, 'dev', VETH_NS]);
    sh('ip', ['netns', 'exec', NETNS, 'ip', 'link', 'set', VETH_NS, 'up']);
    sh('ip', ['netns', 'exec', NETNS, 'ip', 'link', 'set', 'lo', 'up']);
    this.startVswitchd();
  }

  startVswitchd(): void {
    sh('ip', ['netns', 'exec', NETNS, 'ovs-vswitchd', this.db, `--pidfile=${join(this.dir, 'ovs-vswitchd.pid')}`,
      `--unixctl=${join(this.dir, 'ovs-vswitchd.ctl')}`, `--log-file=${join(this.dir, 'ovs-vswitchd.log')}`, '--detach'], this.env);
  }

  stopVswitchd(): void {
    quiet('ovs-appctl', ['-t', join(this.dir, 'ovs-vswitchd.ctl'), 'exit']);
  }

  /**
   * Restart ovs-vswitchd (ovsdb-server and its config stay). The userspace
   * datapath lives in the process, so the new one starts with empty flow
   * tables and the controller must put everything back on reconnect.
   * (ovs-ctl's flow save/restore does not help with a controller: OVS 3.1
   * flushes a bridge's flows when flow-restore-wait is cleared and the
   * bridge gets its controller, measured here.) `whenUp` runs as soon as
   * the bridge's management socket answers, before the controller connects.
   */
  async restartVswitchd(bridge: string, whenUp?: () => Promise<void> | void): Promise<void> {
    // SIGTERM (as a service manager stops it): no rule teardown is reported to
    // monitors, unlike `ovs-appctl exit`, which deletes every rule first.
    const pid = Number(readFileSync(join(this.dir, 'ovs-vswitchd.pid'), 'utf8').trim());
    process.kill(pid, 'SIGTERM');
    await waitFor('ovs-vswitchd to exit', () => !this.running(), 10_000);
    this.startVswitchd();
    await waitFor('bridge management socket', () => { this.ofctl('show', this.mgmt(bridge)); return true; }, 15_000, 50);
    await whenUp?.();
  }

  private running(): boolean {
    try { sh('ovs-appctl', ['-t', join(this.dir, 'ovs-vswitchd.ctl'), 'version']); return true; } catch { return false; }
  }

  stop(): void {
    this.stopVswitchd();
    quiet('ovs-appctl', ['-t', join(this.dir, 'ovsdb-server.ctl'), 'exit']);
    PrivateOvs.cleanupLeftovers();
  }

  vsctl(...args: string[]): string {
    return sh('ovs-vsctl', [`--db=${this.db}`, '--timeout=20', ...args], this.env);
  }

  ofctl(...args: string[]): string {
    return sh('ovs-ofctl', ['-O', 'OpenFlow13', ...args], this.env);
  }

  addBridge(name: string, dpid: bigint, ports: number[]): void {
    this.vsctl('--may-exist', 'add-br', name, '--', 'set', 'bridge', name, 'datapath_type=netdev', 'protocols=OpenFlow13',
      'fail-mode=secure', `other-config:datapath-id=${dpid.toString(16).padStart(16, '0')}`);
    for (const p of ports) {
      this.vsctl('--may-exist', 'add-port', name, `${name}p${p}`, '--', 'set', 'interface', `${name}p${p}`, 'type=internal', `ofport_request=${p}`);
    }
  }

  setController(bridge: string, port: number): void {
    this.vsctl('set-controller', bridge, `tcp:${HOST_ADDR}:${port}`);
  }

  flows(bridge: string): DumpedFlow[] {
    return parseDump(this.ofctl('dump-flows', '--no-stats', '--no-names', this.mgmt(bridge)));
  }

  monitor(bridge: string): FlowMonitor {
    // stdbuf: ovs-ofctl's stdout is block-buffered on a pipe; events must arrive as they happen.
    // ovs-ofctl prints the initial reply on stdout and later updates on stderr: merge them.
    return new FlowMonitor(spawn('sh', ['-c', `exec stdbuf -oL -eL ovs-ofctl -O OpenFlow13 monitor ${this.mgmt(bridge)} watch: --timestamp 2>&1`], { env: this.env }));
  }
}

export interface DumpedFlow {
  cookie: bigint;
  priority: number;
  /** Match text as OVS prints it ("tcp,in_port=3,tp_dst=25"). */
  match: string;
  actions: string;
  line: string;
}

export function parseDump(text: string): DumpedFlow[] {
  const out: DumpedFlow[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    const m = /cookie=(0x[0-9a-f]+),.*?(?:priority=(\d+),?)?([^ ]*) actions=(.*)$/.exec(line);
    if (!m || !line.startsWith('cookie=')) continue;
    const rest = line.replace(/^cookie=0x[0-9a-f]+, /, '').replace(/table=\d+, /, '');
    const pm = /^priority=(\d+),?(\S*) actions=(.*)$/.exec(rest);
    out.push({
      cookie: BigInt(m[1] as string),
      priority: pm ? Number(pm[1]) : 32768,
      match: pm ? (pm[2] ?? '') : rest.replace(/ actions=.*/, ''),
      actions: pm ? (pm[3] ?? '') : (m[4] ?? ''),
      line,
    });
  }
  return out;
}

export interface MonitorEvent {
  at: number;
  event: 'ADDED' | 'DELETED' | 'MODIFIED' | string;
  cookie: bigint;
  text: string;
}

/** `ovs-ofctl monitor BRIDGE watch: --timestamp`, parsed as it streams. */
export class FlowMonitor {
  readonly events: MonitorEvent[] = [];
  stderr = '';
  private buf = '';
  private lastTs = 0;
  readonly ready: Promise<void>;

  constructor(readonly child: ChildProcess) {
    let onReady: () => void = () => undefined;
    this.ready = new Promise((r) => { onReady = r; });
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (d: string) => { this.stderr += d; });
    child.stdout?.setEncoding('utf8');
    child.stdout?.on('data', (d: string) => {
      onReady();
      this.buf += d;
      let i: number;
      while ((i = this.buf.indexOf('\n')) >= 0) {
        const line = this.buf.slice(0, i); this.buf = this.buf.slice(i + 1);
        this.line(line);
      }
    });
  }

  private line(line: string): void {
    const ts = /^(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d\.\d+):/.exec(line);
    if (ts) { this.lastTs = Date.parse(`${ts[1]}T${ts[2]}Z`); return; }
    const m = /event=(\w+).*?cookie=(0x[0-9a-f]+|0)\b/.exec(line);
    if (m) this.events.push({ at: this.lastTs, event: m[1] as string, cookie: BigInt(m[2] as string), text: line.trim() });
  }

  stop(): void {
    this.child.kill('SIGTERM');
  }
}

export interface ControllerChild {
  child: ChildProcess;
  ports: { openflow: number; accounting: number; coa?: number };
  log: string[];
  exited: Promise<number | null>;
}

/** `npx tsx src/cli/main.ts start --config FILE --log-format json`; resolves at its "controller ready" line. */
export async function spawnController(config: string, cwd: string): Promise<ControllerChild> {
  const env = { ...process.env };
  delete env.OP25B_TEST;
  const child = spawn(process.execPath, ['--import', 'tsx', join(cwd, 'src/cli/main.ts'), 'start', '--config', config, '--log-format', 'json'], {
    cwd, env, stdio: ['ignore', 'pipe', 'pipe'],
  });
  const log: string[] = [];
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  let buf = '';
  const ready = new Promise<ControllerChild['ports']>((resolve, reject) => {
    const onData = (d: Buffer): void => {
      buf += d.toString('utf8');
      let i: number;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i); buf = buf.slice(i + 1);
        log.push(line);
        if (process.env.RC_TEST_VERBOSE) process.stderr.write(`    [ctl] ${line}\n`);
        if (line.includes('"controller ready"')) {
          const j = JSON.parse(line) as { openflow_port: number; accounting_port: number; coa_port?: number };
          resolve({ openflow: j.openflow_port, accounting: j.accounting_port, ...(j.coa_port ? { coa: j.coa_port } : {}) });
        }
      }
    };
    child.stderr?.on('data', onData);
    child.stdout?.on('data', onData);
    void exited.then((code) => reject(new Error(`controller exited with ${code} before ready:\n${log.join('\n')}`)));
  });
  const ports = await ready;
  return { child, ports, log, exited };
}
