/**
 * Drive the servers with the real radclient (freeradius-utils).
 */
import { execFile, execFileSync } from 'child_process';

let available: boolean | undefined;

export function haveCommand(cmd: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export function radclientAvailable(): boolean {
  if (available === undefined) available = haveCommand('radclient');
  return available;
}

export interface RadclientResult {
  /** radclient's exit status: 0 when every request got an answer. */
  status: number;
  stdout: string;
  stderr: string;
  /** Names of the packets received ("Accounting-Response", "CoA-NAK", ...). */
  received: string[];
}

/**
 * `radclient -x [-r N -t T] HOST:PORT COMMAND SECRET` with `attributes` on
 * stdin (one request; blank lines separate several).
 */
export function radclient(target: string, command: 'acct' | 'status' | 'coa' | 'disconnect' | 'auth', secret: string, attributes: string, opts: { retries?: number; timeout?: number; count?: number } = {}): Promise<RadclientResult> {
  const args = ['-x', '-r', String(opts.retries ?? 1), '-t', String(opts.timeout ?? 2)];
  if (opts.count !== undefined) args.push('-c', String(opts.count));
  args.push(target, command, secret);
  return new Promise((resolve) => {
    const child = execFile('radclient', args, { timeout: 30_000 }, (err, stdout, stderr) => {
      const status = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0;
      const received = [...stdout.matchAll(/Received (\S+) Id/g)].map((m) => m[1]!);
      resolve({ status, stdout, stderr, received });
    });
    child.stdin?.end(attributes);
  });
}
