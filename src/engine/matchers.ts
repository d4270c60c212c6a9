import type { Change, ChangeKind, DiffLine } from '../change/change.js';
import type { Scope, ScopeKind } from '../formats/scopes/scope-index.js';
import { coversProtectedMatcher } from './covers-protected.js';
import { compilePathPredicate } from './path-predicate.js';
import type { LinePrefilter } from './line-prefilter.js';
import { ProtectedPaths } from './protected-paths.js';
import { PatternError } from './pattern-error.js';
export { PatternError } from './pattern-error.js';
import type { MatchContext } from './match-context.js';
import type { LinePatternSpec, MatcherSpec, WeightsCondition } from './rule.js';
import type { WeightsDiff } from '../formats/weights/index.js';

/**
 * What a matcher found. `lines` null means the whole change matched (a path, a change kind);
 * otherwise it holds the changed lines that matched, never empty when `isMatch`.
 */
export interface MatchResult {
  readonly isMatch: boolean;
  readonly lines: ReadonlySet<DiffLine> | null;
  /** Names of the enclosing scopes that matched, outermost first. */
  readonly scopes: readonly string[];
  /** Protected paths the change reaches from outside them (see covers-protected.ts). */
  readonly covered?: readonly string[];
}

/** What compiled matchers may ask of the whole rule set they belong to. */
export interface MatcherEnvironment {
  /** The paths the rule set protects by location; built on first use. */
  readonly protection: () => ProtectedPaths;
  /** Shared by the set's line patterns; without one, every pattern is tried on every line. */
  readonly prefilter?: LinePrefilter;
  /** Numbers the set's path conditions, whose answers a change's context keeps (see pathAnswers). */
  readonly pathSlots?: { next(): number };
}

const NO_ENVIRONMENT: MatcherEnvironment = { protection: () => ProtectedPaths.none() };

export interface Matcher {
  /** Relative cost, so `all` can try cheap tests first and stop early. */
  readonly cost: number;
  evaluate(context: MatchContext): Promise<MatchResult> | MatchResult;
}

const NO_SCOPES: readonly string[] = Object.freeze([]);
const SIDES = ['removed', 'added'] as const;
const NO_MATCH: MatchResult = { isMatch: false, lines: null, scopes: NO_SCOPES };
const WHOLE_MATCH: MatchResult = { isMatch: true, lines: null, scopes: NO_SCOPES };

/** Compiles a rule's matcher tree; throws PatternError naming the bad node. */
export function compileMatcher(
  spec: MatcherSpec,
  path: ReadonlyArray<string | number> = [],
  environment: MatcherEnvironment = NO_ENVIRONMENT,
): Matcher {
  if ('all' in spec) return allOf(spec.all.map((child, i) => compileMatcher(child, [...path, 'all', i], environment)));
  if ('any' in spec) return anyOf(spec.any.map((child, i) => compileMatcher(child, [...path, 'any', i], environment)));
  if ('not' in spec) return notOf(compileMatcher(spec.not, [...path, 'not'], environment));
  if ('path' in spec) return pathMatcher(spec.path, [...path, 'path'], environment.pathSlots?.next() ?? null);
  if ('change' in spec) return changeKindMatcher(spec.change);
  if ('mode' in spec) return modeMatcher(spec.mode);
  if ('added' in spec) return lineMatcher(spec.added, 'added', [...path, 'added'], environment.prefilter);
  if ('removed' in spec) return lineMatcher(spec.removed, 'removed', [...path, 'removed'], environment.prefilter);
  if ('changed' in spec) return lineMatcher(spec.changed, 'either', [...path, 'changed'], environment.prefilter);
  if ('scope' in spec) return scopeMatcher(spec.scope, [...path, 'scope']);
  if ('weights' in spec) return weightsMatcher(spec.weights);
  if ('coversProtected' in spec) return coversProtectedMatcher(spec.coversProtected, environment.protection);
  throw new PatternError(path, 'unknown matcher');
}

/**
 * Matched lines and scopes gathered so far while an `all` or `any` walks its children. Made only
 * when a child matches: most evaluations end at a first child that does not (a path condition).
 */
interface Gathered {
  lines: Set<DiffLine> | null;
  scopes: string[] | null;
  covered: string[] | null;
  isWhole: boolean;
  isMatch: boolean;
}

/**
 * Evaluates children in order, staying synchronous until a child answers with a promise (only scope
 * matchers do): a history has hundreds of thousands of change × rule checks, and a promise for each
 * would cost more than the checks themselves. `combine.step` folds one result into the state (made
 * by `combine.start` on first need) and says whether to go on.
 */
