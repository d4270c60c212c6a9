import { countNewlines } from './source-lines.js';

/**
 * The words and operators of a shell script, as far as finding function bodies needs: quoting,
 * expansions (`$(…)`, `${…}`, backquotes), comments and here-documents are read past, so a brace or
 * parenthesis inside them is never taken for structure. Each word knows whether it is where a command
 * starts, since only there are `{` and `}` reserved words. `case` patterns' `)` are not returned, so
 * parentheses stay balanced. Malformed input degrades; it never throws.
 */

export interface ShellToken {
  readonly kind: 'word' | 'operator';
  readonly text: string;
  /** 1-based line where it starts. */
  readonly line: number;
  /** A word without quotes, escapes or expansions, which can be a name or a reserved word. */
  readonly isPlain: boolean;
  /** Whether a command starts at this token: at a line's start, after `;`, `&&`, `(`, `then`... */
  readonly isCommandStart: boolean;
}

/** Nested quotes and expansions read as such; deeper ones are read as plain characters. */
const MAX_NESTING = 64;
/** Reserved words after which a command starts. */
const BEFORE_COMMAND = new Set(['then', 'do', 'else', 'elif', 'if', 'while', 'until', '!', '{', 'time']);
/** Operators after which a command starts; after `)` too, for `name() {`. */
const OPERATORS_BEFORE_COMMAND = new Set([';', '&', '|', '&&', '||', '|&', '(', ')', ';;', ';&', ';;&']);
const OPERATOR = /;;&|;;|;&|&&|\|\||\|&|<<<|<<-|<<|>>|<&|>&|<>|>\||[;&|()<>]/y;
const ASSIGNMENT = /^[A-Za-z_][A-Za-z0-9_]*(?:\[[^\]]*\])?\+?=/;
/** Characters that end a word when unquoted. */
const WORD_END = new Set([' ', '\t', '\n', ';', '&', '|', '(', ')', '<', '>']);

/** Where the reader is inside `case … esac`: patterns end with a `)` that closes nothing. */
type CaseState = 'subject' | 'pattern' | 'body';

export function tokenizeShell(text: string): ShellToken[] {
  return new ShellTokenizer(text).run();
}

class ShellTokenizer {
  private readonly text: string;
  private readonly tokens: ShellToken[] = [];
  private position = 0;
  private line = 1;
  private isCommandStart = true;
  /** How deep `skipUnit` is inside nested quotes and expansions. */
  private nesting = 0;
  private readonly cases: CaseState[] = [];
  /** Here-documents opened on the current line, read past at its end. */
  private readonly heredocs: { readonly delimiter: string; readonly isTabStripped: boolean }[] = [];

  constructor(text: string) {
    this.text = text;
  }

  run(): ShellToken[] {
    const { text } = this;
    while (this.position < text.length) {
      const char = text[this.position] as string;
      if (char === '\n') {
        this.position++;
        this.line++;
        this.isCommandStart = true;
        this.skipHeredocs();
      } else if (char === ' ' || char === '\t' || char === '\r') {
        this.position++;
      } else if (char === '\\' && text[this.position + 1] === '\n') {
        this.position += 2;
        this.line++;
      } else if (char === '#') {
        const newline = text.indexOf('\n', this.position);
        this.position = newline === -1 ? text.length : newline;
      } else if ((char === '<' || char === '>') && text[this.position + 1] === '(') {
        this.readWord();
      } else if (!this.readOperator()) {
        this.readWord();
      }
    }
    return this.tokens;
  }

  private readOperator(): boolean {
    OPERATOR.lastIndex = this.position;
    const match = OPERATOR.exec(this.text);
    if (match === null) return false;
    const operator = match[0];
    this.position += operator.length;
    const caseState = this.cases[this.cases.length - 1];
    if (caseState === 'pattern' && (operator === '(' || operator === ')')) {
      // A pattern's optional `(` and its closing `)`: not a subshell, so not returned.
      if (operator === ')') this.cases[this.cases.length - 1] = 'body';
      this.isCommandStart = operator === ')';
      return true;
    }
    if (caseState === 'body' && (operator === ';;' || operator === ';&' || operator === ';;&')) this.cases[this.cases.length - 1] = 'pattern';
    this.push('operator', operator, this.line, true);
    if (operator === '<<' || operator === '<<-') this.readHeredocDelimiter(operator === '<<-');
    this.isCommandStart = OPERATORS_BEFORE_COMMAND.has(operator);
    return true;
  }

  private readWord(): void {
    const start = this.position;
    const line = this.line;
    const isPlain = this.skipWord();
    if (this.position === start) this.position++;
    const word = this.text.slice(start, this.position);
    const isCommandStart = this.isCommandStart;
    this.push('word', word, line, isPlain);
    // An assignment before a command (`LC_ALL=C sort`) leaves the command still to come.
    this.isCommandStart = isCommandStart && (ASSIGNMENT.test(word) || (isPlain && BEFORE_COMMAND.has(word)));
    this.followCase(word, isCommandStart && isPlain);
  }

