import type { ChangeKind, DiffLine } from '../change/change.js';
import type { CodeScope } from '../formats/python-scopes.js';
import { compileGlob } from './glob.js';
import type { MatchContext } from './match-context.js';
import type { LinePatternSpec, MatcherSpec } from './rule.js';

/**
 * What a matcher found. `lines` null means the whole change matched (a path, a change kind);
 * otherwise it holds the changed lines that matched, never empty when `isMatch`.
 */
export interface MatchResult {
  readonly isMatch: boolean;
  readonly lines: ReadonlySet<DiffLine> | null;
  /** Names of the enclosing scopes that matched, outermost first. */
  readonly scopes: readonly string[];
}

export interface Matcher {
  /** Relative cost, so `all` can try cheap tests first and stop early. */
  readonly cost: number;
  evaluate(context: MatchContext): Promise<MatchResult> | MatchResult;
}

/** A pattern in a rule that does not compile; `path` locates it inside the rule's `match`. */
export class PatternError extends Error {
  readonly path: ReadonlyArray<string | number>;

  constructor(path: ReadonlyArray<string | number>, message: string) {
    super(message);
    this.path = path;
  }
}

const NO_MATCH: MatchResult = { isMatch: false, lines: null, scopes: [] };
const WHOLE_MATCH: MatchResult = { isMatch: true, lines: null, scopes: [] };

/** Compiles a rule's matcher tree; throws PatternError naming the bad node. */
export function compileMatcher(spec: MatcherSpec, path: ReadonlyArray<string | number> = []): Matcher {
  if ('all' in spec) return allOf(spec.all.map((child, i) => compileMatcher(child, [...path, 'all', i])));
  if ('any' in spec) return anyOf(spec.any.map((child, i) => compileMatcher(child, [...path, 'any', i])));
  if ('not' in spec) return notOf(compileMatcher(spec.not, [...path, 'not']));
  if ('path' in spec) return pathMatcher(spec.path, [...path, 'path']);
  if ('change' in spec) return changeKindMatcher(spec.change);
  if ('added' in spec) return lineMatcher(spec.added, 'added', [...path, 'added']);
  if ('removed' in spec) return lineMatcher(spec.removed, 'removed', [...path, 'removed']);
  if ('changed' in spec) return lineMatcher(spec.changed, 'either', [...path, 'changed']);
  if ('scope' in spec) return scopeMatcher(spec.scope, [...path, 'scope']);
  throw new PatternError(path, 'unknown matcher');
}

function allOf(children: Matcher[]): Matcher {
  const ordered = [...children].sort((a, b) => a.cost - b.cost);
  return {
    cost: Math.max(0, ...children.map((child) => child.cost)),
    async evaluate(context) {
      let lines: Set<DiffLine> | null = null;
      const scopes: string[] = [];
      for (const child of ordered) {
        const result = await child.evaluate(context);
        if (!result.isMatch) return NO_MATCH;
        scopes.push(...result.scopes);
        if (result.lines === null) continue;
        if (lines === null) {
          lines = new Set(result.lines);
        } else {
          for (const line of lines) if (!result.lines.has(line)) lines.delete(line);
        }
        if (lines.size === 0) return NO_MATCH;
      }
      return { isMatch: true, lines, scopes: unique(scopes) };
    },
  };
}

function anyOf(children: Matcher[]): Matcher {
  const ordered = [...children].sort((a, b) => a.cost - b.cost);
  return {
    cost: Math.max(0, ...children.map((child) => child.cost)),
    async evaluate(context) {
      let isMatch = false;
      let isWhole = false;
      const lines = new Set<DiffLine>();
      const scopes: string[] = [];
      for (const child of ordered) {
        const result = await child.evaluate(context);
        if (!result.isMatch) continue;
        isMatch = true;
        scopes.push(...result.scopes);
        if (result.lines === null) isWhole = true;
        else for (const line of result.lines) lines.add(line);
      }
      if (!isMatch) return NO_MATCH;
      return { isMatch: true, lines: isWhole ? null : lines, scopes: unique(scopes) };
    },
  };
}

function notOf(child: Matcher): Matcher {
  return {
    cost: child.cost,
    async evaluate(context) {
      const result = await child.evaluate(context);
      return result.isMatch ? NO_MATCH : WHOLE_MATCH;
    },
  };
}

