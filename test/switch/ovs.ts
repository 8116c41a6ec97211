/** Open vSwitch helpers for the switch lab tests and the bench: bridges named with the `sw` prefix only. */
import { execFile, execFileSync } from 'child_process';
import { promisify } from 'util';

const run = promisify(execFile);

/** Why OVS tests cannot run here, or undefined when they can. */
export function ovsUnavailable(): string | undefined {
  if (typeof process.getuid === 'function' && process.getuid() !== 0) return 'not root (OVS tests need root)';
  try {
    execFileSync('ovs-vsctl', ['--timeout=5', 'show'], { stdio: 'ignore' });
  } catch {
    return 'ovs-vsctl does not work (apt-get install openvswitch-switch; /usr/share/openvswitch/scripts/ovs-ctl start)';
  }
  return undefined;
}

export async function vsctl(...args: string[]): Promise<string> {
  return (await run('ovs-vsctl', ['--timeout=20', ...args])).stdout;
}

export async function ofctl(...args: string[]): Promise<string> {
  return (await run('ovs-ofctl', ['-O', 'OpenFlow13', ...args])).stdout;
}

export function dpidOf(n: number): string {
  return n.toString(16).padStart(16, '0');
}

/** ovs-vsctl arguments adding a userspace OpenFlow 1.3 bridge, fail-mode secure, pointed at our controller. */
export function addBridgeArgs(name: string, dpid: bigint, port: number): string[] {
  return [
    '--may-exist', 'add-br', name, '--', 'set', 'bridge', name, 'datapath_type=netdev', 'protocols=OpenFlow13',
    'fail-mode=secure', `other-config:datapath-id=${dpid.toString(16).padStart(16, '0')}`,
    '--', 'set-controller', name, `tcp:127.0.0.1:${port}`,
  ];
}

export async function addBridges(bridges: { name: string; dpid: bigint }[], port: number): Promise<void> {
  // One transaction: all bridges appear (and start connecting) together.
  const args: string[] = [];
  for (const b of bridges) args.push(...(args.length ? ['--'] : []), ...addBridgeArgs(b.name, b.dpid, port));
  await vsctl(...args);
}

export async function deleteBridges(names: string[]): Promise<void> {
  const args: string[] = [];
  for (const n of names) args.push(...(args.length ? ['--'] : []), '--if-exists', 'del-br', n);
  if (args.length) await vsctl(...args);
}
