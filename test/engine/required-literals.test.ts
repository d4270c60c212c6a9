import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { LiteralScanner } from '../../src/engine/literal-scanner.js';
import { builtinRulesDirectory, parseRules, readRuleTexts } from '../../src/engine/load-rules.js';
import type { RuleDefinition } from '../../src/engine/rule.js';
import { requiredLiterals } from '../../src/engine/required-literals.js';
import { seededRandom } from '../helpers/seeded-random.js';

describe('requiredLiterals', () => {
  it.each([
    ['return', ['return']],
    ['Return', ['return']],
    ['foo|bar', ['bar', 'foo']],
    ['(?:ab|cd)(?:ef|gh)?', ['ab', 'abef', 'abgh', 'cd', 'cdef', 'cdgh']],
    ['((a|b)c)d', ['acd', 'bcd']],
    ['(?:el)?if', ['elif', 'if']],
    ['[ab]{0,1}c', ['ac', 'bc', 'c']],
    ['ab??c', ['abc', 'ac']],
  ])('names exactly what a small pattern matches: %s', (pattern, expected) => {
    expect(requiredLiterals(pattern)).toEqual(expected);
  });

  it.each([
    ['[_-]', ['-', '_']],
    ['a[_-]b', ['a-b', 'a_b']],
    ['[a-c]x', ['ax', 'bx', 'cx']],
    ['[A-D]x', ['ax', 'bx', 'cx', 'dx']],
    ['[\\]]x', [']x']],
    ['[\\-]x', ['-x']],
    ['[a\\-z]', ['-', 'a', 'z']],
    ['[a-]', ['-', 'a']],
    ['[-a]', ['-', 'a']],
    ['[\\[-\\]]', ['[', '\\', ']']],
    // Between `Z` and `a` lie `[ \ ] ^ _` and a backtick: only the letters are lower-cased.
    ['[Z-a]x', ['[x', '\\x', ']x', '^x', '_x', '`x', 'ax', 'zx']],
    ['[X-_]', ['[', '\\', ']', '^', '_', 'x', 'y', 'z']],
    ['[]a', ['a']],
    ['[^]a', ['a']],
  ])('reads a small class as its characters, lower-cased: %s', (pattern, expected) => {
    expect(requiredLiterals(pattern)).toEqual(expected);
  });

  it.each([
    ['\\x41b', ['ab']],
    ['\\u0041b', ['ab']],
    ['\\/x', ['/x']],
    ['\\.\\*\\+\\?\\(\\)\\$\\^\\|', ['.*+?()$^|']],
    ['\\\\n', ['\\n']],
    ['a\\tb', ['a\tb']],
    ['\\cJab', ['ab']],
    ['\\0ab', ['ab']],
    ['\\u{61}bc', ['bc']],
    ['\\p{L}abc', ['abc']],
    ['\\P{Lu}abc', ['abc']],
  ])('reads escapes: %s', (pattern, expected) => {
    expect(requiredLiterals(pattern)).toEqual(expected);
  });

  it.each([
    ['(?<=self)\\.x', ['.x']],
    ['(?=abc)def', ['def']],
    ['(?!x)y', ['y']],
    ['(?<=a|bc)d', ['d']],
    ['(?<!foo|bar)baz', ['baz']],
    ['\\bword\\b', ['word']],
    ['\\Bin\\B', ['in']],
    ['^\\s*return\\b', ['return']],
    ['^oid sha256:[0-9a-f]{64}$', ['oid sha256:']],
    ['a(?=b)|c', ['a', 'c']],
  ])('counts nothing for anchors and lookarounds: %s', (pattern, expected) => {
    expect(requiredLiterals(pattern)).toEqual(expected);
  });

  it.each([
    ['abc+', ['ab']],
    ['x(?:abc)+', ['abc']],
    ['key_*name', ['name']],
    ['(?:ab){2,}', ['ab']],
    ['x{2,}', ['x']],
    ['abc+?d', ['ab']],
    ['x{0,3}yz', ['yz']],
    ['(?:abc){0}de', ['de']],
    ['(?:abc){1}', ['abc']],
    ['(?:abc){2}', ['abc']],
    ['(?:a|)bc', ['abc', 'bc']],
    ['(?:|ab)cd', ['abcd', 'cd']],
    ['\\d+\\.(?:mean|max)\\(', ['.max(', '.mean(']],
  ])('keeps what a quantified or optional part must match: %s', (pattern, expected) => {
    expect(requiredLiterals(pattern)).toEqual(expected);
  });

  it.each([
    ['(?<name>key)=\\k<name>', ['key=']],
    ['(a)\\1', ['a']],
    // `\\12` is one back-reference, not `\\1` and a literal 2.
    ['(.)(.)(.)(.)(.)(.)(.)(.)(.)(.)(.)(.)\\12x', ['x']],
    ['(?<word>reward)_(?:fn|func)', ['reward_fn', 'reward_func']],
  ])('reads named groups and skips back-references: %s', (pattern, expected) => {
    expect(requiredLiterals(pattern)).toEqual(expected);
  });

  it.each([
    ['ébc', ['bc']],
    ['abcé', ['abc']],
    ['[ſ]x', ['x']],
    ['[a-é]x', ['x']],
    ['[~-\u0081]x', ['x']],
  ])('leaves out characters outside ASCII: %s', (pattern, expected) => {
    expect(requiredLiterals(pattern)).toEqual(expected);
  });

  it.each([
    '\\S',
    '.*',
    '[^a]',
    '\\w+',
    '\\d{3}',
    '[a-z]',
    '[A-c]',
    '[\\s\\S]',
    '(?:a|)',
    'ab|',
    'x{0}',
    'a?',
    'a{0,2}',
    '(?:abc)*',
    '(?:foo)?(?:bar)?',
    '(?:abc|d.)*',
    '^$',
    '\\b',
    '(?=abc)',
    'é',
    'ſ',
    '\\u017F',
    '\\u212A',
    '\\x80',
    '\\u{1F600}',
    '😀',
    '(?i:abc)',
    'a)',
    '(a',
    '[a',
  ])('is null when it cannot name a literal every match holds: %s', (pattern) => {
    expect(requiredLiterals(pattern)).toBeNull();
  });

  it('caps exact sets at 64 strings: a longer product keeps the part that fits', () => {
    const pairs = [...'abcdefgh'].flatMap((x) => [...'abcdefgh'].map((y) => x + y)).sort();
    expect(requiredLiterals('[a-h][a-h]')).toEqual(pairs);
    expect(requiredLiterals('[a-h][a-h]x')).toEqual(pairs.map((pair) => `${pair}x`));
    expect(requiredLiterals('[a-h][a-h][a-h]')).toEqual(pairs);
    // A class of more than eight characters is not enumerated.
    expect(requiredLiterals('[a-i]x')).toEqual(['x']);
  });

  it('keeps every branch of a long alternation, even past the cap', () => {
    const words = Array.from({ length: 70 }, (_, index) => `word${index}`);
    expect(requiredLiterals(`x(?:${words.join('|')})`)).toEqual([...words].sort());
  });

  it('only returns lower-cased ASCII', () => {
    for (const pattern of ['ABC', '[A-C]Z', '\\x5A', 'Q(?:R|S)', '(?<N>KEY)']) {
      for (const literal of requiredLiterals(pattern) ?? []) expect(literal).toMatch(/^[\x00-\x40\x5b-\x7f]+$/);
    }
  });
});

