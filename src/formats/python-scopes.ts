/**
 * Which `def`s and `class`es enclose each line of a Python file, so that an edit can be attributed to
 * `GRPOTrainer.compute_loss` or `compute_reward` without trusting the hunk header that git (or the
 * agent that made the edit) wrote.
 *
 * This is not a parser. One pass over the physical lines knows just enough of Python's lexical rules
 * (strings, comments, brackets, backslash joins) to find where each logical line starts, and reads the
 * block structure from the indentation of those starts. Malformed input degrades; it never throws.
 */

export interface CodeScope {
  readonly kind: 'function' | 'class';
  readonly name: string;
  /** 1-based line of the `def`, `async def` or `class` keyword. */
  readonly line: number;
}

export interface PythonScopeIndex {
  /** The scopes that enclose a 1-based line, outermost first; empty outside any scope or the file. */
  scopesAt(line: number): readonly CodeScope[];
  /** Lines in the source; a final newline ends the last line rather than starting another. */
  readonly lineCount: number;
  /**
   * An index of `source`, another version of this file whose first `sharedLines` lines are identical
   * to this one's: it starts from what this index already read of those lines instead of line 1.
   * Two versions on either side of a diff share every line before the first hunk.
   */
  forkFor(source: string | Buffer, sharedLines: number): PythonScopeIndex;
}

/**
 * Indexes the `def`, `async def` and `class` scopes of Python source. Which lines a scope owns:
 *
 * - Its header line, the continuation lines of a multi-line signature, and the decorator lines directly
 *   above it, so an edit to a signature or a decorator is attributed to the function.
 * - Every logical line of its body (indented deeper than the header), and each line that continues
 *   one of them: inside brackets, after a backslash, or inside a (triple-quoted) string, whatever that
 *   line's indentation. Text inside strings never opens a scope.
 * - A blank line belongs to the scopes that enclose both the code line before it and the one after it:
 *   blank lines inside a body stay in it; blank lines after a body's last line do not.
 * - A comment-only line follows the same rule, and in addition belongs to any scope of the code line
 *   before it into whose body it is indented, unless a shallower comment between them closed that scope:
 *   a trailing `# TODO` indented under a function's last line belongs to that function.
 *
 * Lines are numbered as git counts them, split at `\n` with a `\r` before it dropped; where a `\r`
 * alone ends a line as well, one of git's lines gets the scopes of each line Python reads in it. A tab advances to the next
 * multiple of 8 columns and a form feed resets the column, as in Python. Text is read as-is: files in
 * other encodings should be decoded before.
 */
export function findPythonScopes(source: string | Buffer): PythonScopeIndex {
  return hasLoneCarriageReturn(source) ? new PhysicalLineScopeIndex(source) : new LazyScopeIndex(source);
}

/** True when a `\r` that no `\n` follows ends a line: Python reads it as a line end, git does not. */
function hasLoneCarriageReturn(source: string | Buffer): boolean {
  const isText = typeof source === 'string';
  for (let at = isText ? source.indexOf('\r') : source.indexOf(CARRIAGE_RETURN); at !== -1; ) {
    const next = isText ? source.charCodeAt(at + 1) : source[at + 1];
    if (next !== NEWLINE && at + 1 < source.length) return true;
    at = isText ? source.indexOf('\r', at + 1) : source.indexOf(CARRIAGE_RETURN, at + 1);
  }
  return false;
}

/**
 * The scopes of a file whose lines end in a carriage return alone, which git reads as one long line
 * and Python as many: each of git's lines gets the scopes of every line Python reads in it, outer ones
 * first, so that an edit to `compute_reward` does not pass for one to the function before it. Rare
 * enough to be read whole and never forked.
 */
class PhysicalLineScopeIndex implements PythonScopeIndex {
  readonly lineCount: number;
  private readonly physical: PythonScopeIndex;
  /** For git line n, its first line as Python reads them at [n - 1] and one past its last at [n]. */
  private readonly firstPhysical: number[] = [1];
  private readonly renumbered = new Map<CodeScope, CodeScope>();

