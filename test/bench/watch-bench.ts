/**
 * `npx tsx test/bench/watch-bench.ts [--edits N] [--burst N] [--files N]`: the built `selfmod
 * watch`, run as a child process on trees made in the temp directory, measured three ways: the
 * latency from an edit to its incident line, a burst of file operations accounted for change by
 * change, and the baseline of a large tree against the floor of reading and hashing it. Prints
 * figures; asserts nothing about wall-clock time, because shared machines are too noisy for that.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BenchUsageError } from './bench-args.js';
import { buildDist } from './build-dist.js';
import { CAN_READ_PROC } from './process-memory.js';
import { measureBaseline } from './watch/baseline.js';
import { measureBurst } from './watch/burst.js';
import { formatBaseline, formatBurst, formatLatency } from './watch/format-watch-results.js';
import { measureLatency } from './watch/latency.js';
import { parseWatchBenchArgs, WATCH_USAGE } from './watch/watch-args.js';

const PROJECT_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SELFMOD_BIN = join(PROJECT_ROOT, 'bin', 'selfmod.js');

function progress(message: string): void {
  process.stderr.write(`watch bench: ${message}\n`);
}

/** Runs `work` in a fresh directory under the OS temp dir and removes it afterwards, whatever happens. */
async function inScratch<T>(name: string, work: (scratch: string) => Promise<T>): Promise<T> {
  const scratch = await mkdtemp(join(tmpdir(), `selfmod-watch-bench-${name}-`));
  try {
    return await work(scratch);
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

async function main(argv: readonly string[]): Promise<number> {
  const options = parseWatchBenchArgs(argv);
  if (options.isHelp) {
    process.stdout.write(WATCH_USAGE);
    return 0;
  }
  const build = buildDist(PROJECT_ROOT);
  if (!build.isFresh) progress(`warning: tsc failed, so the existing dist/ is measured and may be stale:\n${build.output}`);
  if (!CAN_READ_PROC) progress('warning: no /proc here, so memory is not measured');

  const latency = await inScratch('latency', (scratch) => measureLatency(SELFMOD_BIN, scratch, options.edits, options.seed, progress));
  process.stdout.write(`${formatLatency(latency)}\n`);
  const burst = await inScratch('burst', (scratch) => measureBurst(SELFMOD_BIN, scratch, options.burst, options.seed, progress));
  process.stdout.write(`${formatBurst(burst)}\n`);
  const baseline = await inScratch('baseline', (scratch) => measureBaseline(SELFMOD_BIN, scratch, options.files, options.seed, progress));
  process.stdout.write(formatBaseline(baseline));
  return 0;
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (error) {
  if (error instanceof BenchUsageError) {
    process.stderr.write(`watch bench: ${error.message}\n\n${WATCH_USAGE}`);
    process.exitCode = 2;
  } else {
    throw error;
  }
}
