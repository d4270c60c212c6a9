/**
 * `npm run eval [-- --filter TEXT] [--json] [--strict]`: runs the labelled scenarios in
 * fixtures/scenarios through the built CLI and prints recall per category and false positives.
 * Without --strict it always exits 0: it measures, and the numbers are the result.
 */
import { EvalUsageError, parseEvalArgs, USAGE } from './eval-args.js';
import { formatSummary } from './format-summary.js';
import { loadScenarios } from './load-scenario.js';
import { runSuite } from './run-suite.js';
import { isPerfect, summarize } from './score.js';
import { ScenarioError } from './yaml-reader.js';

async function main(argv: readonly string[]): Promise<number> {
  const options = parseEvalArgs(argv);
  if (options.isHelp) {
    process.stdout.write(USAGE);
    return 0;
  }
  const all = await loadScenarios();
  const scenarios = options.filter === null ? all : all.filter((scenario) => scenario.name.includes(options.filter ?? ''));
  if (scenarios.length === 0) throw new EvalUsageError(`no scenario name contains "${options.filter}"`);
  const results = await runSuite(scenarios, {
    concurrency: options.concurrency,
    onDone: (result, done) => process.stderr.write(`eval: ${done}/${scenarios.length} ${result.scenario.name}${result.outcome.isOk ? '' : ' (scan failed)'}\n`),
  });
  const summary = summarize(results);
  process.stdout.write(options.isJson ? `${JSON.stringify(summary, null, 2)}\n` : formatSummary(summary));
  return options.isStrict && !isPerfect(summary) ? 1 : 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof EvalUsageError || error instanceof ScenarioError) {
      process.stderr.write(`eval: ${error.message}\n${error instanceof EvalUsageError ? USAGE : ''}`);
      process.exitCode = 2;
      return;
    }
    throw error;
  },
);
