/**
 * Logging (winston). One logger for the process; modules take a child with
 * their component name: `logger.child({ component: 'switch' })`.
 * Format 'json' (one object per line, for log shippers) or 'human'.
 */
import winston from 'winston';

export type LogFormat = 'json' | 'human';

function formatFor(kind: LogFormat): winston.Logform.Format {
  // bigint (dpids, cookies) is not JSON-serialisable: print it as a decimal string.
  const bigints = winston.format((info) => {
    for (const [k, v] of Object.entries(info)) {
      if (typeof v === 'bigint') (info as Record<string, unknown>)[k] = v.toString();
    }
    return info;
  })();
  if (kind === 'json') return winston.format.combine(bigints, winston.format.timestamp(), winston.format.json());
  return winston.format.combine(
    bigints,
    winston.format.timestamp(),
    winston.format.printf((info) => {
      const { timestamp, level, message, component, ...rest } = info as Record<string, unknown>;
      const extra = Object.entries(rest)
        .filter(([k]) => typeof k === 'string' && !k.startsWith('Symbol('))
        .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
        .join(' ');
      return `${String(timestamp)} ${String(level).padEnd(5)} [${String(component ?? 'op25b')}] ${String(message)}${extra ? ' ' + extra : ''}`;
    }),
  );
}

/** The process logger. Silent under mocha unless OP25B_TEST_LOG is set. */
export const logger = winston.createLogger({
  level: process.env.OP25B_LOG_LEVEL ?? 'info',
  format: formatFor('human'),
  transports: [new winston.transports.Console({ stderrLevels: ['error', 'warn', 'info', 'debug', 'verbose', 'silly'] })],
  silent: process.env.OP25B_TEST === '1' && !process.env.OP25B_TEST_LOG,
});

export function configureLogger(opts: { format?: LogFormat; level?: string }): void {
  if (opts.format) logger.format = formatFor(opts.format);
  if (opts.level) logger.level = opts.level;
}

export type Logger = winston.Logger;
