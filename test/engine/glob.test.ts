import { describe, it, expect } from 'vitest';
import { compileExactGlob, compileGlob, GlobSyntaxError } from '../../src/engine/glob.js';
import { seededRandom } from '../helpers/seeded-random.js';

/** Asserts, path by path, which of `paths` the pattern matches, so a failure names the path. */
function expectMatches(pattern: string, matching: readonly string[], notMatching: readonly string[]): void {
  const matches = compileGlob(pattern);
  for (const path of matching) {
    expect({ pattern, path, isMatch: matches(path) }).toEqual({ pattern, path, isMatch: true });
  }
  for (const path of notMatching) {
    expect({ pattern, path, isMatch: matches(path) }).toEqual({ pattern, path, isMatch: false });
  }
}

/**
 * The documented semantics written the slow, obvious way (segment by segment, trying every split),
 * for patterns made of letters, `*`, `?`, `**` and `/` only.
 */
/**
 * A random pattern the compiler may refuse (too many brace alternatives, say), but only with a
 * GlobSyntaxError: then there is nothing to compare, and the caller skips it.
 */
function compileOrRefuse(pattern: string): ((path: string) => boolean) | null {
  try {
    return compileGlob(pattern);
  } catch (error) {
    expect(error).toBeInstanceOf(GlobSyntaxError);
    return null;
  }
}

function referenceMatch(pattern: string, path: string): boolean {
  const rawSegments = pattern.split('/');
  const isRootAnchored = rawSegments.length > 1 && rawSegments[0] === '';
  const isDirectoryOnly = rawSegments.length > 1 && rawSegments[rawSegments.length - 1] === '';
  const globSegments = rawSegments.filter((segment) => segment !== '');
  const isAnchored = isRootAnchored || globSegments.length > 1;
  const pathSegments = path.split('/');

  const upTo = (last: number): number[] => Array.from({ length: last + 1 }, (_, index) => index);
  const segmentMatches = (glob: string, name: string): boolean => {
    if (glob === '') return name === '';
    if (glob[0] === '*') return upTo(name.length).some((skip) => segmentMatches(glob.slice(1), name.slice(skip)));
    return name !== '' && (glob[0] === '?' || glob[0] === name[0]) && segmentMatches(glob.slice(1), name.slice(1));
  };
  const runMatches = (globs: readonly string[], names: readonly string[]): boolean => {
    const [glob, ...restGlobs] = globs;
    if (glob === undefined) return names.length === 0;
    if (glob === '**') {
      // A trailing `**` is "everything inside", so it needs at least one segment.
      const fewest = restGlobs.length === 0 ? 1 : 0;
      return upTo(names.length).some((skip) => skip >= fewest && runMatches(restGlobs, names.slice(skip)));
    }
    const [name, ...restNames] = names;
    return name !== undefined && segmentMatches(glob, name) && runMatches(restGlobs, restNames);
  };
  for (let start = 0; start < pathSegments.length; start++) {
    if (isAnchored && start > 0) break;
    for (let end = start; end <= pathSegments.length; end++) {
      if (isDirectoryOnly && end === pathSegments.length) break;
      if (runMatches(globSegments, pathSegments.slice(start, end))) return true;
    }
  }
  return false;
}

function syntaxErrorOf(pattern: string): GlobSyntaxError {
  try {
    compileGlob(pattern);
  } catch (error) {
    if (error instanceof GlobSyntaxError) return error;
    throw error;
  }
  throw new Error(`expected ${JSON.stringify(pattern)} to be rejected`);
}

