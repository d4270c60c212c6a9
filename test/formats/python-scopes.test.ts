import { describe, it, expect } from 'vitest';
import { findPythonScopes, type CodeScope } from '../../src/formats/python-scopes.js';
import { seededRandom } from '../helpers/seeded-random.js';

/** Each line's scope chain as dotted names (`Env.step`), '' outside any scope: easy to read in a diff. */
function namesByLine(source: string): string[] {
  const index = findPythonScopes(source);
  return Array.from({ length: index.lineCount }, (_, offset) =>
    index
      .scopesAt(offset + 1)
      .map((scope) => scope.name)
      .join('.'),
  );
}

/** Pairs each line of a sample with its expected chain, so a failure shows which line went wrong. */
function expectScopes(lines: readonly (readonly [string, string])[]): void {
  const source = lines.map(([text]) => `${text}\n`).join('');
  const actual = namesByLine(source).map((names, offset) => [lines[offset]?.[0], names]);
  expect(actual).toEqual(lines.map(([text, names]) => [text, names]));
}

function fn(name: string, line: number): CodeScope {
  return { kind: 'function', name, line };
}

function cls(name: string, line: number): CodeScope {
  return { kind: 'class', name, line };
}

describe('findPythonScopes: realistic ML code', () => {
  const trainer = [
    'import torch',
    'from trl import GRPOConfig',
    '',
    '',
    'class GRPOTrainer(Trainer):',
    '    """Group Relative Policy Optimization."""',
    '',
    '    _tag_names = ["trl", "grpo"]',
    '',
    '    def __init__(self, model, reward_funcs, args=None):',
    '        super().__init__(model=model, args=args)',
    '        self.reward_funcs = reward_funcs',
    '',
    '    @profiling_decorator',
    '    def compute_loss(self, model, inputs, return_outputs=False, num_items_in_batch=None):',
    '        if return_outputs:',
    '            raise ValueError("The GRPOTrainer does not support returning outputs")',
    '        per_token_logps = self._get_per_token_logps(model, inputs)',
    '        advantages = inputs["advantages"]',
    '        per_token_loss = -torch.exp(per_token_logps - per_token_logps.detach()) * advantages.unsqueeze(1)',
    '        loss = (per_token_loss * completion_mask).sum() / completion_mask.sum()',
    '        return loss',
    '',
    '',
    'def main():',
    '    trainer = GRPOTrainer(model, reward_funcs=[compute_reward])',
    '    trainer.train()',
    '',
  ].join('\n');

  it('puts a method body under its class and its function, with kinds and header lines', () => {
    const index = findPythonScopes(trainer);
    expect(index.lineCount).toBe(27);
    expect(index.scopesAt(20)).toEqual([cls('GRPOTrainer', 5), fn('compute_loss', 15)]);
    expect(index.scopesAt(15)).toEqual([cls('GRPOTrainer', 5), fn('compute_loss', 15)]);
    expect(index.scopesAt(14)).toEqual([cls('GRPOTrainer', 5), fn('compute_loss', 15)]);
    expect(index.scopesAt(11)).toEqual([cls('GRPOTrainer', 5), fn('__init__', 10)]);
    expect(index.scopesAt(8)).toEqual([cls('GRPOTrainer', 5)]);
    expect(index.scopesAt(6)).toEqual([cls('GRPOTrainer', 5)]);
    expect(index.scopesAt(5)).toEqual([cls('GRPOTrainer', 5)]);
    expect(index.scopesAt(26)).toEqual([fn('main', 25)]);
    expect(index.scopesAt(1)).toEqual([]);
  });

  it('assigns every line of the trainer sample', () => {
    expect(namesByLine(trainer)).toEqual([
      '',
      '',
      '',
      '',
      'GRPOTrainer',
      'GRPOTrainer',
      'GRPOTrainer',
      'GRPOTrainer',
      'GRPOTrainer',
      'GRPOTrainer.__init__',
      'GRPOTrainer.__init__',
      'GRPOTrainer.__init__',
      'GRPOTrainer',
      'GRPOTrainer.compute_loss',
      'GRPOTrainer.compute_loss',
      'GRPOTrainer.compute_loss',
      'GRPOTrainer.compute_loss',
      'GRPOTrainer.compute_loss',
      'GRPOTrainer.compute_loss',
      'GRPOTrainer.compute_loss',
      'GRPOTrainer.compute_loss',
      'GRPOTrainer.compute_loss',
      '',
      '',
      'main',
      'main',
      'main',
    ]);
  });

  it('ignores a def inside a reward function docstring and keeps the docstring in the function', () => {
    expectScopes([
      ['def compute_reward(completions, **kwargs):', 'compute_reward'],
      ['    """Scores each completion.', 'compute_reward'],
      ['', 'compute_reward'],
      ['Example:', 'compute_reward'],
      ['def fake():', 'compute_reward'],
      ['    return 1.0', 'compute_reward'],
      ['class Fake:', 'compute_reward'],
      ['    """', 'compute_reward'],
      ['    rewards = []', 'compute_reward'],
      ['    for completion in completions:', 'compute_reward'],
      ['        rewards.append(1.0 if "<answer>" in completion else 0.0)', 'compute_reward'],
      ['    return rewards', 'compute_reward'],
    ]);
  });

  it('chains a gym-style step method under its environment class, and nested functions under both', () => {
    const source = [
      'class Env(gym.Env):',
      '    metadata = {"render_modes": ["human"]}',
      '',
      '    def reset(self, seed=None):',
      '        return self._obs(), {}',
      '',
      '    def step(self, action):',
      '        def shaped(reward):',
      '            return reward * 0.5',
      '',
      '        reward = shaped(self._reward(action))',
      '        return self._obs(), reward, False, False, {}',
      '',
      '    class Spec:',
      '        def describe(self):',
      '            return "env"',
      '    render_mode = None',
    ].join('\n');
    const index = findPythonScopes(source);
    expect(index.scopesAt(11)).toEqual([cls('Env', 1), fn('step', 7)]);
    expect(index.scopesAt(9)).toEqual([cls('Env', 1), fn('step', 7), fn('shaped', 8)]);
    expect(index.scopesAt(10)).toEqual([cls('Env', 1), fn('step', 7)]);
    expect(index.scopesAt(16)).toEqual([cls('Env', 1), cls('Spec', 14), fn('describe', 15)]);
    expect(index.scopesAt(17)).toEqual([cls('Env', 1)]);
    expect(namesByLine(source)).toEqual([
      'Env',
      'Env',
      'Env',
      'Env.reset',
      'Env.reset',
      'Env',
      'Env.step',
      'Env.step.shaped',
      'Env.step.shaped',
      'Env.step',
      'Env.step',
      'Env.step',
      'Env',
      'Env.Spec',
      'Env.Spec.describe',
      'Env.Spec.describe',
      'Env',
    ]);
  });
});

