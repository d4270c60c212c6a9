import { countNewlines } from './source-lines.js';

/**
 * The tokens of JavaScript and TypeScript source that a scope finder needs: names, punctuation, and
 * literals as opaque units, with their lines. Strings, template literals (with their nested `${}`),
 * comments and regular expression literals are read past, so braces inside them are not counted.
 * A regular expression is told from a division by the token before it, which is right for all but
 * contrived code. Malformed input degrades: an unterminated string or regular expression ends at its
 * line's end. Never throws.
 */

export const NAME = 0;
export const PUNCTUATION = 1;
/** A string, template part, number or regular expression. */
export const LITERAL = 2;

export type TokenKind = typeof NAME | typeof PUNCTUATION | typeof LITERAL;

/** Tokens as parallel arrays: a few MB of source is hundreds of thousands of tokens. */
export class JavaScriptTokens {
  readonly text: string;
  count = 0;
  kinds = new Uint8Array(1024);
  starts = new Int32Array(1024);
  ends = new Int32Array(1024);
  /** 1-based lines of a token's first and last character (a template literal may span lines). */
  lines = new Int32Array(1024);
  endLines = new Int32Array(1024);
  /**
   * For an opening bracket, the index of the token that closes it; for one that a mismatched closer
   * cut short, that closer's; -1 when nothing closes it before the end.
   */
  closers = new Int32Array(0);

  constructor(text: string) {
    this.text = text;
  }

  push(kind: TokenKind, start: number, end: number, line: number, endLine: number): void {
    if (this.count === this.kinds.length) this.grow();
    const index = this.count++;
    this.kinds[index] = kind;
    this.starts[index] = start;
    this.ends[index] = end;
    this.lines[index] = line;
    this.endLines[index] = endLine;
  }

  /** The token's text; '' past either end. */
  textOf(index: number): string {
    if (index < 0 || index >= this.count) return '';
    return this.text.slice(this.starts[index], this.ends[index]);
  }

  /** Whether token `index` is exactly `text` (false past either end). */
  is(index: number, text: string): boolean {
    if (index < 0 || index >= this.count) return false;
    const start = this.starts[index] as number;
    return (this.ends[index] as number) - start === text.length && this.text.startsWith(text, start);
  }

  kindOf(index: number): TokenKind | -1 {
    return index < 0 || index >= this.count ? -1 : (this.kinds[index] as TokenKind);
  }

  lineOf(index: number): number {
    return this.lines[Math.min(Math.max(index, 0), this.count - 1)] ?? 1;
  }

  endLineOf(index: number): number {
    return this.endLines[Math.min(Math.max(index, 0), this.count - 1)] ?? 1;
  }

  /** The closer of the opening bracket at `index`; -1 when it is not one or nothing closes it. */
  closerOf(index: number): number {
    return index >= 0 && index < this.count ? (this.closers[index] as number) : -1;
  }

  private grow(): void {
    const size = this.kinds.length * 2;
    const grown = <T extends Uint8Array | Int32Array>(array: T, make: (size: number) => T): T => {
      const bigger = make(size);
      bigger.set(array);
      return bigger;
    };
    this.kinds = grown(this.kinds, (n) => new Uint8Array(n));
    this.starts = grown(this.starts, (n) => new Int32Array(n));
    this.ends = grown(this.ends, (n) => new Int32Array(n));
    this.lines = grown(this.lines, (n) => new Int32Array(n));
    this.endLines = grown(this.endLines, (n) => new Int32Array(n));
  }
}

const NAME_PATTERN = /#?(?:[\p{ID_Start}$_]|\\u[0-9a-fA-F{])(?:[\p{ID_Continue}$\u200c\u200d]|\\u[0-9a-fA-F{}]+)*/uy;
const NUMBER_PATTERN = /(?:0[xXbBoO][\da-fA-F_]+|(?:\d[\d_]*\.?[\d_]*|\.\d[\d_]*)(?:[eE][+-]?\d[\d_]*)?)[\w$]*/y;
const PUNCTUATOR_PATTERN =
  /=>|\.\.\.|\?\.(?!\d)|===|!==|\*\*=|>>>=|<<=|>>=|&&=|\|\|=|\?\?=|==|!=|<=|>=|\+\+|--|&&|\|\||\?\?|\*\*|[-+*%&|^]=|[{}()[\];,<>+\-*%&|^!~?:=.@/]/y;