describe('compileGlob: where a pattern applies', () => {
  it('matches a slash-free pattern against the basename at any depth', () => {
    expectMatches(
      'train.py',
      ['train.py', 'a/train.py', 'a/b/c/train.py'],
      ['train.pyc', 'pretrain.py', 'a/train.py.bak', 'train'],
    );
  });

  it('matches a slash-free wildcard pattern at any depth', () => {
    expectMatches(
      '*.safetensors',
      ['model.safetensors', 'checkpoints/step-100/model.safetensors', 'a/b/.safetensors'],
      ['model.safetensors.json', 'model.bin', 'a/model.safetensorsx'],
    );
  });

  it('anchors a pattern that contains a slash at the repository root', () => {
    expectMatches('src/reward.py', ['src/reward.py'], ['lib/src/reward.py', 'reward.py', 'src/reward.pyc']);
  });

  it('treats a leading slash as an anchor and nothing more', () => {
    expectMatches('/train.py', ['train.py', 'train.py/inner.txt'], ['a/train.py', '/train.py']);
    const withSlash = compileGlob('/src/rewards');
    const withoutSlash = compileGlob('src/rewards');
    for (const path of ['src/rewards', 'src/rewards/x.py', 'x/src/rewards', 'src/rewardsx']) {
      expect(withSlash(path)).toBe(withoutSlash(path));
    }
  });

  it('makes a trailing slash mean the directory and everything under it, at any depth when unanchored', () => {
    expectMatches(
      'checkpoints/',
      ['checkpoints/a.bin', 'x/checkpoints/a.bin', 'checkpoints/step-1/a.bin'],
      ['checkpoints', 'x/checkpoints', 'mycheckpoints/a.bin', 'checkpoints.bin'],
    );
  });

  it('anchors a directory pattern that has another slash', () => {
    expectMatches(
      'models/ckpt/',
      ['models/ckpt/a.bin', 'models/ckpt/deep/b.pt'],
      ['x/models/ckpt/a.bin', 'models/ckpt', 'models/ckpt2/a'],
    );
  });

  it('matches everything under a directory that a plain pattern matches', () => {
    expectMatches(
      'rl_environment',
      ['rl_environment', 'rl_environment/reward.py', 'agents/rl_environment/env/step.py'],
      ['rl_environment_v2/reward.py', 'my_rl_environment/reward.py'],
    );
    expectMatches(
      'src/rewards',
      ['src/rewards', 'src/rewards/x.py', 'src/rewards/a/b.py'],
      ['src/rewards_v2/x.py', 'a/src/rewards/x.py'],
    );
    expectMatches('*.d', ['conf.d/x.yml', 'a/conf.d/x.yml'], ['conf.dx/x.yml']);
  });

  it('reads doubled slashes as one', () => {
    expectMatches('src//reward.py', ['src/reward.py'], ['src//reward.py', 'x/src/reward.py']);
    expectMatches('checkpoints//', ['checkpoints/a.bin', 'x/checkpoints/a.bin'], ['checkpoints']);
  });
});

describe('compileExactGlob', () => {
  it('matches only the paths a pattern names, not what is under them', () => {
    expect(compileGlob('r*')('rewards/grader.py')).toBe(true);
    expect(compileExactGlob('r*')('rewards/grader.py')).toBe(false);
    expect(compileExactGlob('r*')('rewards')).toBe(true);
    expect(compileExactGlob('r*')('src/run.py')).toBe(true);
    expect(compileExactGlob('/src/rewards')('src/rewards/x.py')).toBe(false);
    // A trailing `/**` names what is inside; a middle one spans folders.
    expect(compileExactGlob('a/**')('a/x/y')).toBe(true);
    expect(compileExactGlob('a/**/b')('a/x/b')).toBe(true);
    expect(compileExactGlob('a/**/b')('a/x/b/c')).toBe(false);
  });

  it('is kept apart from compileGlob of the same pattern', () => {
    const loose = compileGlob('cache');
    const exact = compileExactGlob('cache');
    expect([loose('cache/x'), exact('cache/x'), compileGlob('cache')('cache/x')]).toEqual([true, false, true]);
  });
});

