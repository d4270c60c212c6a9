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
    expect(first!.index().scopesAt(2).map((scope) => scope.name)).toEqual(['reward']);
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
