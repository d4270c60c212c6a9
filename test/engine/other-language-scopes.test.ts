import { describe, expect, it } from 'vitest';
import { OtherLanguageScopes } from '../../src/engine/other-language-scopes.js';

const wantsRewardWeights = (scope: { kind: string; name: string }) => scope.kind === 'key' && scope.name === 'reward_weights';

describe('OtherLanguageScopes', () => {
  it('derives a YAML version\'s keys from another version and the diff, reading it only for its index', async () => {
    const scopes = new OtherLanguageScopes();
    const before = 'lr: 1e-4\nreward_weights:\n  - 1.0\n';
    const after = 'lr: 3e-4\nreward_weights:\n  - 0.0\n';
    const known = await scopes.get('old', 'yaml', async () => Buffer.from(before));
    let reads = 0;
    const derived = await scopes.derive('new', 'yaml', async () => (reads++, Buffer.from(after)), known!, {
      gained: ['lr: 3e-4', '  - 0.0'],
      lost: ['lr: 1e-4', '  - 1.0'],
    });
    expect(derived!.mayDeclare(wantsRewardWeights)).toBe(true);
    expect(derived!.mayDeclare((scope) => scope.name === 'temperature')).toBe(false);
    expect(reads).toBe(0);
    const index = await derived!.index();
    expect(reads).toBe(1);
    expect(index!.scopesAt(3).map((scope) => scope.name)).toEqual(['reward_weights']);
  });

  it('reads the version when the diff takes away a key the known version lacks', async () => {
    const scopes = new OtherLanguageScopes();
    const known = await scopes.get('old', 'yaml', async () => Buffer.from('a: 1\n'));
    let reads = 0;
    const derived = await scopes.derive('new', 'yaml', async () => (reads++, Buffer.from('b: 2\n')), known!, { gained: ['b: 2'], lost: ['c: 1'] });
    expect(reads).toBe(1);
    expect(derived!.mayDeclare((scope) => scope.name === 'b')).toBe(true);
  });

  it('knows no keys of other languages before indexing them', async () => {
    const scopes = new OtherLanguageScopes();
    const version = await scopes.get('x', 'json', async () => Buffer.from('{"a": {"b": 1}}\n'));
    expect(version!.mayDeclare(() => false)).toBe(true);
    expect((await version!.index())!.scopesAt(1).map((scope) => scope.name)).toContain('a');
  });
});