function pathMatcher(
  spec: readonly string[] | { readonly include: readonly string[]; readonly exclude?: readonly string[] },
  path: ReadonlyArray<string | number>,
): Matcher {
  const include = Array.isArray(spec) ? (spec as readonly string[]) : (spec as { include: readonly string[] }).include;
  const exclude = Array.isArray(spec) ? [] : ((spec as { exclude?: readonly string[] }).exclude ?? []);
  const includePath = Array.isArray(spec) ? path : [...path, 'include'];
  const includes = include.map((glob, i) => compileGlobAt(glob, [...includePath, i]));
  const excludes = exclude.map((glob, i) => compileGlobAt(glob, [...path, 'exclude', i]));
  const isProtected = (file: string) => includes.some((test) => test(file)) && !excludes.some((test) => test(file));
  return {
    cost: 0,
    evaluate(context) {
      const { file, previousFile } = context.change;
      // A move out of a protected place is as much an edit to it as a move into one.
      return isProtected(file) || (previousFile !== null && isProtected(previousFile)) ? WHOLE_MATCH : NO_MATCH;
    },
  };
}

function compileGlobAt(glob: string, path: ReadonlyArray<string | number>): (file: string) => boolean {
  if (glob.startsWith('!')) {
    // In .gitignore this negates; here it would silently match a literal "!", so say so instead.
    throw new PatternError(path, `glob ${JSON.stringify(glob)} starts with "!": negation is written as path.exclude`);
  }
  try {
    return compileGlob(glob);
  } catch (error) {
    throw new PatternError(path, `invalid glob ${JSON.stringify(glob)}: ${(error as Error).message}`);
  }
}

function changeKindMatcher(kinds: readonly ChangeKind[]): Matcher {
  const wanted = new Set(kinds);
  return {
    cost: 0,
    evaluate: (context) => (wanted.has(context.change.kind) ? WHOLE_MATCH : NO_MATCH),
  };
}

function compileRegex(source: string, flags: string, path: ReadonlyArray<string | number>): RegExp {
  try {
    return new RegExp(source, flags);
  } catch (error) {
    throw new PatternError(path, `invalid regular expression ${JSON.stringify(source)}: ${(error as Error).message}`);
  }
}

function lineMatcher(
  spec: string | LinePatternSpec,
  side: 'added' | 'removed' | 'either',
  path: ReadonlyArray<string | number>,
): Matcher {
  const full: LinePatternSpec = typeof spec === 'string' ? { pattern: spec } : spec;
  const flags = full.ignoreCase ? 'iu' : 'u';
  const patternPath = typeof spec === 'string' ? path : [...path, 'pattern'];
  const pattern = compileRegex(full.pattern, flags, patternPath);
  const exclude = full.exclude === undefined ? null : compileRegex(full.exclude, flags, [...path, 'exclude']);
  return {
    cost: 1,
    evaluate(context) {
      const lines = new Set<DiffLine>();
      for (const line of context.lines) {
        if (side !== 'either' && line.side !== side) continue;
        if (pattern.test(line.text) && !(exclude && exclude.test(line.text))) lines.add(line);
      }
      return lines.size > 0 ? { isMatch: true, lines, scopes: [] } : NO_MATCH;
    },
  };
}

function scopeMatcher(
  spec: string | { readonly name: string; readonly kind?: 'function' | 'class' | 'any'; readonly ignoreCase?: boolean },
  path: ReadonlyArray<string | number>,
): Matcher {
  const full = typeof spec === 'string' ? { name: spec } : spec;
  const kind = full.kind ?? 'any';
  const name = compileRegex(full.name, full.ignoreCase ? 'iu' : 'u', typeof spec === 'string' ? path : [...path, 'name']);
  const isWanted = (scope: CodeScope) => (kind === 'any' || scope.kind === kind) && name.test(scope.name);
  return {
    cost: 10,
    async evaluate(context) {
      if (!context.hasScopeSupport || context.lines.length === 0) return NO_MATCH;
      const lines = new Set<DiffLine>();
      const scopes: string[] = [];
      for (const side of ['removed', 'added'] as const) {
        const sideLines = context.lines.filter((line) => line.side === side);
        if (sideLines.length === 0) continue;
        const index = await context.scopesFor(side);
        if (!index) continue;
        for (const line of sideLines) {
          const number = side === 'added' ? line.newLine : line.oldLine;
          if (number === null) continue;
          const matched = index.scopesAt(number).filter(isWanted);
          if (matched.length === 0) continue;
          lines.add(line);
          for (const scope of matched) scopes.push(scope.name);
        }
      }
      return lines.size > 0 ? { isMatch: true, lines, scopes: unique(scopes) } : NO_MATCH;
    },
  };
}

function unique(values: readonly string[]): string[] {
  return [...new Set(values)];
}
