import { describe, expect, it } from 'vitest';
import { findYamlScopes, yamlKeyCandidates } from '../../../src/formats/scopes/yaml-scopes.js';
import { seededRandom } from '../../helpers/seeded-random.js';
import { expectScopes, MALFORMED_SAMPLES, namesByLine } from './expect-scopes.js';

describe('findYamlScopes: a Hydra training config', () => {
  it('encloses each line by the keys above it and its own key', () => {
    expectScopes(findYamlScopes, [
      ['# @package _global_', ''],
      ['defaults:', 'defaults'],
      ['  - model: llama-7b', 'defaults.model'],
      ['  - override hydra/launcher: slurm', 'defaults.override hydra/launcher'],
      ['  - _self_', 'defaults'],
      ['', ''],
      ['training:', 'training'],
      ['  optim:', 'training.optim'],
      ['    name: adamw', 'training.optim.name'],
      ['    lr: 1e-4', 'training.optim.lr'],
      ['  max_steps: 10000', 'training.max_steps'],
      ['reward:', 'reward'],
      ['  _target_: rewards.length_penalty.LengthPenalty', 'reward._target_'],
      ['  kl_coef: ${oc.env:KL_COEF,0.05}', 'reward.kl_coef'],
    ]);
  });

  it('gives the key its line number and kind', () => {
    const index = findYamlScopes('training:\n  optim:\n    lr: 1e-4\n');
    expect(index.scopesAt(3)).toEqual([
      { kind: 'key', name: 'training', line: 1 },
      { kind: 'key', name: 'optim', line: 2 },
      { kind: 'key', name: 'lr', line: 3 },
    ]);
  });

  it('leaves lines outside the file unscoped', () => {
    const index = findYamlScopes('a: 1\n');
    expect(index.lineCount).toBe(1);
    expect(index.scopesAt(0)).toEqual([]);
    expect(index.scopesAt(2)).toEqual([]);
    expect(index.scopesAt(1.5)).toEqual([]);
  });
});

describe('findYamlScopes: sequences', () => {
  it('nests items under the key that holds the sequence, with the keys of each item', () => {
    expectScopes(findYamlScopes, [
      ['jobs:', 'jobs'],
      ['  eval:', 'jobs.eval'],
      ['    steps:', 'jobs.eval.steps'],
      ['      - uses: actions/checkout@v4', 'jobs.eval.steps.uses'],
      ['      - name: Run reward tests', 'jobs.eval.steps.name'],
      ['        run: pytest tests/reward', 'jobs.eval.steps.run'],
      ['        env:', 'jobs.eval.steps.env'],
      ['          SEED: 1', 'jobs.eval.steps.env.SEED'],
      ['      - plain item', 'jobs.eval.steps'],
      ['    timeout-minutes: 30', 'jobs.eval.timeout-minutes'],
    ]);
  });

  it('reads a sequence written at its key\'s own column', () => {
    expectScopes(findYamlScopes, [
      ['callbacks:', 'callbacks'],
      ['- name: early_stop', 'callbacks.name'],
      ['  patience: 3', 'callbacks.patience'],
      ['- name: checkpoint', 'callbacks.name'],
      ['after: 1', 'after'],
    ]);
  });

  it('reads keys after nested dashes', () => {
    expectScopes(findYamlScopes, [
      ['matrix:', 'matrix'],
      ['  - - seed: 1', 'matrix.seed'],
      ['      lr: 2', 'matrix.lr'],
    ]);
  });
});

