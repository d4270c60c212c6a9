/**
 * `npm run bench [-- path] [--suite NAME]`: selfmod's time and peak memory on a long history, next
 * to the floor of plain `git log -p` over the same commits, measured in the same run; then the other
 * suites (suites.ts), each a script of its own. Prints figures and ratios; it asserts nothing about
 * wall-clock time, because shared machines are too noisy for that.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BenchUsageError, parseBenchArgs, USAGE, type BenchOptions } from './bench-args.js';
import { buildDist } from './build-dist.js';
import { measureSelfmod, NEVER_MATCHING_RULE, ScanFailedError } from './commands.js';
import { formatResults } from './format-results.js';
import { git } from './git-process.js';
import { describeHistory } from './history-facts.js';
import { CAN_READ_PROC } from './process-memory.js';
import { compareWithFloor, measureGrowth } from './scenarios.js';
import { runScriptSuite, SCRIPT_SUITES } from './suites.js';
import { ensureSyntheticRepo } from './synthetic-repo.js';

const PROJECT_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SELFMOD_BIN = join(PROJECT_ROOT, 'bin', 'selfmod.js');

function progress(message: string): void {
  process.stderr.write(`bench: ${message}\n`);
}

async function main(argv: readonly string[]): Promise<number> {
  const options = parseBenchArgs(argv);
  if (options.isHelp) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (options.suite === null || options.suite === 'scan') await runScanSuite(options);
  // One after the other, like `a && b`: a suite that fails stops the rest.
  for (const name of Object.keys(SCRIPT_SUITES) as Array<keyof typeof SCRIPT_SUITES>) {
    if (options.suite !== null && options.suite !== name) continue;
    progress(`suite ${name}`);
    const exitCode = await runScriptSuite(name);
    if (exitCode !== 0) return exitCode;
  }
  return 0;
}

/** The scan benchmark: selfmod scan against `git log -p` on one history. */
async function runScanSuite(options: BenchOptions): Promise<void> {
  const build = buildDist(PROJECT_ROOT);
  if (!build.isFresh) progress(`warning: tsc failed, so the existing dist/ is measured and may be stale:\n${build.output}`);
  if (!CAN_READ_PROC) progress('warning: no /proc here, so memory is not measured');

  const root = await prepareRepository(options);
  progress('counting the history and warming the page cache');
  const facts = await describeHistory(root);
  const scratch = await mkdtemp(join(tmpdir(), 'selfmod-bench-report-'));
  try {
    const reportPath = join(scratch, 'report.json');
    const comparison = await compareWithFloor(SELFMOD_BIN, root, reportPath, options.runs, (round, floor, selfmod) =>
      progress(`run ${round + 1}/${options.runs}: git log -p ${floor.seconds.toFixed(2)} s, selfmod ${selfmod.seconds.toFixed(2)} s`),
    );
    progress('selfmod with one rule that matches nothing');
    const rulePath = join(scratch, 'never-matches.yml');
    await writeFile(rulePath, NEVER_MATCHING_RULE);
    const pipeline = await measureSelfmod(SELFMOD_BIN, root, reportPath, { ruleArgs: ['--no-default-rules', '--rules', rulePath] });
    const growth = await measureGrowth(SELFMOD_BIN, root, reportPath, (commits) => progress(`memory on the newest ${commits} commits`));
    process.stdout.write(formatResults({ facts, ...comparison, pipeline: pipeline.measurement, growth }));
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/** The repository to measure: the one given, or the synthetic one (built once, then cached). */
async function prepareRepository(options: BenchOptions): Promise<string> {
  if (options.repoPath !== null) {
    const root = resolve(options.repoPath);
    if (!existsSync(root)) throw new BenchUsageError(`no such directory: ${root}`);
    try {
      await git(root, ['rev-parse', '--verify', '--quiet', 'HEAD^{commit}']);
    } catch (error) {
      throw new BenchUsageError(`not a git repository with commits: ${root}`, { cause: error });
    }
    progress(`repository ${root}`);
    return root;
  }
  const startedAt = performance.now();
  const repo = await ensureSyntheticRepo({ commits: options.commits, seed: options.seed });
  const took = repo.isCached ? 'cached' : `built in ${((performance.now() - startedAt) / 1000).toFixed(1)} s`;
  progress(`synthetic repository ${repo.root} (${took})`);
  return repo.root;
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (error) {
  if (error instanceof BenchUsageError) {
    process.stderr.write(`bench: ${error.message}\n\n${USAGE}`);
    process.exitCode = 2;
  } else if (error instanceof ScanFailedError) {
    process.stderr.write(`bench: ${error.message}\n`);
    process.exitCode = 1;
  } else {
    throw error;
  }
}
