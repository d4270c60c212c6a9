import type { DiffLine } from '../change/change.js';
import { LiteralScanner } from './literal-scanner.js';
import type { MatchContext } from './match-context.js';
import { requiredLiterals } from './required-literals.js';

/** Where one change's lines hold literals (see LinePrefilter.scanLines). */
interface LineLiterals {
  readonly bySlot: ReadonlyArray<readonly number[] | undefined>;
  readonly unscanned: readonly number[];
}

const NONE: readonly number[] = Object.freeze([]);

/**
 * Tells a rule set's line patterns which changed lines they need not try. Each pattern's required
 * literals (see requiredLiterals) are found in every changed line of a change in one pass, for all
 * patterns at once; a pattern then runs only on lines holding one of its literals, or holding
 * anything but ASCII. Most lines of most changes hold none, and a regular expression that cannot
 * skip ahead (`(?:^|\W)(?:timeout|…)`) costs about as much per line whether it matches or not.
 */
export class LinePrefilter {
  private readonly literalSets: Array<readonly string[]> = [];
  private scanner: LiteralScanner | null = null;
  /** Made once: a closure per call would be one more allocation for every pattern on every change. */
  private readonly scanContext = (context: MatchContext): LineLiterals => this.scanLines(context.lines);

  /** Registers a pattern. Returns its slot, or null when it names no literal worth looking for. */
  register(source: string): number | null {
    const literals = requiredLiterals(source);
    // A one-character literal is in nearly every line: trying the pattern costs less than the bookkeeping.
    if (literals === null || literals.some((literal) => literal.length < 2)) return null;
    this.scanner = null;
    this.literalSets.push(literals);
    return this.literalSets.length - 1;
  }

  /**
   * For the changed lines of one change (`context.lines`), the indexes of the lines each pattern
   * needs to try, in ascending order.
   */
  candidatesFor(context: MatchContext, slot: number): readonly number[] {
    const found = context.memo(this, this.scanContext);
    const own = found.bySlot[slot];
    if (found.unscanned.length === 0) return own ?? NONE;
    return own === undefined ? found.unscanned : mergeAscending(own, found.unscanned);
  }

  /**
   * Which lines hold a literal of each slot, as lists of line indexes (a change's lines hold few
   * literals, so lists take far less memory than a mask per line), and which lines could not be
   * scanned (they hold a character outside ASCII), which every pattern tries.
   */
  private scanLines(lines: readonly DiffLine[]): LineLiterals {
    const scanner = (this.scanner ??= this.buildScanner());
    const bySlot: Array<number[] | undefined> = [];
    const unscanned: number[] = [];
    let current = 0;
    const mark = (slot: number) => {
      const list = (bySlot[slot] ??= []);
      if (list[list.length - 1] !== current) list.push(current);
    };
    for (let index = 0; index < lines.length; index++) {
      current = index;
      if (!scanner.scan(lines[index]!.text, mark)) unscanned.push(index);
    }
    return { bySlot, unscanned };
  }

  private buildScanner(): LiteralScanner {
    const literals: string[] = [];
    const groups: number[] = [];
    this.literalSets.forEach((set, slot) => {
      for (const literal of set) {
        literals.push(literal);
        groups.push(slot);
      }
    });
    return new LiteralScanner(literals, groups);
  }
}

/** Two ascending lists of indexes as one, each index once. */
function mergeAscending(a: readonly number[], b: readonly number[]): number[] {
  const merged: number[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    const next = j >= b.length || (i < a.length && a[i]! <= b[j]!) ? a[i++]! : b[j++]!;
    if (merged[merged.length - 1] !== next) merged.push(next);
  }
  return merged;
}
