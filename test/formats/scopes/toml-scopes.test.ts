import { describe, expect, it } from 'vitest';
import { findTomlScopes } from '../../../src/formats/scopes/toml-scopes.js';
import { expectScopes, MALFORMED_SAMPLES, namesByLine } from './expect-scopes.js';

describe('findTomlScopes: a pyproject.toml', () => {
  it('gives a table header\'s keys to every line up to the next header, and adds each line\'s own key', () => {
    expectScopes(findTomlScopes, [
      ['[project]', 'project'],
      ['name = "reward-model"', 'project.name'],
      ['dependencies = [', 'project.dependencies'],
      ['  "torch>=2.2",  # ] not a close', 'project.dependencies'],
      ['  "trl[peft]",', 'project.dependencies'],
      [']', 'project.dependencies'],
      ['', 'project'],
      ['[tool.pytest.ini_options]', 'tool.pytest.ini_options'],
      ['# the reward tests must run', 'tool.pytest.ini_options'],
      ['addopts = "-q --strict-markers"', 'tool.pytest.ini_options.addopts'],
      ['testpaths = ["tests"]', 'tool.pytest.ini_options.testpaths'],
      ['filterwarnings = [', 'tool.pytest.ini_options.filterwarnings'],
      ['    "ignore::DeprecationWarning",', 'tool.pytest.ini_options.filterwarnings'],
      [']', 'tool.pytest.ini_options.filterwarnings'],
      ['', 'tool.pytest.ini_options'],
      ['[[tool.mypy.overrides]]', 'tool.mypy.overrides'],
      ['module = "rewards.*"', 'tool.mypy.overrides.module'],
      ['ignore_errors = true', 'tool.mypy.overrides.ignore_errors'],
    ]);
  });

  it('gives the keys of a header that header\'s line', () => {
    const index = findTomlScopes('[tool.pytest.ini_options]\naddopts = "-q"\n');
    expect(index.scopesAt(2)).toEqual([
      { kind: 'key', name: 'tool', line: 1 },
      { kind: 'key', name: 'pytest', line: 1 },
      { kind: 'key', name: 'ini_options', line: 1 },
      { kind: 'key', name: 'addopts', line: 2 },
    ]);
  });
});

describe('findTomlScopes: keys', () => {
  it('splits dotted keys and unquotes quoted parts', () => {
    expectScopes(findTomlScopes, [
      ['top = 1', 'top'],
      ['reward.weight = 0.5', 'reward.weight'],
      ['site."google.com" = true', 'site.google.com'],
      ["'literal key' = 2", 'literal key'],
      ['"esc\\u00e9" = 3', 'escé'],
      ['[ tool . "my.tool" ]', 'tool.my.tool'],
      ['a . b = 4', 'tool.my.tool.a.b'],
    ]);
  });
});

describe('findTomlScopes: values over several lines', () => {
  it('keeps multi-line strings with their key, whatever they hold', () => {
    expectScopes(findTomlScopes, [
      ['[tool.grader]', 'tool.grader'],
      ['prompt = """', 'tool.grader.prompt'],
      ['[not.a.header]', 'tool.grader.prompt'],
      ['key = "not a key"', 'tool.grader.prompt'],
      ['ends with quotes""""', 'tool.grader.prompt'],
      ["raw = '''", 'tool.grader.raw'],
      ['C:\\path\\', 'tool.grader.raw'],
      ["'''", 'tool.grader.raw'],
      ['escaped = """ a \\""" b', 'tool.grader.escaped'],
      ['"""', 'tool.grader.escaped'],
      ['after = 1', 'tool.grader.after'],
    ]);
  });

  it('keeps a multi-line inline table and nested arrays with their key', () => {
    expectScopes(findTomlScopes, [
      ['matrix = [', 'matrix'],
      ['  [1, 2],', 'matrix'],
      ['  { lr = 1e-4, name = "a]" },', 'matrix.lr.name'],
      [']', 'matrix'],
      ['env = { SEED = "1",', 'env.SEED'],
      ['  MODE = "fast" }', 'env.MODE'],
      ['next = 2', 'next'],
    ]);
  });

  it('encloses a line by the keys of the inline tables on it, nested under the keys that hold them', () => {
    const index = findTomlScopes(
      [
        '[tool.sampling]',
        'params = { temperature = 0.7, "top_p" = 1, stop = ["a = b", "}"] }',
        'reward = { weights = { format = 0.1, accuracy = 1 }, model.path = "rm" }',
        'steps = [{ name = "train" }, "plain", { when = "x, y = z" }]',
        'optim = { lr = [',
        '    3e-4 ], betas = [0.9, 0.95] }  # comment = 1',
      ].join('\n'),
    );
    const chains = (line: number) => index.scopesAt(line).map((scope) => `${scope.name}@${scope.line}`);
    expect(chains(2)).toEqual(['tool@1', 'sampling@1', 'params@2', 'temperature@2', 'top_p@2', 'stop@2']);
    expect(chains(3)).toEqual(['tool@1', 'sampling@1', 'reward@3', 'weights@3', 'format@3', 'accuracy@3', 'model@3', 'path@3']);
    expect(chains(4)).toEqual(['tool@1', 'sampling@1', 'steps@4', 'name@4', 'when@4']);
    expect(chains(5)).toEqual(['tool@1', 'sampling@1', 'optim@5', 'lr@5']);
    expect(chains(6)).toEqual(['tool@1', 'sampling@1', 'optim@5', 'lr@5', 'betas@6']);
  });

  it('reads a line of an inline table with a hundred thousand keys, and one nested as deep', () => {
    const keys = Array.from({ length: 100_000 }, (_, index) => `k${index} = 1`).join(', ');
    const deep = `${'{ a = '.repeat(100_000)}1${' }'.repeat(100_000)}`;
    const index = findTomlScopes(`wide = { ${keys} }\ndeep = ${deep}\n`);
    expect(index.scopesAt(1)).toHaveLength(100_001);
    expect(index.scopesAt(2)).toHaveLength(100_001);
  });

  it('ends an array that never closes at the next table header', () => {
    expectScopes(findTomlScopes, [
      ['[a]', 'a'],
      ['broken = [1, 2', 'a.broken'],
      ['  3', 'a.broken'],
      ['[b]', 'b'],
      ['k = 1', 'b.k'],
    ]);
  });
});

describe('findTomlScopes: line ends and malformed input', () => {
  it('reads CRLF line ends and bytes', () => {
    const index = findTomlScopes(Buffer.from('[a]\r\nb = [\r\n  1,\r\n]\r\n'));
    expect(index.lineCount).toBe(4);
    expect(namesByLine(index)).toEqual(['a', 'a.b', 'a.b', 'a.b']);
  });

  it('indexes an empty file as no lines', () => {
    expect(findTomlScopes('').lineCount).toBe(0);
  });

  it('gives a line that is not a key and value its table\'s keys', () => {
    expectScopes(findTomlScopes, [
      ['[a]', 'a'],
      ['just words', 'a'],
      ['= 1', 'a'],
    ]);
  });

  it('never throws on malformed input', () => {
    for (const sample of MALFORMED_SAMPLES) {
      const index = findTomlScopes(sample);
      for (let line = 0; line <= index.lineCount + 1; line++) expect(Array.isArray(index.scopesAt(line))).toBe(true);
    }
  });
});
