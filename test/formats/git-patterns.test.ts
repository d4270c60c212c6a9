import { describe, expect, it } from 'vitest';
import { isBlindingAttribute, parseAttributeLine, parseIgnoreLine } from '../../src/formats/git-patterns.js';

describe('parseIgnoreLine', () => {
  it('skips blank lines and comments', () => {
    expect(parseIgnoreLine('')).toBeNull();
    expect(parseIgnoreLine('   ')).toBeNull();
    expect(parseIgnoreLine('# rewards/')).toBeNull();
  });

  it('reads negation and escaped first characters', () => {
    expect(parseIgnoreLine('!keep.py')).toEqual({ glob: 'keep.py', isNegated: true });
    expect(parseIgnoreLine('\\#notes')).toEqual({ glob: '#notes', isNegated: false });
    expect(parseIgnoreLine('\\!bang')).toEqual({ glob: '!bang', isNegated: false });
  });

  it('drops trailing spaces unless escaped, and a CR', () => {
    expect(parseIgnoreLine('rewards/  \r')?.glob).toBe('rewards/');
    expect(parseIgnoreLine('name\\ ')?.glob).toBe('name\\ ');
  });

  it('escapes braces, which git reads literally', () => {
    expect(parseIgnoreLine('{a,b}.py')?.glob).toBe('\\{a,b\\}.py');
  });
});

describe('parseAttributeLine', () => {
  it('splits the pattern from its attributes', () => {
    expect(parseAttributeLine('rewards/*.py -diff linguist-generated')).toEqual({
      glob: 'rewards/*.py',
      attributes: ['-diff', 'linguist-generated'],
    });
  });

  it('reads a quoted pattern', () => {
    expect(parseAttributeLine('"my file.py" binary')).toEqual({ glob: 'my file.py', attributes: ['binary'] });
  });

  it('skips comments and macro definitions', () => {
    expect(parseAttributeLine('# *.py -diff')).toBeNull();
    expect(parseAttributeLine('[attr]hidden -diff -merge')).toBeNull();
  });
});

describe('isBlindingAttribute', () => {
  it('names the attributes that hide what a diff shows', () => {
    for (const attribute of ['-diff', 'binary', 'diff=secret', 'filter=rewrite', 'linguist-generated', 'linguist-generated=true', 'linguist-vendored', '-text']) {
      expect(isBlindingAttribute(attribute), attribute).toBe(true);
    }
    for (const attribute of ['text', 'eol=lf', 'text=auto', 'merge=union', 'linguist-language=Python', 'linguist-generated=false']) {
      expect(isBlindingAttribute(attribute), attribute).toBe(false);
    }
  });
});