function evaluateInOrder(
  children: readonly Matcher[],
  context: MatchContext,
  state: Gathered | null,
  combine: Combination,
  from = 0,
): MatchResult | Promise<MatchResult> {
  for (let i = from; i < children.length; i++) {
    const result = (children[i] as Matcher).evaluate(context);
    if (result instanceof Promise) {
      return result.then((resolved) => {
        const next = state ?? combine.start();
        return combine.step(next, resolved) ? evaluateInOrder(children, context, next, combine, i + 1) : combine.finish(next);
      });
    }
    if (state === null && !result.isMatch) {
      // Nothing gathered yet, and a child that does not match decides `all` and changes nothing for `any`.
      if (combine.isAll) return NO_MATCH;
      continue;
    }
    state ??= combine.start();
    if (!combine.step(state, result)) return combine.finish(state);
  }
  return state === null ? combine.empty : combine.finish(state);
}

interface Combination {
  readonly isAll: boolean;
  /** The answer when no child's result had to be kept (`any` with no match). */
  readonly empty: MatchResult;
  start(): Gathered;
  step(state: Gathered, result: MatchResult): boolean;
  finish(state: Gathered): MatchResult;
}

function gather(state: Gathered, result: MatchResult): void {
  // Appended one by one: a line of a YAML flow mapping may hold more scopes than a call takes arguments.
  if (result.scopes.length > 0) appendAll((state.scopes ??= []), result.scopes);
  if (result.covered && result.covered.length > 0) appendAll((state.covered ??= []), result.covered);
}

function appendAll<T>(list: T[], items: readonly T[]): void {
  for (let index = 0; index < items.length; index++) list.push(items[index] as T);
}

function finishedMatch(state: Gathered, lines: ReadonlySet<DiffLine> | null): MatchResult {
  const scopes = state.scopes === null ? NO_SCOPES : unique(state.scopes);
  if (state.covered === null && scopes === NO_SCOPES && lines === null) return WHOLE_MATCH;
  return { isMatch: true, lines, scopes, ...(state.covered === null ? {} : { covered: unique(state.covered).sort() }) };
}

function allOf(children: Matcher[]): Matcher {
  const ordered = [...children].sort((a, b) => a.cost - b.cost);
  const combine: Combination = {
    isAll: true,
    empty: WHOLE_MATCH,
    start: () => ({ lines: null, scopes: null, covered: null, isWhole: false, isMatch: true }),
    step(state, result) {
      if (!result.isMatch) {
        state.isMatch = false;
        return false;
      }
      gather(state, result);
      if (result.lines === null) return true;
      if (state.lines === null) {
        state.lines = new Set(result.lines);
      } else {
        for (const line of state.lines) if (!result.lines.has(line)) state.lines.delete(line);
      }
      if (state.lines.size === 0) state.isMatch = false;
      return state.isMatch;
    },
    finish: (state) => (state.isMatch ? finishedMatch(state, state.lines) : NO_MATCH),
  };
  return {
    cost: Math.max(0, ...children.map((child) => child.cost)),
    // The first child (cheapest, usually a path) decides most evaluations before any state is made.
    evaluate: (context) => evaluateInOrder(ordered, context, null, combine),
  };
}

function anyOf(children: Matcher[]): Matcher {
  const ordered = [...children].sort((a, b) => a.cost - b.cost);
  const combine: Combination = {
    isAll: false,
    empty: NO_MATCH,
    start: () => ({ lines: null, scopes: null, covered: null, isWhole: false, isMatch: false }),
    step(state, result) {
      if (!result.isMatch) return true;
      state.isMatch = true;
      gather(state, result);
      if (result.lines === null) state.isWhole = true;
      else for (const line of result.lines) (state.lines ??= new Set()).add(line);
      return true;
    },
    finish: (state) => (state.isMatch ? finishedMatch(state, state.isWhole ? null : state.lines) : NO_MATCH),
  };
  return {
    cost: Math.max(0, ...children.map((child) => child.cost)),
    evaluate: (context) => evaluateInOrder(ordered, context, null, combine),
  };
}

function notOf(child: Matcher): Matcher {
  const invert = (result: MatchResult) => (result.isMatch ? NO_MATCH : WHOLE_MATCH);
  return {
    cost: child.cost,
    evaluate(context) {
      const result = child.evaluate(context);
      return result instanceof Promise ? result.then(invert) : invert(result);
    },
  };
}