  constructor(source: string | Buffer) {
    const text = typeof source === 'string' ? source : source.toString('utf8');
    const gitLines = text === '' ? [] : text.split('\n');
    if (text.endsWith('\n')) gitLines.pop();
    this.lineCount = gitLines.length;
    const physicalLines: string[] = [];
    for (const gitLine of gitLines) {
      const parts = gitLine.split('\r');
      // A carriage return that ends git's line is a CRLF line end (or the file's last), not a line of its own.
      if (parts.length > 1 && parts[parts.length - 1] === '') parts.pop();
      physicalLines.push(...parts);
      this.firstPhysical.push(physicalLines.length + 1);
    }
    this.physical = new LazyScopeIndex(physicalLines.join('\n'));
  }

  scopesAt(line: number): readonly CodeScope[] {
    if (!Number.isInteger(line) || line < 1 || line > this.lineCount) return NO_SCOPES;
    const scopes = new Set<CodeScope>();
    for (let physicalLine = this.firstPhysical[line - 1] as number; physicalLine < (this.firstPhysical[line] as number); physicalLine++) {
      for (const scope of this.physical.scopesAt(physicalLine)) scopes.add(this.numberedAsGit(scope));
    }
    return scopes.size === 0 ? NO_SCOPES : Object.freeze([...scopes]);
  }

  /** The scope with the number of git's line its header is on; the same object each time. */
  private numberedAsGit(scope: CodeScope): CodeScope {
    let renumbered = this.renumbered.get(scope);
    if (!renumbered) {
      // The last git line whose first line as Python reads them is at or before the header.
      let low = 1;
      let high = this.lineCount;
      while (low < high) {
        const middle = (low + high + 1) >> 1;
        if ((this.firstPhysical[middle - 1] as number) <= scope.line) low = middle;
        else high = middle - 1;
      }
      renumbered = Object.freeze({ ...scope, line: low });
      this.renumbered.set(scope, renumbered);
    }
    return renumbered;
  }

  forkFor(source: string | Buffer): PythonScopeIndex {
    return findPythonScopes(source);
  }
}

/** Where the next `\n` is at or after `from`, or -1; works on text and on UTF-8 bytes alike. */
function nextNewline(source: string | Buffer, from: number): number {
  return typeof source === 'string' ? source.indexOf('\n', from) : source.indexOf(0x0a, from);
}

/** One line's text; bytes are decoded a line at a time, so lines never read are never decoded. */
function lineText(source: string | Buffer, start: number, end: number): string {
  const textEnd = end > start && (typeof source === 'string' ? source.charCodeAt(end - 1) : source[end - 1]) === CARRIAGE_RETURN ? end - 1 : end;
  return typeof source === 'string' ? source.slice(start, textEnd) : source.toString('utf8', start, textEnd);
}

/**
 * Reads the source only as far as the lines asked about require: a line's scopes depend on the lines
 * before it and, for blank, comment and decorator lines, on the next code line. An edit near the top
 * of a 3,000-line trainer costs a few dozen lines, not the whole file.
 */
class LazyScopeIndex implements PythonScopeIndex {
  private readonly source: string | Buffer;
  private readonly builder: ScopeIndexBuilder;
  private lineStart: number;
  private isFinished = false;
  private lines: number | null = null;
  /** Reading state every SNAPSHOT_INTERVAL lines, for forkFor. */
  private readonly snapshots: Snapshot[] = [];

  constructor(source: string | Buffer, from?: { readonly builder: ScopeIndexBuilder; readonly lineStart: number }) {
    this.source = source;
    this.builder = from?.builder ?? new ScopeIndexBuilder();
    this.lineStart = from?.lineStart ?? 0;
  }

  scopesAt(line: number): readonly CodeScope[] {
    if (!Number.isInteger(line) || line < 1) return NO_SCOPES;
    while (!this.isFinished && !this.builder.isSettledThrough(line)) this.readLine();
    return this.builder.chainAt(line);
  }

