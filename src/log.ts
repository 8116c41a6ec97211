/**
 * Logging (winston). One logger for the process; modules take a child with
 * their component name: `logger.child({ component: 'switch' })`.
 * Format 'json' (one object per line, for log shippers) or 'human'.
 *
 * Cost per line matters: the attach path logs one line per subscriber event
 * and one per applied change (two per Accounting-Start). So:
 * - one format step per line (bigint -> string, timestamp and the text in
 *   one pass; winston's combine of three formats walked the object three
 *   times and its json format went through safe-stable-stringify);
 * - lines are gathered and go to stderr in one write every 10 ms (stderr is
 *   a pipe or a file, written synchronously by Node: one syscall per line
 *   was ~25 µs each under a storm, and at 1,000 Starts/s every event has
 *   its own turns), at 64 KiB, and on process exit, so nothing is lost on a
 *   normal exit and a line is late by at most ~10 ms.
 */
import { writeSync } from 'fs';
import winston from 'winston';
import type TransportStream from 'winston-transport';

export type LogFormat = 'json' | 'human';

const MESSAGE = Symbol.for('message');

function bigintReplacer(_k: string, v: unknown): unknown {
  return typeof v === 'bigint' ? v.toString() : v;
}

function jsonLine(info: Record<string, unknown>): string {
  try {
    return JSON.stringify(info, bigintReplacer);
  } catch {
    // A cycle (never in our own lines): fall back to a flat, safe rendering.
    const flat: Record<string, string> = {};
    for (const [k, v] of Object.entries(info)) flat[k] = typeof v === 'object' && v !== null ? String(v) : String(v);
    return JSON.stringify(flat);
  }
}

function humanLine(info: Record<string, unknown>): string {
  let extra = '';
  for (const k in info) {
    if (k === 'timestamp' || k === 'level' || k === 'message' || k === 'component') continue;
    const v = info[k];
    extra += ` ${k}=${typeof v === 'string' ? v : typeof v === 'bigint' ? v.toString() : JSON.stringify(v, bigintReplacer)}`;
  }
  return `${String(info.timestamp)} ${String(info.level).padEnd(5)} [${String(info.component ?? 'op25b')}] ${String(info.message)}${extra}`;
}

function formatFor(kind: LogFormat): winston.Logform.Format {
  const render = kind === 'json' ? jsonLine : humanLine;
  return winston.format((info) => {
    const rec = info as unknown as Record<string | symbol, unknown>;
    // bigint (dpids, cookies) is not JSON-serialisable: both renderings print it as a decimal string.
    rec.timestamp = timestamp();
    rec[MESSAGE] = render(rec as Record<string, unknown>);
    return info;
  })();
}

// The ISO timestamp, made once per millisecond (a storm logs several lines in the same one).
let tsMs = -1;
let tsText = '';
function timestamp(): string {
  const now = Date.now();
  if (now !== tsMs) { tsMs = now; tsText = new Date(now).toISOString(); }
  return tsText;
}

// winston's typings call the base class `transport`; at run time it is exported as `Transport`.
const TransportBase = (winston as unknown as { Transport: typeof TransportStream }).Transport;

const FLUSH_MS = 10;

/** Writes formatted lines to stderr, gathered: one write per FLUSH_MS. */
class BatchedStderr extends TransportBase {
  private buf = '';
  private scheduled = false;

  constructor() {
    super();
    process.on('exit', () => this.flushSync());
  }

  override log(info: Record<string | symbol, unknown>, next: () => void): void {
    this.buf += `${String(info[MESSAGE])}\n`;
    if (this.buf.length >= 64 * 1024) this.flush();
    else if (!this.scheduled) {
      this.scheduled = true;
      setTimeout(() => this.flush(), FLUSH_MS).unref();
    }
    next();
  }

  private flush(): void {
    this.scheduled = false;
    if (this.buf === '') return;
    const b = this.buf;
    this.buf = '';
    process.stderr.write(b);
  }

  /** On exit the event loop is gone: write what is left directly. */
  private flushSync(): void {
    if (this.buf === '') return;
    const b = this.buf;
    this.buf = '';
    try { writeSync(2, b); } catch { /* stderr closed */ }
  }
}

/** The process logger. Silent under mocha unless OP25B_TEST_LOG is set. */
export const logger = winston.createLogger({
  level: process.env.OP25B_LOG_LEVEL ?? 'info',
  format: formatFor('human'),
  transports: [new BatchedStderr()],
  silent: process.env.OP25B_TEST === '1' && !process.env.OP25B_TEST_LOG,
});

export function configureLogger(opts: { format?: LogFormat; level?: string }): void {
  if (opts.format) logger.format = formatFor(opts.format);
  if (opts.level) logger.level = opts.level;
}

export type Logger = winston.Logger;