describe('findYamlScopes: values over several lines', () => {
  it('keeps a block scalar in its key, blank lines and code-looking text included', () => {
    expectScopes(findYamlScopes, [
      ['reward:', 'reward'],
      ['  script: |', 'reward.script'],
      ['    def reward(completion):', 'reward.script'],
      ['', 'reward.script'],
      ['    # not a YAML comment', 'reward.script'],
      ['    return 1.0', 'reward.script'],
      ['  folded: >-', 'reward.folded'],
      ['    key: not a key', 'reward.folded'],
      ['', 'reward'],
      ['  weight: 2', 'reward.weight'],
    ]);
  });

  it('keeps a block scalar of a sequence item with its key', () => {
    expectScopes(findYamlScopes, [
      ['steps:', 'steps'],
      ['  - run: |', 'steps.run'],
      ['      python train.py \\', 'steps.run'],
      ['        --reward=const', 'steps.run'],
      ['  - run: echo done', 'steps.run'],
    ]);
  });

  it('keeps a multi-line flow value or quoted scalar with its key', () => {
    expectScopes(findYamlScopes, [
      ['model:', 'model'],
      ['  layers: [embed,', 'model.layers'],
      ['    "attn: [x", mlp,', 'model.layers'],
      ['    head]', 'model.layers'],
      ['  extra: {a: 1,', 'model.extra.a'],
      ['    b: 2}', 'model.extra.b'],
      ['  prompt: "You are a grader:', 'model.prompt'],
      ['    answer yes or no"', 'model.prompt'],
      ['  tagged: !!seq [1,', 'model.tagged'],
      ['    2]', 'model.tagged'],
      ['  after: 1', 'model.after'],
    ]);
  });

  it('encloses a line by the keys of the flow mappings on it, nested under the keys that hold them', () => {
    const index = findYamlScopes(
      [
        'sampling: {temperature: 0.7, "top_p": 1, stop: ["a: b", "}"]}',
        'reward: {weights: {format: 0.1, accuracy: 1}, url: http://rm:8080/score}',
        'steps: [{name: train}, plain, {when: "x, y: z"}]',
        'train:',
        '  optim: {lr:',
        '      3e-4, betas: [0.9, 0.95]}',
        '  note: a, b: c',
      ].join('\n'),
    );
    const chains = (line: number) => index.scopesAt(line).map((scope) => `${scope.name}@${scope.line}`);
    expect(chains(1)).toEqual(['sampling@1', 'temperature@1', 'top_p@1', 'stop@1']);
    expect(chains(2)).toEqual(['reward@2', 'weights@2', 'format@2', 'accuracy@2', 'url@2']);
    expect(chains(3)).toEqual(['steps@3', 'name@3', 'when@3']);
    expect(chains(5)).toEqual(['train@4', 'optim@5', 'lr@5']);
    expect(chains(6)).toEqual(['train@4', 'optim@5', 'lr@5', 'betas@6']);
    // A plain block value holds no flow mapping, whatever its commas and colons.
    expect(chains(7)).toEqual(['train@4', 'note@7']);
  });

  it('gives a flow key the chain of the mappings around it, which a scope rule can name', () => {
    const index = findYamlScopes('reward: {weights: {format: 0.1}}\n');
    const format = index.scopesAt(1).find((scope) => scope.name === 'format');
    expect(format).toEqual({ kind: 'key', name: 'format', line: 1 });
  });

  it('ends a flow value that never closes at the next line indented no deeper than its key', () => {
    expectScopes(findYamlScopes, [
      ['a:', 'a'],
      ['  list: [1, 2', 'a.list'],
      ['  next: 3', 'a.next'],
      ['b: 4', 'b'],
    ]);
  });

  it('reads plain multi-line scalars as part of their key', () => {
    expectScopes(findYamlScopes, [
      ['description: a long', 'description'],
      ['  plain scalar', 'description'],
      ['other: x', 'other'],
    ]);
  });
});

describe('findYamlScopes: keys', () => {
  it('unquotes quoted keys and does not take colons without a space for keys', () => {
    expectScopes(findYamlScopes, [
      ['"reward.fn": 1', 'reward.fn'],
      ["'it''s': 2", "it's"],
      ['"json":3', 'json'],
      ['url: http://example.com:8080/x', 'url'],
      ['not:a key', ''],
      ['path with spaces: 1 # comment: here', 'path with spaces'],
      ['<<: *defaults', '<<'],
      ['base: &base', 'base'],
      ['  lr: 1', 'base.lr'],
    ]);
  });

  it('does not take a colon inside a comment for a key', () => {
    expectScopes(findYamlScopes, [
      ['- item # note: not a key', ''],
      ['- [x] # {a: 1}', ''],
    ]);
  });
});

describe('findYamlScopes: blank and comment lines', () => {
  it('gives them the keys of the next code line they are indented under', () => {
    expectScopes(findYamlScopes, [
      ['# leading comment', ''],
      ['training:', 'training'],
      ['  # the optimizer', 'training'],
      ['  optim:', 'training.optim'],
      ['    lr: 1', 'training.optim.lr'],
      ['', 'training'],
      ['  seed: 1', 'training.seed'],
      ['', ''],
      ['# about eval', ''],
      ['eval:', 'eval'],
    ]);
  });

  it('keeps a comment indented into the block before it there', () => {
    expectScopes(findYamlScopes, [
      ['training:', 'training'],
      ['  optim:', 'training.optim'],
      ['    lr: 1', 'training.optim.lr'],
      ['    # TODO: tune', 'training.optim'],
      ['  # about the seed', 'training'],
      ['  seed: 1', 'training.seed'],
      ['  # trailing', 'training'],
      ['', ''],
    ]);
  });
});

