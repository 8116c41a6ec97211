/**
 * `npm run bench [name...]`: runs every test/bench/*.bench.ts (or the named
 * ones) in turn. Each exports `run(): Promise<void>` and prints its figures
 * and ratios. Benchmarks are never part of `npm test`.
 */
import { readdirSync } from 'fs';
import { join } from 'path';

async function main(): Promise<void> {
  const wanted = process.argv.slice(2);
  const files = readdirSync(__dirname).filter((f) => f.endsWith('.bench.ts')).sort()
    .filter((f) => wanted.length === 0 || wanted.some((w) => f.startsWith(w)));
  if (files.length === 0) throw new Error(`no benchmark matches ${wanted.join(' ')}`);
  for (const f of files) {
    process.stdout.write(`\n=== ${f}\n`);
    const mod = (await import(join(__dirname, f))) as { run: () => Promise<void> };
    await mod.run();
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`bench: ${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
  process.exit(1);
});
