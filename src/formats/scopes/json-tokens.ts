import { countNewlines } from './source-lines.js';

/**
 * A JSON tokenizer that knows where each token is: the scope finders for JSON files and notebooks
 * need line numbers, which `JSON.parse` does not give. It is lenient the way JSONC and JSON5 files
 * (tsconfig, VS Code settings) need: comments are skipped, strings may be single-quoted, and any run
 * of other characters (numbers, `true`, unquoted keys) is one literal token. It never throws.
 */

export type JsonTokenKind = 'string' | 'literal' | '{' | '}' | '[' | ']' | ':' | ',';

export interface JsonToken {
  readonly kind: JsonTokenKind;
  /** Offsets in the text: `start` inclusive, `end` exclusive (quotes included for a string). */
  readonly start: number;
  readonly end: number;
  /** 1-based lines of its first and last character; they differ only for a string with escaped newlines. */
  readonly line: number;
  readonly endLine: number;
  /** A string that a raw line end or the end of the text cut short. */
  readonly isUnterminated: boolean;
}

const NEWLINE = 0x0a;
const SPACE = 0x20;
const TAB = 0x09;
const CARRIAGE_RETURN = 0x0d;
const SLASH = 0x2f;
const STAR = 0x2a;
const BACKSLASH = 0x5c;
const DOUBLE_QUOTE = 0x22;
const SINGLE_QUOTE = 0x27;

const PUNCTUATION: Readonly<Record<string, JsonTokenKind>> = { '{': '{', '}': '}', '[': '[', ']': ']', ':': ':', ',': ',' };
/** Ends a literal: white space, punctuation, a quote or a slash (which may start a comment). */
const LITERAL_END = /[\s{}[\]:,"'/]/g;

/** Reads tokens one at a time, so a caller can stop early and a large file is never held as tokens. */
export class JsonTokenizer {
  private readonly text: string;
  private position = 0;
  private line = 1;

  constructor(text: string) {
    this.text = text;
  }

  /** The line the tokenizer has reached: after the last token returned, or the last line at the end. */
  get currentLine(): number {
    return this.line;
  }

  /** The next token, or null at the end of the text. */
  next(): JsonToken | null {
    this.skipSpaceAndComments();
    const { text } = this;
    if (this.position >= text.length) return null;
    const start = this.position;
    const line = this.line;
    const code = text.charCodeAt(start);
    const punctuation = PUNCTUATION[text[start] as string];
    if (punctuation !== undefined) {
      this.position++;
      return { kind: punctuation, start, end: start + 1, line, endLine: line, isUnterminated: false };
    }
    if (code === DOUBLE_QUOTE || code === SINGLE_QUOTE) return this.readString(code);
    LITERAL_END.lastIndex = start + 1;
    const found = LITERAL_END.exec(text);
    // A slash that starts no comment is part of the literal; the literal then ends after it.
    const end = found === null ? text.length : found.index === start ? start + 1 : found.index;
    this.position = end;
    return { kind: 'literal', start, end, line, endLine: line, isUnterminated: false };
  }

  private skipSpaceAndComments(): void {
    const { text } = this;
    while (this.position < text.length) {
      const code = text.charCodeAt(this.position);
      if (code === NEWLINE) {
        this.line++;
        this.position++;
      } else if (code === SPACE || code === TAB || code === CARRIAGE_RETURN || code === 0xfeff || code === 0xa0) {
        this.position++;
      } else if (code === SLASH && text.charCodeAt(this.position + 1) === SLASH) {
        const newline = text.indexOf('\n', this.position);
        this.position = newline === -1 ? text.length : newline;
      } else if (code === SLASH && text.charCodeAt(this.position + 1) === STAR) {
        const close = text.indexOf('*/', this.position + 2);
        const end = close === -1 ? text.length : close + 2;
        this.line += countNewlines(text, this.position, end);
        this.position = end;
      } else {
        return;
      }
    }
  }

  private readString(quote: number): JsonToken {
    const { text } = this;
    const start = this.position;
    const line = this.line;
    let index = start + 1;
    // Runs of plain characters are skipped in one step: a notebook's outputs are strings of many KB.
    const plain = quote === DOUBLE_QUOTE ? PLAIN_IN_DOUBLE_QUOTES : PLAIN_IN_SINGLE_QUOTES;
    while (index < text.length) {
      plain.lastIndex = index;
      plain.test(text);
      index = plain.lastIndex;
      if (index >= text.length) break;
      const code = text.charCodeAt(index);
      if (code === quote) {
        this.position = index + 1;
        return { kind: 'string', start, end: index + 1, line, endLine: this.line, isUnterminated: false };
      }
      if (code === NEWLINE) break;
      // A backslash. JSON5 lets one continue a string on the next line.
      if (text.charCodeAt(index + 1) === NEWLINE) this.line++;
      else if (text.charCodeAt(index + 1) === CARRIAGE_RETURN && text.charCodeAt(index + 2) === NEWLINE) {
        this.line++;
        index++;
      }
      index += 2;
    }
    // Cut short by a raw line end or the end of the text: the string stops there, so one stray quote
    // costs one line rather than the rest of the file.
    const end = Math.min(index, text.length);
    this.position = end;
    return { kind: 'string', start, end, line, endLine: this.line, isUnterminated: true };
  }
}

/** Characters that neither end a string (its quote, a raw line end) nor start an escape. */
const PLAIN_IN_DOUBLE_QUOTES = /[^"\\\n]*/y;
const PLAIN_IN_SINGLE_QUOTES = /[^'\\\n]*/y;

const SIMPLE_ESCAPES: Readonly<Record<string, string>> = { b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '0': '\0' };

/** The value of a string token (or the text of any other token): escapes decoded, quotes removed. */
export function decodeJsonString(text: string, token: JsonToken): string {
  if (token.kind !== 'string') return text.slice(token.start, token.end);
  const quoted = text.slice(token.start, token.end);
  if (!token.isUnterminated && quoted.charCodeAt(0) === DOUBLE_QUOTE) {
    try {
      return JSON.parse(quoted) as string;
    } catch {
      // JSON5 escapes or raw control characters: decoded below.
    }
  }
  const body = quoted.slice(1, token.isUnterminated ? quoted.length : quoted.length - 1);
  return body.replace(/\\(u[0-9a-fA-F]{4}|x[0-9a-fA-F]{2}|\r\n|[\s\S])/g, (_, escape: string) => {
    if (escape.length > 1 && (escape[0] === 'u' || escape[0] === 'x')) return String.fromCharCode(parseInt(escape.slice(1), 16));
    if (escape === '\n' || escape === '\r\n' || escape === '\r') return '';
    return SIMPLE_ESCAPES[escape] ?? escape;
  });
}