describe('compileGlob: wildcards', () => {
  it('keeps * within one segment', () => {
    expectMatches('src/*.py', ['src/train.py', 'src/.py'], ['src/a/train.py', 'train.py', 'src/train.pyc']);
    expectMatches('src/*/reward.py', ['src/a/reward.py'], ['src/reward.py', 'src/a/b/reward.py']);
    expectMatches('a*b', ['ab', 'axxb', 'dir/axb', 'axb/c'], ['a/b', 'ba', 'a/xb', 'ax/b']);
  });

  it('matches dotfiles with * and ?, unlike a shell', () => {
    expectMatches('*.yml', ['.selfmod.yml', 'config/.hidden.yml', 'ci.yml'], ['ci.yaml']);
    expectMatches('*', ['.env', 'a', 'a/b/.git-credentials'], []);
    expectMatches('?env', ['.env', 'xenv'], ['env', '..env']);
  });

  it('matches exactly one non-slash character with ?', () => {
    expectMatches('step-?.pt', ['step-1.pt', 'ckpt/step-9.pt'], ['step-10.pt', 'step-.pt']);
    expectMatches('a?b', ['axb'], ['a/b', 'ab']);
  });

  it('treats ? as one code point, not one UTF-16 unit', () => {
    expectMatches('?.txt', ['😀.txt', 'é.txt'], ['😀😀.txt']);
  });

  it('lets ** match zero or more whole segments in the middle', () => {
    expectMatches('a/**/b', ['a/b', 'a/x/b', 'a/x/y/z/b', 'a/b/c'], ['b', 'a/xb', 'ax/b', 'x/a/b']);
  });

  it('lets a leading ** match at any depth', () => {
    expectMatches('**/reward.py', ['reward.py', 'a/reward.py', 'a/b/reward.py'], ['a/myreward.py']);
    expectMatches(
      '**/trainer/*.py',
      ['trainer/grpo.py', 'src/trl/trainer/grpo.py'],
      ['src/trainer.py', 'trainer/a/grpo.py'],
    );
  });

  it('lets a trailing ** match everything inside a directory but not the name alone', () => {
    expectMatches('models/**', ['models/a.bin', 'models/a/b/c.bin'], ['models', 'x/models/a.bin', 'models2/a.bin']);
  });

  it('matches every path with a lone **', () => {
    expectMatches('**', ['a', 'a/b/c', '.hidden'], []);
  });

  it('reads repeated ** segments as one', () => {
    expectMatches('a/**/**/b', ['a/b', 'a/x/b', 'a/x/y/b'], ['a/xb']);
    expectMatches('a/**/**', ['a/x', 'a/x/y'], ['a']);
  });

  it('treats ** that is not a whole segment as a plain *', () => {
    expectMatches('a**b', ['ab', 'axxb'], ['a/x/b']);
    expectMatches('**.py', ['train.py', 'src/train.py'], []);
    expectMatches('src/**.py', ['src/train.py'], ['src/a/train.py']);
  });

  it('does not backtrack catastrophically on many stars', () => {
    const matches = compileGlob('*a*a*a*a*a*a*a*a*a*b');
    expect(matches('a'.repeat(5000))).toBe(false);
    expect(matches(`${'a'.repeat(5000)}b`)).toBe(true);
    expect(matches(`${'a'.repeat(5000)}b/c`)).toBe(true);
    const globstars = compileGlob('**/x/**/y/**/z/**/w');
    expect(globstars(`${'x/y/z/'.repeat(500)}v`)).toBe(false);
    expect(globstars(`${'x/y/z/'.repeat(500)}w`)).toBe(true);
    expect(globstars('x/y/z/w')).toBe(true);
  });

  it('agrees with a slow reference matcher on random patterns and paths', () => {
    const random = seededRandom(7);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
    for (let round = 0; round < 3000; round++) {
      const parts = ['a', 'b', '*', '?', '/', '**', '/**/'];
      const pattern = Array.from({ length: 1 + Math.floor(random() * 6) }, () => pick(parts)).join('');
      const matches = compileOrRefuse(pattern);
      if (!matches) continue;
      for (let sample = 0; sample < 10; sample++) {
        const segments = Array.from({ length: 1 + Math.floor(random() * 4) }, () =>
          Array.from({ length: 1 + Math.floor(random() * 3) }, () => pick(['a', 'b', 'c'])).join(''),
        );
        const path = segments.join('/');
        const isMatch = referenceMatch(pattern, path);
        expect({ pattern, path, isMatch: matches(path) }).toEqual({ pattern, path, isMatch });
      }
    }
  });
});

describe('compileGlob: paths built from the pattern always match', () => {
  // Each token is a piece of glob and a way to produce text it matches; a pattern is a run of tokens
  // and a path is what they produce. No path made this way may be rejected (by the literal prefilter
  // or anything else).
  const random = seededRandom(11);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const letters = ['a', 'b', 'r', 'e', 'w', 'd', '.', '_'];
  const word = (min: number) => Array.from({ length: min + Math.floor(random() * 4) }, () => pick(letters)).join('');
  const tokens: Array<() => [string, string]> = [
    () => {
      const text = word(1);
      return [text, text];
    },
    () => ['?', pick(letters)],
    () => ['*', word(0)],
    () => ['[ab]', pick(['a', 'b'])],
    () => ['[!a]', pick(['b', 'r', '.'])],
    () => ['[]r]', pick([']', 'r'])],
    () => ['\\*', '*'],
    () => {
      const alternatives = [word(1), word(1), word(1)];
      return [`{${alternatives.join(',')}}`, pick(alternatives)];
    },
  ];
  it('accepts every path generated from a random pattern', () => {
    for (let round = 0; round < 3000; round++) {
      const segments = Array.from({ length: 1 + Math.floor(random() * 3) }, () =>
        Array.from({ length: 1 + Math.floor(random() * 3) }, () => pick(tokens)()),
      );
      const pattern = segments.map((segment) => segment.map(([glob]) => glob).join('')).join('/');
      const path = segments.map((segment) => segment.map(([, text]) => text).join('')).join('/');
      if (path.split('/').some((segment) => segment === '')) continue;
      const matches = compileOrRefuse(pattern);
      if (!matches) continue;
      expect({ pattern, path, isMatch: matches(path) }).toEqual({ pattern, path, isMatch: true });
    }
  });
});

