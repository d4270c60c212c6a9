/**
 * What every scope finder returns: for each line of a file, the named scopes that enclose it, so an
 * edit can be attributed to `GRPOTrainer.computeLoss`, to a shell `kill` function or to a config's
 * `training.optim.lr` without trusting the hunk header git (or the agent that made the edit) wrote.
 */

/** `key`: a mapping key of a data file (YAML, JSON, TOML); the others are code scopes. */
export type ScopeKind = 'function' | 'class' | 'key';

export interface Scope {
  readonly kind: ScopeKind;
  readonly name: string;
  /** 1-based line where it starts */
  readonly line: number;
}

export interface ScopeIndex {
  /** The scopes that enclose a 1-based line, outermost first; empty outside any scope or the file. */
  scopesAt(line: number): readonly Scope[];
  /** Lines in the source; a final newline ends the last line rather than starting another. */
  readonly lineCount: number;
}

/**
 * Chains are cut after this many scopes, outermost kept. No real file nests deeper, and without a cap
 * a crafted file nesting 100,000 levels would cost memory growing with the square of its depth.
 */
export const MAX_SCOPE_DEPTH = 100;

/**
 * Sources longer than this are not tokenized (JavaScript, shell): their lines get no scopes. A file
 * that large is generated or bundled, not code anyone edits by hand, and its tokens would cost
 * several times its size in memory.
 */
export const MAX_TOKENIZED_LENGTH = 16 * 1024 * 1024;

/** The chain of a line outside every scope; shared, so it is frozen. */
export const NO_SCOPES: readonly Scope[] = Object.freeze([]);

/**
 * An index over chains already worked out line by line: `chains[n - 1]` encloses line n. Lines past
 * the end of `chains` (up to `lineCount`) are outside every scope.
 */
/** `outer` with `scope` inside it, or `outer` itself when it is already MAX_SCOPE_DEPTH deep. */
export function chainWith(outer: readonly Scope[], scope: Scope): readonly Scope[] {
  return outer.length >= MAX_SCOPE_DEPTH ? outer : Object.freeze([...outer, scope]);
}

export function scopeIndexFromChains(chains: readonly (readonly Scope[])[], lineCount: number = chains.length): ScopeIndex {
  return {
    lineCount,
    scopesAt(line: number): readonly Scope[] {
      if (!Number.isInteger(line) || line < 1 || line > lineCount) return NO_SCOPES;
      return chains[line - 1] ?? NO_SCOPES;
    },
  };
}
