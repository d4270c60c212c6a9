/**
 * Lines of `.gitignore`, `.git/info/exclude` and `.gitattributes`, read as git reads them, and
 * turned into the path globs selfmod's rules use (whose syntax follows .gitignore's, except that
 * rules expand `{a,b}` and git does not, and git knows POSIX classes such as `[[:alpha:]]`).
 */

/** One pattern line of an ignore file. */
export interface IgnoreLine {
  /** The pattern as a rule glob, relative to the directory the ignore file applies to. */
  readonly glob: string;
  /** `!pattern`: un-ignores, so it can hide nothing. */
  readonly isNegated: boolean;
}

/** One line of a `.gitattributes` file: a pattern and the attributes it sets. */
export interface AttributeLine {
  readonly glob: string;
  /** As written: `-diff`, `binary`, `filter=lfs`, `!eol`. */
  readonly attributes: readonly string[];
}

/** A macro attribute's definition (`[attr]name attributes…`): using the name sets those attributes. */
export interface MacroLine {
  readonly name: string;
  readonly attributes: readonly string[];
}

/** null for blank lines and comments. */
export function parseIgnoreLine(line: string): IgnoreLine | null {
  let text = trimTrailingSpaces(line.replace(/\r$/, ''));
  if (text === '' || text.startsWith('#')) return null;
  const isNegated = text.startsWith('!');
  if (isNegated) text = text.slice(1);
  // `\#` and `\!` are a literal first character.
  if (text.startsWith('\\#') || text.startsWith('\\!')) text = text.slice(1);
  const glob = toRuleGlob(text);
  return glob === null ? null : { glob, isNegated };
}

/**
 * null for blank lines, comments, macro definitions (`[attr]name …`, which set nothing on a path
 * by themselves) and negative patterns (which git refuses in attributes files).
 */
export function parseAttributeLine(line: string): AttributeLine | null {
  const text = line.replace(/\r$/, '').trim();
  if (text === '' || text.startsWith('#') || text.startsWith('[attr]') || text.startsWith('!')) return null;
  const [pattern, attributes] = text.startsWith('"') ? splitQuoted(text) : splitPlain(text);
  const glob = pattern === null ? null : toRuleGlob(pattern);
  return glob === null ? null : { glob, attributes };
}

/** A macro definition line, or null for any other line. */
export function parseMacroLine(line: string): MacroLine | null {
  const text = line.replace(/\r$/, '').trim();
  if (!text.startsWith('[attr]')) return null;
  const [name = '', ...attributes] = text.slice('[attr]'.length).split(/[ \t]+/);
  return name === '' ? null : { name, attributes };
}

/**
 * The diff drivers git has built in: they only choose how hunk headers are found, unless a config
 * gives them a textconv, which a repository's history cannot carry.
 */
const BUILTIN_DIFF_DRIVERS = new Set(
  'ada bash bibtex cpp csharp css dts elixir fortran fountain golang html java kotlin markdown matlab objc pascal perl php python ruby rust scheme tex'.split(' '),
);

/** Attributes git and code hosts know that change nothing a reader of a diff sees. */
const HARMLESS_NAMES = new Set(['text', 'eol', 'crlf', 'ident', 'filter', 'diff', 'merge', 'whitespace', 'export-subst', 'delta', 'encoding', 'conflict-marker-size', 'lockable']);

/**
 * Attributes that change what a reader of the diff sees: no text diff (`-diff`, `binary`), a diff or
 * filter driver that rewrites the content shown or stored, a working-tree encoding that turns the file
 * on disk into bytes a scan reads as binary, or markers that fold a file away in code review (GitHub's
 * linguist-generated and linguist-vendored). Any other bare name may be a macro defined where this
 * line cannot see (`.git/info/attributes`, a top-level file), so it counts too, unless `macros` (the
 * definitions that are known) says what it sets.
 */
export function isBlindingAttribute(attribute: string, macros: ReadonlyMap<string, readonly string[]> = new Map()): boolean {
  return blinds(attribute, macros, 0);
}

/**
 * Attributes that undo blinding for the paths they reach (`diff`, `!diff`, `-filter`,
 * `linguist-generated=false`): taking such a line away blinds them again.
 */
export function isUnblindingAttribute(attribute: string): boolean {
  return /^(?:diff|!diff|-filter|!filter|!working-tree-encoding|[-!]export-ignore|[-!]linguist-(?:generated|vendored|documentation)|linguist-(?:generated|vendored|documentation)=false)$/.test(attribute);
}

/** Macros may use macros; past this depth a definition is taken to blind (git stops at a cycle too). */
const MAX_MACRO_DEPTH = 8;

