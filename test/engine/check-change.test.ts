import { describe, expect, it } from 'vitest';
import { checkChange } from '../../src/engine/check-change.js';
import { compileRules } from '../../src/engine/load-rules.js';
import type { MatcherSpec, RuleDefinition, RuleExample } from '../../src/engine/rule.js';
import { exampleToChange } from '../../src/engine/rule-tester.js';
import { ScopeCache } from '../../src/engine/scope-cache.js';

function rule(match: MatcherSpec, id = 'test-rule'): RuleDefinition {
  return {
    id,
    category: 'reward',
    severity: 'high',
    description: 'test',
    message: '{scope} in {file} ({change})',
    match,
    examples: { flag: [{ file: 'x' }] },
    source: { file: 'test.yml', line: 1 },
  };
}

async function run(match: MatcherSpec, example: RuleExample) {
  return checkChange(exampleToChange(example), compileRules([rule(match)]));
}

const REWARD_FILE = {
  file: 'rl/env.py',
  before: [
    'class Env:',
    '    def step(self, action):',
    '        return self.obs, 0.0',
    '',
    'def compute_reward(traj):',
    '    """Docs mention def helper(): nothing."""',
    '    total = sum(traj)',
    '    return total',
    '',
    'def plot(traj):',
    '    return draw(traj)',
    '',
  ].join('\n'),
};

describe('checkChange', () => {
  it('attributes an edit to the enclosing function found in the file, not the hunk header', async () => {
    const after = REWARD_FILE.before.replace('    return total', '    return 1.0');
    const incidents = await run({ scope: 'reward' }, { ...REWARD_FILE, after });
    expect(incidents).toHaveLength(1);
    expect(incidents[0]).toMatchObject({ scopes: ['compute_reward'], message: 'compute_reward in rl/env.py (modified)' });
    expect(incidents[0]!.evidence).toEqual([
      { side: 'removed', line: 8, text: '    return total' },
      { side: 'added', line: 8, text: '    return 1.0' },
    ]);
  });

  it('does not attribute an edit in another function of the same file', async () => {
    const after = REWARD_FILE.before.replace('    return draw(traj)', '    return draw(traj, color="red")');
    expect(await run({ scope: 'reward' }, { ...REWARD_FILE, after })).toEqual([]);
  });

  it('finds the scope of removed lines in the old file (a deleted function)', async () => {
    const after = REWARD_FILE.before.replace(/def compute_reward[\s\S]*?return total\n\n/, '');
    const incidents = await run({ scope: { name: '^compute_reward$', kind: 'function' } }, { ...REWARD_FILE, after });
    expect(incidents).toHaveLength(1);
    expect(incidents[0]!.evidence.every((line) => line.side === 'removed')).toBe(true);
  });

  it('intersects line sets in all: the pattern must match inside the scope', async () => {
    const match: MatcherSpec = { all: [{ scope: 'reward' }, { added: 'return\\s+[-+]?\\d' }] };
    const constantElsewhere = REWARD_FILE.before.replace('    return draw(traj)', '    return 0').replace('    total = sum(traj)', '    total = sum(traj) + 0');
    expect(await run(match, { ...REWARD_FILE, after: constantElsewhere })).toEqual([]);
    const constantInside = REWARD_FILE.before.replace('    return total', '    return 1');
    const incidents = await run(match, { ...REWARD_FILE, after: constantInside });
    expect(incidents[0]!.evidence).toEqual([{ side: 'added', line: 8, text: '    return 1' }]);
  });

  it('combines file-level and line-level matchers', async () => {
    const example = { file: 'configs/a.yaml', before: 'lr: 1\nname: x\n', after: 'lr: 2\nname: y\n' };
    expect(await run({ all: [{ path: ['*.yaml'] }, { added: '^lr:' }] }, example)).toHaveLength(1);
    expect(await run({ all: [{ path: ['*.py'] }, { added: '^lr:' }] }, example)).toEqual([]);
    expect(await run({ any: [{ path: ['*.py'] }, { added: '^lr:' }] }, example)).toHaveLength(1);
    expect(await run({ all: [{ path: ['*.yaml'] }, { not: { added: '^name:' } }] }, example)).toEqual([]);
    expect(await run({ all: [{ path: ['*.yaml'] }, { not: { added: '^epochs:' } }] }, example)).toHaveLength(1);
  });

  it('matches the side a line pattern names, with exclude and ignoreCase', async () => {
    const example = { file: 't.py', before: 'assert x == 1\n', after: '# assert nothing\npass\n' };
    expect(await run({ removed: '^\\s*assert ' }, example)).toHaveLength(1);
    expect(await run({ added: '^\\s*assert ' }, example)).toEqual([]);
    expect(await run({ changed: { pattern: 'ASSERT', ignoreCase: true, exclude: '^#' } }, example)).toHaveLength(1);
    expect(await run({ added: { pattern: 'ASSERT', ignoreCase: true, exclude: '^#' } }, example)).toEqual([]);
  });

  it('matches a rename by either path, and change kinds', async () => {
    const moved = { file: 'utils/helpers.py', previousFile: 'rewards/compute.py', before: 'x\n', after: 'x\n' };
    expect(await run({ path: ['rewards/'] }, moved)).toHaveLength(1);
    expect(await run({ change: ['renamed'] }, moved)).toHaveLength(1);
    expect(await run({ change: ['deleted'] }, moved)).toEqual([]);
    expect(await run({ change: ['deleted'] }, { file: 'shutdown.sh', before: 'kill\n' })).toHaveLength(1);
    expect(await run({ change: ['mode'] }, { file: 'shutdown.sh', before: 'kill\n', after: 'kill\n', oldMode: '100755', newMode: '100644' })).toHaveLength(1);
  });

  it('matches the direction of a mode change', async () => {
    const runBitRemoved = { file: 'shutdown.sh', before: 'kill\n', after: 'kill\n', oldMode: '100755', newMode: '100644' };
    const runBitAdded = { ...runBitRemoved, oldMode: '100644', newMode: '100755' };
    expect(await run({ mode: { from: '100755', to: '100644' } }, runBitRemoved)).toHaveLength(1);
    expect(await run({ mode: { from: '100755', to: '100644' } }, runBitAdded)).toEqual([]);
    expect(await run({ mode: { from: '100755' } }, { file: 'shutdown.sh', before: 'kill\n', oldMode: '100755' })).toEqual([]);
    expect(await run({ mode: { to: '120000' } }, { file: 'w.bin', before: 'x\n', after: '/ref/w.bin', oldMode: '100644', newMode: '120000' })).toHaveLength(1);
  });

  it('gives the same incident the same id, whatever the line numbers', async () => {
    const a = await run({ added: 'return 1' }, { file: 'r.py', before: 'return 0\n', after: 'return 1\n' });
    const b = await run({ added: 'return 1' }, { file: 'r.py', before: 'x\ny\nreturn 0\n', after: 'x\ny\nreturn 1\n' });
    const c = await run({ added: 'return 1' }, { file: 'r.py', before: 'return 0\n', after: 'return 10\n' });
    expect(a[0]!.id).toMatch(/^[0-9a-f]{16}$/);
    expect(a[0]!.id).toBe(b[0]!.id);
    expect(a[0]!.id).not.toBe(c[0]!.id);
  });

  it('carries binary facts and a diff for binary changes', async () => {
    const incidents = await run({ path: ['*.safetensors'] }, { file: 'm.safetensors', binary: true, before: 'a', after: 'bb' });
    expect(incidents[0]!.binary).toMatchObject({ oldSize: 3, newSize: 5 });
    expect(incidents[0]!.diff).toContain('Binary files a/m.safetensors and b/m.safetensors differ');
    expect(incidents[0]!.evidence).toEqual([]);
  });
});

