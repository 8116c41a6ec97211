/**
 * `op25b check-config <file>`: validate a config file the way `op25b start`
 * will read it. Prints "ok: <summary>" and exits 0, or every error (key
 * path, value, what was expected) and exits 1.
 */
import type { Command } from 'commander';
import { ConfigError, loadConfig, summarizeConfig } from '../app/config';

export interface CheckResult {
  ok: boolean;
  lines: string[];
}

/** The check itself, without process I/O (for tests). */
export function checkConfigFile(file: string): CheckResult {
  try {
    const cfg = loadConfig(file);
    return { ok: true, lines: [`ok: ${summarizeConfig(cfg)}`] };
  } catch (e) {
    if (e instanceof ConfigError) {
      return { ok: false, lines: [`${file}: ${e.issues.length} error(s)`, ...e.issues.map((i) => `  ${i.message}`)] };
    }
    throw e;
  }
}

export function registerCheckConfig(program: Command): void {
  program
    .command('check-config')
    .description('validate a config file (YAML or JSON): prints a summary, or every error with its key, value and what was expected')
    .argument('<file>', 'config file')
    .action((file: string) => {
      const r = checkConfigFile(file);
      const out = r.ok ? process.stdout : process.stderr;
      out.write(r.lines.join('\n') + '\n');
      if (!r.ok) process.exitCode = 1;
    });
}