interface PatternCase {
  readonly source: string;
  readonly flags: 'u' | 'iu';
  readonly where: string;
}

/** Every regular expression the built-in rules hold: line patterns, excludes and scope names. */
function rulePatterns(rules: readonly RuleDefinition[]): PatternCase[] {
  const patterns: PatternCase[] = [];
  const visit = (node: unknown, where: string): void => {
    if (Array.isArray(node)) return node.forEach((child) => visit(child, where));
    if (node === null || typeof node !== 'object') return;
    for (const [key, value] of Object.entries(node)) {
      if (key === 'added' || key === 'removed' || key === 'changed' || key === 'scope') {
        const spec = (typeof value === 'string' ? { pattern: value } : value) as Record<string, unknown>;
        const flags = spec.ignoreCase === true ? 'iu' : 'u';
        for (const field of ['pattern', 'name', 'exclude']) {
          const source = spec[field];
          if (typeof source === 'string') patterns.push({ source, flags, where: `${where} ${key}.${field}` });
        }
      } else {
        visit(value, where);
      }
    }
  };
  for (const rule of rules) visit(rule.match, rule.id);
  return patterns;
}

/** The lines of every text example of the rules. */
function exampleLines(rules: readonly RuleDefinition[]): string[] {
  const lines: string[] = [];
  for (const rule of rules) {
    for (const example of [...rule.examples.flag, ...(rule.examples.pass ?? [])]) {
      if (example.binary || example.encoding === 'base64') continue;
      for (const text of [example.before, example.after]) if (text !== undefined) lines.push(...text.split('\n'));
    }
  }
  return lines;
}

