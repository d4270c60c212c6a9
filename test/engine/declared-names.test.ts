import { describe, expect, it } from 'vitest';
import { declaredNames, declaredNamesInLine } from '../../src/engine/declared-names.js';

/** A small deterministic generator, so a failure names a seed that reproduces it. */
function random(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 2 ** 32;
  };
}

const PIECES = [
  'def', 'class', 'async', ' ', '  ', '\t', '\r', '\f', '\n', 'f', 'x1', '_n', 'ünï', '(', ':', '#', '"',
  'adef', 'classic', 'async def ', 'def ', 'class ', '\tdef ', '\rdef ', '\fclass ', '1', '=', 'é',
];

function randomBytes(next: () => number): Buffer {
  const parts: Buffer[] = [];
  const count = Math.floor(next() * 40);
  for (let i = 0; i < count; i++) {
    if (next() < 0.05) parts.push(Buffer.from([0x80 + Math.floor(next() * 0x80)])); // a stray non-UTF-8 byte
    else parts.push(Buffer.from(PIECES[Math.floor(next() * PIECES.length)] as string));
  }
  return Buffer.concat(parts);
}

function names(list: ReadonlyArray<{ kind: string; name: string }>): string[] {
  return list.map((name) => `${name.kind} ${name.name}`).sort();
}

describe('declaredNamesInLine', () => {
  it('finds, line by line, exactly the names declaredNames finds in the whole file', () => {
    for (let seed = 1; seed <= 3000; seed++) {
      const bytes = randomBytes(random(seed));
      const lines: string[] = [];
      for (let start = 0; start <= bytes.length; ) {
        const newline = bytes.indexOf(0x0a, start);
        const end = newline === -1 ? bytes.length : newline;
        // As git's diff lines are: each line decoded on its own.
        lines.push(bytes.toString('utf8', start, end));
        start = end + 1;
      }
      expect(names(lines.flatMap(declaredNamesInLine)), `seed ${seed}`).toEqual(names(declaredNames(bytes)));
    }
  });

  it('reads async, indentation and carriage returns as the byte version does', () => {
    expect(names(declaredNamesInLine('  async\tdef step(self):'))).toEqual(['function step']);
    expect(names(declaredNamesInLine('x = 1\rclass Judge:'))).toEqual(['class Judge']);
    expect(declaredNamesInLine('\rasync def f():')).toEqual([]);
    expect(declaredNamesInLine('undefined = 1')).toEqual([]);
  });
});
