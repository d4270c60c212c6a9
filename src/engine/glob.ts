/**
 * Path globs as rule files write them, compiled once to a single RegExp so that testing a path is one
 * `regex.test` call: a scan tests every rule's globs against every changed path.
 */

import { PathLiterals } from './path-literals.js';

/** A glob that cannot be compiled. `reason` says what is wrong; the message also quotes the pattern. */
export class GlobSyntaxError extends Error {
  readonly pattern: string;
  readonly reason: string;

  constructor(pattern: string, reason: string) {
    super(`invalid glob ${JSON.stringify(pattern)}: ${reason}`);
    this.name = 'GlobSyntaxError';
    this.pattern = pattern;
    this.reason = reason;
  }
}

/** Brace groups multiply; past this many alternatives a pattern is more likely a mistake than a need. */
const MAX_ALTERNATIVES = 256;
/** Deep enough for any real pattern, shallow enough that recursion can never exhaust the stack. */
const MAX_BRACE_NESTING = 8;

/**
 * Compiles a path glob to a predicate on repository-relative paths that use `/` (no leading `/` or
 * `./`). The habits are .gitignore's:
 *
 * - A pattern without `/` (other than a trailing one) matches a basename at any depth: `train.py`
 *   matches `train.py` and `a/b/train.py`; `*.safetensors` matches at any depth.
 * - A pattern with a `/` is anchored at the repository root; a leading `/` anchors too and is dropped.
 * - A trailing `/` matches a directory only, so it matches the paths under it and not a file of that
 *   name: `checkpoints/` matches `checkpoints/a.bin` and `x/checkpoints/a.bin` but not `checkpoints`.
 * - Whatever a pattern matches, it also matches everything under it: `rl_environment` matches
 *   `rl_environment/reward.py`; `src/rewards` matches `src/rewards/x.py` but not `src/rewards_v2/x.py`.
 * - `*` matches any run of characters within one segment, `?` one character other than `/`.
 *   Both match a leading dot: `*.yml` matches `.selfmod.yml`, since an agent's hidden file is still a file.
 * - `**` as a whole segment matches zero or more segments: `a/**\/b` matches `a/b` and `a/x/y/b`, and
 *   `**\/x` matches `x` anywhere (`\/` only because a comment cannot hold a star followed by a slash).
 *   A trailing `/**` matches everything inside, not the directory's own name. Elsewhere (`a**b`) it is
 *   an ordinary `*`.
 * - `[abc]`, `[a-z]`, `[!abc]` and `[^abc]` are character classes; none of them matches `/`. A `]`
 *   first in a class is literal.
 * - `{a,b,c}` is expanded before anything else, like a shell does, so each alternative follows the rules
 *   above on its own: `{train.py,src/reward.py}` matches `train.py` at any depth and `src/reward.py`
 *   only at the root. Alternatives may hold globs and nest up to 8 deep; a pattern may expand to at most
 *   256 alternatives. An empty alternative (`model{,s}`) is allowed.
 * - `\` makes the next character literal, inside classes too (an escaped `/` still separates segments).
 * - Matching is case-sensitive. Nothing else is special: a leading `!` is a literal `!`.
 *
 * @throws GlobSyntaxError for an unclosed `[` or `{`, an unmatched `}`, a trailing lone `\`, a
 *   reversed range such as `[z-a]`, a pattern that names no path (`""`, `/`), or too many alternatives.
 */
export function compileGlob(pattern: string): (path: string) => boolean {
  return compiled(pattern, false);
}

/**
 * As compileGlob, but matching only the paths the pattern itself names, not everything under them:
 * git's own question about one path of a walk, where a folder's later `!` line may take it back in
 * and what is inside is then asked about line by line.
 */
export function compileExactGlob(pattern: string): (path: string) => boolean {
  return compiled(pattern, true);
}

function compiled(pattern: string, isExact: boolean): (path: string) => boolean {
  const key = isExact ? `\0${pattern}` : pattern;
  let predicate = COMPILED.get(key);
  if (predicate === undefined) {
    predicate = compileGlobOnce(pattern, isExact);
    if (COMPILED.size >= 10_000) COMPILED.clear();
    COMPILED.set(key, predicate);
  }
  return predicate;
}

/**
 * Globs already compiled, by pattern: a rule set's globs are compiled by its matchers, its path index
 * and its map of protected places, and V8 compiles each regular expression again on first use.
 * A compiled glob holds no state, so sharing it is safe.
 */