/** Names after which an expression starts, so a `/` begins a regular expression. */
const KEYWORDS_BEFORE_EXPRESSION = new Set([
  'return', 'typeof', 'instanceof', 'in', 'of', 'new', 'delete', 'void', 'throw', 'case', 'do', 'else', 'yield', 'await',
]);

/** The keywords above by their first character's code, so a name is compared without slicing it out. */
const KEYWORDS_BY_FIRST_CODE = new Map<number, string[]>();
for (const keyword of KEYWORDS_BEFORE_EXPRESSION) {
  const list = KEYWORDS_BY_FIRST_CODE.get(keyword.charCodeAt(0)) ?? [];
  list.push(keyword);
  KEYWORDS_BY_FIRST_CODE.set(keyword.charCodeAt(0), list);
}

function isKeywordBeforeExpression(text: string, start: number, end: number): boolean {
  const candidates = KEYWORDS_BY_FIRST_CODE.get(text.charCodeAt(start));
  if (candidates === undefined) return false;
  for (const keyword of candidates) if (keyword.length === end - start && text.startsWith(keyword, start)) return true;
  return false;
}

const NEWLINE = 0x0a;
const BACKSLASH = 0x5c;
const HASH = 0x23;
const DOT = 0x2e;
const DIGIT_0 = 0x30;
const DIGIT_9 = 0x39;

/** ASCII characters that are a whole punctuator whatever follows them (no longer punctuator starts with one). */
const SINGLE_PUNCTUATORS = new Uint8Array(128);
for (const char of '(){}[];,~@:') SINGLE_PUNCTUATORS[char.charCodeAt(0)] = 1;

function isAsciiNameStart(code: number): boolean {
  return (code >= 0x61 && code <= 0x7a) || (code >= 0x41 && code <= 0x5a) || code === 0x24 || code === 0x5f;
}

function isAsciiNamePart(code: number): boolean {
  return isAsciiNameStart(code) || (code >= DIGIT_0 && code <= DIGIT_9);
}

/**
 * Where an ASCII name starting before `from` ends, or -1 when what follows it (a character outside
 * ASCII, or a `\u` escape) may continue it, which NAME_PATTERN then decides.
 */
function asciiNameEnd(text: string, from: number): number {
  let index = from;
  while (index < text.length && isAsciiNamePart(text.charCodeAt(index))) index++;
  if (index === text.length) return index;
  const next = text.charCodeAt(index);
  return next >= 0x80 || next === BACKSLASH ? -1 : index;
}

/** Reads `text` into tokens and matches their brackets. */
export function tokenizeJavaScript(text: string): JavaScriptTokens {
  const tokens = new JavaScriptTokens(text);
  new Tokenizer(text, tokens).run();
  matchBrackets(tokens);
  return tokens;
}

class Tokenizer {
  private readonly text: string;
  private readonly tokens: JavaScriptTokens;
  private position = 0;
  private line = 1;
  private braceDepth = 0;
  /** Brace depths at which the `${` of an enclosing template literal was opened. */
  private readonly templateDepths: number[] = [];
  private isRegexAllowed = true;

  constructor(text: string, tokens: JavaScriptTokens) {
    this.text = text;
    this.tokens = tokens;
  }

