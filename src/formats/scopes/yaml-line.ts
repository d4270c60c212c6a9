import { chainWith, NO_SCOPES, type Scope } from './scope-index.js';

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

/** A flow collection open at the lexer's position. */
interface FlowLevel {
  readonly isMapping: boolean;
  /** The keys of the mappings around it (and the block key whose value it is), outermost first. */
  readonly outer: readonly Scope[];
  /** Whether the next plain or quoted scalar may be a key: just after `{` or a mapping's `,`. */
  expectsKey: boolean;
  /** The mapping's key whose value is being read, with `outer` before it; null between entries. */
  keyChain: readonly Scope[] | null;
}

/**
 * Follows a flow collection (`[…]`, `{…}`) or quoted scalar that goes on past its line, so the lines it
 * continues on belong to the key whose value it is, and reads the keys of its flow mappings: in
 * `sampling: {temperature: 0.7}` the line is enclosed by `sampling` and by `sampling.temperature`.
 */
export class YamlFlowLexer {
  private levels: FlowLevel[] = [];
  private openQuote: '"' | "'" | null = null;
  private owner: readonly Scope[] = NO_SCOPES;
  /** The flow keys read by the last scan, in order. */
  private found: Scope[] = [];

  get continues(): boolean {
    return this.levels.length > 0 || this.openQuote !== null;
  }

  /** The chain of keys open where the lexer stands: the block key's and those of the flow mappings around it. */
  get openChain(): readonly Scope[] {
    const level = this.levels[this.levels.length - 1];
    return level === undefined ? this.owner : (level.keyChain ?? level.outer);
  }

  /**
   * The flow keys the last scan read, outer ones first: with the chain open before it, every key on
   * the line, each once (a key's outer keys were open before the line or were read on it).
   */
  get keysFound(): readonly Scope[] {
    return this.found;
  }

  abandon(): void {
    this.levels = [];
    this.openQuote = null;
  }

  /** Starts on the value of a block key whose chain is `owner`. */
  begin(owner: readonly Scope[]): void {
    this.abandon();
    this.owner = owner;
  }

  /**
   * Scans a value that starts a flow collection or a quoted scalar, or a line that continues one;
   * `line` is the line's number, for the keys it reads.
   */
  scan(text: string, from: number, line: number): void {
    this.found = [];
    for (let index = from; index < text.length; index++) {
      const char = text[index];
      if (this.openQuote !== null) {
        if (char === '\\' && this.openQuote === '"') index++;
        else if (char === "'" && this.openQuote === "'" && text[index + 1] === "'") index++;
        else if (char === this.openQuote) this.openQuote = null;
        continue;
      }
      const level = this.levels[this.levels.length - 1];
      if (level !== undefined && level.expectsKey && char !== ' ' && char !== '\t') {
        level.expectsKey = false;
        const key = readFlowKey(text, index);
        if (key !== null) {
          const scope: Scope = Object.freeze({ kind: 'key', name: key.name, line });
          level.keyChain = chainWith(level.outer, scope);
          this.found.push(scope);
          index = key.end - 1;
          continue;
        }
      }
      if (char === '"' || char === "'") this.openQuote = char;
      else if (char === '{' || char === '[') this.levels.push({ isMapping: char === '{', outer: this.openChain, expectsKey: char === '{', keyChain: null });
      else if ((char === ']' || char === '}') && level !== undefined) this.levels.pop();
      else if (char === ',' && level?.isMapping === true) {
        level.expectsKey = true;
        level.keyChain = null;
      } else if (char === '#' && (index === 0 || text[index - 1] === ' ' || text[index - 1] === '\t')) break;
      // A plain scalar after the collection closed (`[a] b`) is malformed; nothing more to follow.
      if (this.levels.length === 0 && this.openQuote === null) return;
    }
  }
}

/**
 * Every key a flow mapping could have on this line, whatever came before it: one read where the line's
 * content starts and after every `{` and `,`, quotes and comments notwithstanding. A superset of the
 * keys YamlFlowLexer reads on the line, from any state the lines before leave it in.
 */
export function flowKeysOfLine(text: string): string[] {
  const names = new Set<string>();
  const add = (from: number) => {
    const key = readFlowKey(text, skipSpaces(text, from));
    if (key !== null) names.add(key.name);
  };
  add(0);
  for (let index = 0; index < text.length; index++) {
    if (text[index] === '{' || text[index] === ',') add(index + 1);
  }
  return [...names];
}

/**
 * The key of a flow mapping's entry at `from` and where its colon ends, or null. Unlike a block key,
 * a plain one stops at the flow indicators, and its colon may be followed by `,`, `}` or `]`.
 */
function readFlowKey(text: string, from: number): { readonly name: string; readonly end: number } | null {
  const first = text[from];
  if (first === undefined) return null;
  if (first === '"' || first === "'") {
    const quoted = readQuoted(text, from);
    if (quoted === null) return null;
    const colon = skipSpaces(text, quoted.end);
    return text[colon] === ':' ? { name: quoted.value, end: colon + 1 } : null;
  }
  if (INDICATORS.has(first)) return null;
  if ((first === '-' || first === '?' || first === ':') && isSpaceOrEnd(text, from + 1)) return null;
  for (let index = from + 1; index < text.length; index++) {
    const char = text[index] as string;
    if (FLOW_INDICATORS.has(char)) return null;
    if (char === '#' && (text[index - 1] === ' ' || text[index - 1] === '\t')) return null;
    if (char === ':' && (isSpaceOrEnd(text, index + 1) || FLOW_INDICATORS.has(text[index + 1] as string))) {
      return { name: text.slice(from, index).trimEnd(), end: index + 1 };
    }
  }
  return null;
}

const FLOW_INDICATORS = new Set([',', '[', ']', '{', '}']);

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
