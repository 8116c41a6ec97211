/**
 * Policy cost: desired flows per attach (one port), per switch connect
 * (every port's default), and the memory of holding the desired flows of
 * 100,000 subscriber ports (three MTAs: five flows per blocked port).
 */
import { performance } from 'perf_hooks';
import { parseConfig } from '../../src/app/config';
import { compilePolicy, desiredPortFlows, desiredFlowsForSwitch } from '../../src/policy/policy';
import type { DesiredFlow, PortState } from '../../src/policy/types';

const CONFIG = `
switches:
${Array.from({ length: 100 }, (_, i) => `  - { dpid: ${i + 1}, uplinks: "1", subscriber_ports: "2-1001" }`).join('\n')}
mtas: [198.51.100.25, 198.51.100.26, "2001:db8:100::25"]
`;

function mb(n: number): string {
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

export async function run(): Promise<void> {
  const cfg = parseConfig(CONFIG, 'bench.yaml');
  const pc = compilePolicy(cfg);
  const now = Date.now();
  const session = (dpid: bigint, port: number): PortState => ({
    key: { dpid, port },
    session: { nas: 'n', sessionId: `s${port}`, key: { dpid, port }, profile: 'default', startedAt: now, updatedAt: now },
  });

  // Attach: flows of one port with a session.
  const N = 200_000;
  let flows = 0;
  let t0 = performance.now();
  for (let i = 0; i < N; i++) flows += desiredPortFlows(pc, session(BigInt((i % 100) + 1), (i % 1000) + 2), now).length;
  let dt = performance.now() - t0;
  console.log(`desiredPortFlows: ${N} ports in ${dt.toFixed(0)} ms = ${(N / dt * 1000).toFixed(0)} ports/s, ${(dt * 1000 / N).toFixed(2)} us/port, ${flows / N} flows/port`);

  // Switch connect: every port's default (1,000 ports).
  t0 = performance.now();
  const live = Array.from({ length: 1001 }, (_, i) => i + 1);
  let sw = 0;
  for (let d = 1; d <= 100; d++) sw += desiredFlowsForSwitch(pc, BigInt(d), live, new Map(), now).length;
  dt = performance.now() - t0;
  console.log(`desiredFlowsForSwitch: 100 switches x 1,000 ports in ${dt.toFixed(0)} ms (${sw} flows, ${(sw / dt * 1000).toFixed(0)} flows/s)`);

  // Memory of the desired flows of 100,000 ports held at once.
  global.gc?.();
  const before = process.memoryUsage();
  const held: DesiredFlow[][] = [];
  for (let d = 1; d <= 100; d++) {
    for (let p = 2; p <= 1001; p++) held.push(desiredPortFlows(pc, session(BigInt(d), p), now));
  }
  global.gc?.();
  const after = process.memoryUsage();
  console.log(`holding ${held.length} ports' desired flows (${held.reduce((a, f) => a + f.length, 0)} flows): heap +${mb(after.heapUsed - before.heapUsed)}, RSS ${mb(after.rss)}${global.gc ? '' : ' (run with --expose-gc for exact heap figures)'}`);
}
