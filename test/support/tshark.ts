/**
 * Running tshark (Wireshark's command-line dissector) over a pcap written by a
 * test, and reading its JSON output: shared by the OpenFlow and RADIUS
 * encoder-vs-Wireshark tests.
 */
import { spawnSync } from 'child_process';

/** One node of tshark's `-T json` output. */
export type Json = Record<string, unknown>;

/** Wireshark expert severities (epan/proto.h PI_*): note 0x400000, warn 0x600000, error 0x800000. */
export const PI_WARN = 0x600000;

/** tshark's version, or undefined when it is not installed or does not run. */
export function tsharkVersion(): string | undefined {
  const r = spawnSync('tshark', ['-v'], { encoding: 'utf8' });
  if (r.error || r.status !== 0) return undefined;
  return /TShark \(Wireshark\) (\S+)/.exec(r.stdout)?.[1] ?? 'unknown version';
}

/**
 * Dissect `file` with `tshark -n -r file ARGS -T json --no-duplicate-keys`; returns each
 * frame's layers by frame number (from 1). Throws with tshark's stderr when it fails.
 */
export function tsharkFrames(file: string, args: string[], opts: { env?: NodeJS.ProcessEnv; maxBuffer?: number } = {}): Map<number, Json> {
  const r = spawnSync('tshark', ['-n', '-r', file, ...args, '-T', 'json', '--no-duplicate-keys'],
    { encoding: 'utf8', maxBuffer: opts.maxBuffer ?? 256 * 1024 * 1024, env: opts.env ?? process.env });
  if (r.status !== 0) throw new Error(`tshark ${tsharkVersion() ?? ''} failed (status ${r.status}): ${r.error?.message ?? r.stderr}`);
  const byFrame = new Map<number, Json>();
  for (const p of JSON.parse(r.stdout) as Json[]) {
    const layers = (p['_source'] as Json)['layers'] as Json;
    byFrame.set(Number((layers['frame'] as Json)['frame.number']), layers);
  }
  return byFrame;
}

/** With --no-duplicate-keys a repeated subtree is an array, a single one an object. */
export function list(v: unknown): Json[] {
  if (v === undefined) return [];
  return (Array.isArray(v) ? v : [v]) as Json[];
}

/** Every expert item (`_ws.expert`) below `o`, with the path of keys leading to it. */
export function experts(o: unknown, path = ''): { path: string; message: string; severity: number }[] {
  const out: { path: string; message: string; severity: number }[] = [];
  if (typeof o !== 'object' || o === null) return out;
  for (const [k, v] of Object.entries(o as Json)) {
    if (k === '_ws.expert') {
      for (const e of list(v)) out.push({ path, message: String(e['_ws.expert.message']), severity: Number(e['_ws.expert.severity']) });
    } else if (Array.isArray(v)) {
      for (const e of v) out.push(...experts(e, `${path}/${k}`));
    } else out.push(...experts(v, `${path}/${k}`));
  }
  return out;
}
