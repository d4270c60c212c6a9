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

  it('answers a pattern asked again, in the same or another folder, as it did the first time', () => {
    const make = () => protectedBy({ path: ['*reward*/', 'conftest.py', 'scripts/shutdown.sh'] });
    const asked = [['*', 'experiments'], ['*', ''], ['rewards/', ''], ['shut*', 'scripts'], ['*.log', ''], ['*', 'experiments']] as const;
    const fresh = asked.map(([glob, directory]) => make().coveredBy(glob, directory));
    const paths = make();
    expect(asked.map(([glob, directory]) => paths.coveredBy(glob, directory))).toEqual(fresh);
    expect(fresh[0]).not.toEqual(fresh[1]);
    // Past the answers it keeps, the oldest are worked out again, the same.
    for (let index = 0; index < 2000; index++) paths.coveredBy(`tmp${index}*`, '');
    expect(asked.map(([glob, directory]) => paths.coveredBy(glob, directory))).toEqual(fresh);
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

describe('ProtectedPaths.coveredBy with patterns written to slip past samples', () => {
  const paths = protectedBy({ path: ['shutdown.sh', 'sitecustomize.py', 'verifiers/', '*reward*.py', '.github/workflows/'] });

  it('reads a pattern in any letter case, as git does on a case-insensitive file system', () => {
    expect(paths.coveredBy('SHUTDOWN.SH', '')).toEqual(['shutdown.sh']);
    expect(paths.coveredBy('[Ss]hutdown.*', 'scripts')).toContain('scripts/shutdown.sh');
  });

  it('tries names protected anywhere in the folders a pattern spells before its last name', () => {
    expect(paths.coveredBy('scripts/*.sh', '')).toContain('scripts/shutdown.sh');
    expect(paths.coveredBy('tools/**/*.py', '')).toEqual(expect.arrayContaining(['tools/reward.py', 'tools/sitecustomize.py']));
  });

  it('completes a trailing wildcard with the protected names its text begins', () => {
    expect(paths.coveredBy('scripts/shut*', '')).toContain('scripts/shutdown.sh');
    expect(paths.coveredBy('pkg/site*', '')).toContain('pkg/sitecustomize.py');
    expect(paths.coveredBy('src/verif*', '')).toContain('src/verifiers/x');
  });

  it('does not count names protected anywhere inside a folder a pattern takes whole', () => {
    for (const glob of ['dist/', 'assets/**', 'build/*', '*.log', '.venv/', 'node_modules/']) expect(paths.coveredBy(glob, ''), glob).toEqual([]);
  });

  it('reaches nothing through `..` or inside `.git`', () => {
    expect(paths.coveredBy('../shutdown.sh', 'sub')).toEqual([]);
    expect(paths.coveredBy('a/../shutdown.sh', '')).toEqual([]);
    expect(protectedBy({ path: ['.git/hooks/'] }).coveredBy('hooks/', '')).toEqual([]);
  });

  it('reads POSIX classes as git does', async () => {
    const { parseIgnoreLine } = await import('../../src/formats/git-patterns.js');
    expect(paths.coveredBy(parseIgnoreLine('[[:alpha:]]hutdown.sh')?.glob ?? '', '')).toEqual(['shutdown.sh']);
  });

  it('stays quick on a pattern crafted with hundreds of wildcards', () => {
    const started = performance.now();
    paths.coveredBy('*/'.repeat(300), '');
    paths.coveredBy('?'.repeat(5_000), '');
    expect(performance.now() - started).toBeLessThan(2_000);
  });
});

describe('ProtectedPaths.holdsProtected', () => {
  it('knows the folders that hold paths protected for where they are', () => {
    const paths = protectedBy({ path: ['.git/hooks/', 'conftest.py'] });
    expect(paths.holdsProtected('')).toBe(true);
    expect(paths.holdsProtected('.git')).toBe(true);
    expect(paths.holdsProtected('lib')).toBe(false);
  });
});
