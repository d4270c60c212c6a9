import type { CodeScope } from '../formats/python-scopes.js';

/** A `def` or `class` name a file version declares (or seems to: strings are not excluded). */
export type DeclaredName = Pick<CodeScope, 'kind' | 'name'>;

const IDENTIFIER = /[\p{L}_][\p{L}\p{N}_]*/uy;
const KEYWORDS = [
  [Buffer.from('def'), 'function'],
  [Buffer.from('class'), 'class'],
] as const;

const SPACE = 0x20;
const TAB = 0x09;
const NEWLINE = 0x0a;
const CARRIAGE_RETURN = 0x0d;
const FORM_FEED = 0x0c;
const ASYNC = Buffer.from('async');

/**
 * Every name after `def` or `class` at the start of a line (after indentation and an optional
 * `async`); a superset of the real scopes, since strings are not excluded. Works on the raw bytes
 * with indexOf, so a file version that declares nothing of interest is never decoded.
 *
 * Each name depends on its own line alone (a line being what lies between two `\n`), which is what
 * lets declaredNamesInLine and DeclaredNameCounts.applyHunks derive one version's names from another's.
 */
export function declaredNames(bytes: Buffer): DeclaredName[] {
  const declared: DeclaredName[] = [];
  for (const [keyword, kind] of KEYWORDS) {
    for (let at = bytes.indexOf(keyword); at !== -1; at = bytes.indexOf(keyword, at + keyword.length)) {
      let after = at + keyword.length;
      if (bytes[after] !== SPACE && bytes[after] !== TAB) continue;
      if (!startsLogicalLine(bytes, at)) continue;
      while (bytes[after] === SPACE || bytes[after] === TAB) after++;
      let end = after;
      // ASCII letters, digits, underscore, and any byte of a multi-byte UTF-8 character.
      while (end < bytes.length && isIdentifierCode(bytes[end] as number)) end++;
      const name = identifierAt(bytes.toString('utf8', after, end));
      if (name !== null) declared.push({ kind, name });
    }
  }
  return declared;
}

/**
 * declaredNames of one line of text (no `\n` in it), decoded from UTF-8 as git's diff lines are.
 * Gives the same names as declaredNames gives for that line's bytes: every test below is on ASCII
 * characters, and a run of identifier bytes ends at an ASCII byte, so decoding the line whole or the
 * run alone yields the same characters (invalid bytes become U+FFFD either way).
 */
export function declaredNamesInLine(text: string): DeclaredName[] {
  const declared: DeclaredName[] = [];
  if (!text.includes('def') && !text.includes('class')) return declared;
  for (const [word, kind] of [['def', 'function'], ['class', 'class']] as const) {
    for (let at = text.indexOf(word); at !== -1; at = text.indexOf(word, at + word.length)) {
      let after = at + word.length;
      const next = text.charCodeAt(after);
      if (next !== SPACE && next !== TAB) continue;
      if (!startsLogicalLineInText(text, at)) continue;
      while (text.charCodeAt(after) === SPACE || text.charCodeAt(after) === TAB) after++;
      let end = after;
      while (end < text.length && isIdentifierCode(text.charCodeAt(end))) end++;
      const name = identifierAt(text.slice(after, end));
      if (name !== null) declared.push({ kind, name });
    }
  }
  return declared;
}

function identifierAt(text: string): string | null {
  IDENTIFIER.lastIndex = 0;
  return IDENTIFIER.exec(text)?.[0] ?? null;
}

/** ASCII letters, digits and underscore, and anything outside ASCII (a byte of, or a whole, non-ASCII character). */
function isIdentifierCode(code: number): boolean {
  return (code >= 0x30 && code <= 0x39) || (code >= 0x41 && code <= 0x5a) || (code >= 0x61 && code <= 0x7a) || code === 0x5f || code >= 0x80;
}