function blinds(attribute: string, macros: ReadonlyMap<string, readonly string[]>, depth: number): boolean {
  if (/^(?:-diff|binary|filter=|working-tree-encoding=|export-ignore$|linguist-(?:generated|vendored|documentation)(?:=true)?$)/.test(attribute)) return true;
  const driver = /^diff=(.*)$/.exec(attribute);
  if (driver) return !BUILTIN_DIFF_DRIVERS.has(driver[1] as string);
  // Unset (`-x`), unspecified (`!x`) and valued (`x=v`) forms of other attributes set nothing a macro would.
  if (/^[-!]|=/.test(attribute) || HARMLESS_NAMES.has(attribute) || /^(?:linguist|gitlab)-/.test(attribute)) return false;
  const expansion = macros.get(attribute);
  if (expansion === undefined || depth >= MAX_MACRO_DEPTH) return true;
  return expansion.some((inner) => blinds(inner, macros, depth + 1));
}

/** POSIX classes that git's wildmatch knows inside brackets, as ranges a rule glob's class can hold. */
const POSIX_CLASSES: Readonly<Record<string, string>> = {
  alnum: '0-9A-Za-z',
  alpha: 'A-Za-z',
  blank: ' \\\t',
  cntrl: '\\\u0000-\\\u001f\\\u007f',
  digit: '0-9',
  graph: '\\!-\\~',
  lower: 'a-z',
  print: '\\ -\\~',
  punct: '\\!-\\/\\:-\\@\\[-\\`\\{-\\~',
  space: '\\\t-\\\r\\ ',
  upper: 'A-Z',
  xdigit: '0-9A-Fa-f',
};

/** Escapes what rule globs treat as special and git does not, and spells out POSIX classes. */
export function toRuleGlob(pattern: string): string | null {
  let glob = '';
  for (let at = 0; at < pattern.length; at++) {
    const char = pattern[at] as string;
    if (char === '\\' && at + 1 < pattern.length) {
      glob += char + pattern[++at];
    } else if (char === '{' || char === '}') {
      glob += `\\${char}`;
    } else if (char === '[' && readGitClass(pattern, at) !== null) {
      // Rule globs read braces in a class literally, as git does.
      const { end, text } = readGitClass(pattern, at) as { end: number; text: string };
      glob += text;
      at = end;
    } else {
      glob += char;
    }
  }
  // A bare `/` still names no path git would match.
  if (glob === '/' || glob === '') return null;
  return glob;
}

/**
 * The class that opens at `open`, as git's wildmatch reads it (a first `]` is literal, `\\` escapes,
 * `[:name:]` is one member), with POSIX classes spelled out: where its `]` is, and its text as a rule
 * glob's class; null when it does not close.
 */
function readGitClass(pattern: string, open: number): { readonly end: number; readonly text: string } | null {
  let at = open + 1;
  if (pattern[at] === '!' || pattern[at] === '^') at++;
  if (pattern[at] === ']') at++;
  let text = pattern.slice(open, at);
  for (; at < pattern.length; at++) {
    const char = pattern[at] as string;
    if (char === '\\' && at + 1 < pattern.length) {
      text += char + pattern[++at];
    } else if (char === '[' && pattern[at + 1] === ':') {
      const close = pattern.indexOf(':]', at + 2);
      const ranges = close === -1 ? undefined : POSIX_CLASSES[pattern.slice(at + 2, close)];
      if (ranges === undefined) {
        text += char;
      } else {
        text += ranges;
        at = close + 1;
      }
    } else if (char === ']') {
      return { end: at, text: `${text}]` };
    } else {
      text += char;
    }
  }
  return null;
}

/**
 * Drops trailing spaces as git does: spaces only (a tab stays part of the pattern), and not one that a
 * backslash escapes.
 */
export function trimTrailingSpaces(text: string): string {
  let lastSpace = -1;
  for (let at = 0; at < text.length; at++) {
    const char = text[at];
    if (char === ' ') {
      if (lastSpace === -1) lastSpace = at;
    } else {
      if (char === '\\') at++;
      lastSpace = -1;
    }
  }
  return lastSpace === -1 ? text : text.slice(0, lastSpace);
}

function splitPlain(text: string): [string | null, string[]] {
  const [pattern = null, ...attributes] = text.split(/[ \t]+/);
  return [pattern, attributes];
}

/** A C-style quoted pattern, as git writes paths with special characters. */
function splitQuoted(text: string): [string | null, string[]] {
  let pattern = '';
  let at = 1;
  for (; at < text.length && text[at] !== '"'; at++) {
    if (text[at] === '\\' && at + 1 < text.length) at++;
    pattern += text[at];
  }
  if (at >= text.length) return [null, []];
  return [pattern, text.slice(at + 1).trim().split(/[ \t]+/).filter(Boolean)];
}