describe('compileGlob: character classes', () => {
  it('matches a listed character', () => {
    expectMatches('reward_[abc].py', ['reward_a.py', 'reward_c.py'], ['reward_d.py', 'reward_.py', 'reward_ab.py']);
  });

  it('matches a range', () => {
    expectMatches('step[0-9].pt', ['step0.pt', 'step7.pt'], ['stepa.pt', 'step10.pt']);
    expectMatches('[a-cx-z]', ['a', 'b', 'y'], ['d', 'w', 'A']);
  });

  it('negates with ! and with ^', () => {
    expectMatches('file[!0-9]', ['filea', 'file_'], ['file1', 'file']);
    expectMatches('file[^0-9]', ['filea'], ['file1']);
  });

  it('never matches a slash, even through a range that spans it', () => {
    expectMatches('a[+-0]b', ['a+b', 'a.b', 'a0b'], ['a/b']);
    expectMatches('a[!x]b', ['ayb'], ['a/b']);
    expectMatches('a[/]b', [], ['a/b', 'a[/]b']);
  });

  it('takes a ] first in the class, or escaped, literally', () => {
    expectMatches('x[]]', ['x]'], ['x', 'x[]]']);
    expectMatches('x[!]]', ['xa'], ['x]']);
    expectMatches('x[a\\]]', ['xa', 'x]'], ['xb']);
  });

  it('takes a - at either end of the class literally', () => {
    expectMatches('x[-a]', ['x-', 'xa'], ['xb']);
    expectMatches('x[a-]', ['x-', 'xa'], ['xb']);
  });

  it('takes characters that are special in a RegExp literally', () => {
    expectMatches('x[.^$\\\\]', ['x.', 'x^', 'x$', 'x\\'], ['xa']);
    expectMatches('x[{},]', ['x{', 'x}', 'x,'], ['xa']);
  });
});

describe('compileGlob: braces', () => {
  it('matches any of the alternatives', () => {
    expectMatches('*.{pt,bin,safetensors}', ['a.pt', 'w/a.bin', 'model.safetensors'], ['a.ckpt', 'a.{pt,bin}']);
  });

  it('expands before deciding where each alternative applies', () => {
    expectMatches('{train.py,src/reward.py}', ['train.py', 'x/train.py', 'src/reward.py'], ['x/src/reward.py']);
    expectMatches(
      '{src,lib}/rewards/',
      ['src/rewards/a.py', 'lib/rewards/b.py'],
      ['x/src/rewards/a.py', 'src/rewards'],
    );
  });

  it('allows wildcards inside alternatives', () => {
    expectMatches('{*.pt,checkpoint-*}', ['a.pt', 'checkpoint-100', 'x/checkpoint-7/model.bin'], ['checkpoint']);
  });

  it('allows nesting', () => {
    expectMatches('model.{safe{tensors,},bin}', ['model.safetensors', 'model.safe', 'model.bin'], ['model.safex']);
    expectMatches('{a,{b,{c,d}}}.py', ['a.py', 'b.py', 'c.py', 'd.py'], ['e.py']);
  });

  it('allows an empty alternative and a single one', () => {
    expectMatches('model{,s}.py', ['model.py', 'models.py'], ['modelx.py']);
    expectMatches('{reward}.py', ['reward.py'], ['{reward}.py']);
  });

  it('takes a comma outside braces literally', () => {
    expectMatches('a,b.txt', ['a,b.txt'], ['a.txt', 'b.txt']);
  });

  it('expands several groups into their product', () => {
    expectMatches('{src,lib}/{reward,loss}.py', ['src/reward.py', 'lib/loss.py', 'src/loss.py'], ['src/other.py']);
  });

  it('combines with ** in an alternative', () => {
    expectMatches('{**/ppo,rl}/*.py', ['ppo/a.py', 'x/y/ppo/a.py', 'rl/a.py'], ['x/rl/a.py']);
  });
});

