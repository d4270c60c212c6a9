import { parseArgs } from 'node:util';
import { SUITE_NAMES, type SuiteName } from './suites.js';

export interface BenchOptions {
  /** A real repository to scan instead of the synthetic one. */
  readonly repoPath: string | null;
  readonly commits: number;
  readonly seed: number;
  /** How many times each command is measured. */
  readonly runs: number;
  /** The one suite to run, or null for all of them in order. */
  readonly suite: SuiteName | null;
  readonly isHelp: boolean;
}

export const USAGE = `usage: npm run bench -- [path] [--commits N] [--seed S] [--runs R] [--suite NAME]

  path          scan this repository's whole HEAD history instead of a synthetic one
  --commits N   commits in the synthetic repository (default 5000)
  --seed S      seed of the synthetic repository (default 1)
  --runs R      measurements of each command, alternating (default 3)
  --suite NAME  run one suite: ${SUITE_NAMES.join(', ')}, or all (default: all, in that order).
                The flags above are the scan suite's; the others run with their defaults
                (npx tsx test/bench/<suite>-bench.ts --help for theirs)
`;

/** A mistake in the bench's own arguments or input; printed without a stack. */
export class BenchUsageError extends Error {
  readonly code = 'bench-usage';
}

/** Reads the bench's command line (what follows `npm run bench --`). */
export function parseBenchArgs(argv: readonly string[]): BenchOptions {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: {
        commits: { type: 'string', default: '5000' },
        seed: { type: 'string', default: '1' },
        runs: { type: 'string', default: '3' },
        suite: { type: 'string', default: 'all' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (error) {
    throw new BenchUsageError(error instanceof Error ? error.message : String(error), { cause: error });
  }
  const { values, positionals } = parsed;
  if (positionals.length > 1) throw new BenchUsageError(`expected at most one repository path, got ${positionals.length}`);
  const suite = values.suite === 'all' ? null : SUITE_NAMES.find((name) => name === values.suite);
  if (suite === undefined) throw new BenchUsageError(`--suite needs one of ${SUITE_NAMES.join(', ')} or all, got "${values.suite}"`);
  if (positionals[0] !== undefined && suite !== null && suite !== 'scan') throw new BenchUsageError(`a repository path is for the scan suite, not --suite ${suite}`);
  return {
    repoPath: positionals[0] ?? null,
    commits: integerAtLeast('--commits', values.commits, 2),
    seed: integerAtLeast('--seed', values.seed, 0),
    runs: integerAtLeast('--runs', values.runs, 1),
    suite,
    isHelp: values.help,
  };
}

/** A flag's value as a whole number of at least `minimum`; anything else is a usage error. */
export function integerAtLeast(flag: string, text: string, minimum: number): number {
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < minimum) throw new BenchUsageError(`${flag} needs an integer of at least ${minimum}, got "${text}"`);
  return value;
}