  get lineCount(): number {
    if (this.lines === null) {
      let count = 0;
      for (let start = 0; start < this.source.length; count++) {
        const newline = nextNewline(this.source, start);
        start = newline === -1 ? this.source.length : newline + 1;
      }
      this.lines = count;
    }
    return this.lines;
  }

  forkFor(source: string | Buffer, sharedLines: number): PythonScopeIndex {
    if (hasLoneCarriageReturn(source)) return new PhysicalLineScopeIndex(source);
    let snapshot: Snapshot | undefined;
    for (let i = this.snapshots.length - 1; i >= 0 && !snapshot; i--) {
      if ((this.snapshots[i] as Snapshot).line <= sharedLines) snapshot = this.snapshots[i];
    }
    if (!snapshot) return new LazyScopeIndex(source);
    let lineStart = 0;
    for (let line = 0; line < snapshot.line && lineStart <= source.length; line++) {
      const newline = nextNewline(source, lineStart);
      lineStart = newline === -1 ? source.length + 1 : newline + 1;
    }
    if (lineStart > source.length) return new LazyScopeIndex(source);
    return new LazyScopeIndex(source, { builder: ScopeIndexBuilder.restore(snapshot, this.builder), lineStart });
  }

  private readLine(): void {
    const { source } = this;
    if (this.lineStart >= source.length) {
      this.builder.finish();
      this.isFinished = true;
      return;
    }
    const newline = nextNewline(source, this.lineStart);
    const lineEnd = newline === -1 ? source.length : newline;
    this.builder.addLine(lineText(source, this.lineStart, lineEnd));
    this.lineStart = lineEnd + 1;
    if (this.builder.lineCount % SNAPSHOT_INTERVAL === 0) this.snapshots.push(this.builder.snapshot());
  }
}

/** Lines between snapshots: a fork re-reads at most this many shared lines. */
const SNAPSHOT_INTERVAL = 32;

/** Everything ScopeIndexBuilder knows after a given line, enough to carry on from there in another file. */
interface Snapshot {
  readonly line: number;
  readonly lexer: LexerState;
  readonly innermost: OpenScope | null;
  readonly statementChain: readonly CodeScope[];
  readonly previousStatementScope: OpenScope | null;
  readonly pendingLines: readonly number[];
  readonly pendingIndents: readonly number[];
  readonly decorators: { readonly firstLine: number; readonly indent: number } | null;
  /** Chains of the decorator lines still open: a later `def` may rewrite them in the original. */
  readonly decoratorChains: ReadonlyArray<readonly CodeScope[]>;
}

const NO_SCOPES: readonly CodeScope[] = Object.freeze([]);

const TAB = 0x09;
const FORM_FEED = 0x0c;
const CARRIAGE_RETURN = 0x0d;
const NEWLINE = 0x0a;
const VERTICAL_TAB = 0x0b;
const SPACE = 0x20;
const HASH = 0x23;
const AT_SIGN = 0x40;
const BACKSLASH = 0x5c;