/** Changed and context lines from this repository's own recent history, as `git log -p` shows them. */
function historyLines(limit: number): string[] {
  const root = fileURLToPath(new URL('../..', import.meta.url));
  const log = execFileSync('git', ['log', '-p', '--no-color', '--no-ext-diff', '--no-textconv', '-n', '80'], {
    cwd: root,
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  });
  const lines = new Set<string>();
  for (const line of log.split('\n')) {
    if (lines.size >= limit) break;
    lines.add(line);
    // The line as the engine sees it: without the diff's own +, - or space.
    if (/^[-+ ]/.test(line)) lines.add(line.slice(1));
  }
  return [...lines];
}

/**
 * Lines that are nearly the same as `line` but can beat a weak prefilter: a CR in the middle or at
 * the end, tabs for spaces, other letter cases, and the two characters outside ASCII that Unicode
 * case folding matches with ASCII letters (`ſ` with s, the Kelvin sign with k).
 */
function variantsOf(line: string): string[] {
  return [
    line,
    `${line}\r`,
    line.replace(' ', '\r'),
    line.replace(/ /g, '\t'),
    line.toUpperCase(),
    line.replace(/[a-z]/g, (letter, index: number) => (index % 2 === 0 ? letter.toUpperCase() : letter)),
    line.replace(/s/g, '\u017F'),
    line.replace(/k/gi, '\u212A'),
  ];
}

const PUNCTUATION = [' ', '\t', '=', ':', '"', "'", '(', ')', '[', ']', '{', '}', '.', ',', '-', '_', '/', '\\', '$', '#', '@', '*', '0', '1', '42', '\r', '--', '==', ' = ', ': '];

/**
 * Random lines made of `pattern`'s own words and required literals, in random case, joined by
 * punctuation: lines that often match the pattern, or nearly do.
 */
function linesBuiltFrom(pattern: string, count: number, random: () => number): string[] {
  const words = [...new Set([...(pattern.match(/[A-Za-z_]{2,}/g) ?? []), ...(requiredLiterals(pattern) ?? [])])];
  const pieces = [...words, ...words, ...PUNCTUATION];
  const lines: string[] = [];
  for (let n = 0; n < count; n++) {
    let line = '';
    for (let i = 1 + Math.floor(random() * 7); i > 0; i--) {
      let piece = pieces[Math.floor(random() * pieces.length)]!;
      const casing = random();
      if (casing < 0.15) piece = piece.toUpperCase();
      else if (casing < 0.3) piece = piece.charAt(0).toUpperCase() + piece.slice(1);
      else if (casing < 0.35) piece = piece.slice(1);
      line += piece;
    }
    lines.push(line);
  }
  return lines;
}

/**
 * The soundness property, checked the way the prefilter uses the two modules: one scanner over the
 * literals of all patterns (group = pattern), one scan per line. A pattern that matches a line (or
 * one of its CR-separated parts, which the engine also tries) must have its group reported, unless
 * the scanner gave the line up as not ASCII. Returns the counterexamples.
 */
