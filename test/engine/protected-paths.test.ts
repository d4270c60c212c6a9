import { describe, expect, it } from 'vitest';
import { ProtectedPaths, describeCovered } from '../../src/engine/protected-paths.js';
import type { MatcherSpec } from '../../src/engine/rule.js';

function protectedBy(...matches: MatcherSpec[]): ProtectedPaths {
  return ProtectedPaths.fromRules(matches.map((match, index) => ({ id: `rule-${index}`, match })));
}

describe('ProtectedPaths', () => {
  it('protects the paths a rule matches whatever their content', () => {
    const paths = protectedBy({ path: { include: ['*reward*.py', 'shutdown.sh'], exclude: ['docs/'] } });
    expect(paths.isProtected('rl/compute_reward.py')).toBe(true);
    expect(paths.isProtected('docs/reward.py')).toBe(false);
    expect(paths.isProtected('train.py')).toBe(false);
  });

  it('does not count rules whose match depends on content', () => {
    const paths = protectedBy({ all: [{ path: ['*.py'] }, { added: 'return 1' }] }, { scope: 'reward' });
    expect(paths.isProtected('a.py')).toBe(false);
  });

  it('counts a rule limited to some kinds of change as protecting its paths', () => {
    const paths = protectedBy({ all: [{ change: ['modified', 'deleted'] }, { path: ['tests/'] }] });
    expect(paths.isProtected('tests/test_reward.py')).toBe(true);
  });

  it('finds the protected paths an ignore pattern reaches, from the folder of its file', () => {
    const paths = protectedBy({ path: ['*reward*/', 'conftest.py'] });
    expect(paths.coveredBy('rewards/', '')).toContain('rewards/x');
    expect(paths.coveredBy('conftest.py', '')).toEqual(['conftest.py']);
    expect(paths.coveredBy('*', 'experiments')).toEqual(expect.arrayContaining(['experiments/conftest.py']));
    expect(paths.coveredBy('*.log', '')).toEqual([]);
    expect(paths.coveredBy('dist/', '')).toEqual([]);
  });

  it('uses the rules\' flag examples as sample paths', () => {
    const paths = ProtectedPaths.fromRules([
      { id: 'r', match: { path: ['rl_environment/'] }, examples: { flag: [{ file: 'rl_environment/compute_reward.py' }] } },
    ]);
    expect(paths.coveredBy('compute_reward.py', '')).toEqual(['rl_environment/compute_reward.py']);
  });
});

describe('describeCovered', () => {
  it('names a few paths and counts the rest', () => {
    expect(describeCovered(['a', 'b'])).toBe('a, b');
    expect(describeCovered(['a', 'b', 'c', 'd', 'e', 'f', 'g'])).toBe('a, b, c, d, e and 2 more');
  });
});

describe('ProtectedPaths.coveredBy with a pattern that names a protected file itself', () => {
  it('reports the file the pattern names', () => {
    const paths = protectedBy({ path: ['*reward*.py', '*reward*/'] });
    expect(paths.coveredBy('rl/reward_fn.py', '')).toContain('rl/reward_fn.py');
    expect(paths.coveredBy('plugins/zz_*', 'rewards')).toContain('rewards/plugins/zz_');
    expect(paths.coveredBy('notes/todo.txt', '')).toEqual([]);
  });
});