describe('findPythonScopes: headers', () => {
  it('treats async def as a function', () => {
    const index = findPythonScopes('class Agent:\n    async  def act(self):\n        await self.env.step()\n');
    expect(index.scopesAt(3)).toEqual([cls('Agent', 1), fn('act', 2)]);
  });

  it('does not take identifiers that start like keywords for headers', () => {
    expectScopes([
      ['define = 1', ''],
      ['class_ = 2', ''],
      ['classify(x)', ''],
      ['async_def = 3', ''],
      ['async with lock:', ''],
      ['    pass', ''],
      ['default_reward = lambda x: 0.0', ''],
    ]);
  });

  it('does not make a scope of a lambda', () => {
    expectScopes([
      ['def make():', 'make'],
      ['    scale = lambda r: (', 'make'],
      ['        r * 2)', 'make'],
      ['    return scale', 'make'],
      ['reward_fn = lambda completions, **kw: [0.0] * len(completions)', ''],
    ]);
  });

  it('reads names with digits, underscores and non-ASCII letters, and PEP 695 type parameters', () => {
    const index = findPythonScopes('class Buffer2[T]:\n    def _récompense_v2(self): ...\ndef f [T](x): ...\n');
    expect(index.scopesAt(2)).toEqual([cls('Buffer2', 1), fn('_récompense_v2', 2)]);
    expect(index.scopesAt(3)).toEqual([fn('f', 3)]);
  });

  it('gives a one-line function only its own line', () => {
    expectScopes([
      ['def f(): return 1', 'f'],
      ['def g(x): return x  # def h(): pass', 'g'],
      ['class Marker: pass', 'Marker'],
      ['x = f()', ''],
      ['class C:', 'C'],
      ['    def one(self): return 1', 'C.one'],
      ['    def two(self): return 2', 'C.two'],
      ['    three = 3', 'C'],
    ]);
  });

  it('finds functions nested in control flow', () => {
    expectScopes([
      ['if TYPE_CHECKING:', ''],
      ['    def load(path): ...', 'load'],
      ['else:', ''],
      ['    def load(path):', 'load'],
      ['        return torch.load(path)', 'load'],
      ['try:', ''],
      ['    import deepspeed', ''],
      ['except ImportError:', ''],
      ['    pass', ''],
    ]);
  });

  it('closes several scopes at once on a deep dedent', () => {
    expectScopes([
      ['class A:', 'A'],
      ['    class B:', 'A.B'],
      ['        def c(self):', 'A.B.c'],
      ['            def d():', 'A.B.c.d'],
      ['                return 1', 'A.B.c.d'],
      ['    e = 1', 'A'],
      ['f = 2', ''],
    ]);
  });
});

