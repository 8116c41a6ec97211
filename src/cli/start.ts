/**
 * `op25b start --config FILE`: the controller process.
 *
 * Start-up order: store (sessions and overrides loaded), controller, OpenFlow
 * listener, RADIUS accounting and CoA listeners. One "controller ready" log
 * line gives every bound address (ports may be 0 = ephemeral in the config).
 *
 * Signals
 * - SIGTERM / SIGINT: RADIUS stops answering first (a NAS retransmits what
 *   we no longer answer), then the controller finishes the batches in
 *   flight, the switch connections close (switches keep their flows:
 *   fail-mode secure), and the store closes last. Exit code 0.
 * - SIGHUP: the config file is read again; a bad one is logged and the old
 *   one kept; a good one replaces the policy and every switch is reconciled
 *   from the reconciler's index (only what changed is sent). Listener
 *   addresses, RADIUS clients/mapping and the store need a restart.
 *
 * A start-up failure (bad config, port in use, store unopenable) prints one
 * line `op25b start: ...` and exits with code 1.
 */
import type { Command } from 'commander';
import { configureLogger, logger as rootLogger, type LogFormat } from '../log';
import { ConfigError, loadConfig, type Config } from '../app/config';
import { startController, type RunningController } from '../app/run';

export interface StartCliOptions {
  config: string;
  logFormat?: string;
  logLevel?: string;
}

export function registerStart(program: Command): void {
  program
    .command('start')
    .description('run the controller: OpenFlow listener, RADIUS accounting/CoA, reconciler, store')
    .requiredOption('-c, --config <file>', 'config file (YAML or JSON)')
    .option('--log-format <format>', 'json or human (overrides the config)')
    .option('--log-level <level>', 'error, warn, info or debug (overrides the config)')
    .action(async (o: StartCliOptions) => {
      await runStart(o);
    });
}

function applyLogOptions(cfg: Config, o: StartCliOptions): void {
  const format = (o.logFormat ?? cfg.log.format) as LogFormat;
  configureLogger({ format, level: o.logLevel ?? cfg.log.level });
}

function oneLine(e: unknown): string {
  if (e instanceof ConfigError) return `${e.source}: ${e.issues.map((i) => i.message).join('; ')}`;
  const code = (e as { code?: string }).code;
  const msg = e instanceof Error ? e.message : String(e);
  return code && !msg.includes(code) ? `${msg} (${code})` : msg;
}

/** Run until a terminating signal. Exits the process with 1 on a start-up failure. */
export async function runStart(o: StartCliOptions): Promise<void> {
  if (o.logFormat !== undefined && o.logFormat !== 'json' && o.logFormat !== 'human') {
    fail(`--log-format ${JSON.stringify(o.logFormat)} (expected json or human)`);
  }
  let cfg: Config;
  let running: RunningController;
  try {
    cfg = loadConfig(o.config);
    applyLogOptions(cfg, o);
    running = await startController(cfg);
  } catch (e) {
    fail(oneLine(e));
  }
  const log = rootLogger.child({ component: 'start' });
  let stopping = false;
  const shutdown = (sig: string): void => {
    if (stopping) return;
    stopping = true;
    log.info('shutting down', { signal: sig });
    running.close().then(() => {
      log.info('stopped; flows stay on the switches');
      process.exit(0);
    }, (e: unknown) => {
      process.stderr.write(`op25b start: shutdown failed: ${oneLine(e)}\n`);
      process.exit(1);
    });
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGHUP', () => {
    let next: Config;
    try {
      next = loadConfig(o.config);
    } catch (e) {
      log.error('config reload refused; keeping the running config', { error: oneLine(e) });
      return;
    }
    applyLogOptions(next, o);
    running.reload(next).then(
      (r) => log.info('config reloaded', r),
      (e: unknown) => log.error('config reload failed', { error: oneLine(e) }),
    );
  });
  // Stay alive: listeners keep the event loop busy.
  await new Promise<void>(() => undefined);
}

function fail(msg: string): never {
  process.stderr.write(`op25b start: ${msg.replace(/\n/g, ' ')}\n`);
  process.exit(1);
}
