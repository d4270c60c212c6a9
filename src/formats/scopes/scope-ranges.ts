import { MAX_SCOPE_DEPTH, NO_SCOPES, scopeIndexFromChains, type Scope, type ScopeIndex } from './scope-index.js';

/**
 * A scope of a brace-delimited language (JavaScript, shell): from its header to the end of its body.
 * Offsets order scopes that meet on one line: a method that closes and the next that opens after it
 * on the same line (`}, next() {`) are siblings, not one inside the other.
 */
export interface ScopeRange {
  readonly scope: Scope;
  /**
   * 1-based lines of the first and last line the scope owns: from its header, or decorators before
   * it (`scope.line` is the header's), to its body's end (its closing brace).
   */
  readonly startLine: number;
  readonly endLine: number;
  /** Where the header starts and the body ends in the source, in any unit that orders them. */
  readonly startOffset: number;
  readonly endOffset: number;
}

/**
 * An index over scopes given as ranges that nest (a range that overruns its parent is cut at the
 * parent's end). Each line gets the chain of ranges that cover it; a line where scopes end and others
 * start (`}, next() {`, two functions on one line, a minified file or one whose lines end in a
 * carriage return alone, which git reads as one line) gets every scope it holds part of, outer ones
 * first, so that no function hides behind another on its line.
 */
export function scopeIndexFromRanges(ranges: readonly ScopeRange[], lineCount: number): ScopeIndex {
  const ordered = [...ranges].sort((a, b) => a.startLine - b.startLine || a.startOffset - b.startOffset);
  const chains: (readonly Scope[])[] = new Array<readonly Scope[]>(lineCount).fill(NO_SCOPES);
  const open: ScopeRange[] = [];
  /** The last line of each open range, cut to its parent's so that ranges always end innermost first. */
  const openEnds: number[] = [];
  let chain: readonly Scope[] = NO_SCOPES;
  let next = 0;
  for (let line = 1; line <= lineCount; line++) {
    let isChanged = false;
    while (openEnds.length > 0 && (openEnds[openEnds.length - 1] as number) < line) {
      open.pop();
      openEnds.pop();
      isChanged = true;
    }
    /** The ranges open when the line starts, then those that start on it: all it holds part of. */
    let touched: ScopeRange[] | null = null;
    let hasClosedOnLine = false;
    for (; next < ordered.length && (ordered[next] as ScopeRange).startLine <= line; next++) {
      const range = ordered[next] as ScopeRange;
      if (range.endLine < line) continue;
      touched ??= open.slice(0, MAX_SCOPE_DEPTH);
      touched.push(range);
      while (open.length > 0 && (open[open.length - 1] as ScopeRange).endOffset < range.startOffset) {
        open.pop();
        openEnds.pop();
        hasClosedOnLine = true;
      }
      open.push(range);
      openEnds.push(Math.min(range.endLine, openEnds[openEnds.length - 1] ?? range.endLine));
      isChanged = true;
    }
    if (isChanged) {
      // A scope on the stack sits on the same scopes as long as it is there, so when the innermost one
      // kept is unchanged, so is the chain: lines nested past the cap share it.
      const depth = Math.min(open.length, MAX_SCOPE_DEPTH);
      const isSame = chain.length === depth && (depth === 0 || chain[depth - 1] === open[depth - 1]?.scope);
      if (!isSame) chain = depth === 0 ? NO_SCOPES : Object.freeze(open.slice(0, depth).map((range) => range.scope));
    }
    // Past the ranges still open, the line holds those that started and ended on it, or were cut off by a later one.
    chains[line - 1] = touched === null || !hasClosedOnLine ? chain : Object.freeze([...new Set([...touched.map((range) => range.scope), ...chain])]);
  }
  return scopeIndexFromChains(chains, lineCount);
}
