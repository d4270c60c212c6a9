import { describe, expect, it, vi } from 'vitest';
import { builtinRulesDirectory, parseRules, readRuleTexts } from '../../src/engine/load-rules.js';
import { PathLiterals } from '../../src/engine/path-literals.js';
import type { MatcherSpec } from '../../src/engine/rule.js';
import { seededRandom } from '../helpers/seeded-random.js';

describe('PathLiterals', () => {
  it('tells whether a path holds one of the literals, with their case, as includes() would', () => {
    const literals = new PathLiterals();
    const reward = literals.register(['reward', '.py'])!;
    const shutdown = literals.register(['shutdown.sh'])!;
    expect(reward).not.toBeNull();
    expect(literals.holdsAny('src/rewards/x.txt', reward)).toBe(true);
    expect(literals.holdsAny('src/model.py', reward)).toBe(true);
    expect(literals.holdsAny('docs/index.md', reward)).toBe(false);
    expect(literals.holdsAny('src/REWARD.txt', reward)).toBe(false);
    expect(literals.holdsAny('scripts/Shutdown.sh', shutdown)).toBe(false);
    expect(literals.holdsAny('scripts/shutdown.sh', shutdown)).toBe(true);
    expect(literals.holdsAny('scripts/shutdown.bash', shutdown)).toBe(false);
  });

  it('reads a path outside ASCII like any other: its other characters are no literal', () => {
    const literals = new PathLiterals();
    const ids = literals.register(['reward'])!;
    expect(literals.holdsAny('données/reward.py', ids)).toBe(true);
    expect(literals.holdsAny('ſrc/rewaſd.py', ids)).toBe(false);
    expect(literals.holdsAny('re\u0301ward/x', ids)).toBe(false);
    expect(literals.holdsAny('reé/reward', ids)).toBe(true);
  });

  it('answers for the path asked, also when two paths alternate', () => {
    const literals = new PathLiterals();
    const ids = literals.register(['reward'])!;
    for (let round = 0; round < 3; round++) {
      expect(literals.holdsAny('a/reward.py', ids)).toBe(true);
      expect(literals.holdsAny('a/model.py', ids)).toBe(false);
    }
  });

  it('takes no literal outside ASCII, and none once it has scanned (the caller keeps its own check)', () => {
    const literals = new PathLiterals();
    expect(literals.register(['récompense'])).toBeNull();
    const ids = literals.register(['reward'])!;
    literals.holdsAny('x', ids);
    expect(literals.register(['score'])).toBeNull();
  });
});

/** Every glob of the built-in rules' path conditions. */
async function builtinGlobs(): Promise<string[]> {
  const globs = new Set<string>();
  const visit = (spec: MatcherSpec): void => {
    if ('path' in spec) {
      const path = spec.path as string[] | { include: string[]; exclude?: string[] };
      for (const glob of Array.isArray(path) ? path : [...path.include, ...(path.exclude ?? [])]) globs.add(glob);
    }
    if ('all' in spec) spec.all.forEach(visit);
    if ('any' in spec) spec.any.forEach(visit);
    if ('not' in spec) visit(spec.not);
  };
  const rules = parseRules(await readRuleTexts([builtinRulesDirectory()]));
  for (const rule of rules) visit(rule.match);
  return [...globs];
}

/** Paths near what the globs name: their alternatives with wildcards filled, case changed, characters swapped and prefixed. */
function pathsNear(globs: readonly string[], expand: (glob: string) => string[], count: number): string[] {
  const random = seededRandom(7);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const fillers = ['', 'x', 'reward', 'a/b', 'ſ', 'É', 'bin', '.py', 'Train', 'checkpoint-1'];
  const alternatives = globs.flatMap((glob) => expand(glob));
  const paths: string[] = [];
  for (let i = 0; i < count; i++) {
    let path = pick(alternatives)
      .replace(/\*\*\/?/g, () => pick(['', 'src/', 'a/b/']))
      .replace(/\[[^\]]*\]|[*?]/g, () => pick(fillers))
      .replace(/^\//, '');
    const mutation = random();
    if (mutation < 0.2) path = path.toUpperCase();
    else if (mutation < 0.35) path = path.replace(/[a-z]/, (char) => char.toUpperCase());
    else if (mutation < 0.5 && path.length > 2) {
      const at = Math.floor(random() * path.length);
      path = path.slice(0, at) + pick(['x', 'ſ', '/', 'K']) + path.slice(at + 1);
    } else if (mutation < 0.6) path = `${pick(['lib/', 'tests/', 'x'])}${path}`;
    paths.push(path);
  }
  return paths;
}

describe('compiled globs with the shared literal scan', () => {
  it('answer every built-in glob exactly as they do with a literal check of their own', async () => {
    const globs = await builtinGlobs();
    expect(globs.length).toBeGreaterThan(100);

    // Two fresh copies of the glob module: in one the rule set's globs share the literal scan, in the
    // other its scanner is built before they are compiled, so each keeps its own `includes` check.
    vi.resetModules();
    const shared = await import('../../src/engine/glob.js');
    const sharedMatchers = globs.map((glob) => shared.compileGlob(glob));
    vi.resetModules();
    const own = await import('../../src/engine/glob.js');
    own.compileGlob('warm-up-*.txt')('warm-up-1.txt');
    const ownMatchers = globs.map((glob) => own.compileGlob(glob));
    vi.resetModules();

    const paths = pathsNear(globs, shared.expandBraces, 4000);
    let matches = 0;
    const disagreements: string[] = [];
    // Path by path, as the rule index asks, so the shared scan's memo of the last path is used.
    for (const path of paths) {
      globs.forEach((glob, index) => {
        const answer = sharedMatchers[index]!(path);
        if (answer) matches++;
        if (answer !== ownMatchers[index]!(path)) disagreements.push(`${glob} ${JSON.stringify(path)}`);
      });
    }
    expect(disagreements).toEqual([]);
    // The corpus must exercise both answers, or agreement would prove little.
    expect(matches).toBeGreaterThan(2000);
  });
});
