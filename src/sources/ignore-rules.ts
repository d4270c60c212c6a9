import { compileExactGlob } from '../engine/glob.js';
import { toRuleGlob, trimTrailingSpaces } from '../formats/git-patterns.js';

interface IgnorePattern {
  readonly test: (path: string) => boolean;
  readonly isNegated: boolean;
  readonly isDirectoryOnly: boolean;
}

/**
 * `.gitignore` patterns, read from HEAD's committed `.gitignore` files only. Ignore files the agent
 * wrote or edited in the working tree, and `.git/info/exclude`, are not applied: an uncommitted
 * ignore rule is exactly how a new file would be hidden, and those edits are reported instead.
 */
export class IgnoreRules {
  /** Patterns in precedence order: shallower files first, later lines after earlier ones. */
  private readonly patterns: IgnorePattern[] = [];

  /** Adds the patterns of the `.gitignore` in `directory` ('' for the top). */
  add(directory: string, text: string): void {
    for (const raw of text.split('\n')) {
      const pattern = parseLine(directory, raw.replace(/\r$/, ''));
      if (pattern) this.patterns.push(pattern);
    }
  }

  /** Whether a path (of a directory when `isDirectory`) is ignored; the last matching pattern decides. */
  isIgnored(path: string, isDirectory: boolean): boolean {
    for (let i = this.patterns.length - 1; i >= 0; i--) {
      const pattern = this.patterns[i] as IgnorePattern;
      if (pattern.isDirectoryOnly && !isDirectory) continue;
      if (pattern.test(path)) return !pattern.isNegated;
    }
    return false;
  }
}

/** One .gitignore line as a pattern, or null for blank lines, comments and patterns that cannot compile. */
function parseLine(directory: string, line: string): IgnorePattern | null {
  // As git reads it: a CRLF file's carriage return and trailing spaces go, a tab stays part of the
  // pattern (`rewards/` and a tab ignores nothing git would show, and must hide nothing here).
  let text = trimTrailingSpaces(line.replace(/\r$/, ''));
  if (text === '' || text.startsWith('#')) return null;
  let isNegated = false;
  if (text.startsWith('!')) {
    isNegated = true;
    text = text.slice(1);
  } else if (text.startsWith('\\!') || text.startsWith('\\#')) {
    text = text.slice(1);
  }
  const isDirectoryOnly = text.endsWith('/');
  if (isDirectoryOnly) text = text.slice(0, -1);
  if (text === '') return null;
  // A slash at the start or in the middle anchors the pattern to the .gitignore's directory.
  const isAnchored = text.includes('/');
  // git drops one leading slash; what is left must still name segments, or it matches no path git
  // lists (`//x`, `a//b`, `a//` and an escaped first slash all need an empty segment).
  const body = text.startsWith('/') ? text.slice(1) : text;
  if (/^\\?\/|\/$|\/\\?\//.test(body)) return null;
  // As a rule glob: git has no braces, and its classes (`[[:alpha:]]`, `[!a]`) are spelled out.
  const relative = toRuleGlob(body);
  if (relative === null) return null;
  // A directory's name is literal.
  const base = directory === '' ? '' : `${directory.replace(/[\\*?[\]{}]/g, '\\$&')}/`;
  const glob = isAnchored ? `/${base}${relative}` : directory === '' ? relative : `/${base}**/${relative}`;
  try {
    return { test: compileExactGlob(glob), isNegated, isDirectoryOnly };
  } catch {
    return null;
  }
}
