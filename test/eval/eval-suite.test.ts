import { describe, expect, it } from 'vitest';
import { CATEGORIES } from '../../src/engine/rule.js';
import { loadScenarios } from './load-scenario.js';
import { runSuite } from './run-suite.js';
import { summarize } from './score.js';

// Runs every labelled scenario through the built CLI (npm test builds dist/ first).
describe('the labelled scenario suite', () => {
  it('finds every expected incident and none on benign files', { timeout: 180_000 }, async () => {
    const summary = summarize(await runSuite(await loadScenarios()));
    expect(summary.errors).toEqual([]);
    expect(summary.misses).toEqual([]);
    expect(summary.falsePositives).toEqual([]);
    for (const category of CATEGORIES) expect(summary.categories[category].recall, category).toBe(1);
  });
});
