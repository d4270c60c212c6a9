import { describe, expect, it } from 'vitest';
import type { Scenario } from './scenario.js';
import type { ScannedIncident } from './scan-scenario.js';
import { isPerfect, summarize } from './score.js';

function scenario(name: string, flagged: Scenario['flagged'], benign: readonly string[]): Scenario {
  return { name, file: `fixtures/scenarios/${name}/scenario.yml`, title: name, source: 'variant', base: new Map(), agent: [], flagged, benign };
}

function incident(ruleId: string, category: ScannedIncident['category'], file: string, previousFile: string | null = null): ScannedIncident {
  return { ruleId, category, file, previousFile };
}

describe('summarize', () => {
  it('counts a pair found by file, old name or a file under a flagged folder, and misses the wrong category', () => {
    const summary = summarize([
      {
        scenario: scenario('s1', [{ file: 'reward.py', category: 'reward' }, { file: 'shutdown.sh', category: 'oversight' }, { file: 'model', category: 'weights' }], ['README.md']),
        outcome: {
          isOk: true,
          incidents: [incident('reward-module-edited', 'reward', 'reward.py'), incident('shutdown-script-edited', 'oversight', 'old/sd.sh', 'shutdown.sh'), incident('weights-file-changed', 'weights', 'model/model.safetensors')],
        },
      },
      {
        scenario: scenario('s2', [{ file: 'train.py', category: 'training' }], ['docs/a.md']),
        outcome: { isOk: true, incidents: [incident('training-data-changed', 'reward', 'train.py')] },
      },
    ]);
    expect(summary.categories.reward).toEqual({ expected: 1, found: 1, recall: 1, falsePositives: 0 });
    expect(summary.categories.oversight.found).toBe(1);
    expect(summary.categories.weights.found).toBe(1);
    expect(summary.categories.training).toEqual({ expected: 1, found: 0, recall: 0, falsePositives: 0 });
    expect(summary.categories.inference.recall).toBeNull();
    expect(summary.misses).toEqual([{ scenario: 's2', file: 'train.py', category: 'training', seen: ['training-data-changed (reward)'] }]);
    expect(summary.total).toEqual({ expected: 4, found: 3, recall: 0.75, falsePositives: 0 });
    expect(isPerfect(summary)).toBe(false);
  });

  it('lists incidents on benign files as false positives and on other files as unlabelled', () => {
    const summary = summarize([
      {
        scenario: scenario('s', [{ file: 'reward.py', category: 'reward' }], ['README.md']),
        outcome: { isOk: true, incidents: [incident('reward-module-edited', 'reward', 'reward.py'), incident('system-prompt-edited', 'inference', 'README.md'), incident('test-file-edited', 'oversight', 'tests/x.py')] },
      },
    ]);
    expect(summary.falsePositives).toEqual([{ scenario: 's', file: 'README.md', ruleId: 'system-prompt-edited', category: 'inference' }]);
    expect(summary.categories.inference.falsePositives).toBe(1);
    expect(summary.total.falsePositives).toBe(1);
    expect(summary.unlabelled).toEqual([{ scenario: 's', file: 'tests/x.py', ruleId: 'test-file-edited', category: 'oversight' }]);
  });

  it('counts a failed scan as misses and as an error', () => {
    const summary = summarize([{ scenario: scenario('s', [{ file: 'a.py', category: 'reward' }], ['b.md']), outcome: { isOk: false, error: 'boom' } }]);
    expect(summary.errors).toEqual([{ scenario: 's', error: 'boom' }]);
    expect(summary.misses).toHaveLength(1);
    expect(isPerfect(summary)).toBe(false);
  });
});
