/**
 * Switch channel figures against Open vSwitch (userspace datapath):
 * - flow-mods/s into one bridge through Datapath.sendFlowMods (each batch closed
 *   by a barrier, so a figure counts flows the switch has processed), for
 *   batches of 1, 100 and 1,000; ovs-ofctl add-flows of the same flows as a
 *   reference;
 * - time to connect 50 bridges, from one set-controller transaction to all 50
 *   'connected' events (handshake complete: features, port-desc, desc).
 * Bridges: swbench1..swbench50.
 */
import { execFile } from 'child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { promisify } from 'util';
import { OpenFlowServer } from '../../src/switch/server';
import type { Datapath, FlowModInput, SwitchEvent } from '../../src/switch/types';
import { deleteBridges, ofctl, ovsUnavailable, vsctl } from '../switch/ovs';

const exec = promisify(execFile);
const BR = 'swbench1';
const DPID_BASE = 0x5b00n;
const FLOWS = 3000;
const COOKIE = 0x0b25_0000_0000_0000n;

function flowN(i: number): FlowModInput {
  // Distinct flows: in_port 1..100 x tcp_dst.
  return {
    cookie: COOKIE | BigInt(i), cookie_mask: 0n, table_id: 0, command: 0, idle_timeout: 0, hard_timeout: 0,
    priority: 20000, buffer_id: 0xffffffff, out_port: 0xffffffff, out_group: 0xffffffff, flags: 0,
    match: [
      { field: 'in_port', value: 1 + (i % 100) }, { field: 'eth_type', value: 0x0800 },
      { field: 'ip_proto', value: 6 }, { field: 'tcp_dst', value: 1000 + Math.floor(i / 100) },
    ],
    instructions: [],
  };
}

function waitFor(server: OpenFlowServer, pred: (e: SwitchEvent) => boolean, count: number, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let n = 0;
    const t = setTimeout(() => { sub.unsubscribe(); reject(new Error(`only ${n}/${count} events within ${timeoutMs} ms`)); }, timeoutMs);
    const sub = server.events$.subscribe((e) => {
      if (pred(e) && ++n === count) { clearTimeout(t); sub.unsubscribe(); resolve(); }
    });
  });
}

async function flowCount(): Promise<number> {
  const m = (await ofctl('dump-aggregate', BR)).match(/flow_count=(\d+)/);
  return m?.[1] === undefined ? -1 : Number(m[1]);
}

async function flowModRate(dp: Datapath, batch: number): Promise<{ rate: number; cpuShare: number }> {
  await ofctl('del-flows', BR);
  const mods = Array.from({ length: FLOWS }, (_, i) => flowN(i));
  const t0 = process.hrtime.bigint();
  const c0 = process.cpuUsage();
  for (let i = 0; i < mods.length; i += batch) await dp.sendFlowMods(mods.slice(i, i + batch));
  const cpu = process.cpuUsage(c0);
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  const n = await flowCount();
  if (n !== FLOWS) throw new Error(`expected ${FLOWS} flows on ${BR}, found ${n}`);
  // Controller CPU over wall time: well below 1 means the switch (or the shared machine), not us, sets the pace.
  return { rate: FLOWS / s, cpuShare: (cpu.user + cpu.system) / 1e6 / s };
}

async function ofctlRate(): Promise<number> {
  await ofctl('del-flows', BR);
  const dir = mkdtempSync(join(tmpdir(), 'swbench-'));
  try {
    const file = join(dir, 'flows.txt');
    const lines = Array.from({ length: FLOWS }, (_, i) =>
      `cookie=0x${(COOKIE | BigInt(i)).toString(16)},table=0,priority=20000,tcp,in_port=${1 + (i % 100)},tp_dst=${1000 + Math.floor(i / 100)},actions=drop`);
    writeFileSync(file, lines.join('\n') + '\n');
    const t0 = process.hrtime.bigint();
    await exec('ovs-ofctl', ['-O', 'OpenFlow13', 'add-flows', BR, file]);
    return FLOWS / (Number(process.hrtime.bigint() - t0) / 1e9);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function run(): Promise<void> {
  const why = ovsUnavailable();
  if (why) {
    console.log(`skipped: ${why}`);
    return;
  }
  const server = new OpenFlowServer({ host: '127.0.0.1', port: 0 });
  const { port } = await server.listen();
  const names = Array.from({ length: 50 }, (_, i) => `swbench${i + 1}`);
  try {
    await deleteBridges(names);
    // --- flow-mod rate into one bridge
    const connected = waitFor(server, (e) => e.type === 'connected' && e.dpid === DPID_BASE + 1n, 1, 30000);
    await vsctl('add-br', BR, '--', 'set', 'bridge', BR, 'datapath_type=netdev', 'protocols=OpenFlow13', 'fail-mode=secure',
      `other-config:datapath-id=${(DPID_BASE + 1n).toString(16).padStart(16, '0')}`, '--', 'set-controller', BR, `tcp:127.0.0.1:${port}`);
    await connected;
    const dp = server.datapath(DPID_BASE + 1n);
    if (!dp) throw new Error('bridge not connected');
    const ref = await ofctlRate();
    console.log(`flow-mods into one OVS bridge, ${FLOWS} flows per run, every batch confirmed by a barrier:`);
    const rates: number[] = [];
    for (const batch of [1, 100, 1000]) {
      const { rate: r, cpuShare } = await flowModRate(dp, batch);
      rates.push(r);
      console.log(`  batch ${String(batch).padStart(5)}: ${r.toFixed(0).padStart(7)} flow-mods/s   (${(r / ref).toFixed(2)}x ovs-ofctl add-flows; ` +
        `controller CPU ${(cpuShare * 100).toFixed(0)}% of wall time)`);
    }
    console.log(`  reference ovs-ofctl add-flows (same ${FLOWS} flows, one process run): ${ref.toFixed(0)} flow-mods/s`);
    console.log(`  batch 1000 / batch 1: ${((rates[2] ?? 0) / (rates[0] ?? 1)).toFixed(1)}x`);
    await ofctl('del-flows', BR);
    await deleteBridges([BR]);

    // --- 50 bridges: create without a controller, then point all at us in one transaction.
    const add: string[] = [];
    names.forEach((n, i) => add.push(...(i ? ['--'] : []), 'add-br', n, '--', 'set', 'bridge', n, 'datapath_type=netdev',
      'protocols=OpenFlow13', 'fail-mode=secure', `other-config:datapath-id=${(DPID_BASE + BigInt(i + 1)).toString(16).padStart(16, '0')}`));
    await vsctl(...add);
    const all = waitFor(server, (e) => e.type === 'connected', names.length, 120000);
    const setc: string[] = [];
    names.forEach((n, i) => setc.push(...(i ? ['--'] : []), 'set-controller', n, `tcp:127.0.0.1:${port}`));
    const t0 = process.hrtime.bigint();
    await vsctl(...setc);
    await all;
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    console.log(`connect 50 bridges (set-controller to all 'connected', handshake incl. port-desc and desc): ${ms.toFixed(0)} ms (${(ms / 50).toFixed(1)} ms per bridge)`);
  } finally {
    await deleteBridges(names);
    await server.close();
  }
}
