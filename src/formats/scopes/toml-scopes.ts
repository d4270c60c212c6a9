import { MAX_SCOPE_DEPTH, NO_SCOPES, scopeIndexFromChains, type Scope, type ScopeIndex } from './scope-index.js';
import { decodeSource, splitLines } from './source-lines.js';

/**
 * Indexes the keys of a TOML file. A table header (`[tool.pytest.ini_options]`, `[[tool.mypy.overrides]]`)
 * gives its keys to itself and every line up to the next header; a `key = value` line (dotted keys
 * too) adds its own keys for its line and for the lines its value continues on: a multi-line array,
 * string or inline table. The keys of an inline table enclose the lines they are on, under the key
 * that holds the table: `sampling = { temperature = 0.7 }` is inside `sampling` and
 * `sampling.temperature`. Quoted keys are unquoted. Malformed lines take the keys of their table. It never throws.
 */
export function findTomlScopes(source: string | Buffer): ScopeIndex {
  const lines = splitLines(decodeSource(source));
  const chains: (readonly Scope[])[] = [];
  const value = new TomlValueLexer();
  let tableChain: readonly Scope[] = NO_SCOPES;
  for (const [offset, text] of lines.entries()) {
    const lineNumber = offset + 1;
    if (value.continues && !value.isInsideString && STRAY_HEADER.test(text)) value.abandon();
    if (value.continues) {
      const open = value.openChain;
      value.scan(text, 0, lineNumber);
      chains.push(withInlineKeys(open, value.keysFound));
      continue;
    }
    const codeStart = skipSpace(text, 0);
    const code = text.charCodeAt(codeStart);
    if (code === OPEN_BRACKET) {
      const isArrayTable = text.charCodeAt(codeStart + 1) === OPEN_BRACKET;
      const path = readKeyPath(text, codeStart + (isArrayTable ? 2 : 1));
      tableChain = chainOf(NO_SCOPES, path.keys, lineNumber);
      chains.push(tableChain);
      continue;
    }
    if (codeStart === text.length || code === HASH) {
      chains.push(tableChain);
      continue;
    }
    const path = readKeyPath(text, codeStart);
    if (path.keys.length === 0 || text.charCodeAt(path.end) !== EQUALS) {
      chains.push(tableChain);
      continue;
    }
    const valueChain = chainOf(tableChain, path.keys, lineNumber);
    value.begin(valueChain);
    value.scan(text, path.end + 1, lineNumber);
    chains.push(withInlineKeys(valueChain, value.keysFound));
  }
  return scopeIndexFromChains(chains);
}

const HASH = 0x23;
const EQUALS = 0x3d;
const OPEN_BRACKET = 0x5b;
const DOT = 0x2e;
const DOUBLE_QUOTE = 0x22;
const SINGLE_QUOTE = 0x27;
const BACKSLASH = 0x5c;

/**
 * A table header at the start of a line, which no array element looks like (an element that is an
 * array starts with a value: a number, a string, `true`), so an array left open before it ends there
 * instead of taking in the rest of the file.
 */