const COMPILED = new Map<string, (path: string) => boolean>();

function compileGlobOnce(pattern: string, isExact: boolean): (path: string) => boolean {
  const groupNames = new GroupNamer();
  const globs = new Set(expandBraces(pattern));
  const alternatives = [...globs].map((glob) => globToRegExpSource(glob, pattern, groupNames, isExact));
  // `s`: git allows newlines in file names, and `.` must not stop at one. `u`: `?` is one code point.
  const regex = new RegExp(`^(?:${alternatives.join('|')})$`, 'su');
  // Most paths fail on a literal the pattern needs (`.py`, `reward`): test that cheaply first.
  const literals = [...globs].map(longestLiteral);
  if (literals.some((literal) => literal.length < 2)) return (path) => regex.test(path);
  const ids = PATH_LITERALS.register(literals);
  if (ids === null) return (path) => literals.some((literal) => path.includes(literal)) && regex.test(path);
  return (path) => PATH_LITERALS.holdsAny(path, ids) && regex.test(path);
}

/** Shared by every compiled glob, like COMPILED: the globs of a scan all ask about the same paths. */
const PATH_LITERALS = new PathLiterals();

/**
 * The longest run of ordinary characters within one segment of a glob: any path the glob matches
 * contains it. Runs stop at wildcards, classes and `/` (a `**` may stand for no directory at all).
 */
function longestLiteral(glob: string): string {
  let longest = '';
  let current = '';
  for (let i = 0; i < glob.length; i++) {
    const char = glob[i] as string;
    if (char === '\\' && i + 1 < glob.length) {
      current += glob[++i];
    } else if ('*?[]{}/'.includes(char)) {
      if (current.length > longest.length) longest = current;
      current = '';
      if (char === '[') i = endOfClass(glob, i);
    } else {
      current += char;
    }
  }
  return current.length > longest.length ? current : longest;
}

/** Index of the `]` closing the class opened at `open` (a `]` first in the class is literal). */
function endOfClass(glob: string, open: number): number {
  let i = open + 1;
  if (glob[i] === '!' || glob[i] === '^') i++;
  if (glob[i] === ']') i++;
  for (; i < glob.length; i++) {
    if (glob[i] === '\\') i++;
    else if (glob[i] === ']') return i;
  }
  return glob.length;
}

// ---------------------------------------------------------------------------------------------------
// Brace expansion

interface PatternReader {
  readonly pattern: string;
  position: number;
}

/** The brace-free globs a pattern stands for, `{a,b}` expanded as a shell does. */
export function expandBraces(pattern: string): string[] {
  const reader: PatternReader = { pattern, position: 0 };
  return readSequence(reader, 0);
}

/** Reads until the end of the pattern or, inside a brace group, until the `,` or `}` that ends it. */
function readSequence(reader: PatternReader, nesting: number): string[] {
  const { pattern } = reader;
  let expansions = [''];
  let pendingText = '';
  while (reader.position < pattern.length) {
    const char = pattern[reader.position] as string;
    if (char === '\\') {
      if (reader.position + 1 >= pattern.length) throw new GlobSyntaxError(pattern, 'ends with a lone "\\"');
      pendingText += pattern.slice(reader.position, reader.position + 2);
      reader.position += 2;
    } else if (char === '[') {
      // Copied whole so that `[{]` or `[,]` is not taken for brace syntax.
      const end = readCharacterClass(pattern, reader.position).end;
      pendingText += pattern.slice(reader.position, end);
      reader.position = end;
    } else if (char === '{') {
      if (nesting >= MAX_BRACE_NESTING) {
        throw new GlobSyntaxError(pattern, `braces nested more than ${MAX_BRACE_NESTING} deep`);
      }
      reader.position++;
      expansions = combine(expansions, pendingText, readAlternatives(reader, nesting + 1), pattern);
      pendingText = '';
    } else if (nesting > 0 && (char === ',' || char === '}')) {
      break;
    } else if (char === '}') {
      throw new GlobSyntaxError(pattern, 'unmatched "}" (write "\\}" for a literal one)');
    } else {
      pendingText += char;
      reader.position++;
    }
  }
  return expansions.map((expansion) => expansion + pendingText);
}

