import type { DiffLine } from '../change/change.js';
import { LiteralScanner } from './literal-scanner.js';
import { requiredLiterals } from './required-literals.js';

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
  private readonly masks = new WeakMap<readonly DiffLine[], Uint32Array>();

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
   * For the lines of one change (as one array), which patterns each may match: line `i` may match
   * the pattern in `slot` when bit `slot % 32` of word `i * wordsPerLine + slot / 32` is set.
   */
  maskFor(lines: readonly DiffLine[]): Uint32Array {
    let mask = this.masks.get(lines);
    if (mask === undefined) {
      mask = this.maskOf(lines);
      this.masks.set(lines, mask);
    }
    return mask;
  }

  /** Words of a line's entry in a mask. */
  get wordsPerLine(): number {
    return Math.max(1, Math.ceil(this.literalSets.length / 32));
  }

  private maskOf(lines: readonly DiffLine[]): Uint32Array {
    const scanner = (this.scanner ??= this.buildScanner());
    const words = this.wordsPerLine;
    const mask = new Uint32Array(lines.length * words);
    let base = 0;
    const mark = (slot: number) => {
      const word = base + (slot >>> 5);
      mask[word] = (mask[word] ?? 0) | (1 << (slot & 31));
    };
    for (let index = 0; index < lines.length; index++) {
      base = index * words;
      if (!scanner.scan(lines[index]!.text, mark)) mask.fill(0xffffffff, base, base + words);
    }
    return mask;
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