function counterexamples(patterns: readonly PatternCase[], lines: readonly string[]): string[] {
  const literals: string[] = [];
  const groups: number[] = [];
  const compiled = patterns.map((pattern, index) => {
    for (const literal of requiredLiterals(pattern.source) ?? []) {
      literals.push(literal);
      groups.push(index);
    }
    return new RegExp(pattern.source, pattern.flags);
  });
  const isFiltered = patterns.map((pattern) => requiredLiterals(pattern.source) !== null);
  const scanner = new LiteralScanner(literals, groups);
  const found: string[] = [];
  const reported = new Set<number>();
  for (const line of lines) {
    reported.clear();
    if (!scanner.scan(line, (group) => reported.add(group))) continue;
    const parts = line.includes('\r') ? [line, ...line.split('\r')] : [line];
    patterns.forEach((pattern, index) => {
      if (!isFiltered[index] || reported.has(index)) return;
      const regex = compiled[index]!;
      if (parts.some((part) => regex.test(part))) {
        found.push(`${pattern.where}: /${pattern.source}/${pattern.flags} matches ${JSON.stringify(line)} but needs ${JSON.stringify(requiredLiterals(pattern.source))}`);
      }
    });
  }
  return found.slice(0, 20);
}

/** Atoms for generated patterns: the constructs whose handling could hide a match. */
const ATOMS = [
  'a', 'b', 'k', 's', 'A', 'B', 'K', '_', '-', '.', '\\.', '\\-', '\\/', '\\\\', '\\^', '\\$', '\\[', '\\]',
  '\\x41', '\\u0062', '\\u{61}', '\\cJ', '\\0', '\\t', '\\r', '\\w', '\\W', '\\s', '\\S', '\\d', '\\p{L}', '\\P{Ll}',
  '[ab]', '[a-c]', '[A-C]', '[A-c]', '[Z-a]', '[Y-b]', '[X-_]', '[\\]]', '[\\-a]', '[a\\-b]', '[a-]', '[-a]',
  '[^a]', '[^]', '[]', '[\\w-]', '[_-a]', '[\\[-\\]]', '[\\x41-\\x43]', '[k-l]', '[r-t]', '[ſ]', 'ſ', '\\u017F',
  '\\u212A', 'é', '😀', '[😀a]', '[\\s\\S]',
];
const UNQUANTIFIABLE = ['\\b', '\\B', '^', '$'];
const QUANTIFIERS = ['', '', '', '', '?', '*', '+', '{0}', '{1}', '{2}', '{0,1}', '{0,2}', '{1,3}', '{2,}', '??', '+?', '*?', '{0}?', '{2,}?'];
const OPENERS = ['(?:', '(', '(?<n>', '(?=', '(?!', '(?<=', '(?<!'];

/** A random pattern built from ATOMS; not always valid (the caller skips those). */
function generatedPattern(random: () => number, depth: number, groups: { count: number; isNamed: boolean }): string {
  const pick = <T,>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  let source = '';
  for (let i = 1 + Math.floor(random() * 4); i > 0; i--) {
    const roll = random();
    if (depth > 0 && roll < 0.3) {
      let opener = pick(OPENERS);
      if (opener === '(?<n>' && groups.isNamed) opener = '(';
      if (opener === '(?<n>') groups.isNamed = true;
      if (opener === '(' || opener === '(?<n>') groups.count++;
      const branches = [generatedPattern(random, depth - 1, groups)];
      while (random() < 0.4) branches.push(random() < 0.25 ? '' : generatedPattern(random, depth - 1, groups));
      const isLookaround = opener.startsWith('(?=') || opener.startsWith('(?!') || opener.startsWith('(?<=') || opener.startsWith('(?<!');
      source += `${opener}${branches.join('|')})${isLookaround ? '' : pick(QUANTIFIERS)}`;
    } else if (roll < 0.36 && groups.count > 0) {
      source += groups.isNamed && random() < 0.5 ? '\\k<n>' : `\\${1 + Math.floor(random() * groups.count)}`;
    } else if (roll < 0.42) {
      source += pick(UNQUANTIFIABLE);
    } else {
      source += pick(ATOMS) + pick(QUANTIFIERS);
    }
  }
  return source;
}

