import { describe, expect, it } from 'vitest';
import { isBlindingAttribute, isUnblindingAttribute, parseAttributeLine, parseIgnoreLine, parseMacroLine } from '../../src/formats/git-patterns.js';

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

  it('trims trailing spaces as git does: spaces only, and not after an escaped one', () => {
    expect(parseIgnoreLine('rewards/\t')?.glob).toBe('rewards/\t');
    expect(parseIgnoreLine('name\\  ')?.glob).toBe('name\\ ');
    expect(parseIgnoreLine('name\\\\  ')?.glob).toBe('name\\\\');
  });

  it('spells out POSIX classes, which git knows and rule globs do not', () => {
    expect(parseIgnoreLine('[[:alpha:]]ewards/')?.glob).toBe('[A-Za-z]ewards/');
    expect(parseIgnoreLine('[![:digit:]_]x')?.glob).toBe('[!0-9_]x');
    expect(parseIgnoreLine('[{]x')?.glob).toBe('[{]x');
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

  it('skips comments, macro definitions and negative patterns, which git refuses in attributes', () => {
    expect(parseAttributeLine('# *.py -diff')).toBeNull();
    expect(parseAttributeLine('[attr]hidden -diff -merge')).toBeNull();
    expect(parseAttributeLine('!rewards/ -diff')).toBeNull();
  });
});

describe('parseMacroLine', () => {
  it('reads a macro\'s name and attributes', () => {
    expect(parseMacroLine('[attr]blind -diff linguist-generated\r')).toEqual({ name: 'blind', attributes: ['-diff', 'linguist-generated'] });
    expect(parseMacroLine('rewards/** blind')).toBeNull();
  });
});

describe('isBlindingAttribute', () => {
  it('names the attributes that hide what a diff shows', () => {
    for (const attribute of ['-diff', 'binary', 'diff=secret', 'filter=rewrite', 'linguist-generated', 'linguist-generated=true', 'linguist-vendored']) {
      expect(isBlindingAttribute(attribute), attribute).toBe(true);
    }
    for (const attribute of ['text', '-text', '-crlf', 'eol=lf', 'text=auto', 'merge=union', 'linguist-language=Python', 'linguist-generated=false']) {
      expect(isBlindingAttribute(attribute), attribute).toBe(false);
    }
  });

  it('leaves git\'s built-in diff drivers alone, which only find hunk headers, and counts others and encodings', () => {
    for (const attribute of ['diff=python', 'diff=bash', 'diff', '!diff', 'export-subst', 'ident', '-filter', 'whitespace=trailing-space']) {
      expect(isBlindingAttribute(attribute), attribute).toBe(false);
    }
    for (const attribute of ['diff=astextplain', 'diff=', 'working-tree-encoding=UTF-16']) {
      expect(isBlindingAttribute(attribute), attribute).toBe(true);
    }
  });

  it('counts a name it does not know as a macro that may blind, unless the known macros say what it sets', () => {
    expect(isBlindingAttribute('blind')).toBe(true);
    const macros = new Map([
      ['blind', ['-diff']],
      ['pyfile', ['text', 'eol=lf', 'diff=python']],
      ['outer', ['pyfile', 'blind']],
      ['loop', ['loop']],
    ]);
    expect(isBlindingAttribute('blind', macros)).toBe(true);
    expect(isBlindingAttribute('pyfile', macros)).toBe(false);
    expect(isBlindingAttribute('outer', macros)).toBe(true);
    expect(isBlindingAttribute('loop', macros)).toBe(true);
    expect(isBlindingAttribute('-blind', macros)).toBe(false);
  });
});

describe('isUnblindingAttribute', () => {
  it('names the attributes that undo blinding, whose removal blinds again', () => {
    for (const attribute of ['diff', '!diff', '-filter', 'linguist-generated=false', '-linguist-vendored', '!export-ignore']) {
      expect(isUnblindingAttribute(attribute), attribute).toBe(true);
    }
    for (const attribute of ['-diff', 'text', 'diff=python', 'linguist-generated']) {
      expect(isUnblindingAttribute(attribute), attribute).toBe(false);
    }
  });
});
