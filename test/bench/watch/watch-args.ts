import { parseArgs } from 'node:util';
import { BenchUsageError, integerAtLeast } from '../bench-args.js';

export interface WatchBenchOptions {
  /** Edits of protected files whose latency is measured, one at a time. */
  readonly edits: number;
  /** File operations (writes, creates, deletes) made as fast as possible. */
  readonly burst: number;
  /** Files in the tree whose baseline is timed. */
  readonly files: number;
  readonly seed: number;
  readonly isHelp: boolean;
}

export const WATCH_USAGE = `usage: npx tsx test/bench/watch-bench.ts [--edits N] [--burst N] [--files N] [--seed S]

  --edits N   protected-file edits timed from the write to their incident line (default 300)
  --burst N   file writes, creates and deletes made as fast as possible, then accounted for (default 20000)
  --files N   files in the tree whose baseline is timed (default 50000)
  --seed S    seed of the generated trees and the burst's plan (default 1)
`;

/** Reads the watch bench's command line. */
export function parseWatchBenchArgs(argv: readonly string[]): WatchBenchOptions {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: false,
      options: {
        edits: { type: 'string', default: '300' },
        burst: { type: 'string', default: '20000' },
        files: { type: 'string', default: '50000' },
        seed: { type: 'string', default: '1' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (error) {
    throw new BenchUsageError(error instanceof Error ? error.message : String(error), { cause: error });
  }
  const { values } = parsed;
  return {
    edits: integerAtLeast('--edits', values.edits, 1),
    burst: integerAtLeast('--burst', values.burst, 1),
    files: integerAtLeast('--files', values.files, 1),
    seed: integerAtLeast('--seed', values.seed, 0),
    isHelp: values.help,
  };
}