describe('findYamlScopes: documents and line ends', () => {
  it('starts each document from no keys', () => {
    expectScopes(findYamlScopes, [
      ['%YAML 1.2', ''],
      ['---', ''],
      ['kind: Job', 'kind'],
      ['spec:', 'spec'],
      ['  template:', 'spec.template'],
      ['---', ''],
      ['  stray: 1', 'stray'],
      ['...', ''],
    ]);
  });

  it('reads CRLF line ends, a byte order mark and a missing final newline', () => {
    const index = findYamlScopes('\uFEFFtraining:\r\n  lr: 1\r\n  seed: 2');
    expect(index.lineCount).toBe(3);
    expect(namesByLine(index)).toEqual(['training', 'training.lr', 'training.seed']);
    expect(findYamlScopes(Buffer.from('a:\r\n  b: 1\r\n')).scopesAt(2).map((scope) => scope.name)).toEqual(['a', 'b']);
  });

  it('reads a line ended by a carriage return alone, NEL, LS or PS as YAML 1.1 readers do, its git line under all their keys', () => {
    const index = findYamlScopes('lr: 3\rreward_weights: [1, 0]\u2028trainer:\u0085  max_steps: 5\n');
    expect(index.lineCount).toBe(1);
    expect(index.scopesAt(1).map((scope) => scope.name)).toEqual(['lr', 'reward_weights', 'trainer', 'max_steps']);
    expect(yamlKeyCandidates('lr: 3\rreward_weights: [1, 0]\n')).toEqual(['lr', 'reward_weights']);
    // A CRLF file keeps one logical line per line.
    expect(findYamlScopes('a:\r\n  b: 1\r\n').scopesAt(2).map((scope) => scope.name)).toEqual(['a', 'b']);
  });

  it('indexes an empty file as no lines', () => {
    expect(findYamlScopes('').lineCount).toBe(0);
    expect(findYamlScopes(Buffer.alloc(0)).scopesAt(1)).toEqual([]);
  });

  it('never throws on malformed input', () => {
    for (const sample of MALFORMED_SAMPLES) {
      const index = findYamlScopes(sample);
      for (let line = 0; line <= index.lineCount + 1; line++) expect(Array.isArray(index.scopesAt(line))).toBe(true);
    }
  });
});

describe('yamlKeyCandidates', () => {
  it('holds every key the index can name, read without building it', () => {
    const source = [
      'trainer:',
      '  optim:',
      '    lr: 1e-4   # learning rate',
      'reward_weights:',
      '  - 1.0',
      '  - "quoted": 2',
      'script: |',
      '  not_a_key: inside a block scalar',
      '"spaced key": 3',
      'sampling: {temperature: 0.7, "top_p": 1}',
      'optim: {lr:',
      '    3e-4, betas: [0.9, 0.95],',
      '    "eps"',
      '    : 1e-8, nested: {inner: "a, not_key: b"}}',
      '---',
      'second: doc',
    ].join('\n');
    const candidates = new Set(yamlKeyCandidates(source));
    const index = findYamlScopes(source);
    for (let line = 1; line <= index.lineCount; line++) {
      for (const scope of index.scopesAt(line)) expect(candidates.has(scope.name), scope.name).toBe(true);
    }
    expect([...candidates]).toEqual(
      expect.arrayContaining(['trainer', 'optim', 'lr', 'reward_weights', 'spaced key', 'temperature', 'top_p', 'betas', 'nested', 'inner', 'second']),
    );
  });

  it('holds every key the index names on random flow-heavy files, whatever state a line starts in', () => {
    const random = seededRandom(11);
    const pieces = ['a', 'b_c', ':', ': ', ',', ', ', '{', '}', '[', ']', '"', "'", ' ', '  ', '#', ' #', 'x:y', '- ', '|', '\\', '"k": ', 'k: '];
    for (let sample = 0; sample < 400; sample++) {
      const lines = Array.from({ length: 1 + Math.floor(random() * 8) }, () =>
        Array.from({ length: Math.floor(random() * 12) }, () => pieces[Math.floor(random() * pieces.length)]).join(''),
      );
      const source = lines.join('\n');
      const candidates = new Set(yamlKeyCandidates(source));
      const index = findYamlScopes(source);
      for (let line = 1; line <= index.lineCount; line++) {
        for (const scope of index.scopesAt(line)) expect(candidates.has(scope.name), `${JSON.stringify(source)}: ${scope.name}`).toBe(true);
      }
    }
  });

  it('reads a line of a flow mapping with hundreds of thousands of keys, and one nested as deep, without failing', () => {
    const keys = Array.from({ length: 200_000 }, (_, index) => `k${index}: 1`).join(', ');
    const deep = `${'{a: '.repeat(200_000)}1${'}'.repeat(200_000)}`;
    const source = `wide: {${keys}}\ndeep: ${deep}\n`;
    const candidates = yamlKeyCandidates(source);
    expect(new Set(candidates)).toEqual(new Set(['wide', ...Array.from({ length: 200_000 }, (_, index) => `k${index}`), 'deep', 'a']));
    const index = findYamlScopes(source);
    expect(index.scopesAt(1)).toHaveLength(200_001);
    expect(index.scopesAt(2).map((scope) => scope.name)).toEqual(['deep', ...Array.from({ length: 200_000 }, () => 'a')]);
  });
});
