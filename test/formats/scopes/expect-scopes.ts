import { expect } from 'vitest';
import type { ScopeIndex } from '../../../src/formats/scopes/scope-index.js';

/** Each line's chain as dotted names (`training.optim.lr`), '' outside any scope: easy to read in a diff. */
export function namesByLine(index: ScopeIndex): string[] {
  return Array.from({ length: index.lineCount }, (_, offset) =>
    index
      .scopesAt(offset + 1)
      .map((scope) => scope.name)
      .join('.'),
  );
}

/**
 * Pairs each line of a sample with its expected chain, so a failure shows which line went wrong. The
 * sample is the lines joined with `\n` and a final newline.
 */
export function expectScopes(find: (source: string) => ScopeIndex, lines: readonly (readonly [string, string])[]): void {
  const source = lines.map(([text]) => `${text}\n`).join('');
  const index = find(source);
  expect(index.lineCount).toBe(lines.length);
  const actual = namesByLine(index).map((names, offset) => [lines[offset]?.[0], names]);
  expect(actual).toEqual(lines.map(([text, names]) => [text, names]));
}

/** A few kinds of broken input every finder must read without throwing. */
export const MALFORMED_SAMPLES: readonly string[] = [
  '',
  '\n',
  '\r\n\r\n',
  '{',
  '}}}]]])))',
  '"unterminated',
  "'",
  '`${',
  '/*',
  '<<EOF',
  '[[[',
  '- - - :',
  ': : :',
  '\u0000\uFFFD\uD800',
  'a'.repeat(10_000),
  '{'.repeat(5_000),
  '('.repeat(5_000),
  '[\n'.repeat(2_000),
  '  - x:\n'.repeat(1_000),
];