  run(): void {
    const { text } = this;
    if (text.startsWith('#!')) this.position = lineEnd(text, 0);
    while (this.position < text.length) {
      const code = text.charCodeAt(this.position);
      const char = text[this.position] as string;
      if (code === NEWLINE) {
        this.line++;
        this.position++;
      } else if (code <= 0x20 || code === 0xa0 || code === 0xfeff || code === 0x2028 || code === 0x2029) {
        this.position++;
      } else if (char === '/' && text[this.position + 1] === '/') {
        this.position = lineEnd(text, this.position);
      } else if (char === '/' && text[this.position + 1] === '*') {
        const close = text.indexOf('*/', this.position + 2);
        this.advanceTo(close === -1 ? text.length : close + 2);
      } else if (char === '/' && this.isRegexAllowed && this.readRegex()) {
        // Read as a literal.
      } else if (char === '"' || char === "'") {
        this.readString(code);
      } else if (char === '`') {
        this.readTemplate(this.position + 1, this.position);
      } else if (char === '}' && this.templateDepths[this.templateDepths.length - 1] === this.braceDepth) {
        this.templateDepths.pop();
        this.readTemplate(this.position + 1, this.position);
      } else if (!this.readToken(code)) {
        this.position++;
      }
    }
  }

  /**
   * Reads a name, number or punctuator at the current position; false when none starts there. The
   * first character rules out most kinds, and a plain ASCII name is read without a regular
   * expression: a large bundle is mostly names and one-character punctuators.
   */
  private readToken(code: number): boolean {
    if (code < 0x80) {
      if (isAsciiNameStart(code)) {
        const end = asciiNameEnd(this.text, this.position + 1);
        if (end !== -1) {
          this.pushName(end);
          return true;
        }
        return this.readPattern(NAME_PATTERN, NAME);
      }
      if (code === HASH || code === BACKSLASH) return this.readPattern(NAME_PATTERN, NAME) || this.readPattern(PUNCTUATOR_PATTERN, PUNCTUATION);
      if ((code >= DIGIT_0 && code <= DIGIT_9) || code === DOT) {
        if (this.readPattern(NUMBER_PATTERN, LITERAL)) return true;
      } else if (SINGLE_PUNCTUATORS[code] === 1) {
        this.pushPunctuation(this.position + 1);
        return true;
      }
      return this.readPattern(PUNCTUATOR_PATTERN, PUNCTUATION);
    }
    return this.readPattern(NAME_PATTERN, NAME) || this.readPattern(NUMBER_PATTERN, LITERAL) || this.readPattern(PUNCTUATOR_PATTERN, PUNCTUATION);
  }

  private readPattern(pattern: RegExp, kind: TokenKind): boolean {
    pattern.lastIndex = this.position;
    if (!pattern.test(this.text)) return false;
    const end = pattern.lastIndex;
    if (kind === NAME) this.pushName(end);
    else if (kind === PUNCTUATION) this.pushPunctuation(end);
    else {
      this.tokens.push(LITERAL, this.position, end, this.line, this.line);
      this.position = end;
      this.isRegexAllowed = false;
    }
    return true;
  }

  private pushName(end: number): void {
    const start = this.position;
    this.tokens.push(NAME, start, end, this.line, this.line);
    this.position = end;
    this.isRegexAllowed = isKeywordBeforeExpression(this.text, start, end);
  }

  private pushPunctuation(end: number): void {
    const start = this.position;
    this.tokens.push(PUNCTUATION, start, end, this.line, this.line);
    this.position = end;
    const first = this.text.charCodeAt(start);
    if (end - start === 1) {
      if (first === 0x7b) this.braceDepth++;
      else if (first === 0x7d) this.braceDepth = Math.max(0, this.braceDepth - 1);
      // After a closing bracket comes an operator; after a block's `}` a statement.
      this.isRegexAllowed = first !== 0x29 && first !== 0x5d;
    } else {
      // After a postfix operator comes an operator.
      this.isRegexAllowed = !(end - start === 2 && (first === 0x2b || first === 0x2d) && this.text.charCodeAt(start + 1) === first);
    }
  }

