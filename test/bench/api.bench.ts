/**
 * REST API against the real controller and an Open vSwitch bridge:
 * - NOC quarantine / clear round trip (HTTP in, store write, flow-mods,
 *   barrier, HTTP out): how fast a NOC action is enforced;
 * - ofctl_rest flowentry/add, each followed by the OP25B guard (a dump of
 *   the switch's OP25B flows and a diff): writes per second;
 * - GET /stats/flow of the whole table.
 * Needs root and OVS; prints why and returns otherwise.
 */
import { execFile, execFileSync } from 'child_process';
import { mkdtempSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { promisify } from 'util';
import { parseConfig } from '../../src/app/config';
import { startController } from '../../src/app/run';

const sh = promisify(execFile);
const BR = `apib${process.pid % 10000}`;
const DPID = 0xb0000000n + BigInt(process.pid % 10000);
const TOKEN = 'bench';

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
}

export async function run(): Promise<void> {
  if (typeof process.getuid === 'function' && process.getuid() !== 0) { console.log('skipped: not root'); return; }
  try { execFileSync('ovs-vsctl', ['--timeout=5', 'show'], { stdio: 'ignore' }); } catch { console.log('skipped: ovs-vsctl does not work'); return; }
  const dir = mkdtempSync(join(tmpdir(), 'op25b-apib-'));
  const cfg = parseConfig(`
openflow: { host: 127.0.0.1, port: 0 }
switches: [{ dpid: ${DPID}, name: ${BR}, uplinks: "1", subscriber_ports: "2-9" }]
mtas: [198.51.100.25]
continue: { output: NORMAL }
radius:
  accounting: { host: 127.0.0.1, port: 0 }
  coa: { enabled: false }
  clients: [{ address: 127.0.0.0/8, secret: x, name: lo }]
  mapping: { rules: [] }
store: { kind: embedded, path: ${JSON.stringify(join(dir, 'data'))} }
api: { host: 127.0.0.1, port: 0, token: ${TOKEN} }
audit_interval_s: 0
log: { level: error }
`, 'bench.yaml');
  const rc = await startController(cfg, { auditIntervalMs: 0 });
  const base = `http://127.0.0.1:${rc.addresses.api!.port}`;
  const ports: string[] = [];
  for (let p = 1; p <= 9; p++) ports.push('--', 'add-port', BR, `${BR}p${p}`, '--', 'set', 'interface', `${BR}p${p}`, 'type=internal', `ofport_request=${p}`);
  try {
    await sh('ovs-vsctl', ['--timeout=20', '--if-exists', 'del-br', BR]);
    await sh('ovs-vsctl', ['--timeout=20', 'add-br', BR, '--', 'set', 'bridge', BR, 'datapath_type=netdev', 'protocols=OpenFlow13',
      'fail-mode=secure', `other-config:datapath-id=${DPID.toString(16).padStart(16, '0')}`, ...ports,
      '--', 'set-controller', BR, `tcp:127.0.0.1:${rc.addresses.openflow.port}`]);
    const auth = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };
    for (let i = 0; i < 200; i++) {
      const r = await fetch(`${base}/stats/flow/${DPID}`);
      if (r.status === 200 && ((await r.json()) as Record<string, unknown[]>)[DPID.toString()]!.length >= 16) break;
      await new Promise((res) => setTimeout(res, 100));
    }

    const N = 40;
    const q: number[] = [];
    const c: number[] = [];
    let confirmed = 0;
    for (let i = 0; i < N; i++) {
      const port = 2 + (i % 8);
      let t = performance.now();
      let r = await fetch(`${base}/op25b/v1/ports/${BR}:${port}/quarantine`, { method: 'POST', headers: auth, body: JSON.stringify({ mode: 'all', reason: 'bench' }) });
      if (((await r.json()) as { confirmed: boolean }).confirmed) confirmed++;
      q.push(performance.now() - t);
      t = performance.now();
      r = await fetch(`${base}/op25b/v1/ports/${BR}:${port}/clear`, { method: 'POST', headers: auth, body: JSON.stringify({ reason: 'bench' }) });
      await r.json();
      c.push(performance.now() - t);
    }
    console.log(`NOC quarantine (barrier-confirmed, store write + flow-mods + barrier): n=${N} confirmed=${confirmed} p50=${pct(q, 50).toFixed(1)} ms p95=${pct(q, 95).toFixed(1)} ms max=${Math.max(...q).toFixed(1)} ms`);
    console.log(`NOC clear:                                                       n=${N} p50=${pct(c, 50).toFixed(1)} ms p95=${pct(c, 95).toFixed(1)} ms max=${Math.max(...c).toFixed(1)} ms`);

    const M = 200;
    const a: number[] = [];
    const t0 = performance.now();
    for (let i = 0; i < M; i++) {
      const t = performance.now();
      const r = await fetch(`${base}/stats/flowentry/add`, {
        method: 'POST', headers: auth,
        body: `{"dpid": ${DPID}, "table_id": 0, "priority": 100, "match": {"in_port": 1, "dl_type": 2048, "nw_dst": "10.${i >> 8}.${i & 255}.0/24"}, "actions": ["OUTPUT:NORMAL"]}`,
      });
      if (r.status !== 200) throw new Error(`add ${i}: ${r.status} ${await r.text()}`);
      await r.text();
      a.push(performance.now() - t);
    }
    const secs = (performance.now() - t0) / 1000;
    console.log(`ofctl_rest flowentry/add (barrier + OP25B guard dump/diff), sequential: n=${M} ${(M / secs).toFixed(0)} writes/s p50=${pct(a, 50).toFixed(1)} ms p95=${pct(a, 95).toFixed(1)} ms`);
    const g: number[] = [];
    let n = 0;
    for (let i = 0; i < 10; i++) {
      const t = performance.now();
      const r = await fetch(`${base}/stats/flow/${DPID}`);
      n = ((await r.json()) as Record<string, unknown[]>)[DPID.toString()]!.length;
      g.push(performance.now() - t);
    }
    console.log(`GET /stats/flow (${n} flows): p50=${pct(g, 50).toFixed(1)} ms`);
  } finally {
    await sh('ovs-vsctl', ['--timeout=20', '--if-exists', 'del-br', BR]).catch(() => undefined);
    await rc.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
