import { describe, expect, it } from 'vitest';
import { LITERAL, NAME, PUNCTUATION, tokenizeJavaScript } from '../../../src/formats/scopes/javascript-tokens.js';

const KIND_NAMES = { [NAME]: 'name', [PUNCTUATION]: 'punct', [LITERAL]: 'literal' } as const;

/** Each token as `kind:text`. */
function tokensOf(source: string): string[] {
  const tokens = tokenizeJavaScript(source);
  return Array.from({ length: tokens.count }, (_, index) => `${KIND_NAMES[tokens.kindOf(index) as 0 | 1 | 2]}:${tokens.textOf(index)}`);
}

describe('tokenizeJavaScript', () => {
  it('reads a name on past ASCII into letters and \\u escapes that continue it', () => {
    expect(tokensOf('computeRéward = score\\u0041x + $a_1')).toEqual([
      'name:computeRéward',
      'punct:=',
      'name:score\\u0041x',
      'punct:+',
      'name:$a_1',
    ]);
    expect(tokensOf('\\u0072eward(ñame)')).toEqual(['name:\\u0072eward', 'punct:(', 'name:ñame', 'punct:)']);
  });

  it('reads private names, numbers with a leading dot and member access after a number', () => {
    expect(tokensOf('this.#count = .5 + 1..toString()')).toEqual([
      'name:this',
      'punct:.',
      'name:#count',
      'punct:=',
      'literal:.5',
      'punct:+',
      'literal:1.',
      'punct:.',
      'name:toString',
      'punct:(',
      'punct:)',
    ]);
  });

  it('takes a slash for division after a name, a closing bracket or a postfix operator, else for a pattern', () => {
    expect(tokensOf('a / b / c')).toEqual(['name:a', 'punct:/', 'name:b', 'punct:/', 'name:c']);
    expect(tokensOf('(a) / b / c')).toEqual(['punct:(', 'name:a', 'punct:)', 'punct:/', 'name:b', 'punct:/', 'name:c']);
    expect(tokensOf('i++ / 2 / 3')).toEqual(['name:i', 'punct:++', 'punct:/', 'literal:2', 'punct:/', 'literal:3']);
    expect(tokensOf('return /{/g')).toEqual(['name:return', 'literal:/{/g']);
    expect(tokensOf('x = a + /}/')).toEqual(['name:x', 'punct:=', 'name:a', 'punct:+', 'literal:/}/']);
    expect(tokensOf('instanceof /a/')).toEqual(['name:instanceof', 'literal:/a/']);
  });

  it('keeps multi-character punctuators whole and skips what is no token', () => {
    expect(tokensOf('a ??= b?.c ?? d >>>= 2 => # \\')).toEqual([
      'name:a',
      'punct:??=',
      'name:b',
      'punct:?.',
      'name:c',
      'punct:??',
      'name:d',
      'punct:>>>=',
      'literal:2',
      'punct:=>',
    ]);
  });

  it('matches brackets across names and punctuation', () => {
    const tokens = tokenizeJavaScript('function f(a) { return [a, {b: 1}]; }');
    const open = tokensOf('function f(a) { return [a, {b: 1}]; }').indexOf('punct:{');
    expect(tokens.textOf(tokens.closerOf(open))).toBe('}');
    expect(tokens.closerOf(open)).toBe(tokens.count - 1);
  });
});
