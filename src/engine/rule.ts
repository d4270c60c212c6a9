import type { ChangeKind } from '../change/change.js';

export const CATEGORIES = ['training', 'reward', 'weights', 'inference', 'oversight'] as const;
export type Category = (typeof CATEGORIES)[number];

export const SEVERITIES = ['low', 'medium', 'high', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** Higher is worse; for sorting and for `--fail-on`. */
export function severityRank(severity: Severity): number {
  return SEVERITIES.indexOf(severity);
}

/** A regular expression on changed lines, as written in a rule file. */
export interface LinePatternSpec {
  readonly pattern: string;
  readonly ignoreCase?: boolean;
  /** Lines that match `pattern` but also this are not counted. */
  readonly exclude?: string;
}

/** The matcher tree of a rule file: every node is an object with exactly one of these keys. */
export type MatcherSpec =
  | { readonly all: readonly MatcherSpec[] }
  | { readonly any: readonly MatcherSpec[] }
  | { readonly not: MatcherSpec }
  | { readonly path: readonly string[] | { readonly include: readonly string[]; readonly exclude?: readonly string[] } }
  | { readonly change: readonly ChangeKind[] }
  | { readonly mode: { readonly from?: string; readonly to?: string } }
  | { readonly added: string | LinePatternSpec }
  | { readonly removed: string | LinePatternSpec }
  | { readonly changed: string | LinePatternSpec }
  | { readonly scope: string | { readonly name: string; readonly kind?: 'function' | 'class' | 'key' | 'any'; readonly ignoreCase?: boolean } }
  | { readonly weights: readonly WeightsCondition[] }
  | { readonly coversProtected: CoverKind };

/**
 * How a change can reach paths other rules protect without touching them: an ignore pattern that hides
 * them, an attributes pattern that blinds their diffs, a symlink that points at them.
 */
export type CoverKind = 'ignore-pattern' | 'attribute-pattern' | 'symlink-target';

/** What a `weights` matcher can ask of a weight file's change (see rule.schema.json). */
export type WeightsCondition =
  | 'recognised'
  | 'unsafe-globals'
  | 'problems'
  | 'tensors-changed'
  | 'metadata-changed'
  | 'shards-changed'
  | 'lfs-changed'
  | 'format-changed';

/** A change described in a rule's examples, built into a real Change by the rule tester. */
export interface RuleExample {
  readonly file: string;
  readonly previousFile?: string;
  /** Content before; absent for an added file. */
  readonly before?: string;
  /** Content after; absent for a deleted file. */
  readonly after?: string;
  readonly oldMode?: string;
  readonly newMode?: string;
  /** Marks the content as binary (only sizes and digests are compared). */
  readonly binary?: boolean;
  /** `base64`: before and after hold the bytes in base64. */
  readonly encoding?: 'utf8' | 'base64';
  readonly note?: string;
}

/** A rule as loaded from a file, before its patterns are compiled. */
export interface RuleDefinition {
  readonly id: string;
  readonly category: Category;
  readonly severity: Severity;
  readonly description: string;
  readonly why?: string;
  readonly message: string;
  readonly match: MatcherSpec;
  readonly examples: { readonly flag: readonly RuleExample[]; readonly pass?: readonly RuleExample[] };
  /** Where the rule came from, for error messages and `selfmod rules list`. */
  readonly source: { readonly file: string; readonly line: number };
}