/** Reads the alternatives of a brace group whose `{` has been consumed, and its closing `}`. */
function readAlternatives(reader: PatternReader, nesting: number): string[] {
  const alternatives: string[] = [];
  for (;;) {
    alternatives.push(...readSequence(reader, nesting));
    if (alternatives.length > MAX_ALTERNATIVES) throw tooManyAlternatives(reader.pattern);
    const terminator = reader.pattern[reader.position];
    reader.position++;
    if (terminator === '}') return alternatives;
    if (terminator !== ',') throw new GlobSyntaxError(reader.pattern, 'unclosed "{"');
  }
}

function combine(heads: string[], infix: string, tails: string[], pattern: string): string[] {
  if (heads.length * tails.length > MAX_ALTERNATIVES) throw tooManyAlternatives(pattern);
  return heads.flatMap((head) => tails.map((tail) => head + infix + tail));
}

function tooManyAlternatives(pattern: string): GlobSyntaxError {
  return new GlobSyntaxError(pattern, `braces expand to more than ${MAX_ALTERNATIVES} alternatives`);
}

// ---------------------------------------------------------------------------------------------------
// One brace-free glob to RegExp source

type Token =
  | { readonly kind: 'literal'; readonly text: string }
  | { readonly kind: 'star' }
  | { readonly kind: 'any-char' }
  | { readonly kind: 'class'; readonly source: string };

type Segment = readonly Token[];

/**
 * Backtracking is what makes a naive glob RegExp slow: `*a*a*b` against a long name, or `**` three
 * times against a deep path, tries every split. Wherever it is safe, the compiled RegExp therefore
 * commits to the leftmost match of a piece that sits between two wildcards, by wrapping it in
 * `(?=(?<g>…))\k<g>` (JavaScript has no atomic groups; a lookahead never backtracks into itself).
 * Leftmost is always right there: taking the earliest match leaves the longest rest, and a rest that
 * begins with a wildcard matches whatever a shorter rest would. Group names must be unique in the
 * whole RegExp, hence one namer per compiled pattern.
 */
class GroupNamer {
  private count = 0;

  next(): string {
    this.count++;
    return `g${this.count}`;
  }
}

function atomic(source: string, groupNames: GroupNamer): string {
  const name = groupNames.next();
  return `(?=(?<${name}>${source}))\\k<${name}>`;
}

function globToRegExpSource(glob: string, pattern: string, groupNames: GroupNamer, isExact: boolean): string {
  const segments = splitSegments(glob, pattern);
  const isRootAnchored = segments.length > 1 && segments[0]?.length === 0;
  const isDirectoryOnly = segments.length > 1 && segments[segments.length - 1]?.length === 0;
  // Empty segments carry no meaning once anchoring and directory-ness are known (`a//b` is `a/b`).
  const named = segments.filter((segment) => segment.length > 0);
  if (named.length === 0) throw new GlobSyntaxError(pattern, 'names no path');
  const isAnchored = isRootAnchored || named.length > 1;

  // Runs of ordinary segments, split at each `**`: `a/**/b/c/**` gives [a], [b, c], [].
  const runs: Segment[][] = [[]];
  for (const segment of named) {
    if (isGlobstar(segment)) runs.push([]);
    else (runs[runs.length - 1] as Segment[]).push(segment);
  }
  const runSource = (run: readonly Segment[]): string =>
    run.map((segment) => segmentSource(segment, groupNames)).join('/');

  const [firstRun = [], ...laterRuns] = runs;
  let body = runSource(firstRun);
  if (laterRuns.length > 0 && firstRun.length > 0) body += '/';
  laterRuns.forEach((run, index) => {
    const isLast = index === laterRuns.length - 1;
    if (isLast) body += run.length === 0 ? '.*' : `(?:.*/)?${runSource(run)}`;
    // An empty run between two `**` is `**/**`, which means no more than one `**`.
    else if (run.length > 0) body += atomic(`(?:.*?/)??${runSource(run)}/`, groupNames);
  });
  const atAnyDepth = isAnchored ? '' : '(?:.*/)?';
  const underneath = isExact ? '' : isDirectoryOnly ? '/.*' : '(?:/.*)?';
  return atAnyDepth + body + underneath;
}

function isGlobstar(segment: Segment): boolean {
  return segment.length === 2 && segment[0]?.kind === 'star' && segment[1]?.kind === 'star';
}

