import { parseArgs } from 'node:util';
import { DEFAULT_CONCURRENCY } from './run-suite.js';

export interface EvalOptions {
  /** Run only scenarios whose folder name contains this. */
  readonly filter: string | null;
  readonly isJson: boolean;
  /** Exit 1 unless recall is 1 everywhere and there is no false positive. */
  readonly isStrict: boolean;
  readonly concurrency: number;
  readonly isHelp: boolean;
}

export const USAGE = `usage: npm run eval -- [--filter TEXT] [--json] [--strict] [--jobs N]

  --filter TEXT  run only the scenarios whose folder name contains TEXT
  --json         print the machine-readable summary instead of the table
  --strict       exit 1 when any category's recall is below 1, on any false positive or failed scan
  --jobs N       scenarios scanned at once (default ${DEFAULT_CONCURRENCY})
`;

/** A mistake in the eval's own arguments; printed without a stack. */
export class EvalUsageError extends Error {
  readonly code = 'eval-usage';
}

/** Reads the eval's command line (what follows `npm run eval --`). */
export function parseEvalArgs(argv: readonly string[]): EvalOptions {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      options: {
        filter: { type: 'string' },
        json: { type: 'boolean', default: false },
        strict: { type: 'boolean', default: false },
        jobs: { type: 'string', default: String(DEFAULT_CONCURRENCY) },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (error) {
    throw new EvalUsageError(error instanceof Error ? error.message : String(error), { cause: error });
  }
  const { values } = parsed;
  const concurrency = Number(values.jobs);
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new EvalUsageError(`--jobs needs a whole number of at least 1, got "${values.jobs}"`);
  return { filter: values.filter ?? null, isJson: values.json, isStrict: values.strict, concurrency, isHelp: values.help };
}