describe('findPythonScopes: decorators and signatures', () => {
  it('attributes decorator lines to the function they decorate', () => {
    expectScopes([
      ['import functools', ''],
      ['@torch.no_grad()', 'evaluate'],
      ['@functools.lru_cache(maxsize=None)', 'evaluate'],
      ['def evaluate(model):', 'evaluate'],
      ['    return model.eval()', 'evaluate'],
    ]);
  });

  it('attributes a multi-line decorator, and comments between decorators, to the function', () => {
    expectScopes([
      ['class PPOTrainer:', 'PPOTrainer'],
      ['    x = 1', 'PPOTrainer'],
      ['', 'PPOTrainer'],
      ['    # not part of the decorator run', 'PPOTrainer'],
      ['    @register(', 'PPOTrainer.train_step'],
      ['        name="ppo",', 'PPOTrainer.train_step'],
      ['    )', 'PPOTrainer.train_step'],
      ['    # why this is cached', 'PPOTrainer.train_step'],
      ['', 'PPOTrainer.train_step'],
      ['    @cached', 'PPOTrainer.train_step'],
      ['    def train_step(self):', 'PPOTrainer.train_step'],
      ['        pass', 'PPOTrainer.train_step'],
    ]);
  });

  it('attributes decorators to a class too', () => {
    const index = findPythonScopes('@dataclass\nclass RewardConfig:\n    scale: float = 1.0\n');
    expect(index.scopesAt(1)).toEqual([cls('RewardConfig', 2)]);
    expect(index.scopesAt(3)).toEqual([cls('RewardConfig', 2)]);
  });

  it('leaves a decorator that no def follows where it stands', () => {
    expectScopes([
      ['@decorator', ''],
      ['x = 1', ''],
      ['def f():', 'f'],
      ['    pass', 'f'],
    ]);
  });

  it('does not attribute a decorator at another indentation to the def', () => {
    expectScopes([
      ['class A:', 'A'],
      ['    @property', 'A'],
      ['def f():', 'f'],
      ['    pass', 'f'],
    ]);
  });

  it('keeps every line of a multi-line signature in the function, whatever its indentation', () => {
    expectScopes([
      ['class GRPOTrainer:', 'GRPOTrainer'],
      ['    def _compute_loss(', 'GRPOTrainer._compute_loss'],
      ['        self,', 'GRPOTrainer._compute_loss'],
      ['model,', 'GRPOTrainer._compute_loss'],
      ['', 'GRPOTrainer._compute_loss'],
      ['  # a comment inside the parameter list', 'GRPOTrainer._compute_loss'],
      ['        inputs: dict[str, torch.Tensor],', 'GRPOTrainer._compute_loss'],
      ['    ) -> torch.Tensor:', 'GRPOTrainer._compute_loss'],
      ['        return inputs["loss"]', 'GRPOTrainer._compute_loss'],
      ['    beta = 0.04', 'GRPOTrainer'],
    ]);
  });

  it('keeps a backslash-continued signature in the function', () => {
    expectScopes([
      ['def reward(completions, \\', 'reward'],
      ['kwargs):', 'reward'],
      ['    return 0', 'reward'],
      ['done = True', ''],
    ]);
  });
});

