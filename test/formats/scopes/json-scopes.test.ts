import { describe, expect, it } from 'vitest';
import { findJsonScopes } from '../../../src/formats/scopes/json-scopes.js';
import { MAX_SCOPE_DEPTH } from '../../../src/formats/scopes/scope-index.js';
import { expectScopes, MALFORMED_SAMPLES, namesByLine } from './expect-scopes.js';

describe('findJsonScopes: a DeepSpeed config', () => {
  it('encloses each line by the keys of the objects it is inside and its own key', () => {
    expectScopes(findJsonScopes, [
      ['{', ''],
      ['  "train_micro_batch_size_per_gpu": 4,', 'train_micro_batch_size_per_gpu'],
      ['  "gradient_clipping": 1.0,', 'gradient_clipping'],
      ['  "zero_optimization": {', 'zero_optimization'],
      ['    "stage": 3,', 'zero_optimization.stage'],
      ['    "offload_optimizer": {', 'zero_optimization.offload_optimizer'],
      ['      "device": "cpu",', 'zero_optimization.offload_optimizer.device'],
      ['      "pin_memory": true', 'zero_optimization.offload_optimizer.pin_memory'],
      ['    },', 'zero_optimization.offload_optimizer'],
      ['    "stage3_gather_16bit_weights_on_model_save": true', 'zero_optimization.stage3_gather_16bit_weights_on_model_save'],
      ['  },', 'zero_optimization'],
      ['  "optimizer": {"type": "AdamW", "params": {"lr": 1e-5}},', 'optimizer.type.params.lr'],
      ['  "bf16": {', 'bf16'],
      ['    "enabled": "auto"', 'bf16.enabled'],
      ['  }', 'bf16'],
      ['}', ''],
    ]);
  });

  it('gives each key its line and kind', () => {
    const index = findJsonScopes('{\n  "zero_optimization": {\n    "stage": 3\n  }\n}\n');
    expect(index.scopesAt(3)).toEqual([
      { kind: 'key', name: 'zero_optimization', line: 2 },
      { kind: 'key', name: 'stage', line: 3 },
    ]);
  });
});

describe('findJsonScopes: arrays', () => {
  it('lets array elements, and the keys of objects in an array, inherit the array\'s key', () => {
    expectScopes(findJsonScopes, [
      ['{', ''],
      ['  "reward_funcs": [', 'reward_funcs'],
      ['    "accuracy",', 'reward_funcs'],
      ['    {', 'reward_funcs'],
      ['      "name": "format",', 'reward_funcs.name'],
      ['      "weight": 0.5', 'reward_funcs.weight'],
      ['    },', 'reward_funcs'],
      ['    [1, 2]', 'reward_funcs'],
      ['  ],', 'reward_funcs'],
      ['  "after": null', 'after'],
      ['}', ''],
    ]);
  });

  it('reads a top-level array', () => {
    expectScopes(findJsonScopes, [
      ['[', ''],
      ['  {"id": 1},', 'id'],
      ['  {', ''],
      ['    "id": 2', 'id'],
      ['  }', ''],
      [']', ''],
    ]);
  });

  it('gives a line that opens an object the keys on it', () => {
    expectScopes(findJsonScopes, [
      ['{"stages": [', 'stages'],
      ['  {"name": "warmup", "steps": 10},', 'stages.name.steps'],
      ['  [1, 2],', 'stages'],
      ['  {}', 'stages'],
      [']}', 'stages'],
    ]);
  });

  it('gives a value on the line after its key to that key', () => {
    expectScopes(findJsonScopes, [
      ['{"lr":', 'lr'],
      ['  0.001,', 'lr'],
      [' "betas"', 'betas'],
      [' :', 'betas'],
      ['  [0.9, 0.99]}', 'betas'],
    ]);
  });
});

describe('findJsonScopes: strings and comments', () => {
  it('does not read brackets, quotes or colons inside strings', () => {
    expectScopes(findJsonScopes, [
      ['{', ''],
      ['  "template": "{\\"a\\": [1, 2} // not a comment",', 'template'],
      ['  "key with \\u00e9scape": 1,', 'key with éscape'],
      ['  "next": 2', 'next'],
      ['}', ''],
    ]);
  });

  it('tolerates comments and trailing commas as in tsconfig and JSONC', () => {
    expectScopes(findJsonScopes, [
      ['// tsconfig for the reward service', ''],
      ['{', ''],
      ['  "compilerOptions": {', 'compilerOptions'],
      ['    /* strict on purpose:', 'compilerOptions'],
      ['       "strict": false */', 'compilerOptions'],
      ['    "strict": true, // keep', 'compilerOptions.strict'],
      ['', 'compilerOptions'],
      ['    "paths": {"@/*": ["src/*"],},', 'compilerOptions.paths.@/*'],
      ['  },', 'compilerOptions'],
      ['}', ''],
    ]);
  });

  it('reads JSON5 unquoted keys, single quotes and continued strings', () => {
    expectScopes(findJsonScopes, [
      ['{', ''],
      ["  stage: 'three',", 'stage'],
      ["  'quoted': \"line \\", 'quoted'],
      ['continued\",', 'quoted'],
      ['  after: 1', 'after'],
      ['}', ''],
    ]);
  });
});

describe('findJsonScopes: line ends and malformed input', () => {
  it('reads CRLF line ends, a byte order mark and bytes', () => {
    const index = findJsonScopes(Buffer.from('\uFEFF{\r\n  "a": {\r\n    "b": 1\r\n  }\r\n}', 'utf8'));
    expect(index.lineCount).toBe(5);
    expect(namesByLine(index)).toEqual(['', 'a', 'a.b', 'a', '']);
  });

  it('indexes an empty file as no lines', () => {
    expect(findJsonScopes('').lineCount).toBe(0);
  });

  it('recovers from a missing comma, an unterminated string and an extra bracket', () => {
    expectScopes(findJsonScopes, [
      ['{', ''],
      ['  "a": 1', 'a'],
      ['  "b": "unterminated', 'b'],
      ['  "c": 3 }}', 'c'],
      ['"d"', ''],
    ]);
  });

  it('keeps the outermost 100 keys of a chain nested deeper', () => {
    const index = findJsonScopes('{"a":\n'.repeat(1000));
    expect(index.scopesAt(1000)).toHaveLength(MAX_SCOPE_DEPTH);
    expect(index.scopesAt(1000)[0]).toEqual({ kind: 'key', name: 'a', line: 1 });
  });

  it('never throws on malformed input', () => {
    for (const sample of MALFORMED_SAMPLES) {
      const index = findJsonScopes(sample);
      for (let line = 0; line <= index.lineCount + 1; line++) expect(Array.isArray(index.scopesAt(line))).toBe(true);
    }
  });
});

describe('findJsonScopes: several keys on a line', () => {
  it('encloses a compact or minified line by every key on it, so none hides behind the first', () => {
    const index = findJsonScopes('{"model": "x", "safety_checker": {"enabled": false}, "lr": 3}\n');
    expect(index.scopesAt(1).map((scope) => scope.name)).toEqual(['model', 'safety_checker', 'enabled', 'lr']);
    // Lines a carriage return alone ends are one line to git.
    const carriage = findJsonScopes('{"lr": 3,\r "reward_weights": [1, 0]}\n');
    expect(carriage.scopesAt(1).map((scope) => scope.name)).toEqual(['lr', 'reward_weights']);
  });
});