const STRAY_HEADER = /^\[\[?(?!(?:true|false|inf|nan)\]\s*(?:[,#]|$))[A-Za-z_][\w-]*(?:\s*\.\s*(?:[\w-]+|"[^"]*"|'[^']*'))*\]\]?\s*(?:#.*)?$/;

const BARE_KEY = /[^\s.=[\]"'#]+/y;

/** A line's chain: the keys open where it starts, then the inline tables' keys read on it. */
function withInlineKeys(open: readonly Scope[], found: readonly Scope[]): readonly Scope[] {
  return found.length === 0 ? open : Object.freeze([...open, ...found]);
}

function chainOf(outer: readonly Scope[], keys: readonly string[], line: number): readonly Scope[] {
  return appendCapped(
    outer,
    keys.map((name): Scope => Object.freeze({ kind: 'key', name, line })),
  );
}

/** `outer` and then `scopes`, cut at MAX_SCOPE_DEPTH. */
function appendCapped(outer: readonly Scope[], scopes: readonly Scope[]): readonly Scope[] {
  if (scopes.length === 0 || outer.length >= MAX_SCOPE_DEPTH) return outer;
  return Object.freeze([...outer, ...scopes.slice(0, MAX_SCOPE_DEPTH - outer.length)]);
}

function skipSpace(text: string, from: number): number {
  let index = from;
  while (index < text.length && (text[index] === ' ' || text[index] === '\t')) index++;
  return index;
}

/**
 * Reads a dotted key (`a."b.c".d`) from `from`: its parts unquoted, and where the white space after it
 * ends, which is the `=` or `]` that follows a well-formed key.
 */
function readKeyPath(text: string, from: number): { readonly keys: readonly string[]; readonly end: number } {
  const keys: string[] = [];
  let index = skipSpace(text, from);
  while (index < text.length) {
    const code = text.charCodeAt(index);
    let part: { readonly name: string; readonly end: number } | null = null;
    if (code === DOUBLE_QUOTE || code === SINGLE_QUOTE) part = readQuotedKey(text, index, code);
    else {
      BARE_KEY.lastIndex = index;
      const match = BARE_KEY.exec(text);
      if (match !== null) part = { name: match[0], end: index + match[0].length };
    }
    if (part === null) break;
    keys.push(part.name);
    index = skipSpace(text, part.end);
    if (text.charCodeAt(index) !== DOT) break;
    index = skipSpace(text, index + 1);
  }
  return { keys, end: index };
}

function readQuotedKey(text: string, from: number, quote: number): { readonly name: string; readonly end: number } | null {
  let index = from + 1;
  let name = '';
  while (index < text.length) {
    const code = text.charCodeAt(index);
    if (code === quote) return { name, end: index + 1 };
    if (code === BACKSLASH && quote === DOUBLE_QUOTE) {
      const escape = /^(?:u([0-9a-fA-F]{4})|U([0-9a-fA-F]{8})|(.))/.exec(text.slice(index + 1, index + 10));
      const hex = escape?.[1] ?? escape?.[2];
      if (hex !== undefined) name += String.fromCodePoint(Math.min(parseInt(hex, 16), 0x10ffff));
      else name += BASIC_ESCAPES[escape?.[3] ?? ''] ?? escape?.[3] ?? '';
      index += 1 + (escape?.[0].length ?? 0);
    } else {
      name += text[index];
      index++;
    }
  }
  return null;
}

const BASIC_ESCAPES: Readonly<Record<string, string>> = { b: '\b', t: '\t', n: '\n', f: '\f', r: '\r', e: '\x1b' };

/** An array or inline table open at the lexer's position. */
interface ValueLevel {
  readonly isTable: boolean;
  /** The keys around it: the key whose value it is, and those of the inline tables it is in. */
  readonly outer: readonly Scope[];
  /** Whether a key may come next: just after `{` or an inline table's `,`. */
  expectsKey: boolean;
  /** The inline table's key whose value is being read, with `outer` before it; null between entries. */
  keyChain: readonly Scope[] | null;
}

/**
 * Follows a value across lines: whether it goes on to the next line because an array or inline table
 * is still open or a multi-line string (`"""`, `'''`) has not closed; and reads the keys of its inline
 * tables.
 */
class TomlValueLexer {
  private levels: ValueLevel[] = [];
  private openString: '"""' | "'''" | null = null;
  private owner: readonly Scope[] = NO_SCOPES;
  private found: Scope[] = [];

  get continues(): boolean {
    return this.levels.length > 0 || this.openString !== null;
  }

  /** The chain of keys open where the lexer stands. */
  get openChain(): readonly Scope[] {
    const level = this.levels[this.levels.length - 1];
    return level === undefined ? this.owner : (level.keyChain ?? level.outer);
  }

  /** The inline tables' keys the last scan read, outer ones first (see YamlFlowLexer.keysFound). */
  get keysFound(): readonly Scope[] {
    return this.found;
  }

  /** Starts on the value of a key whose chain is `owner`. */
  begin(owner: readonly Scope[]): void {
    this.abandon();
    this.owner = owner;
  }

  scan(text: string, from: number, line: number): void {
    this.found = [];
    let index = from;
    while (index < text.length) {
      if (this.openString !== null) {
        index = this.scanMultiLineString(text, index);
        continue;
      }
      const char = text[index] as string;
      const level = this.levels[this.levels.length - 1];
      if (level !== undefined && level.expectsKey && char !== ' ' && char !== '\t') {
        level.expectsKey = false;
        const path = readKeyPath(text, index);
        if (path.keys.length > 0 && text.charCodeAt(path.end) === EQUALS) {
          const scopes = path.keys.map((name): Scope => Object.freeze({ kind: 'key', name, line }));
          level.keyChain = appendCapped(level.outer, scopes);
          for (const scope of scopes) this.found.push(scope);
          index = path.end + 1;
          continue;
        }
      }
      if (char === '#') break;
      if (char === '"' || char === "'") {
        const triple = char.repeat(3);
        if (text.startsWith(triple, index)) {
          this.openString = triple as '"""' | "'''";
          index += 3;
        } else {
          index = skipOneLineString(text, index);
        }
        continue;
      }
      if (char === '[' || char === '{') this.levels.push({ isTable: char === '{', outer: this.openChain, expectsKey: char === '{', keyChain: null });
      else if ((char === ']' || char === '}') && level !== undefined) this.levels.pop();
      else if (char === ',' && level?.isTable === true) {
        level.expectsKey = true;
        level.keyChain = null;
      }
      index++;
    }
  }

  /** Forgets an open value, when a line shows that it was never closed. */
  abandon(): void {
    this.levels = [];
    this.openString = null;
  }

  get isInsideString(): boolean {
    return this.openString !== null;
  }

  private scanMultiLineString(text: string, from: number): number {
    const delimiter = this.openString as string;
    let index = from;
    while (index < text.length) {
      const close = text.indexOf(delimiter, index);
      if (close === -1) return text.length;
      if (delimiter === '"""' && isEscaped(text, close)) {
        index = close + 1;
        continue;
      }
      // Up to two more quotes right after the delimiter belong to the string (`""""` ends with a quote).
      let end = close + 3;
      while (end < text.length && text[end] === delimiter[0] && end < close + 5) end++;
      this.openString = null;
      return end;
    }
    return text.length;
  }
}

/** Skips a one-line string starting at `from`; returns where it closed, or the line's end. */
function skipOneLineString(text: string, from: number): number {
  const quote = text.charCodeAt(from);
  for (let index = from + 1; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (code === quote) return index + 1;
    if (code === BACKSLASH && quote === DOUBLE_QUOTE) index++;
  }
  return text.length;
}

/** Whether the character at `index` follows an odd run of backslashes. */
function isEscaped(text: string, index: number): boolean {
  let count = 0;
  for (let before = index - 1; before >= 0 && text.charCodeAt(before) === BACKSLASH; before--) count++;
  return count % 2 === 1;
}