describe('findPythonScopes: blank and comment-only lines', () => {
  it('keeps blank and comment lines inside a body when the body goes on after them', () => {
    expectScopes([
      ['def compute_advantages(rewards):', 'compute_advantages'],
      ['', 'compute_advantages'],
      ['    # normalise per group', 'compute_advantages'],
      ['    mean = rewards.mean()', 'compute_advantages'],
      ['', 'compute_advantages'],
      ['# commented-out code at column 0', 'compute_advantages'],
      ['#    rewards = rewards.clamp(-1, 1)', 'compute_advantages'],
      ['', 'compute_advantages'],
      ['    return rewards - mean', 'compute_advantages'],
    ]);
  });

  it('gives blank lines after the last statement of a body to the outer scope', () => {
    expectScopes([
      ['class Env:', 'Env'],
      ['    def reset(self):', 'Env.reset'],
      ['        return 0', 'Env.reset'],
      ['', 'Env'],
      ['', 'Env'],
      ['    def step(self, action):', 'Env.step'],
      ['        return 1', 'Env.step'],
      ['', ''],
      ['', ''],
      ['x = Env()', ''],
      ['', ''],
    ]);
  });

  it('gives a comment to the scope of the line before it when it is indented into that body', () => {
    expectScopes([
      ['class Env:', 'Env'],
      ['    def step(self):', 'Env.step'],
      ['        return 1', 'Env.step'],
      ['        # TODO: clip the reward', 'Env.step'],
      ['    # between methods', 'Env'],
      ['', 'Env'],
      ['    def close(self):', 'Env.close'],
      ['        pass', 'Env.close'],
      ['    # end of class', 'Env'],
      ['# end of module', ''],
      ['', ''],
      ['        # indented, but the column-0 comment above closed Env.close', ''],
      ['y = 2', ''],
    ]);
  });

  it('uses the same rule for blank and comment lines at the end of the file', () => {
    expectScopes([
      ['def f():', 'f'],
      ['    return 1', 'f'],
      ['', ''],
      ['    # still indented into f', 'f'],
      ['# at column 0', ''],
      ['', ''],
    ]);
  });

  it('gives leading blank and comment lines no scope', () => {
    expectScopes([
      ['', ''],
      ['# -*- coding: utf-8 -*-', ''],
      ['    # odd indentation', ''],
      ['def f():', 'f'],
      ['    pass', 'f'],
    ]);
  });

  it('treats whitespace-only lines as blank', () => {
    expectScopes([
      ['def f():', 'f'],
      ['    x = 1', 'f'],
      ['        \t', 'f'],
      ['    return x', 'f'],
      ['   ', ''],
      ['y = 1', ''],
    ]);
  });
});

describe('findPythonScopes: continuation lines', () => {
  it('keeps bracketed continuation lines in their statement, whatever their indentation', () => {
    expectScopes([
      ['def build_config():', 'build_config'],
      ['    return {', 'build_config'],
      ['"lr": 1e-6,', 'build_config'],
      ['  "beta": [0.9,', 'build_config'],
      ['0.95],', 'build_config'],
      ['', 'build_config'],
      ['    "def not_a_scope(): pass": 1,', 'build_config'],
      ['    }', 'build_config'],
      ['CONFIG = build_config()', ''],
    ]);
  });

  it('does not count brackets and hashes inside strings, or brackets inside comments', () => {
    expectScopes([
      ['def f():', 'f'],
      ['    a = "(# not a comment ["', 'f'],
      ["    b = '{'  # (", 'f'],
      ['    return a', 'f'],
      ['x = 1', ''],
    ]);
  });

  it('continues a statement after a backslash, but not after a backslash in a comment', () => {
    expectScopes([
      ['def total(a, b):', 'total'],
      ['    return a + \\', 'total'],
      ['b', 'total'],
      ['y = 1  # ends with \\', ''],
      ['z = 2', ''],
    ]);
  });

  it('lets a backslash-escaped newline continue a one-quote string', () => {
    expectScopes([
      ['def f():', 'f'],
      ['    s = "first \\', 'f'],
      ['def g(): still in the string"', 'f'],
      ['    return s', 'f'],
      ['h = 1', ''],
    ]);
  });

  it('closes an unterminated one-quote string at the end of its line', () => {
    expectScopes([
      ['def f():', 'f'],
      ['    s = "unterminated (', 'f'],
      ['t = 1', ''],
      ['def g():', 'g'],
      ['    pass', 'g'],
    ]);
  });
});

