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

/** The chain of a line outside every scope; shared, so it is frozen. */
export const NO_SCOPES: readonly Scope[] = Object.freeze([]);

/**
 * An index over chains already worked out line by line: `chains[n - 1]` encloses line n. Lines past
 * the end of `chains` (up to `lineCount`) are outside every scope.
 */
export function scopeIndexFromChains(chains: readonly (readonly Scope[])[], lineCount: number = chains.length): ScopeIndex {
  return {
    lineCount,
    scopesAt(line: number): readonly Scope[] {
      if (!Number.isInteger(line) || line < 1 || line > lineCount) return NO_SCOPES;
      return chains[line - 1] ?? NO_SCOPES;
    },
  };
}
