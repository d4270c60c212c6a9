import { describe, expect, it } from 'vitest';
import { declaredNames, ScopeCache } from '../../src/engine/scope-cache.js';

describe('declaredNames', () => {
  it('finds def, async def and class names at line starts, at any indentation', () => {
    const text = [
      'import os',
      'class GRPOTrainer(Trainer):',
      '    def compute_loss(self, model):',
      '\tasync def  generate(self):',
      '        x = "not def here"',
      'undefined = 1',
      'redef = 2',
      '    async  def step(self): pass',
      'def compute_reward(completions, **kwargs):',
      'classic = 3',
      'def',
      '    def ünïcode_score(x):',
    ].join('\n');
    expect(declaredNames(Buffer.from(text))).toEqual([
      { kind: 'function', name: 'compute_loss' },
      { kind: 'function', name: 'generate' },
      { kind: 'function', name: 'step' },
      { kind: 'function', name: 'compute_reward' },
      { kind: 'function', name: 'ünïcode_score' },
      { kind: 'class', name: 'GRPOTrainer' },
    ]);
  });

  it('includes names inside strings: it is a cheap superset of the real scopes', () => {
    expect(declaredNames(Buffer.from('s = """\ndef fake():\n"""\n'))).toEqual([{ kind: 'function', name: 'fake' }]);
  });
});

describe('ScopeCache', () => {
  it('reads and parses a version once per content id', async () => {
    const cache = new ScopeCache();
    let reads = 0;
    const read = async () => {
      reads++;
      return Buffer.from('def reward():\n    return 1\n');
    };
    const first = await cache.get('blob-1', read);
    const second = await cache.get('blob-1', read);
    expect(second).toBe(first);
    expect(reads).toBe(1);
    expect((await first!.index())!.scopesAt(2).map((scope) => scope.name)).toEqual(['reward']);
    await cache.get(null, read);
    await cache.get(null, read);
    expect(reads).toBe(3);
  });

  it('does not remember a failed read', async () => {
    const cache = new ScopeCache();
    let attempts = 0;
    const read = async () => {
      attempts++;
      if (attempts === 1) throw new Error('cat-file died');
      return Buffer.from('def f():\n    pass\n');
    };
    await expect(cache.get('blob-2', read)).rejects.toThrow('cat-file died');
    expect(cache.peek('blob-2')).toBeNull();
    expect((await cache.get('blob-2', read))!.declared).toEqual([{ kind: 'function', name: 'f' }]);
    expect(attempts).toBe(2);
  });
});

describe('ScopeCache.derive', () => {
  const oldText = 'class RewardModel:\n    def score(self):\n        return 1\n\ndef helper():\n    pass\n';
  const newText = 'class RewardModel:\n    def score(self):\n        return 2\n\ndef other():\n    pass\n';

  it('derives a version\'s names from another version and the lines between them, reading it only for its index', async () => {
    const cache = new ScopeCache();
    const known = await cache.get('new', async () => Buffer.from(newText));
    let reads = 0;
    const derived = await cache.derive(
      'old',
      async () => {
        reads++;
        return Buffer.from(oldText);
      },
      known!,
      { gained: ['        return 1', 'def helper():'], lost: ['        return 2', 'def other():'] },
    );
    expect(reads).toBe(0);
    expect(sortNames(derived!.declared)).toEqual(sortNames(declaredNames(Buffer.from(oldText))));
    expect((await derived!.index())!.scopesAt(5).map((scope) => scope.name)).toEqual(['helper']);
    expect(reads).toBe(1);
    expect(await cache.peek('old')).toBe(derived);
  });

  it('keeps a name another line still declares, and reads the version when the lines do not fit', async () => {
    const cache = new ScopeCache();
    const known = await cache.get('twice', async () => Buffer.from('def f():\n    pass\ndef f():\n    pass\n'));
    const once = await cache.derive('once', async () => null, known!, { gained: [], lost: ['def f():'] });
    expect(once!.declared).toEqual([{ kind: 'function', name: 'f' }]);
    let reads = 0;
    const unfit = await cache.derive(
      'unfit',
      async () => {
        reads++;
        return Buffer.from('def g():\n    pass\n');
      },
      known!,
      { gained: [], lost: ['def missing():'] },
    );
    expect(reads).toBe(1);
    expect(unfit!.declared).toEqual([{ kind: 'function', name: 'g' }]);
  });

  it('gives no index for a derived version whose content turns out unreadable', async () => {
    const cache = new ScopeCache();
    const known = await cache.get('a', async () => Buffer.from('def reward():\n    return 1\n'));
    const derived = await cache.derive('b', async () => null, known!, { gained: ['    return 2'], lost: ['    return 1'] });
    expect(derived!.declared).toEqual([{ kind: 'function', name: 'reward' }]);
    expect(await derived!.index()).toBeNull();
  });
});

function sortNames(names: ReadonlyArray<{ kind: string; name: string }>): string[] {
  return [...new Set(names.map((name) => `${name.kind} ${name.name}`))].sort();
}
