import { describe, expect, it } from 'vitest';
import { diffTexts } from '../../src/change/text-diff.js';
import { OtherLanguageScopes } from '../../src/engine/other-language-scopes.js';
import { findYamlScopes } from '../../src/formats/scopes/yaml-scopes.js';

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

describe('OtherLanguageScopes: derived YAML keys', () => {
  /** A small deterministic generator, so a failure names a case that can be run again. */
  function generator(seed: number) {
    let state = seed;
    const next = () => (state = (state * 1103515245 + 12345) % 2147483648) / 2147483648;
    const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)] as T;
    const keys = ['lr', 'reward_weights', 'trainer', '"quoted key"', "'single'", 'a b', '- item', '? q'];
    const values = ['', ' 1', ' |', ' >-', ' [1, 2', ' {a: 1}', ' "open', " 'x", ' # note', ' &anchor', ' !!map', ' 1 # c: d'];
    const line = (): string => {
      const indent = pick(['', '  ', '    ', '\t', ' - ', '- ']);
      const kind = next();
      if (kind < 0.1) return `${indent}# ${pick(keys)}:`;
      if (kind < 0.15) return pick(['---', '...', '--- a: 1', '%YAML 1.2']);
      if (kind < 0.2) return '';
      if (kind < 0.25) return indent + pick(['x', '1', ']', '}', '"', "'"]);
      return `${indent}${pick(keys)}:${pick(values)}`;
    };
    const file = (): string => {
      const lineEnd = pick(['\n', '\n', '\r\n', '\r']);
      const text = Array.from({ length: Math.floor(next() * 12) }, line).join(lineEnd) + (next() < 0.8 ? lineEnd : '');
      return (next() < 0.1 ? '\uFEFF' : '') + text;
    };
    const edit = (text: string): string => {
      const end = text.includes('\r\n') ? '\r' : '';
      const lines = text.split('\n');
      for (let count = 0; count < 3; count++) {
        const at = Math.floor(next() * (lines.length + 1));
        const operation = next();
        if (operation < 0.4) lines.splice(at, 0, line() + end);
        else if (operation < 0.7) lines.splice(at, 1);
        else lines[at] = line() + end;
      }
      return (next() < 0.1 ? '\uFEFF' : '') + lines.join('\n');
    };
    return { file, edit };
  }

  it('always holds every key the index of the new version names, whatever the line ends, marks and edits', async () => {
    const { file, edit } = generator(7);
    for (let trial = 0; trial < 2_000; trial++) {
      const before = file();
      const after = edit(before);
      const lines = diffTexts(before, after).flatMap((hunk) => hunk.lines);
      const delta = {
        gained: lines.filter((line) => line.side === 'added').map((line) => line.text),
        lost: lines.filter((line) => line.side === 'removed').map((line) => line.text),
      };
      const scopes = new OtherLanguageScopes();
      const known = await scopes.get(`old-${trial}`, 'yaml', async () => Buffer.from(before));
      const derived = await scopes.derive(`new-${trial}`, 'yaml', async () => Buffer.from(after), known!, delta);
      const index = findYamlScopes(after);
      for (let line = 1; line <= index.lineCount; line++) {
        for (const scope of index.scopesAt(line)) {
          expect(derived!.mayDeclare((candidate) => candidate.name === scope.name), JSON.stringify({ before, after, name: scope.name })).toBe(true);
        }
      }
    }
  });

  it('reads a key added to a CRLF config, or first in a config with a byte order mark', async () => {
    const scopes = new OtherLanguageScopes();
    const known = await scopes.get('old', 'yaml', async () => Buffer.from('lr: 1\r\n'));
    const crlf = await scopes.derive('crlf', 'yaml', async () => Buffer.from('lr: 1\r\nreward_weights:\r\n'), known!, { gained: ['reward_weights:\r'], lost: [] });
    expect(crlf!.mayDeclare(wantsRewardWeights)).toBe(true);
    const marked = await scopes.derive('bom', 'yaml', async () => Buffer.from('\uFEFFreward_weights: 1\r\n'), known!, { gained: ['\uFEFFreward_weights: 1\r'], lost: ['lr: 1\r'] });
    expect(marked!.mayDeclare(wantsRewardWeights)).toBe(true);
  });
});
