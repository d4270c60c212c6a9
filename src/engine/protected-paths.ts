import { compileGlob, expandBraces } from './glob.js';
import { compilePathPredicate } from './path-predicate.js';
import type { MatcherSpec, RuleExample } from './rule.js';

/** How many covered paths an incident names; the rest are counted. */
export const MAX_COVERED_NAMED = 5;

interface RuleShape {
  readonly id: string;
  readonly match: MatcherSpec;
  readonly examples?: { readonly flag: readonly RuleExample[] };
}

/** A path a protecting glob stands for; `isAnywhere` when the glob matches its basename at any depth. */
interface SamplePath {
  readonly path: string;
  readonly isAnywhere: boolean;
}

/**
 * The paths a rule set protects by location alone: a change there matches some rule whatever it
 * holds (reward modules, shutdown scripts, tests, weight folders, sitecustomize.py). An ignore or
 * attributes pattern is judged by which of these it reaches: a pattern cannot be compared with a
 * glob directly, so each protecting glob is turned into sample paths that stand for it, and the
 * rules' own flag examples are added as real-looking ones.
 */
export class ProtectedPaths {
  private readonly predicates: ReadonlyArray<(file: string) => boolean>;
  private readonly samples: readonly SamplePath[];

  private constructor(predicates: ReadonlyArray<(file: string) => boolean>, samples: readonly SamplePath[]) {
    this.predicates = predicates;
    this.samples = samples;
  }

  static none(): ProtectedPaths {
    return new ProtectedPaths([], []);
  }

  /** What `rules` protect; rules whose ids are in `except` do not count (the hiding rules themselves). */
  static fromRules(rules: readonly RuleShape[]): ProtectedPaths {
    const predicates: Array<(file: string) => boolean> = [];
    const globs: string[] = [];
    const examples: string[] = [];
    for (const rule of rules) {
      const predicate = protectionOf(rule.match, globs);
      if (!predicate) continue;
      predicates.push(predicate);
      for (const example of rule.examples?.flag ?? []) examples.push(example.file);
    }
    const samples = new Map<string, SamplePath>();
    for (const glob of globs) for (const sample of samplesOf(glob)) samples.set(`${sample.isAnywhere}\0${sample.path}`, sample);
    for (const path of examples) samples.set(`false\0${path}`, { path, isAnywhere: false });
    const protectedPaths = new ProtectedPaths(predicates, []);
    const kept = [...samples.values()].filter((sample) => protectedPaths.isProtected(sample.path));
    return new ProtectedPaths(predicates, kept);
  }

  /** True when a change at `file` matches some protecting rule by its location alone. */
  isProtected(file: string): boolean {
    return this.predicates.some((predicate) => predicate(file));
  }

  /**
   * The protected paths under `directory` ('' for the root) that `glob`, read relative to that
   * directory as git reads ignore and attribute patterns, reaches: samples of the protecting globs
   * that it matches, and samples of its own that are protected; sorted, each once.
   */
  coveredBy(glob: string, directory: string): string[] {
    let matches: (path: string) => boolean;
    try {
      matches = compileGlob(glob);
    } catch {
      // git ignores a pattern it cannot parse; so can we, it hides nothing.
      return [];
    }
    const prefix = directory === '' ? '' : `${directory}/`;
    const covered = new Set<string>();
    for (const sample of this.samples) {
      const candidates = sample.isAnywhere && prefix !== '' ? [`${prefix}${sample.path}`, sample.path] : [sample.path];
      for (const candidate of candidates) {
        if (!candidate.startsWith(prefix) || !this.isProtected(candidate)) continue;
        if (matches(candidate.slice(prefix.length))) covered.add(candidate);
      }
    }
    // The pattern's own paths count too: `rl/reward_fn.py` names a protected file no glob sample spells.
    for (const sample of samplesOf(glob)) {
      const candidate = `${prefix}${sample.path}`;
      if (this.isProtected(candidate) && matches(sample.path)) covered.add(candidate);
    }
    return [...covered].sort();
  }
}

/**
 * The paths where `spec` matches whatever the content, or null when its match always depends on
 * something else. Globs of the protecting `path` nodes are collected into `globs`.
 */
function protectionOf(spec: MatcherSpec, globs: string[]): ((file: string) => boolean) | null {
  if ('path' in spec) {
    globs.push(...(Array.isArray(spec.path) ? (spec.path as readonly string[]) : (spec.path as { include: readonly string[] }).include));
    return compilePathPredicate(spec.path);
  }
  if ('any' in spec) {
    const children = spec.any.map((child) => protectionOf(child, globs)).filter((child) => child !== null);
    return children.length === 0 ? null : (file) => children.some((child) => child(file));
  }
  if ('all' in spec) {
    // Which kinds of change count does not make a place less protected (tests: modified or deleted).
    const located = spec.all.filter((child) => !('change' in child));
    if (located.length === 0) return null;
    const collected: string[] = [];
    const children = located.map((child) => protectionOf(child, collected));
    if (children.some((child) => child === null)) return null;
    globs.push(...collected);
    return (file) => children.every((child) => child!(file));
  }
  return null;
}

/** Fillers tried for each of a glob's first wildcards, so that a folder glob like `*reward*` stands for `reward`, `rewards` and `xrewardx`. */
const FILLERS = ['', 's', 'x'] as const;
const MAX_FILLED_WILDCARDS = 3;

/** Concrete paths a glob stands for: its wildcards filled with short names. */
function samplesOf(glob: string): SamplePath[] {
  let alternatives: string[];
  try {
    alternatives = expandBraces(glob);
  } catch {
    return [];
  }
  return alternatives.flatMap((alternative) => {
    const trimmed = alternative.replace(/^\//, '');
    const isDirectory = trimmed.endsWith('/');
    const body = (isDirectory ? trimmed.slice(0, -1) : trimmed).replace(/^(?:\*\*\/)+/, '');
    const isAnywhere = !trimmed.replace(/\/$/, '').includes('/') || trimmed.startsWith('**/');
    return fillWildcards(body)
      .filter((path) => path !== '' && !path.startsWith('/') && !path.endsWith('/') && !path.includes('//'))
      .flatMap((path) => (isDirectory ? [`${path}/x`, `${path}/x.py`] : [path]).map((sample) => ({ path: sample, isAnywhere })));
  });
}

/** Every way of filling the glob's wildcards with FILLERS (later wildcards get `x`). */
function fillWildcards(glob: string): string[] {
  let results = [''];
  let wildcards = 0;
  const append = (options: readonly string[]) => {
    results = results.flatMap((result) => options.map((option) => result + option));
  };
  for (let at = 0; at < glob.length; at++) {
    const char = glob[at] as string;
    if (char === '\\' && at + 1 < glob.length) {
      append([glob[++at] as string]);
    } else if (char === '[') {
      const end = glob.indexOf(']', at + 2);
      if (end === -1) return [];
      const body = glob.slice(at + 1, end);
      append([body.startsWith('!') || body.startsWith('^') ? '_' : (body[0] ?? 'x')]);
      at = end;
    } else if (char === '*' || char === '?') {
      while (glob[at + 1] === '*') at++;
      wildcards++;
      append(char === '?' ? ['x'] : wildcards <= MAX_FILLED_WILDCARDS ? FILLERS : ['x']);
    } else {
      append([char]);
    }
  }
  return results;
}

/** "a, b and 3 more" for a message. */
export function describeCovered(paths: readonly string[]): string {
  const named = paths.slice(0, MAX_COVERED_NAMED).join(', ');
  const rest = paths.length - MAX_COVERED_NAMED;
  return rest > 0 ? `${named} and ${rest} more` : named;
}