function pathMatcher(
  spec: readonly string[] | { readonly include: readonly string[]; readonly exclude?: readonly string[] },
  path: ReadonlyArray<string | number>,
  slot: number | null,
): Matcher {
  const isProtected = compilePathPredicate(spec, path);
  // A move out of a protected place is as much an edit to it as a move into one.
  const answer = ({ file, previousFile }: Change) => isProtected(file) || (previousFile !== null && isProtected(previousFile));
  return {
    cost: 0,
    evaluate(context) {
      if (slot === null) return answer(context.change) ? WHOLE_MATCH : NO_MATCH;
      // Kept per path, in an array every change to that path shares: an index, not a lookup by name.
      const answers = context.pathAnswers;
      let isMatch = answers[slot];
      if (isMatch === undefined) answers[slot] = isMatch = answer(context.change);
      return isMatch ? WHOLE_MATCH : NO_MATCH;
    },
  };
}

function changeKindMatcher(kinds: readonly ChangeKind[]): Matcher {
  const wanted = new Set(kinds);
  return {
    cost: 0,
    evaluate: (context) => (wanted.has(context.change.kind) ? WHOLE_MATCH : NO_MATCH),
  };
}

/**
 * A file that exists on both sides and whose mode changed, optionally from and/or to given modes:
 * `{from: '100755', to: '100644'}` is the run bit removed. Additions and deletions are not mode changes.
 */
function modeMatcher(spec: { readonly from?: string; readonly to?: string }): Matcher {
  return {
    cost: 0,
    evaluate: ({ change }) =>
      change.oldMode !== null &&
      change.newMode !== null &&
      (spec.from === undefined || change.oldMode === spec.from) &&
      (spec.to === undefined || change.newMode === spec.to) &&
      change.oldMode !== change.newMode
        ? WHOLE_MATCH
        : NO_MATCH,
  };
}

/**
 * The change concerns a weight file whose diff shows any of the conditions. The file is read (once
 * per change, streamed) only when the change could concern weights at all.
 */
function weightsMatcher(conditions: readonly WeightsCondition[]): Matcher {
  return {
    cost: 5,
    evaluate: async (context) => {
      const diff = await context.weights();
      if (!diff) return NO_MATCH;
      return conditions.some((condition) => holds(diff, condition)) ? WHOLE_MATCH : NO_MATCH;
    },
  };
}

function holds(diff: WeightsDiff, condition: WeightsCondition): boolean {
  switch (condition) {
    case 'recognised':
      return true;
    case 'unsafe-globals':
      return (diff.unsafeGlobals?.length ?? 0) > 0;
    case 'problems':
      return (diff.problems?.length ?? 0) > 0;
    case 'tensors-changed': {
      const t = diff.tensors;
      return t !== undefined && t.added.length + t.removed.length + t.changed.length + t.reshaped.length + t.retyped.length > 0;
    }
    case 'metadata-changed': {
      const m = diff.metadata;
      return m !== undefined && m.changed.length + (m.added?.length ?? 0) + (m.removed?.length ?? 0) > 0;
    }
    case 'shards-changed': {
      const s = diff.shards;
      return s !== undefined && s.added.length + s.removed.length + s.moved.length > 0;
    }
    case 'lfs-changed':
      return diff.lfs !== undefined && (diff.lfs.oldOid !== diff.lfs.newOid || diff.lfs.oldSize !== diff.lfs.newSize);
    case 'format-changed':
      return diff.formatChanged !== undefined;
  }
}

/**
 * Compiles a rule's regular expression. Rules are written for Unicode mode (`u`), which is also what
 * validates them; V8 runs a pattern about a fifth faster without it. A case-sensitive pattern in
 * plain ASCII without `\p{…}` or `\u{…}` means the same in both modes (only a bound such as `.{0,80}`
 * may count an emoji as two), so it runs without; a case-insensitive one keeps Unicode case folding.
 */
export function compileRegex(source: string, flags: 'u' | 'iu', path: ReadonlyArray<string | number>): RegExp {
  let unicode: RegExp;
  try {
    unicode = new RegExp(source, flags);
  } catch (error) {
    throw new PatternError(path, `invalid regular expression ${JSON.stringify(source)}: ${(error as Error).message}`);
  }
  return flags === 'u' && MEANS_THE_SAME_WITHOUT_UNICODE.test(source) ? new RegExp(source, '') : unicode;
}

/** ASCII only, escapes included, and none whose meaning Unicode mode changes (`\p`, `\P`, `\u{`). */
const MEANS_THE_SAME_WITHOUT_UNICODE = /^(?:[\x20-\x5b\x5d-\x7e\t]|\\[^pPu\x00-\x1f\x7f-\uffff]|\\u00[0-7][0-9A-Fa-f])*$/;

