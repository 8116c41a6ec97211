#!/usr/bin/env node
/**
 * The `op25b` command. Each area registers its own subcommands from its
 * module (register(program)); this file only assembles them.
 */
import { Command } from 'commander';
import { registerCheckConfig } from './check-config';
import { registerNoc } from './noc';
import { registerOfp } from './ofp';
import { registerStart } from './start';

export function buildProgram(): Command {
  const program = new Command();
  program
    .name('op25b')
    .description('OP25B controller: Outbound Port 25 Blocking on OpenFlow 1.3 access switches')
    .showHelpAfterError();
  // Subcommand registrations (one line per area):
  registerCheckConfig(program);
  registerOfp(program);
  registerStart(program);
  registerNoc(program);
  return program;
}

if (require.main === module) {
  buildProgram().parseAsync(process.argv).catch((e: unknown) => {
    process.stderr.write(`op25b: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  });
}
