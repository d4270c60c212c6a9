import { describe, expect, it } from 'vitest';
import { LiteralScanner } from '../../src/engine/literal-scanner.js';
import { seededRandom } from '../helpers/seeded-random.js';

/** The groups `scan` reports for `text`, sorted and each once, or 'unscanned' when it returned false. */
function groupsFound(scanner: LiteralScanner, text: string): number[] | 'unscanned' {
  const found = new Set<number>();
  const isScanned = scanner.scan(text, (group) => found.add(group));
  return isScanned ? [...found].sort((a, b) => a - b) : 'unscanned';
}

/** A scanner where literal `i` is its own group `i`. */
function scannerOf(literals: readonly string[]): LiteralScanner {
  return new LiteralScanner(literals, literals.map((_, index) => index));
}

describe('LiteralScanner', () => {
  it('finds overlapping literals (he, she, his, hers)', () => {
    const scanner = scannerOf(['he', 'she', 'his', 'hers']);
    expect(groupsFound(scanner, 'ushers')).toEqual([0, 1, 3]);
    expect(groupsFound(scanner, 'this')).toEqual([2]);
    expect(groupsFound(scanner, 'ahishers')).toEqual([0, 1, 2, 3]);
    expect(groupsFound(scanner, 'h e s h i')).toEqual([]);
  });

  it('reports a literal that is a suffix of another, alone and inside the longer one', () => {
    const scanner = scannerOf(['abcd', 'cd', 'bc']);
    expect(groupsFound(scanner, 'xabcdx')).toEqual([0, 1, 2]);
    expect(groupsFound(scanner, 'xcdx')).toEqual([1]);
    // A partial match of the long literal that breaks off must still find the short ones.
    expect(groupsFound(scanner, 'abcbcd')).toEqual([1, 2]);
    expect(groupsFound(scanner, 'aabcd')).toEqual([0, 1, 2]);
  });

  it('reports every group of literals that share a group, and a literal listed in two groups', () => {
    const scanner = new LiteralScanner(['reward', 'score', 'reward'], [4, 4, 9]);
    expect(groupsFound(scanner, 'score = reward')).toEqual([4, 9]);
    expect(groupsFound(scanner, 'score')).toEqual([4]);
  });

  it('compares ASCII letters without case and nothing else', () => {
    const scanner = scannerOf(['timeout', '[x', '@b', 'max_']);
    expect(groupsFound(scanner, 'TIMEOUT')).toEqual([0]);
    expect(groupsFound(scanner, 'TimeOut')).toEqual([0]);
    expect(groupsFound(scanner, '[X')).toEqual([1]);
    expect(groupsFound(scanner, '@B')).toEqual([2]);
    expect(groupsFound(scanner, 'MAX_')).toEqual([3]);
    // `{`, `` ` `` and DEL are `[`, `@` and `_` with bit 0x20 set: only letters fold.
    expect(groupsFound(scanner, '{x `b max\x7f')).toEqual([]);
  });

  it('returns false for a text holding a character outside ASCII', () => {
    const scanner = scannerOf(['key', 'ss']);
    expect(groupsFound(scanner, 'a \u212Aey')).toBe('unscanned');
    expect(groupsFound(scanner, 'pa\u017Fs')).toBe('unscanned');
    expect(groupsFound(scanner, 'key é')).toBe('unscanned');
    expect(groupsFound(scanner, '😀')).toBe('unscanned');
    expect(groupsFound(scanner, 'key\x7f')).toEqual([0]);
  });

  it('with case, finds literals as written and reads characters outside ASCII as no literal', () => {
    const scanner = new LiteralScanner(['Reward', 'bin/', '.py'], [0, 1, 2], { caseSensitive: true });
    expect(groupsFound(scanner, 'src/Reward.py')).toEqual([0, 2]);
    expect(groupsFound(scanner, 'src/reward.PY')).toEqual([]);
    expect(groupsFound(scanner, 'usr/local/bin/sh')).toEqual([1]);
    expect(groupsFound(scanner, 'é/Reward')).toEqual([0]);
    // A character outside ASCII between the letters breaks the literal rather than the scan.
    expect(groupsFound(scanner, 'Rewé/ard bi\u212An/')).toEqual([]);
    expect(groupsFound(scanner, 'Rew\u017Fard')).toEqual([]);
  });

  it('finds nothing in an empty text, and a scanner without literals finds nothing', () => {
    expect(groupsFound(scannerOf(['a']), '')).toEqual([]);
    expect(groupsFound(scannerOf([]), 'anything at all')).toEqual([]);
  });

  it('handles control characters, tabs and carriage returns as ordinary characters', () => {
    const scanner = scannerOf(['a\tb', '\r\n', '\x00']);
    expect(groupsFound(scanner, 'xa\tbx')).toEqual([0]);
    expect(groupsFound(scanner, 'a b\r\n')).toEqual([1]);
    expect(groupsFound(scanner, '\x00')).toEqual([2]);
  });

  it('refuses literals that are not lower-cased ASCII', () => {
    expect(() => scannerOf(['Key'])).toThrow(RangeError);
    expect(() => scannerOf(['ké'])).toThrow(RangeError);
  });

  it('finds exactly the literals a plain substring search finds (random literals and texts)', () => {
    const random = seededRandom(7);
    const alphabet = ['a', 'b', 'c', 'A', 'B', '_', '-', '[', '{', '@', '`'];
    const pick = () => alphabet[Math.floor(random() * alphabet.length)]!;
    const wrong: string[] = [];
    for (let round = 0; round < 200; round++) {
      const literals = Array.from({ length: 1 + Math.floor(random() * 12) }, () => {
        let literal = '';
        for (let i = 1 + Math.floor(random() * 4); i > 0; i--) literal += pick();
        return literal.toLowerCase();
      });
      const scanner = scannerOf(literals);
      for (let t = 0; t < 50; t++) {
        let text = '';
        for (let i = Math.floor(random() * 16); i > 0; i--) text += pick();
        const folded = text.replace(/[A-Z]/g, (letter) => letter.toLowerCase());
        const expected = literals.flatMap((literal, index) => (folded.includes(literal) ? [index] : []));
        const actual = groupsFound(scanner, text);
        if (JSON.stringify(actual) !== JSON.stringify(expected)) wrong.push(`${JSON.stringify(literals)} in ${JSON.stringify(text)}`);
      }
    }
    expect(wrong).toEqual([]);
  });
});
