/**
 * Lines of `.gitignore`, `.git/info/exclude` and `.gitattributes`, read as git reads them, and
 * turned into the path globs selfmod's rules use (whose syntax follows .gitignore's, except that
 * rules expand `{a,b}` and git does not).
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

/** null for blank lines and comments. */
export function parseIgnoreLine(line: string): IgnoreLine | null {
  let text = trimUnescapedTrailingSpace(line.replace(/\r$/, ''));
  if (text === '' || text.startsWith('#')) return null;
  const isNegated = text.startsWith('!');
  if (isNegated) text = text.slice(1);
  // `\#` and `\!` are a literal first character.
  if (text.startsWith('\\#') || text.startsWith('\\!')) text = text.slice(1);
  const glob = toRuleGlob(text);
  return glob === null ? null : { glob, isNegated };
}

/**
 * null for blank lines, comments and macro definitions (`[attr]name …`, which set nothing on a path
 * by themselves).
 */
export function parseAttributeLine(line: string): AttributeLine | null {
  const text = line.replace(/\r$/, '').trim();
  if (text === '' || text.startsWith('#') || text.startsWith('[attr]')) return null;
  const [pattern, attributes] = text.startsWith('"') ? splitQuoted(text) : splitPlain(text);
  const glob = pattern === null ? null : toRuleGlob(pattern);
  return glob === null ? null : { glob, attributes };
}

/**
 * Attributes that change what a reader of the diff sees: no text diff (`-diff`, `binary`), a diff or
 * filter driver that rewrites the content shown or stored, or markers that fold a file away in code
 * review (GitHub's linguist-generated and linguist-vendored).
 */
export function isBlindingAttribute(attribute: string): boolean {
  return /^(?:-diff|binary|-text|diff=|filter=|linguist-(?:generated|vendored|documentation)(?:=true)?$|export-ignore$)/.test(attribute);
}

/** Escapes what rule globs treat as special and git does not. */
function toRuleGlob(pattern: string): string | null {
  const glob = pattern.replace(/[{}]/g, (brace) => `\\${brace}`);
  // A bare `/` or `**` alone still names every path; rule globs spell that `**`.
  if (glob === '/' || glob === '') return null;
  return glob;
}

function trimUnescapedTrailingSpace(text: string): string {
  let end = text.length;
  while (end > 0 && (text[end - 1] === ' ' || text[end - 1] === '\t')) {
    if (end >= 2 && text[end - 2] === '\\') break;
    end--;
  }
  return text.slice(0, end);
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