  private followCase(word: string, isReserved: boolean): void {
    const state = this.cases[this.cases.length - 1];
    if (isReserved && word === 'case') this.cases.push('subject');
    else if (state === 'subject' && word === 'in') {
      this.cases[this.cases.length - 1] = 'pattern';
      this.isCommandStart = true;
    } else if (word === 'esac' && (state === 'pattern' || (state === 'body' && isReserved))) this.cases.pop();
  }

  private push(kind: ShellToken['kind'], text: string, line: number, isPlain: boolean): void {
    this.tokens.push({ kind, text, line, isPlain, isCommandStart: kind === 'word' && this.isCommandStart });
  }

  /** Moves past one word, quotes and expansions included; true when it had none of them. */
  private skipWord(): boolean {
    const { text } = this;
    let isPlain = true;
    while (this.position < text.length) {
      const char = text[this.position] as string;
      const isProcessSubstitution = (char === '<' || char === '>') && text[this.position + 1] === '(';
      if (WORD_END.has(char) && !isProcessSubstitution) break;
      // A CRLF line end ends the word as the LF alone would.
      if (char === '\r' && (text[this.position + 1] === '\n' || this.position + 1 === text.length)) break;
      if (isProcessSubstitution || "'\"\\$`".includes(char)) isPlain = false;
      this.skipUnit();
    }
    return isPlain;
  }

  /**
   * Moves past one character of a word, or the whole quoted string or expansion starting there.
   * Expansions nest (`"$(echo "${x}")"`); past MAX_NESTING levels the inner ones are read as plain
   * characters, so no input can exhaust the stack.
   */
  private skipUnit(): void {
    const { text } = this;
    const char = text[this.position];
    const next = text[this.position + 1];
    if (char === '\\') this.advance(2);
    else if (this.nesting >= MAX_NESTING) this.advance(1);
    else this.skipNested(char, next);
  }

  private skipNested(char: string | undefined, next: string | undefined): void {
    this.nesting++;
    if (char === "'") this.skipTo("'", this.position + 1, false);
    else if (char === '$' && next === "'") this.skipTo("'", this.position + 2, true);
    else if (char === '"') this.skipDoubleQuoted();
    else if (char === '`') this.skipTo('`', this.position + 1, true);
    else if (char === '$' && next === '(') this.skipParenthesized(this.position + 2);
    else if ((char === '<' || char === '>') && next === '(') this.skipParenthesized(this.position + 2);
    else if (char === '$' && next === '{') this.skipBraced(this.position + 2);
    else this.advance(1);
    this.nesting--;
  }

  /** Moves to just after the next unescaped `close` from `from`, counting lines. */
  private skipTo(close: string, from: number, hasEscapes: boolean): void {
    const { text } = this;
    let index = from;
    while (index < text.length && text[index] !== close) index += hasEscapes && text[index] === '\\' ? 2 : 1;
    this.advance(Math.min(index + 1, text.length) - this.position);
  }

  private skipDoubleQuoted(): void {
    const { text } = this;
    this.advance(1);
    while (this.position < text.length && text[this.position] !== '"') {
      const char = text[this.position];
      if (char === '$' || char === '`' || char === '\\') this.skipUnit();
      else this.advance(1);
    }
    this.advance(1);
  }

  /** Skips a `$(…)`, `$((…))` or `<(…)` body from `from` to its closing parenthesis. */
  private skipParenthesized(from: number): void {
    const { text } = this;
    this.advance(from - this.position);
    let depth = 1;
    while (this.position < text.length && depth > 0) {
      const char = text[this.position];
      if (char === '(') depth++;
      else if (char === ')') depth--;
      if (char === '(' || char === ')') this.advance(1);
      else this.skipUnit();
    }
  }

  /** Skips a `${…}` body from `from` to its closing brace. */
  private skipBraced(from: number): void {
    const { text } = this;
    this.advance(from - this.position);
    let depth = 1;
    while (this.position < text.length && depth > 0) {
      const char = text[this.position];
      if (char === '{') depth++;
      else if (char === '}') depth--;
      if (char === '{' || char === '}') this.advance(1);
      else this.skipUnit();
    }
  }

  private advance(count: number): void {
    const end = Math.min(this.position + count, this.text.length);
    this.line += countNewlines(this.text, this.position, end);
    this.position = end;
  }

  private readHeredocDelimiter(isTabStripped: boolean): void {
    const { text } = this;
    while (text[this.position] === ' ' || text[this.position] === '\t') this.position++;
    const start = this.position;
    this.skipWord();
    const delimiter = text.slice(start, this.position).replace(/["'\\]/g, '');
    if (delimiter.length > 0) this.heredocs.push({ delimiter, isTabStripped });
  }

  /** At a line's start: reads past the bodies of the here-documents opened on the line before. */
  private skipHeredocs(): void {
    const { text } = this;
    for (const { delimiter, isTabStripped } of this.heredocs) {
      while (this.position < text.length) {
        const newline = text.indexOf('\n', this.position);
        const end = newline === -1 ? text.length : newline;
        let line = text.slice(this.position, end);
        if (line.endsWith('\r')) line = line.slice(0, -1);
        if (isTabStripped) line = line.replace(/^\t+/, '');
        this.position = newline === -1 ? text.length : newline + 1;
        if (newline !== -1) this.line++;
        if (line === delimiter) break;
      }
    }
    this.heredocs.length = 0;
  }
}