/** True when only indentation, and perhaps `async`, stands between the line start and `at`. */
function startsLogicalLine(bytes: Buffer, at: number): boolean {
  let i = at - 1;
  while (i >= 0 && (bytes[i] === SPACE || bytes[i] === TAB)) i--;
  if (i >= 4 && i < at - 1 && bytes.compare(ASYNC, 0, 5, i - 4, i + 1) === 0) {
    const before = i - 5;
    if (before < 0 || bytes[before] === NEWLINE || bytes[before] === SPACE || bytes[before] === TAB) {
      i = before;
      while (i >= 0 && (bytes[i] === SPACE || bytes[i] === TAB)) i--;
    }
  }
  return i < 0 || bytes[i] === NEWLINE || bytes[i] === CARRIAGE_RETURN || bytes[i] === FORM_FEED;
}

/** startsLogicalLine on one line's text, whose start stands for the byte after a `\n`. */
function startsLogicalLineInText(text: string, at: number): boolean {
  let i = at - 1;
  while (i >= 0 && (text.charCodeAt(i) === SPACE || text.charCodeAt(i) === TAB)) i--;
  if (i >= 4 && i < at - 1 && text.startsWith('async', i - 4)) {
    const before = i - 5;
    if (before < 0 || text.charCodeAt(before) === SPACE || text.charCodeAt(before) === TAB) {
      i = before;
      while (i >= 0 && (text.charCodeAt(i) === SPACE || text.charCodeAt(i) === TAB)) i--;
    }
  }
  return i < 0 || text.charCodeAt(i) === CARRIAGE_RETURN || text.charCodeAt(i) === FORM_FEED;
}

/** The lines a diff turns one version into another with: what the other side has and this one lacks, and back. */
export interface LineDelta {
  /** Lines the version being derived has that the known version does not. */
  readonly gained: Iterable<string>;
  /** Lines the known version has that the version being derived does not. */
  readonly lost: Iterable<string>;
}

/**
 * How many times a file version declares each name. Counting (not just listing) is what makes the
 * names of one version derivable from another's and the diff between them: a name whose line is
 * removed may still be declared on another line.
 */
export class DeclaredNameCounts {
  private readonly counts: Map<string, { readonly name: DeclaredName; count: number }>;
  /** Each name once, for matchers to test. */
  readonly names: readonly DeclaredName[];

  private constructor(counts: Map<string, { readonly name: DeclaredName; count: number }>) {
    this.counts = counts;
    this.names = [...counts.values()].map((entry) => entry.name);
  }

  static of(names: readonly DeclaredName[]): DeclaredNameCounts {
    const counts = new Map<string, { readonly name: DeclaredName; count: number }>();
    for (const name of names) add(counts, name, 1);
    return new DeclaredNameCounts(counts);
  }

  /**
   * The counts of another version: this one's, less the names on the lines it loses, plus those on
   * the lines it gains. null when the delta takes away a name this version does not have, which a
   * faithful diff never does: the caller then reads the version instead of trusting the diff.
   */
  derive(delta: LineDelta): DeclaredNameCounts | null {
    const counts = new Map<string, { readonly name: DeclaredName; count: number }>();
    for (const [key, entry] of this.counts) counts.set(key, { name: entry.name, count: entry.count });
    for (const line of delta.lost) {
      for (const name of declaredNamesInLine(line)) {
        const entry = counts.get(keyOf(name));
        if (!entry || entry.count === 0) return null;
        entry.count--;
      }
    }
    for (const line of delta.gained) for (const name of declaredNamesInLine(line)) add(counts, name, 1);
    for (const [key, entry] of counts) if (entry.count === 0) counts.delete(key);
    return new DeclaredNameCounts(counts);
  }

  /** A rough count of the bytes this takes, for cache accounting. */
  get approximateBytes(): number {
    return 64 + this.names.length * 96;
  }
}

function keyOf(name: DeclaredName): string {
  return `${name.kind}\0${name.name}`;
}

function add(counts: Map<string, { readonly name: DeclaredName; count: number }>, name: DeclaredName, count: number): void {
  const key = keyOf(name);
  const entry = counts.get(key);
  if (entry) entry.count += count;
  else counts.set(key, { name, count });
}