function splitSegments(glob: string, pattern: string): Segment[] {
  const segments: Token[][] = [[]];
  let position = 0;
  while (position < glob.length) {
    const current = segments[segments.length - 1] as Token[];
    const char = String.fromCodePoint(glob.codePointAt(position) as number);
    if (char === '/') {
      segments.push([]);
      position += 1;
    } else if (char === '*') {
      current.push({ kind: 'star' });
      position += 1;
    } else if (char === '?') {
      current.push({ kind: 'any-char' });
      position += 1;
    } else if (char === '[') {
      const characterClass = readCharacterClass(glob, position, pattern);
      current.push({ kind: 'class', source: characterClass.source });
      position = characterClass.end;
    } else if (char === '\\') {
      // Brace expansion has already rejected a trailing lone backslash.
      const escaped = String.fromCodePoint(glob.codePointAt(position + 1) as number);
      // No segment of a path can hold a `/`, so an escaped one still separates segments.
      if (escaped === '/') segments.push([]);
      else current.push({ kind: 'literal', text: escaped });
      position += 1 + escaped.length;
    } else {
      current.push({ kind: 'literal', text: char });
      position += char.length;
    }
  }
  return segments;
}

function segmentSource(segment: Segment, groupNames: GroupNamer): string {
  // Pieces are the fixed-width runs between stars: `a*b?*c` gives `a`, `b?`, `c`.
  const pieces: string[] = [''];
  for (const token of segment) {
    if (token.kind === 'star') {
      // A run of stars is one star: only the first star after the head or a piece starts a new piece.
      if (pieces[pieces.length - 1] !== '' || pieces.length === 1) pieces.push('');
      continue;
    }
    pieces[pieces.length - 1] += tokenSource(token);
  }
  const [head = '', ...afterStars] = pieces;
  let source = head;
  afterStars.forEach((piece, index) => {
    const isLast = index === afterStars.length - 1;
    // The last piece must end the segment, so it cannot be committed to early; it backtracks only
    // over start positions, which is linear.
    source += isLast ? `[^/]*${piece}` : atomic(`[^/]*?${piece}`, groupNames);
  });
  return source;
}

function tokenSource(token: Exclude<Token, { kind: 'star' }>): string {
  if (token.kind === 'any-char') return '[^/]';
  if (token.kind === 'class') return token.source;
  return token.text.replace(/[\\^$.*+?()[\]{}|/]/g, '\\$&');
}

/**
 * Reads the class that starts at the `[` at `start`: where it ends (just past its `]`) and its RegExp
 * source. Brace expansion uses the same reader, so both agree on where a class ends.
 */
function readCharacterClass(
  glob: string,
  start: number,
  pattern: string = glob,
): { readonly end: number; readonly source: string } {
  let position = start + 1;
  const isNegated = glob[position] === '!' || glob[position] === '^';
  if (isNegated) position++;
  const readMember = (): number => {
    if (glob[position] === '\\') position++;
    const codePoint = glob.codePointAt(position);
    if (codePoint === undefined) throw new GlobSyntaxError(pattern, 'unclosed "["');
    position += codePoint > 0xffff ? 2 : 1;
    return codePoint;
  };
  let members = '';
  let isFirst = true;
  for (;;) {
    if (position >= glob.length) throw new GlobSyntaxError(pattern, 'unclosed "["');
    if (glob[position] === ']' && !isFirst) break;
    isFirst = false;
    const low = readMember();
    if (glob[position] === '-' && position + 1 < glob.length && glob[position + 1] !== ']') {
      position++;
      const high = readMember();
      if (high < low) {
        const range = `${String.fromCodePoint(low)}-${String.fromCodePoint(high)}`;
        throw new GlobSyntaxError(pattern, `reversed range "${range}"`);
      }
      members += `${asClassMember(low)}-${asClassMember(high)}`;
    } else {
      members += asClassMember(low);
    }
  }
  // A class never matches `/`: a negated one excludes it, and a positive one is guarded, since a
  // range such as `[+-0]` would otherwise include it.
  const source = isNegated ? `[^/${members}]` : `(?!/)[${members}]`;
  return { end: position + 1, source };
}

/** `\u{…}` is valid for every code point inside a `u`-mode class, so no character needs special care. */
function asClassMember(codePoint: number): string {
  return `\\u{${codePoint.toString(16)}}`;
}