describe('checkChange with a scope cache shared along a history', () => {
  it('finds a scope in a version whose names were derived from the next version and the diff', async () => {
    const v1 = REWARD_FILE.before;
    const v2 = v1.replace('    return total', '    return 1.0');
    const v3 = v2.replace('    return draw(traj)', '    return draw(traj, color="red")');
    const rules = compileRules([rule({ scope: 'reward' })]);
    const cache = new ScopeCache();
    // Newest first, as history is read: the second change's new version is the first one's old.
    const newer = exampleToChange({ file: REWARD_FILE.file, before: v2, after: v3 });
    const older = exampleToChange({ file: REWARD_FILE.file, before: v1, after: v2 });
    expect(await checkChange(newer, rules, cache)).toEqual([]);
    const incidents = await checkChange(older, rules, cache);
    expect(incidents.map((incident) => incident.scopes)).toEqual([['compute_reward']]);
    expect(incidents[0]!.evidence.map((line) => line.side)).toEqual(['removed', 'added']);
  });

  it('still finds a function that only the derived version declares', async () => {
    const v1 = REWARD_FILE.before;
    const v2 = v1.replace(/def compute_reward[\s\S]*?return total\n\n/, '');
    const v3 = v2.replace('    return draw(traj)', '    return draw(traj, color="red")');
    const rules = compileRules([rule({ scope: 'reward' })]);
    const cache = new ScopeCache();
    await checkChange(exampleToChange({ file: REWARD_FILE.file, before: v2, after: v3 }), rules, cache);
    const incidents = await checkChange(exampleToChange({ file: REWARD_FILE.file, before: v1, after: v2 }), rules, cache);
    expect(incidents.map((incident) => incident.scopes)).toEqual([['compute_reward']]);
  });
});

describe('line patterns on a file saved with CRLF line endings', () => {
  it('match as they do on the same lines ending in LF', async () => {
    const example = {
      file: 'rl/compute_reward.py',
      before: 'def compute_reward(t):\r\n    return score(t)\r\n',
      after: 'def compute_reward(t):\r\n    return 1.0\r\n',
    };
    const incidents = await run({ all: [{ scope: 'compute_reward' }, { added: '^\\s*return 1\\.0$' }] }, example);
    expect(incidents).toHaveLength(1);
    expect(incidents[0]?.evidence.map((line) => line.text)).toEqual(['    return 1.0\r']);
  });
});

describe('line patterns on a file whose lines end in a lone carriage return', () => {
  it('test each of the lines git sees as one', async () => {
    const example = {
      file: 'rl/compute_reward.py',
      before: 'def compute_reward(t):\r    return score(t)\r',
      after: 'def compute_reward(t):\r    return 1.0\r',
    };
    const incidents = await run({ added: '^\\s*return 1\\.0$' }, example);
    expect(incidents).toHaveLength(1);
  });

  it('gives each of those lines\' scopes, so an edit to the second function is not the first one\'s', async () => {
    const example = {
      file: 'rl/env.py',
      before: 'def helper(t):\r    return t\r\rdef compute_reward(t):\r    return score(t)\r',
      after: 'def helper(t):\r    return t\r\rdef compute_reward(t):\r    return 1.0\r',
    };
    const incidents = await run({ scope: { name: '^compute_reward$', kind: 'function' } }, example);
    expect(incidents).toHaveLength(1);
    expect(incidents[0]?.scopes).toEqual(['compute_reward']);
    expect(await run({ scope: { name: '^plot$', kind: 'function' } }, example)).toHaveLength(0);
  });
});