describe('findPythonScopes: strings', () => {
  it('ignores headers inside a module-level string and keeps the string lines outside any scope', () => {
    expectScopes([
      ['PROMPT = """', ''],
      ['class Fake:', ''],
      ['    def fake(self):', ''],
      ['"""', ''],
      ['def real():', 'real'],
      ['    pass', 'real'],
    ]);
  });

  it('handles both triple quotes and every string prefix', () => {
    for (const prefix of ['', 'r', 'R', 'b', 'B', 'f', 'F', 'u', 'U', 'rb', 'Rb', 'bR', 'BR', 'fr', 'rf', 'Fr']) {
      for (const quote of ['"""', "'''"]) {
        const source = [
          'def f():',
          `    s = ${prefix}${quote}first`,
          'def inside_string():',
          `  ${quote}`,
          '    return s',
          'x = 1',
        ].join('\n');
        expect({ prefix, quote, names: namesByLine(source) }).toEqual({
          prefix,
          quote,
          names: ['f', 'f', 'f', 'f', 'f', ''],
        });
      }
    }
  });

  it('does not close a triple-quoted string at the other quote, a shorter run, or an escaped quote', () => {
    expectScopes([
      ['def f():', 'f'],
      ['    doc = """He said \'\'\' and "" and \\""" here', 'f'],
      ['def g():', 'f'],
      ['    still inside""" + \'\'\'', 'f'],
      ['def h(): """', 'f'],
      ["    '''", 'f'],
      ['    return doc', 'f'],
      ['x = 1', ''],
    ]);
  });

  it('treats a raw string backslash before a quote as keeping the string open, as Python does', () => {
    expectScopes([
      ['def f():', 'f'],
      ['    pattern = r"\\"("', 'f'],
      ['    return pattern', 'f'],
      ['x = 1', ''],
    ]);
  });

  it('handles several strings on one line, and strings that open and close on one line', () => {
    expectScopes([
      ['def f():', 'f'],
      ['    a = """x""" + """y', 'f'],
      ['class Inside: """ + "(" + \'\'\'', 'f'],
      ['def inside(): \'\'\'', 'f'],
      ['    return ""', 'f'],
      ['z = """"""', ''],
      ['def g(): pass', 'g'],
    ]);
  });

  it('keeps an f-string with nested quotes balanced', () => {
    expectScopes([
      ['def log(metrics):', 'log'],
      ['    print(f"{metrics["reward"]:.2f} (")', 'log'],
      ['    return None', 'log'],
      ['x = 1', ''],
    ]);
  });
});

describe('findPythonScopes: indentation', () => {
  it('advances a tab to the next multiple of 8 columns, as Python does', () => {
    expectScopes([
      ['class A:', 'A'],
      ['\tdef f(self):', 'A.f'],
      ['\t\treturn 1', 'A.f'],
      ['        x = 1', 'A'],
      ['    \ty = 2', 'A'],
      ['\t    def g(self):', 'A.g'],
      ['\t\t    return 3', 'A.g'],
      ['       \tz = 4', 'A'],
      ['   \t   \t w = 5', 'A'],
    ]);
  });

  it('treats one tab as deeper than seven spaces and as deep as eight', () => {
    expectScopes([
      ['def f():', 'f'],
      ['       def g():', 'f.g'],
      ['\t  return 1', 'f.g'],
      ['\tpass', 'f.g'],
      ['       done = 1', 'f'],
    ]);
  });

  it('resets the column at a form feed', () => {
    expectScopes([
      ['def f():', 'f'],
      ['    x = 1', 'f'],
      ['    \fy = 2', ''],
    ]);
  });
});

