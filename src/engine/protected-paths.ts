import { compileGlob, expandBraces } from './glob.js';
import { compilePathPredicate } from './path-predicate.js';
import type { MatcherSpec, RuleExample } from './rule.js';

/** Patterns whose covered paths are remembered: a history's ignore and attribute files repeat a few hundred lines. */
const MAX_REMEMBERED_ANSWERS = 512;

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
 * attributes pattern is judged by which of these it reaches: each protecting glob is turned into
 * sample paths that stand for it, and the rules' own flag examples are added as real-looking ones.
 * Samples rather than an intersection of languages, on purpose: a protecting glob over-approximates
 * what its rule means (`adapter_model.*` means weights, not `adapter_model.log`, and `data/**` holds
 * whatever `pip-log.txt` names), so a pattern counts when it reaches names such as the rules mean.
 */
export class ProtectedPaths {
  private readonly predicates: ReadonlyArray<(file: string) => boolean>;
  private readonly samples: readonly SamplePath[];
  private anywhere: readonly string[] | null = null;
  /** coveredBy's answers by directory and glob, least recently asked first. */
  private readonly answers = new Map<string, readonly string[]>();

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
    // Each sample with the predicate of the rule it came from, which nearly always protects it: asked
    // first, it spares asking every rule's predicate about each of a few thousand samples.
    const samples = new Map<string, { sample: SamplePath; origin: (file: string) => boolean }>();
    for (const rule of rules) {
      const globs: string[] = [];
      const predicate = protectionOf(rule.match, globs);
      if (!predicate) continue;
      predicates.push(predicate);
      for (const glob of globs) {
        for (const sample of samplesOf(glob)) samples.set(`${sample.isAnywhere}\0${sample.path}`, { sample, origin: predicate });
      }
      for (const example of rule.examples?.flag ?? []) {
        samples.set(`false\0${example.file}`, { sample: { path: example.file, isAnywhere: false }, origin: predicate });
      }
    }
    const protectedPaths = new ProtectedPaths(predicates, []);
    const kept = [...samples.values()]
      .filter(({ sample, origin }) => origin(sample.path) || protectedPaths.isProtected(sample.path))
      .map(({ sample }) => sample);
    return new ProtectedPaths(predicates, kept);
  }

  /** True when a change at `file` matches some protecting rule by its location alone. */
  isProtected(file: string): boolean {
    return this.predicates.some((predicate) => predicate(file));
  }

  /**
   * The protected paths under `directory` ('' for the root) that `glob`, read relative to that
   * directory as git reads ignore and attribute patterns, reaches, in any letter case (as git matches
   * on a case-insensitive file system, or with core.ignoreCase): samples of the protecting globs that
   * it matches, at the root, in `directory` and in the folders it spells before its last name
   * (`scripts/*.sh` reaches `scripts/shutdown.sh`); and its own samples that are protected, its
   * wildcards filled with short names, and a trailing `*` with the rest of a protected name its text
   * begins (`pkg/site*` reaches `pkg/sitecustomize.py`, `src/verif*` reaches `src/verifiers/`);
   * sorted, each once. A folder it names may hold anything (`dist/`), so names protected anywhere
   * are not tried inside it.
   */
  coveredBy(glob: string, directory: string): readonly string[] {
    // A history changes the same ignore and attribute lines over and over: each is worked out once.
    const key = `${directory}\0${glob}`;
    let covered = this.answers.get(key);
    if (covered) {
      this.answers.delete(key);
    } else {
      covered = Object.freeze(this.workOutCoveredBy(glob, directory));
      if (this.answers.size >= MAX_REMEMBERED_ANSWERS) this.answers.delete(this.answers.keys().next().value as string);
    }
    this.answers.set(key, covered);
    return covered;
  }

  private workOutCoveredBy(glob: string, directory: string): string[] {
    const prefix = directory === '' ? '' : `${directory}/`;
    const covered = new Set<string>();
    const folded = glob.toLowerCase();
    for (const variant of folded === glob ? [glob] : [glob, folded]) {
      let matches: (path: string) => boolean;
      try {
        matches = compileGlob(variant);
      } catch {
        // git ignores a pattern it cannot parse; so can we, it hides nothing.
        continue;
      }
      const reaches = variant === glob ? matches : (path: string) => matches(path.toLowerCase());
      for (const path of this.reachedBy(variant, reaches, prefix)) covered.add(path);
    }
    return [...covered].filter(isRepositoryPath).sort();
  }

  private reachedBy(glob: string, matches: (path: string) => boolean, prefix: string): Set<string> {
    const covered = new Set<string>();
    const own = samplesOf(glob, this.anywherePaths());
    // Folders the pattern spells before the name it ends with, where names protected anywhere are tried too.
    const folders = new Set([prefix, ...foldersOf(glob).map((folder) => `${prefix}${folder}`)]);
    for (const sample of this.samples) {
      const candidates = sample.isAnywhere ? [...folders].map((folder) => `${folder}${sample.path}`) : [sample.path];
      if (sample.isAnywhere && prefix !== '') candidates.push(sample.path);
      for (const candidate of candidates) {
        if (candidate.startsWith(prefix) && matches(candidate.slice(prefix.length)) && this.isProtected(candidate)) covered.add(candidate);
      }
    }
    // The pattern's own paths count too: `rl/reward_fn.py` names a protected file no glob sample spells.
    for (const sample of own) {
      const candidate = `${prefix}${sample.path}`;
      if (matches(sample.path) && this.isProtected(candidate)) covered.add(candidate);
    }
    return covered;
  }

  /** The samples that may be anywhere (`shutdown.sh`, `verifiers/x`), to complete a pattern's trailing wildcard with. */
  private anywherePaths(): readonly string[] {
    return (this.anywhere ??= this.samples.filter((sample) => sample.isAnywhere).map((sample) => sample.path));
  }

  /**
   * True when the folder `directory` ('' for the root) holds paths protected for where they are, not
   * only for their names: the root, `.git`, a folder a protecting glob or a rule's example names.
   */
  holdsProtected(directory: string): boolean {
    if (directory === '') return this.predicates.length > 0;
    const inside = `${directory}/`;
    return this.samples.some((sample) => !sample.isAnywhere && sample.path.startsWith(inside));
  }
}

