import { availableParallelism } from 'node:os';
import type { Scenario } from './scenario.js';
import { scanScenario } from './scan-scenario.js';
import type { ScenarioResult } from './score.js';

/** Scenarios scanned at once: each is a few git processes and one selfmod process, mostly waiting. */
export const DEFAULT_CONCURRENCY = Math.min(4, Math.max(2, availableParallelism()));

/**
 * Scans every scenario, `concurrency` at a time, and returns the results in the scenarios' order.
 * `onDone` hears of each as it finishes (for progress lines).
 */
export async function runSuite(
  scenarios: readonly Scenario[],
  options: { concurrency?: number; onDone?: (result: ScenarioResult, done: number) => void } = {},
): Promise<ScenarioResult[]> {
  const results: ScenarioResult[] = new Array<ScenarioResult>(scenarios.length);
  let next = 0;
  let done = 0;
  const lane = async () => {
    while (next < scenarios.length) {
      const index = next++;
      const scenario = scenarios[index] as Scenario;
      const result = { scenario, outcome: await scanScenario(scenario) };
      results[index] = result;
      options.onDone?.(result, ++done);
    }
  };
  const lanes = Math.max(1, Math.min(options.concurrency ?? DEFAULT_CONCURRENCY, scenarios.length));
  await Promise.all(Array.from({ length: lanes }, lane));
  return results;
}