/** Characters that change the lexer's state outside strings: quotes, comment, brackets, backslash. */
const SIGNIFICANT = /["'#()[\]{}\\]/g;
const DOUBLE_QUOTE_OR_ESCAPE = /["\\]/g;
const SINGLE_QUOTE_OR_ESCAPE = /['\\]/g;

/** Sticky, so it tests exactly at the start of a logical line's code. */
const SCOPE_HEADER = /(?:async[ \t\f]+)?(def|class)[ \t\f]+([\p{L}\p{Nl}_][\p{L}\p{Nl}\p{Mn}\p{Mc}\p{Nd}\p{Pc}]*)/uy;

/** Marks a pending blank line, which has no indentation to speak of. */
const BLANK = -1;

/**
 * A scope that is open at the current line. Frames link to their parent, so a chain of enclosing
 * scopes is shared by every line it covers and popping a scope allocates nothing.
 */
interface OpenScope {
  readonly chain: readonly CodeScope[];
  readonly headerIndent: number;
  readonly parent: OpenScope | null;
}

class ScopeIndexBuilder {
  private lexer = new LogicalLineLexer();
  /** Per line, the chain that line belongs to; lines share chains, so this is one pointer a line. */
  private chains: (readonly CodeScope[])[] = [];
  private innermost: OpenScope | null = null;
  private statementChain: readonly CodeScope[] = NO_SCOPES;
  /** The innermost scope at the last code line, for settling the blank and comment lines after it. */
  private previousStatementScope: OpenScope | null = null;
  /** Blank and comment lines whose scopes depend on the next code line: line numbers and indents. */
  private readonly pendingLines: number[] = [];
  private readonly pendingIndents: number[] = [];
  private decorators: { readonly firstLine: number; readonly indent: number } | null = null;

  addLine(text: string): void {
    const lineNumber = this.chains.length + 1;
    if (this.lexer.continuesStatement) {
      // `def` and `class` are statements, never part of an expression, so one at the start of a
      // bracketed or backslash-joined line means the statement above was left unfinished; recover
      // rather than let one stray `(` swallow the rest of the file.
      const isStrayHeader =
        !this.lexer.isInsideString && matchScopeHeader(text, measureIndent(text).codeStart) !== null;
      if (!isStrayHeader) {
        this.chains.push(this.statementChain);
        this.lexer.scan(text, 0);
        return;
      }
      this.lexer.abandonStatement();
    }
    const { indent, codeStart } = measureIndent(text);
    if (codeStart === text.length || text.charCodeAt(codeStart) === HASH) {
      this.chains.push(NO_SCOPES);
      this.pendingLines.push(lineNumber);
      this.pendingIndents.push(codeStart === text.length ? BLANK : indent);
      return;
    }
    this.startStatement(lineNumber, text, indent, codeStart);
    this.lexer.scan(text, codeStart);
  }

  get lineCount(): number {
    return this.chains.length;
  }

  snapshot(): Snapshot {
    return {
      line: this.chains.length,
      lexer: this.lexer.state(),
      innermost: this.innermost,
      statementChain: this.statementChain,
      previousStatementScope: this.previousStatementScope,
      pendingLines: [...this.pendingLines],
      pendingIndents: [...this.pendingIndents],
      decorators: this.decorators,
      decoratorChains: this.decorators === null ? [] : this.chains.slice(this.decorators.firstLine - 1),
    };
  }

  /**
   * A builder positioned after `snapshot.line`, whose earlier lines are taken from `source`. Lines
   * that were still pending at the snapshot are settled again by what the new builder reads next.
   */
  static restore(snapshot: Snapshot, source: ScopeIndexBuilder): ScopeIndexBuilder {
    const builder = new ScopeIndexBuilder();
    builder.chains = source.chains.slice(0, snapshot.line);
    builder.lexer = LogicalLineLexer.fromState(snapshot.lexer);
    builder.innermost = snapshot.innermost;
    builder.statementChain = snapshot.statementChain;
    builder.previousStatementScope = snapshot.previousStatementScope;
    builder.pendingLines.push(...snapshot.pendingLines);
    builder.pendingIndents.push(...snapshot.pendingIndents);
    builder.decorators = snapshot.decorators;
    if (snapshot.decorators !== null) {
      builder.chains.splice(snapshot.decorators.firstLine - 1, snapshot.decoratorChains.length, ...snapshot.decoratorChains);
    }
    return builder;
  }

  /** Settles the lines still waiting for a next code line: the file has none. */
  finish(): void {
    this.settlePendingLines(null);
  }

  /** True once `line` has been read and nothing read later can change its scopes. */
  isSettledThrough(line: number): boolean {
    return (
      this.chains.length > line &&
      this.pendingLines.length === 0 &&
      this.decorators === null &&
      !this.lexer.continuesStatement
    );
  }

  chainAt(line: number): readonly CodeScope[] {
    return this.chains[line - 1] ?? NO_SCOPES;
  }

  private startStatement(lineNumber: number, text: string, indent: number, codeStart: number): void {
    while (this.innermost !== null && this.innermost.headerIndent >= indent) this.innermost = this.innermost.parent;
    const header = matchScopeHeader(text, codeStart);
    if (header !== null) {
      const scope: CodeScope = Object.freeze({ kind: header.kind, name: header.name, line: lineNumber });
      const outerChain = this.innermost?.chain ?? NO_SCOPES;
      this.innermost = { chain: Object.freeze([...outerChain, scope]), headerIndent: indent, parent: this.innermost };
    }
    this.settlePendingLines(this.innermost);
    const chain = this.innermost?.chain ?? NO_SCOPES;
    this.chains.push(chain);
    if (header !== null && this.decorators !== null && this.decorators.indent === indent) {
      this.chains.fill(chain, this.decorators.firstLine - 1, lineNumber - 1);
    }
    const isDecorator = header === null && text.charCodeAt(codeStart) === AT_SIGN;
    if (!isDecorator) this.decorators = null;
    else if (this.decorators?.indent !== indent) this.decorators = { firstLine: lineNumber, indent };
    this.statementChain = chain;
    this.previousStatementScope = this.innermost;
  }

  /** Gives the blank and comment lines since the last code line their scopes, now that the next is known. */
  private settlePendingLines(next: OpenScope | null): void {
    if (this.pendingLines.length === 0) return;
    const shared = innermostCommonScope(this.previousStatementScope, next);
    // The innermost scope a comment may still be indented into. A shallower comment lowers it for the
    // comments after it, which also keeps the walks below linear in the run's length.
    let ceiling = this.previousStatementScope;
    for (let index = 0; index < this.pendingLines.length; index++) {
      const indent = this.pendingIndents[index] as number;
      let owner = shared;
      if (indent !== BLANK) {
        while (ceiling !== null && ceiling !== shared && ceiling.headerIndent >= indent) ceiling = ceiling.parent;
        // Both are on the path from the previous code line's scope to the root: the longer is inner.
        if ((ceiling?.chain.length ?? 0) > (shared?.chain.length ?? 0)) owner = ceiling;
      }
      this.chains[(this.pendingLines[index] as number) - 1] = owner?.chain ?? NO_SCOPES;
    }
    this.pendingLines.length = 0;
    this.pendingIndents.length = 0;
  }
}

function innermostCommonScope(first: OpenScope | null, second: OpenScope | null): OpenScope | null {
  let a = first;
  let b = second;
  while (a !== null && b !== null && a.chain.length > b.chain.length) a = a.parent;
  while (a !== null && b !== null && b.chain.length > a.chain.length) b = b.parent;
  while (a !== b && a !== null && b !== null) {
    a = a.parent;
    b = b.parent;
  }
  return a === b ? a : null;
}

function measureIndent(text: string): { readonly indent: number; readonly codeStart: number } {
  let indent = 0;
  let position = 0;
  for (; position < text.length; position++) {
    const code = text.charCodeAt(position);
    if (code === SPACE || code === VERTICAL_TAB || code === CARRIAGE_RETURN) indent++;
    else if (code === TAB) indent = Math.floor(indent / 8) * 8 + 8;
    else if (code === FORM_FEED) indent = 0;
    else break;
  }
  return { indent, codeStart: position };
}

function matchScopeHeader(text: string, codeStart: number): Pick<CodeScope, 'kind' | 'name'> | null {
  // Most statements start with neither `async`, `def` nor `class`: no regular expression for them.
  const first = text.charCodeAt(codeStart);
  if (first !== 0x61 && first !== 0x64 && first !== 0x63) return null;
  SCOPE_HEADER.lastIndex = codeStart;
  const match = SCOPE_HEADER.exec(text);
  if (match === null) return null;
  return { kind: match[1] === 'class' ? 'class' : 'function', name: match[2] as string };
}

/**
 * Follows Python's lexical state across physical lines: whether the statement on the last line goes
 * on (an open string or bracket, or a backslash at the end), so the next line is not a new statement.
 */
interface LexerState {
  readonly openQuote: number | null;
  readonly isTripleQuoted: boolean;
  readonly bracketDepth: number;
  readonly endsWithBackslash: boolean;
  readonly escapesNewlineInString: boolean;
}

class LogicalLineLexer {
  private openQuote: number | null = null;
  private isTripleQuoted = false;
  private bracketDepth = 0;
  private endsWithBackslash = false;
  private escapesNewlineInString = false;

  state(): LexerState {
    const { openQuote, isTripleQuoted, bracketDepth, endsWithBackslash, escapesNewlineInString } = this;
    return { openQuote, isTripleQuoted, bracketDepth, endsWithBackslash, escapesNewlineInString };
  }

  static fromState(state: LexerState): LogicalLineLexer {
    const lexer = new LogicalLineLexer();
    lexer.openQuote = state.openQuote;
    lexer.isTripleQuoted = state.isTripleQuoted;
    lexer.bracketDepth = state.bracketDepth;
    lexer.endsWithBackslash = state.endsWithBackslash;
    lexer.escapesNewlineInString = state.escapesNewlineInString;
    return lexer;
  }

  get continuesStatement(): boolean {
    return this.openQuote !== null || this.bracketDepth > 0 || this.endsWithBackslash;
  }

  get isInsideString(): boolean {
    return this.openQuote !== null;
  }

  abandonStatement(): void {
    this.bracketDepth = 0;
    this.endsWithBackslash = false;
  }

  scan(text: string, from: number): void {
    this.endsWithBackslash = false;
    this.escapesNewlineInString = false;
    let position = this.openQuote === null ? from : this.scanString(text, from);
    while (position < text.length && this.openQuote === null) {
      // Jump straight to the next character that matters; most of a line is names and operators.
      // `test`, not `exec`: every pattern here matches one character, so lastIndex says where, and no
      // match array is made for each bracket and quote of every line read.
      SIGNIFICANT.lastIndex = position;
      if (!SIGNIFICANT.test(text)) break;
      position = SIGNIFICANT.lastIndex - 1;
      const code = text.charCodeAt(position);
      if (code === HASH) break;
      if (code === 0x22 || code === 0x27) {
        // Prefixes (r, b, f, u and their mixes) need no handling: they only change how escapes are
        // decoded, and in every kind of string a backslash keeps the next quote from closing it.
        this.isTripleQuoted = text.charCodeAt(position + 1) === code && text.charCodeAt(position + 2) === code;
        this.openQuote = code;
        position = this.scanString(text, position + (this.isTripleQuoted ? 3 : 1));
        continue;
      }
      if (code === 0x28 || code === 0x5b || code === 0x7b) this.bracketDepth++;
      else if ((code === 0x29 || code === 0x5d || code === 0x7d) && this.bracketDepth > 0) this.bracketDepth--;
      else if (code === BACKSLASH && position === text.length - 1) this.endsWithBackslash = true;
      position++;
    }
    // A one-quote string cannot span lines unless its newline is escaped; an unterminated one ends here.
    if (this.openQuote !== null && !this.isTripleQuoted && !this.escapesNewlineInString) this.openQuote = null;
  }

  /** Scans string content from `position`; returns where the string closed, or the line's end. */
  private scanString(text: string, position: number): number {
    const quote = this.openQuote as number;
    const pattern = quote === 0x22 ? DOUBLE_QUOTE_OR_ESCAPE : SINGLE_QUOTE_OR_ESCAPE;
    let index = position;
    while (index < text.length) {
      pattern.lastIndex = index;
      if (!pattern.test(text)) return text.length;
      index = pattern.lastIndex - 1;
      const code = text.charCodeAt(index);
      if (code === BACKSLASH) {
        if (index + 1 >= text.length) {
          this.escapesNewlineInString = true;
          return text.length;
        }
        index += 2;
      } else if (!this.isTripleQuoted) {
        this.openQuote = null;
        return index + 1;
      } else if (text.charCodeAt(index + 1) === quote && text.charCodeAt(index + 2) === quote) {
        this.openQuote = null;
        return index + 3;
      } else {
        index++;
      }
    }
    return text.length;
  }

}