/** Short strings over a small alphabet (all of length 0 to 2, many of length 3), and random longer ones. */
function shortLines(random: () => number): string[] {
  const alphabet = ['a', 'b', 'A', 'B', 'k', 'K', 's', 'S', 'c', '_', '-', '[', ']', '`', '\\', '.', '/', '^', '$', '\t', '\r', '\n', '\x00', '0', ' ', 'Z', 'é', 'ſ', '\u212A'];
  const lines = [''];
  for (const x of alphabet) {
    lines.push(x);
    for (const y of alphabet) {
      lines.push(x + y);
      for (const z of ['a', 'b', 'A', '-', '_', '[', '.']) lines.push(x + y + z);
    }
  }
  for (let n = 0; n < 3000; n++) {
    let line = '';
    for (let i = Math.floor(random() * 9); i > 0; i--) line += alphabet[Math.floor(random() * alphabet.length)]!;
    lines.push(line);
  }
  return lines;
}

describe('requiredLiterals soundness', () => {
  it('never names literals a match of a built-in rule pattern can avoid', async () => {
    const rules = parseRules(await readRuleTexts([builtinRulesDirectory()]));
    const patterns = rulePatterns(rules);
    expect(patterns.filter((pattern) => pattern.where.includes('.pattern')).length).toBeGreaterThan(50);
    // Each pattern under both flags: the literals are compared without case either way.
    const cases = patterns.flatMap((pattern) => [pattern, { ...pattern, flags: pattern.flags === 'u' ? ('iu' as const) : ('u' as const) }]);

    const random = seededRandom(42);
    const lines = [
      ...exampleLines(rules).flatMap(variantsOf),
      ...historyLines(20_000),
      ...patterns.flatMap((pattern) => linesBuiltFrom(pattern.source, 150, random)),
    ];
    expect(counterexamples(cases, lines)).toEqual([]);
  });

  it('every flag example line of a rule that matches its pattern holds one of the literals', async () => {
    // A guard on the test above: its lines really do match the patterns it checks.
    const rules = parseRules(await readRuleTexts([builtinRulesDirectory()]));
    const patterns = rulePatterns(rules).filter((pattern) => pattern.where.includes('.pattern') && requiredLiterals(pattern.source) !== null);
    const lines = exampleLines(rules);
    const matched = patterns.filter((pattern) => lines.some((line) => new RegExp(pattern.source, pattern.flags).test(line)));
    expect(matched.length).toBeGreaterThan(patterns.length / 2);
  });

  it('never names literals a match of a generated pattern can avoid', () => {
    const random = seededRandom(2024);
    const patterns: PatternCase[] = [];
    while (patterns.length < 1500) {
      let source = generatedPattern(random, 3, { count: 0, isNamed: false });
      if (random() < 0.25) source += `|${generatedPattern(random, 1, { count: 0, isNamed: false })}`;
      const flags = random() < 0.5 ? 'iu' : 'u';
      try {
        new RegExp(source, flags);
      } catch {
        continue;
      }
      patterns.push({ source, flags, where: 'generated' });
    }
    expect(patterns.filter((pattern) => requiredLiterals(pattern.source) !== null).length).toBeGreaterThan(300);
    expect(counterexamples(patterns, shortLines(random))).toEqual([]);
  });

  it('never names literals that Unicode case folding lets a match avoid', () => {
    const patterns: PatternCase[] = [
      { source: 'key', flags: 'iu', where: 'kelvin' },
      { source: 'mask', flags: 'iu', where: 'long s' },
      { source: '[k-l]ey', flags: 'iu', where: 'kelvin in a range' },
      { source: '\\u212Aey', flags: 'iu', where: 'kelvin escaped' },
      { source: 'ma[ſ]k', flags: 'iu', where: 'long s in a class' },
      { source: '\\bself\\b', flags: 'iu', where: 'long s at a word boundary' },
    ];
    const lines = ['\u212Aey', 'KEY', 'ma\u017Fk', 'MASK', 'maſk', '\u017Felf', 'my_\u212Aey = 1'];
    expect(counterexamples(patterns, lines)).toEqual([]);
    for (const line of ['\u212Aey', 'ma\u017Fk']) {
      expect(new LiteralScanner(['key', 'mask'], [0, 1]).scan(line, () => undefined)).toBe(false);
    }
  });
});