/**
 * A path an ignore or attributes pattern can reach: no empty, `.` or `..` segment (a pattern such as
 * `../x` reaches nothing), and no `.git` folder, whose insides git neither tracks nor shows.
 */
function isRepositoryPath(path: string): boolean {
  return path.split('/').every((segment) => segment !== '' && segment !== '.' && segment !== '..' && segment !== '.git');
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

/**
 * Concrete paths a glob stands for: its wildcards filled with short names, and, given `names`, a
 * `*` that ends it also filled with the rest of each name that its text before the `*` begins
 * (`shut*` and `shutdown.sh` give `shutdown.sh`).
 */
function samplesOf(glob: string, names: readonly string[] = []): SamplePath[] {
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
    return fillWildcards(body, names)
      .filter((path) => path !== '' && !path.startsWith('/') && !path.endsWith('/') && !path.includes('//'))
      .flatMap((path) => (isDirectory ? [`${path}/x`, `${path}/x.py`] : [path]).map((sample) => ({ path: sample, isAnywhere })));
  });
}

/** Every way of filling the glob's wildcards with FILLERS (later wildcards get `x`), and a `*` that ends it with completions from `names`. */
function fillWildcards(glob: string, names: readonly string[] = []): string[] {
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
      const fillers = char === '?' ? ['x'] : wildcards <= MAX_FILLED_WILDCARDS ? FILLERS : ['x'];
      const isLast = char === '*' && at === glob.length - 1;
      results = results.flatMap((result) => [...fillers.map((filler) => result + filler), ...(isLast ? completions(result, names) : [])]);
    } else {
      append([char]);
    }
  }
  return results;
}

/** Shortest overlap between a pattern's text and a protected name for the name to count as begun. */
const MIN_OVERLAP = 3;

/** `result` followed by the rest of each name that the end of `result`'s last segment begins (all of it, or its last 3 or more characters). */
function completions(result: string, names: readonly string[]): string[] {
  const text = result.slice(result.lastIndexOf('/') + 1).toLowerCase();
  const fills: string[] = [];
  // A bare `*` begins every name; the folder it is in is tried with them all (see foldersOf).
  if (text.length === 0) return fills;
  for (const name of names) {
    const lower = name.toLowerCase();
    for (let overlap = text.length; overlap >= Math.min(MIN_OVERLAP, text.length); overlap--) {
      if (lower.startsWith(text.slice(text.length - overlap))) {
        fills.push(result + name.slice(overlap));
        break;
      }
    }
  }
  return fills;
}

/**
 * The folders a glob spells before the name it ends with (`scripts/` of `scripts/*.sh`), its wildcards
 * filled; none when it ends in wildcards alone (`assets/**`, `rl/*`), which take a folder whole as
 * `dist/` does.
 */
function foldersOf(glob: string): string[] {
  const body = glob.replace(/^\//, '').replace(/\/$/, '').replace(/^(?:\*\*\/)+/, '');
  const slash = body.lastIndexOf('/');
  if (slash === -1 || /^[*?]*$/.test(body.slice(slash + 1))) return [];
  const folder = body.slice(0, slash + 1);
  if (folder.split('/').length > MAX_FOLDER_DEPTH) return [];
  // A `**` filled with nothing is no folder at all.
  const filled = fillWildcards(folder).map((path) => path.replace(/\/{2,}/g, '/'));
  return [...new Set(filled)].filter((path) => !path.startsWith('/')).slice(0, MAX_FOLDERS);
}

/** Folders of a pattern tried: a folder part with three wildcards has 27 fillings, a crafted one with hundreds no more. */
const MAX_FOLDERS = 9;
/** Deeper folders than this hold no one's reward code; a crafted pattern nesting hundreds would only cost time. */
const MAX_FOLDER_DEPTH = 32;

/** "a, b and 3 more" for a message. */
export function describeCovered(paths: readonly string[]): string {
  const named = paths.slice(0, MAX_COVERED_NAMED).join(', ');
  const rest = paths.length - MAX_COVERED_NAMED;
  return rest > 0 ? `${named} and ${rest} more` : named;
}