describe('findPythonScopes: line endings and ranges', () => {
  it('reads CRLF line endings like LF', () => {
    const lf = 'class Env:\n    def step(self):\n        """doc\n\n        """\n        return 1\n\nx = 1\n';
    const crlf = lf.replaceAll('\n', '\r\n');
    expect(namesByLine(crlf)).toEqual(namesByLine(lf));
    expect(namesByLine(crlf)).toEqual(['Env', 'Env.step', 'Env.step', 'Env.step', 'Env.step', 'Env.step', '', '']);
    expect(findPythonScopes(crlf).lineCount).toBe(8);
  });

  it('handles mixed line endings and a backslash continuation before CRLF', () => {
    const source = 'def f():\r\n    return 1 + \\\r\n2\n    # c\r\nx = 1';
    expect(namesByLine(source)).toEqual(['f', 'f', 'f', 'f', '']);
  });

  it('gives a line of git\'s that holds several lines ended by a carriage return alone the scopes of each', () => {
    const lf = 'class Env:\n    def step(self):\n        return 1\n\ndef compute_reward(t):\n    s = \'\'\'\ndef fake():\n\'\'\'\n    return s\nx = 1\n';
    const loneCr = lf.replaceAll('\n', '\r');
    const index = findPythonScopes(loneCr);
    expect(index.lineCount).toBe(1);
    expect(index.scopesAt(1).map((scope) => `${scope.kind} ${scope.name} ${scope.line}`)).toEqual([
      'class Env 1',
      'function step 1',
      'function compute_reward 1',
    ]);
    expect(index.scopesAt(2)).toEqual([]);
    expect(findPythonScopes(Buffer.from(loneCr)).scopesAt(1)).toEqual(index.scopesAt(1));
    // Mixed with LF and CRLF lines: only the line that holds lone carriage returns is widened.
    const mixed = 'def a():\r\n    return 1\n\ndef b():\r    return 2\rdef c():\n    return 3\n';
    expect(namesByLine(mixed)).toEqual(['a', 'a', '', 'b|c', 'c'].map((names) => names.replace('|', '.')));
    expect(findPythonScopes(mixed).lineCount).toBe(5);
    // A version forked from one without lone carriage returns reads them too.
    const fork = findPythonScopes(lf).forkFor(loneCr, 0);
    expect(fork.scopesAt(1)).toEqual(index.scopesAt(1));
    expect(findPythonScopes('x = 1\r').lineCount).toBe(1);
    expect(findPythonScopes('x = 1\r').scopesAt(1)).toEqual([]);
  });

  it('counts lines as git does', () => {
    expect(findPythonScopes('').lineCount).toBe(0);
    expect(findPythonScopes('\n').lineCount).toBe(1);
    expect(findPythonScopes('x = 1').lineCount).toBe(1);
    expect(findPythonScopes('x = 1\n').lineCount).toBe(1);
    expect(findPythonScopes('x = 1\n\n').lineCount).toBe(2);
    expect(findPythonScopes('x = 1\r\n').lineCount).toBe(1);
  });

  it('returns no scopes for lines outside the file or that are not line numbers', () => {
    const index = findPythonScopes('def f():\n    return 1\n');
    for (const line of [0, -1, 3, 100, 1.5, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
      expect({ line, scopes: index.scopesAt(line) }).toEqual({ line, scopes: [] });
    }
    expect(index.scopesAt(2)).toEqual([fn('f', 1)]);
    expect(findPythonScopes('').scopesAt(1)).toEqual([]);
  });

  it('returns frozen chains and scopes, so one caller cannot change what another sees', () => {
    const index = findPythonScopes('class A:\n    def f(self):\n        return 1\n');
    const chain = index.scopesAt(3);
    expect(Object.isFrozen(chain)).toBe(true);
    expect(Object.isFrozen(chain[0])).toBe(true);
    expect(Object.isFrozen(index.scopesAt(99))).toBe(true);
  });
});

describe('findPythonScopes: malformed input', () => {
  it('recovers from an unclosed bracket at the next def or class', () => {
    expectScopes([
      ['def f():', 'f'],
      ['    x = compute(1, 2', 'f'],
      ['    y = 3', 'f'],
      ['def g():', 'g'],
      ['    return 4', 'g'],
      ['class H:', 'H'],
      ['    pass', 'H'],
    ]);
  });

  it('recovers from a dangling backslash at the next def', () => {
    expectScopes([
      ['def f():', 'f'],
      ['    x = 1 \\', 'f'],
      ['def g():', 'g'],
      ['    pass', 'g'],
    ]);
  });

  it('keeps the rest of the file in the statement of an unterminated triple-quoted string', () => {
    expectScopes([
      ['def f():', 'f'],
      ['    s = """never closed', 'f'],
      ['def g():', 'f'],
      ['x = 1', 'f'],
    ]);
  });

  it('ignores stray closing brackets', () => {
    expectScopes([
      ['def f():', 'f'],
      ['    x = 1)]}', 'f'],
      ['    return (x', 'f'],
      ['+ 1)', 'f'],
      ['y = 2', ''],
    ]);
  });

  it('tolerates bodies that are not indented and headers with no body', () => {
    expectScopes([
      ['def f():', 'f'],
      ['x = 1', ''],
      ['class A:', 'A'],
      ['def g():', 'g'],
      ['        deep = 1', 'g'],
      ['    shallower = 2', 'g'],
      ['def', ''],
      ['class', ''],
      ['def (x):', ''],
      ['@', ''],
    ]);
  });

  it('never throws and always returns well-formed chains, whatever the input', () => {
    const random = seededRandom(42);
    const fragments = [
      'def f():', 'class C:', 'async def g(', '@d', '    ', '\t', '\f', '(', ')', '[', ']', '{', '}', '"', "'",
      '"""', "'''", '\\', '#', 'x = 1', ' pass', 'r"', 'lambda: 0', '\n', '\n', '\n', '\r\n', '\r', '\u2028', '\0',
      '😀', '\ud800',
    ];
    for (let round = 0; round < 400; round++) {
      const length = Math.floor(random() * 120);
      const source = Array.from({ length }, () => fragments[Math.floor(random() * fragments.length)]).join('');
      const index = findPythonScopes(source);
      expect(index.lineCount).toBe(source === '' ? 0 : source.split('\n').length - (source.endsWith('\n') ? 1 : 0));
      // Where a carriage return alone ends a line, one of git's lines may hold several scopes' headers.
      const hasLoneCr = /\r(?!\n|$)/.test(source);
      for (let line = 0; line <= index.lineCount + 1; line++) {
        const chain = index.scopesAt(line);
        for (let depth = 0; depth < chain.length; depth++) {
          const scope = chain[depth] as CodeScope;
          if (depth > 0 && !hasLoneCr) expect(scope.line).toBeGreaterThan((chain[depth - 1] as CodeScope).line);
          if (depth > 0 && hasLoneCr) expect(scope.line).toBeGreaterThanOrEqual((chain[depth - 1] as CodeScope).line);
          // A scope's own header line is always inside that scope.
          if (!hasLoneCr) expect(index.scopesAt(scope.line).at(-1)).toBe(scope);
          else expect(index.scopesAt(scope.line)).toContain(scope);
        }
      }
    }
  });
});

describe('findPythonScopes: size', () => {
  it('indexes a 100,000-line file in one pass', () => {
    const lines: string[] = [];
    while (lines.length < 100_000) {
      const n = lines.length;
      lines.push(
        `class Env${n}(gym.Env):`,
        `    """Environment ${n}.`,
        '    def fake(self):',
        '    """',
        '',
        '    @staticmethod',
        '    def step(action):',
        '        reward = compute(',
        '            action,',
        '        )',
        '        # clip',
        '        return reward',
        '',
      );
    }
    const source = `${lines.join('\n')}\n`;
    const index = findPythonScopes(source);
    expect(index.lineCount).toBe(lines.length);
    const lastClassLine = lines.length - 12;
    const lastClass = cls(`Env${lastClassLine - 1}`, lastClassLine);
    expect(lines[lastClassLine - 1]).toBe(`class Env${lastClassLine - 1}(gym.Env):`);
    expect(index.scopesAt(lastClassLine + 11)).toEqual([lastClass, fn('step', lastClassLine + 6)]);
    expect(index.scopesAt(lastClassLine + 2)).toEqual([lastClass]);
    expect(index.scopesAt(lastClassLine + 12)).toEqual([]);
    expect(index.scopesAt(3)).toEqual([cls('Env0', 1)]);
    expect(index.scopesAt(6)).toEqual([cls('Env0', 1), fn('step', 7)]);
    expect(index.scopesAt(10)).toEqual([cls('Env0', 1), fn('step', 7)]);
  });

  it('handles a very deeply nested file', () => {
    const depth = 2000;
    const source = Array.from({ length: depth }, (_, level) => `${' '.repeat(level)}def f${level}():`).join('\n');
    const index = findPythonScopes(`${source}\n${' '.repeat(depth)}return 1\n`);
    expect(index.scopesAt(depth + 1)).toHaveLength(depth);
    expect(index.scopesAt(depth + 1).at(-1)).toEqual(fn(`f${depth - 1}`, depth));
  });
});

describe('findPythonScopes: reading on demand', () => {
  const fragments = [
    'def compute_reward(x):',
    '    return x',
    'class Env:',
    '    def step(self, a):',
    '        r = (',
    '            a +',
    '        1)',
    '    @property',
    '    def name(self):',
    '        """doc',
    'def fake():',
    '        """',
    '',
    '# comment',
    '        # indented comment',
    'x = 1 \\',
    '    + 2',
    '@decorator(',
    '    arg=1)',
    'async def run():',
    '    pass',
    "s = '''",
    "'''",
    '\tdef tabbed():',
  ];

  it('gives the same scopes whatever order lines are asked about', () => {
    const random = seededRandom(42);
    for (let sample = 0; sample < 200; sample++) {
      const length = 1 + Math.floor(random() * 40);
      const source = Array.from({ length }, () => fragments[Math.floor(random() * fragments.length)]).join('\n');
      const inOrder = findPythonScopes(source);
      const lineCount = inOrder.lineCount;
      const expected = Array.from({ length: lineCount + 2 }, (_, i) => inOrder.scopesAt(i + 1));
      const shuffled = findPythonScopes(source);
      const order = Array.from({ length: lineCount + 2 }, (_, i) => i + 1).sort(() => random() - 0.5);
      for (const line of order) expect(shuffled.scopesAt(line), `sample ${sample}, line ${line}`).toEqual(expected[line - 1]);
      const lastFirst = findPythonScopes(source);
      lastFirst.scopesAt(lineCount);
      for (let line = 1; line <= lineCount; line++) expect(lastFirst.scopesAt(line)).toEqual(expected[line - 1]);
    }
  });

  it('answers a line of a decorated function only once the def is read', () => {
    const index = findPythonScopes('@a\n@b(\n  1)\ndef f():\n    pass\n');
    expect(index.scopesAt(1)).toEqual([fn('f', 4)]);
    expect(index.scopesAt(3)).toEqual([fn('f', 4)]);
  });
});

describe('findPythonScopes: forking to another version of the file', () => {
  it('gives a fork the same scopes as reading the other version from the start', () => {
    const random = seededRandom(7);
    const pick = () => {
      const lines = [
        'def compute_reward(x):', '    return x', 'class Env:', '    def step(self, a):', '        r = (', '            a +',
        '        1)', '    @property', '    def name(self):', '        """doc', 'def fake():', '        """', '', '# c',
        '        # indented', '@decorator(', '    arg=1)', 'async def run():', '    pass', "s = '''", "'''", '    x = 1',
      ];
      return lines[Math.floor(random() * lines.length)] as string;
    };
    for (let sample = 0; sample < 300; sample++) {
      const prefix = Array.from({ length: Math.floor(random() * 120) }, pick);
      const tailA = Array.from({ length: Math.floor(random() * 40) }, pick);
      const tailB = Array.from({ length: Math.floor(random() * 40) }, pick);
      const a = [...prefix, ...tailA].join('\n');
      const b = [...prefix, ...tailB].join('\n');
      const base = findPythonScopes(a);
      // Read some of `a` first, as a scan would, so snapshots exist up to there.
      base.scopesAt(Math.floor(random() * (prefix.length + tailA.length + 2)));
      const fork = base.forkFor(b, prefix.length);
      const fresh = findPythonScopes(b);
      for (let line = 1; line <= fresh.lineCount + 1; line++) {
        expect(fork.scopesAt(line), `sample ${sample}, line ${line}`).toEqual(fresh.scopesAt(line));
      }
      // The base is untouched by its fork.
      const again = findPythonScopes(a);
      for (let line = 1; line <= again.lineCount; line++) expect(base.scopesAt(line)).toEqual(again.scopesAt(line));
    }
  });
});

describe('findPythonScopes: UTF-8 bytes', () => {
  it('reads bytes a line at a time with the same result as text, non-ASCII names included', () => {
    const source = 'class Ärger:\r\n    def ünïcode_score(self):\r\n        s = """\r\ndef fake():\r\n"""\r\n        return 1\r\n\r\ndef 報酬():\r\n    pass\r\n';
    const fromText = findPythonScopes(source);
    const fromBytes = findPythonScopes(Buffer.from(source, 'utf8'));
    expect(fromBytes.lineCount).toBe(fromText.lineCount);
    for (let line = 1; line <= fromText.lineCount; line++) expect(fromBytes.scopesAt(line)).toEqual(fromText.scopesAt(line));
    expect(fromBytes.scopesAt(6).map((scope) => scope.name)).toEqual(['Ärger', 'ünïcode_score']);
    expect(fromBytes.scopesAt(9).map((scope) => scope.name)).toEqual(['報酬']);
    const fork = fromText.forkFor(Buffer.from(source.replace('return 1', 'return 2')), 5);
    expect(fork.scopesAt(6).map((scope) => scope.name)).toEqual(['Ärger', 'ünïcode_score']);
  });

  it('gives the same scopes as the decoded text for a long file: long lines, CRLF, bad bytes, any ending', () => {
    const pieces: Buffer[] = [];
    for (let block = 0; block < 120; block++) {
      pieces.push(Buffer.from(`class Block${block}:\r\n    def score_${block}(self):\n        text = "ünï ${'x'.repeat(block * 7)}"\n`));
      // A truncated UTF-8 sequence and a stray byte just before line ends, which decode to U+FFFD.
      pieces.push(Buffer.from([0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x79, 0x20, 0x3d, 0x20, 0x31, 0x20, 0x23, 0xe2, 0x82, 0x0a]));
      pieces.push(Buffer.from([0x23, 0xff, 0x0d, 0x0a]));
      if (block % 40 === 7) pieces.push(Buffer.from(`        long = [${'1, '.repeat(4000)}\n        ]\n`));
      pieces.push(Buffer.from(`    s = '''\ndef not_a_scope_${block}():\n'''\n\ndef top_${block}():\n    return ${block}\n`));
    }
    const whole = Buffer.concat(pieces);
    for (const bytes of [whole, whole.subarray(0, whole.length - 1), whole.subarray(0, 12_345)]) {
      const text = bytes.toString('utf8');
      const fromText = findPythonScopes(text);
      const fromBytes = findPythonScopes(bytes);
      expect(fromBytes.lineCount).toBe(fromText.lineCount);
      for (let line = 0; line <= fromText.lineCount + 1; line++) expect(fromBytes.scopesAt(line), `line ${line}`).toEqual(fromText.scopesAt(line));
    }
    // Asked for a line far into the file first, as a scan of one late hunk does.
    expect(findPythonScopes(whole).scopesAt(findPythonScopes(whole.toString('utf8')).lineCount - 1).map((scope) => scope.name)).toEqual(['top_119']);
  });
});