  /** Reads a regular expression literal at the current `/`; false when the line ends before it does. */
  private readRegex(): boolean {
    const { text } = this;
    let isInClass = false;
    for (let index = this.position + 1; index < text.length; index++) {
      const char = text[index];
      if (char === '\n' || char === '\r') return false;
      if (char === '\\') index++;
      else if (char === '[') isInClass = true;
      else if (char === ']') isInClass = false;
      else if (char === '/' && !isInClass) {
        let end = index + 1;
        while (end < text.length && /[a-z]/i.test(text[end] as string)) end++;
        this.tokens.push(LITERAL, this.position, end, this.line, this.line);
        this.position = end;
        this.isRegexAllowed = false;
        return true;
      }
    }
    return false;
  }

  private readString(quote: number): void {
    const { text } = this;
    const start = this.position;
    const line = this.line;
    let index = start + 1;
    for (; index < text.length; index++) {
      const code = text.charCodeAt(index);
      if (code === quote) {
        index++;
        break;
      }
      // A raw line end ends an unterminated string, so one stray quote costs one line.
      if (code === NEWLINE) break;
      if (code === BACKSLASH) {
        if (text.charCodeAt(index + 1) === NEWLINE) this.line++;
        else if (text.charCodeAt(index + 1) === 0x0d && text.charCodeAt(index + 2) === NEWLINE) {
          this.line++;
          index++;
        }
        index++;
      }
    }
    this.position = Math.min(index, text.length);
    this.tokens.push(LITERAL, start, this.position, line, this.line);
    this.isRegexAllowed = false;
  }

  /**
   * Reads template text from `from` up to its closing backquote or its next `${`, as one literal token
   * starting at `start` (the backquote, or the `}` that closed an expression).
   */
  private readTemplate(from: number, start: number): void {
    const { text } = this;
    const line = this.line;
    for (let index = from; index < text.length; index++) {
      const code = text.charCodeAt(index);
      if (code === BACKSLASH) {
        if (text.charCodeAt(index + 1) === NEWLINE) this.line++;
        index++;
      } else if (code === NEWLINE) {
        this.line++;
      } else if (code === 0x60) {
        this.position = index + 1;
        this.tokens.push(LITERAL, start, this.position, line, this.line);
        this.isRegexAllowed = false;
        return;
      } else if (code === 0x24 && text.charCodeAt(index + 1) === 0x7b) {
        this.position = index + 2;
        this.tokens.push(LITERAL, start, this.position, line, this.line);
        this.templateDepths.push(this.braceDepth);
        this.isRegexAllowed = true;
        return;
      }
    }
    this.position = text.length;
    this.tokens.push(LITERAL, start, this.position, line, this.line);
  }

  private advanceTo(end: number): void {
    this.line += countNewlines(this.text, this.position, end);
    this.position = end;
  }
}

function lineEnd(text: string, from: number): number {
  const newline = text.indexOf('\n', from);
  return newline === -1 ? text.length : newline;
}

const OPENER_OF: Readonly<Record<string, string>> = { ')': '(', ']': '[', '}': '{' };
/** How far down the open brackets a closer looks for its opener before it is taken for a stray. */
const MISMATCH_REACH = 8;

/**
 * Fills `closers`. A closer whose opener is a few brackets down closes the ones above it too (they
 * were left open by mistake); a closer with no opener near is a stray and is ignored.
 */
function matchBrackets(tokens: JavaScriptTokens): void {
  const closers = new Int32Array(tokens.count).fill(-1);
  const open: number[] = [];
  for (let index = 0; index < tokens.count; index++) {
    if (tokens.kinds[index] !== PUNCTUATION || (tokens.ends[index] as number) - (tokens.starts[index] as number) !== 1) continue;
    const char = tokens.text[tokens.starts[index] as number] as string;
    if (char === '(' || char === '[' || char === '{') {
      open.push(index);
      continue;
    }
    const opener = OPENER_OF[char];
    if (opener === undefined) continue;
    for (let depth = open.length - 1; depth >= 0 && depth >= open.length - MISMATCH_REACH; depth--) {
      if (tokens.text[tokens.starts[open[depth] as number] as number] !== opener) continue;
      while (open.length > depth) closers[open.pop() as number] = index;
      break;
    }
  }
  tokens.closers = closers;
}