function lineMatcher(
  spec: string | LinePatternSpec,
  side: 'added' | 'removed' | 'either',
  path: ReadonlyArray<string | number>,
  prefilter: LinePrefilter | undefined,
): Matcher {
  const full: LinePatternSpec = typeof spec === 'string' ? { pattern: spec } : spec;
  const flags = full.ignoreCase ? 'iu' : 'u';
  const patternPath = typeof spec === 'string' ? path : [...path, 'pattern'];
  const pattern = compileRegex(full.pattern, flags, patternPath);
  const exclude = full.exclude === undefined ? null : compileRegex(full.exclude, flags, [...path, 'exclude']);
  const slot = prefilter?.register(full.pattern) ?? null;
  return {
    cost: 1,
    evaluate(context) {
      // Made on the first match only: most rules match no line of most changes.
      let matched: Set<DiffLine> | null = null;
      const lines = context.lines;
      const candidates = slot === null ? null : prefilter!.candidatesFor(context, slot);
      const count = candidates === null ? lines.length : candidates.length;
      for (let i = 0; i < count; i++) {
        const line = lines[candidates === null ? i : candidates[i]!]!;
        if (side !== 'either' && line.side !== side) continue;
        if (matchesSomeLine(line.text, pattern, exclude)) (matched ??= new Set()).add(line);
      }
      return matched ? { isMatch: true, lines: matched, scopes: NO_SCOPES } : NO_MATCH;
    },
  };
}

/**
 * Whether `text` (one of git's lines) matches. git keeps a CRLF file's carriage returns, and a file
 * whose lines end in a lone CR (which Python and YAML read as line ends) is one git line: a pattern
 * anchored with `^` or `$` must not be beaten by either, so each CR-separated part is tested too.
 */
function matchesSomeLine(text: string, pattern: RegExp, exclude: RegExp | null): boolean {
  const matches = (part: string) => pattern.test(part) && !(exclude && exclude.test(part));
  if (!text.includes('\r')) return matches(text);
  return text.split('\r').some((part, index, parts) => (part !== '' || index < parts.length - 1) && matches(part));
}

function scopeMatcher(
  spec: string | { readonly name: string; readonly kind?: ScopeKind | 'any'; readonly ignoreCase?: boolean },
  path: ReadonlyArray<string | number>,
): Matcher {
  const full = typeof spec === 'string' ? { name: spec } : spec;
  const kind = full.kind ?? 'any';
  const name = compileRegex(full.name, full.ignoreCase ? 'iu' : 'u', typeof spec === 'string' ? path : [...path, 'name']);
  // `any` is any code scope; a config key is only ever matched by asking for keys.
  const isWanted = (scope: Pick<Scope, 'kind' | 'name'>) => (kind === 'any' ? scope.kind !== 'key' : scope.kind === kind) && name.test(scope.name);
  return {
    cost: 10,
    evaluate(context) {
      // Answered at once when there is nothing to look up, or an earlier rule already loaded what
      // shows there is nothing: no promise for most checks.
      if (context.lines.length === 0 || context.hasNoScopeLike(kind === 'key' ? 'key' : 'code', isWanted)) return NO_MATCH;
      return scopesOfLines(context);
    },
  };

  async function scopesOfLines(context: MatchContext): Promise<MatchResult> {
    let lines: Set<DiffLine> | null = null;
    const scopes: string[] = [];
    for (const side of SIDES) {
      const sideLines = context.linesOn(side);
      if (sideLines.length === 0) continue;
      const index = await context.scopeIndexFor(side, kind === 'key' ? 'key' : 'code', isWanted);
      if (!index) continue;
      // Counted loops: in an async function, for…of made an iterator result for every line and scope.
      for (let lineIndex = 0; lineIndex < sideLines.length; lineIndex++) {
        const line = sideLines[lineIndex] as DiffLine;
        const number = side === 'added' ? line.newLine : line.oldLine;
        if (number === null) continue;
        const chain = index.scopesAt(number);
        for (let depth = 0; depth < chain.length; depth++) {
          const scope = chain[depth] as Scope;
          if (!isWanted(scope)) continue;
          (lines ??= new Set()).add(line);
          scopes.push(scope.name);
        }
      }
    }
    return lines ? { isMatch: true, lines, scopes: unique(scopes) } : NO_MATCH;
  }
}

function unique(values: readonly string[]): string[] {
  return [...new Set(values)];
}