describe('compileGlob: escapes and literal characters', () => {
  it('makes the next character literal', () => {
    expectMatches('what\\?.txt', ['what?.txt'], ['whatx.txt']);
    expectMatches('\\*.txt', ['*.txt'], ['a.txt']);
    expectMatches('\\[x].txt', ['[x].txt'], ['x.txt']);
    expectMatches('\\{a,b\\}', ['{a,b}'], ['a', 'b']);
    expectMatches('a\\}', ['a}'], []);
    expectMatches('\\a', ['a'], []);
  });

  it('keeps an escaped ** from being a globstar', () => {
    expectMatches('a/\\*\\*/b', ['a/**/b'], ['a/x/b', 'a/b']);
  });

  it('still separates segments at an escaped slash', () => {
    expectMatches('src\\/reward.py', ['src/reward.py'], ['x/src/reward.py']);
  });

  it('takes RegExp metacharacters literally', () => {
    expectMatches('a.b', ['a.b'], ['axb']);
    expectMatches('(x)|y+$^', ['(x)|y+$^'], ['x', 'y']);
    expectMatches('!important.py', ['!important.py', 'a/!important.py'], ['important.py']);
  });

  it('matches case-sensitively', () => {
    expectMatches('Train.py', ['Train.py'], ['train.py', 'TRAIN.PY']);
    expectMatches('[a-z].py', ['a.py'], ['A.py']);
  });

  it('handles non-ASCII names and newlines in file names', () => {
    expectMatches('données/*.csv', ['données/a.csv'], ['donnees/a.csv']);
    expectMatches('*.py', ['weird\nname.py'], []);
    expectMatches('a*', ['a\nb'], []);
  });
});

describe('compileGlob: malformed patterns', () => {
  it.each([
    ['[abc', 'unclosed "["'],
    ['x/[!', 'unclosed "["'],
    ['[]', 'unclosed "["'],
    ['[a\\', 'unclosed "["'],
    ['{a,b', 'unclosed "{"'],
    ['{a,{b,c}', 'unclosed "{"'],
    ['a}', 'unmatched "}" (write "\\}" for a literal one)'],
    ['abc\\', 'ends with a lone "\\"'],
    ['[z-a]', 'reversed range "z-a"'],
    ['', 'names no path'],
    ['/', 'names no path'],
    ['//', 'names no path'],
  ])('rejects %j', (pattern, reason) => {
    const error = syntaxErrorOf(pattern);
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('GlobSyntaxError');
    expect(error.reason).toBe(reason);
    expect(error.pattern).toBe(pattern);
    expect(error.message).toBe(`invalid glob ${JSON.stringify(pattern)}: ${reason}`);
  });

  it('rejects a pattern that expands to too many alternatives', () => {
    const tooMany = 'braces expand to more than 256 alternatives';
    expect(syntaxErrorOf('{a,b,c,d}{e,f,g,h}{i,j,k,l}{m,n,o,p,q}').reason).toBe(tooMany);
    const manyInOneGroup = `{${Array.from({ length: 300 }, (_, index) => `f${index}`).join(',')}}`;
    expect(syntaxErrorOf(manyInOneGroup).reason).toBe(tooMany);
    expect(() => compileGlob('{a,b}{c,d}{e,f}{g,h}{i,j}{k,l}{m,n}{o,p}')).not.toThrow();
  });

  it('rejects braces nested deeper than 8, without exhausting the stack', () => {
    expect(() => compileGlob(`${'{a,'.repeat(8)}b${'}'.repeat(8)}`)).not.toThrow();
    expect(syntaxErrorOf(`${'{a,'.repeat(9)}b${'}'.repeat(9)}`).reason).toBe('braces nested more than 8 deep');
    expect(syntaxErrorOf('{'.repeat(100_000)).reason).toBe('braces nested more than 8 deep');
  });
});

describe('compileGlob: the predicate', () => {
  it('gives the same answer on every call, as a stateless RegExp must', () => {
    const matches = compileGlob('**/reward*.py');
    const paths = ['src/reward.py', 'src/loss.py', 'reward_model.py', 'a/b/c/reward.pyc'];
    let matched = 0;
    for (let round = 0; round < 50_000; round++) {
      for (const path of paths) if (matches(path)) matched++;
    }
    expect(matched).toBe(100_000);
  });
});
