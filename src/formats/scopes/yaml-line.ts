/**
 * What one line of block YAML says about structure, read without a YAML library: where its content
 * starts, the sequence dashes in front of it, the mapping key it opens, and how its value goes on.
 */

export interface YamlLine {
  /** Spaces before the first character. */
  readonly indent: number;
  /** True when the line starts with one or more sequence dashes (`- `, `- - `). */
  readonly isSequenceItem: boolean;
  /** Column of the last sequence dash, or the indent when there is none. */
  readonly dashColumn: number;
  /** The key this line opens, unquoted, and its column; null for a line without one. */
  readonly key: { readonly name: string; readonly column: number } | null;
  /** The rest of the line after the key's colon (or after the dashes, when there is no key). */
  readonly value: string;
}

/** Reads a line that is neither blank nor a comment. */
export function readYamlLine(text: string): YamlLine {
  const indent = countIndent(text);
  let position = indent;
  let dashColumn = indent;
  let isSequenceItem = false;
  while (text[position] === '-' && isSpaceOrEnd(text, position + 1)) {
    isSequenceItem = true;
    dashColumn = position;
    position = skipSpaces(text, position + 1);
  }
  const key = readKey(text, position);
  const valueStart = key === null ? position : skipSpaces(text, key.end);
  return {
    indent,
    isSequenceItem,
    dashColumn,
    key: key === null ? null : { name: key.name, column: position },
    value: text.slice(valueStart),
  };
}

export function countIndent(text: string): number {
  let index = 0;
  // Tabs may not indent YAML; counting them as a column each keeps a file that uses them readable.
  while (index < text.length && (text[index] === ' ' || text[index] === '\t')) index++;
  return index;
}

function skipSpaces(text: string, from: number): number {
  let index = from;
  while (index < text.length && (text[index] === ' ' || text[index] === '\t')) index++;
  return index;
}

function isSpaceOrEnd(text: string, index: number): boolean {
  return index >= text.length || text[index] === ' ' || text[index] === '\t';
}

/** Characters a plain (unquoted) key may not start with: YAML's indicators. */
const INDICATORS = new Set(['[', ']', '{', '}', ',', '#', '&', '*', '!', '|', '>', '%', '@', '`', '"', "'"]);

/** The key at `from` and where its colon ends, or null when the line there is not `key: value`. */
function readKey(text: string, from: number): { readonly name: string; readonly end: number } | null {
  const first = text[from];
  if (first === undefined) return null;
  if (first === '"' || first === "'") {
    const quoted = readQuoted(text, from);
    if (quoted === null) return null;
    const colon = skipSpaces(text, quoted.end);
    // After a quoted key the colon needs no space after it, as in JSON.
    return text[colon] === ':' ? { name: quoted.value, end: colon + 1 } : null;
  }
  if (INDICATORS.has(first)) return null;
  // `-`, `?` and `:` start a plain key only when something other than a space follows them.
  if ((first === '-' || first === '?' || first === ':') && isSpaceOrEnd(text, from + 1)) return null;
  for (let index = from + 1; index < text.length; index++) {
    const char = text[index];
    if (char === '#' && (text[index - 1] === ' ' || text[index - 1] === '\t')) return null;
    if (char === ':' && isSpaceOrEnd(text, index + 1)) return { name: text.slice(from, index).trimEnd(), end: index + 1 };
  }
  return null;
}

/** A quoted scalar on one line: its value and where its closing quote ends; null when it does not close. */
function readQuoted(text: string, from: number): { readonly value: string; readonly end: number } | null {
  const quote = text[from];
  let value = '';
  for (let index = from + 1; index < text.length; index++) {
    const char = text[index] as string;
    if (quote === "'" && char === "'") {
      if (text[index + 1] !== "'") return { value, end: index + 1 };
      value += "'";
      index++;
    } else if (quote === '"' && char === '\\') {
      const escape = text[index + 1] ?? '';
      value += DOUBLE_QUOTED_ESCAPES[escape] ?? escape;
      index++;
    } else if (char === quote) {
      return { value, end: index + 1 };
    } else {
      value += char;
    }
  }
  return null;
}

const DOUBLE_QUOTED_ESCAPES: Readonly<Record<string, string>> = { n: '\n', t: '\t', r: '\r', '0': '\0', '"': '"', '\\': '\\', '/': '/' };

/** `|`, `>-`, `|2+`, possibly after a tag or anchor, and a comment: the value goes on in the lines below. */
const BLOCK_SCALAR = /^(?:[!&]\S*\s+)*[|>][-+0-9]*\s*(?:#.*)?$/;

export function startsBlockScalar(value: string): boolean {
  return BLOCK_SCALAR.test(value);
}

/** An empty value, or only a tag, anchor or comment: the key's value is the block below it. */
const EMPTY_VALUE = /^(?:[!&]\S*\s*)*(?:#.*)?$/;

export function opensBlock(value: string): boolean {
  return EMPTY_VALUE.test(value);
}

/**
 * Follows a flow collection (`[…]`, `{…}`) or quoted scalar that goes on past its line, so the lines it
 * continues on belong to the key whose value it is.
 */
export class YamlFlowLexer {
  private depth = 0;
  private openQuote: '"' | "'" | null = null;

  get continues(): boolean {
    return this.depth > 0 || this.openQuote !== null;
  }

  abandon(): void {
    this.depth = 0;
    this.openQuote = null;
  }

  /** Scans a value that starts a flow collection or a quoted scalar, or a line that continues one. */
  scan(text: string, from: number): void {
    for (let index = from; index < text.length; index++) {
      const char = text[index];
      if (this.openQuote !== null) {
        if (char === '\\' && this.openQuote === '"') index++;
        else if (char === "'" && this.openQuote === "'" && text[index + 1] === "'") index++;
        else if (char === this.openQuote) this.openQuote = null;
        continue;
      }
      if (char === '"' || char === "'") this.openQuote = char;
      else if (char === '[' || char === '{') this.depth++;
      else if ((char === ']' || char === '}') && this.depth > 0) this.depth--;
      else if (char === '#' && (index === 0 || text[index - 1] === ' ' || text[index - 1] === '\t')) break;
      // A plain scalar after the collection closed (`[a] b`) is malformed; nothing more to follow.
      if (this.depth === 0 && this.openQuote === null) return;
    }
  }
}

const VALUE_PROPERTIES = /^(?:[!&]\S*\s+)*/;

/**
 * Where in a value a flow collection or quoted scalar starts (after any tag or anchor), for
 * `YamlFlowLexer` to follow; -1 when the value is something else.
 */
export function flowStartIn(value: string): number {
  const start = VALUE_PROPERTIES.exec(value)?.[0].length ?? 0;
  const first = value[start];
  return first === '[' || first === '{' || first === '"' || first === "'" ? start : -1;
}
