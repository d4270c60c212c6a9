import { JavaScriptShapes } from './javascript-shapes.js';
import { LITERAL, NAME, PUNCTUATION, tokenizeJavaScript, type JavaScriptTokens } from './javascript-tokens.js';
import { MAX_TOKENIZED_LENGTH, type Scope, type ScopeIndex, type ScopeKind } from './scope-index.js';
import { scopeIndexFromRanges, type ScopeRange } from './scope-ranges.js';
import { countLines, decodeSource } from './source-lines.js';

/**
 * Indexes the functions and classes of JavaScript and TypeScript source (.js, .mjs, .cjs, .jsx, .ts,
 * .tsx, .mts, .cts), so an edit can be attributed to `Trainer.computeLoss` or `computeReward`.
 *
 * Scopes: `function name`, `async function name`, `function* name` and `class Name` declarations and
 * expressions (`export default` ones are named `default`); class methods, getters, setters, private
 * methods and fields holding functions; object-literal methods and properties holding functions
 * (`name: function`, `name: (…) =>`), their keys also written as strings in brackets
 * (`["computeReward"]() {`); and functions or classes assigned to `const`, `let`, `var` or a member
 * (`exports.handler = async (event) => {`, `grader["score"] = …`), named after what they are assigned to. A scope
 * owns the lines from its header (`export`, `async`, modifiers and a class's or member's decorators
 * included) to its closing brace; an arrow function with an expression body, the lines of that
 * expression to the end of its statement. Its `line` is where its header starts, decorators aside.
 * Control-flow blocks are not scopes; anonymous callbacks are not either, nor is the second
 * declarator of `const a = () => 1, b = () => 2`.
 *
 * A single pass over tokens, not a parser: type annotations are skipped by their brackets, and
 * malformed input degrades (an unclosed body runs to the end of the file). It never throws. A source
 * over MAX_TOKENIZED_LENGTH (16 MiB) gets no scopes.
 */
export function findJavaScriptScopes(source: string | Buffer): ScopeIndex {
  const text = decodeSource(source);
  const ranges = text.length > MAX_TOKENIZED_LENGTH ? [] : new ScopeCollector(tokenizeJavaScript(text)).collect();
  return scopeIndexFromRanges(ranges, countLines(text));
}

/** The text of a string literal, or of a template literal without substitutions, at `index`; null for any other token. */
function stringValue(tokens: JavaScriptTokens, index: number): string | null {
  if (tokens.kindOf(index) !== LITERAL) return null;
  const text = tokens.textOf(index);
  const quote = text[0];
  if (text.length <= 2 || (quote !== '"' && quote !== "'" && quote !== '`') || text[text.length - 1] !== quote) return null;
  return quote === '`' && text.includes('${') ? null : text.slice(1, -1);
}

/** What a brace opens, for telling a method (`name() {`) from a call followed by a block. */
type Frame = 'class' | 'object' | 'block';

/** Tokens before a `{` that make it an object literal rather than a block. */
const BEFORE_OBJECT = new Set(['=', '(', ',', ':', '[', '?', '||', '&&', '??', '...', 'return', 'yield', 'await', 'default', 'in', 'of', 'typeof', 'void', 'satisfies', 'as']);
/** Tokens before a declaration keyword that belong to its header. */
const HEADER_PREFIXES = new Set(['export', 'default', 'declare', 'async', 'abstract']);
/** Words before a class member's name. */
const MEMBER_MODIFIERS = new Set(['static', 'async', 'get', 'set', 'public', 'private', 'protected', 'readonly', 'override', 'abstract', 'declare', 'accessor']);
/** Tokens that can follow a member's name; before anything else, a modifier is not the name. */
const AFTER_MEMBER_NAME = new Set(['(', '<', ':', '=', '?', '!', ';', ',', '}', ')', '']);
/** Words that are never a method's name in practice: `if (x) {` in a block taken for an object. */
const NOT_METHOD_NAMES = new Set(['if', 'for', 'while', 'switch', 'catch', 'with', 'function', 'return', 'typeof', 'new', 'await', 'yield']);

class ScopeCollector {
  private readonly tokens: JavaScriptTokens;
  private readonly shapes: JavaScriptShapes;
  private readonly ranges: ScopeRange[] = [];
  /** The braces open at the current token: where each opened and what it opened. */
  private readonly frames: { readonly open: number; readonly frame: Frame }[] = [];
  private readonly classBodies = new Set<number>();
  /** Names given to a `function` or `class` keyword by what it is assigned to, and where that header starts. */
  private readonly assignedNames = new Map<number, { readonly name: string; readonly start: number }>();

  constructor(tokens: JavaScriptTokens) {
    this.tokens = tokens;
    this.shapes = new JavaScriptShapes(tokens);
  }

  collect(): ScopeRange[] {
    const { tokens } = this;
    for (let index = 0; index < tokens.count; index++) {
      const kind = tokens.kinds[index];
      if (kind === PUNCTUATION) this.onPunctuation(index);
      else if (kind === NAME) this.onName(index);
      else if (kind === LITERAL && this.isMemberStart(index)) this.onMember(index);
    }
    return this.ranges;
  }

  private onPunctuation(index: number): void {
    const { tokens } = this;
    if (tokens.is(index, '[') && this.isMemberStart(index)) this.onComputedMember(index);
    if (tokens.is(index, '{')) {
      const frame: Frame = this.classBodies.has(index) ? 'class' : BEFORE_OBJECT.has(tokens.textOf(index - 1)) ? 'object' : 'block';
      this.frames.push({ open: index, frame });
    } else if (tokens.is(index, '}') || tokens.is(index, ')') || tokens.is(index, ']')) {
      // A closer may close several braces that malformed input left open.
      while (this.frames.length > 0 && tokens.closerOf(this.frames[this.frames.length - 1]?.open ?? -1) === index) this.frames.pop();
    }
  }

  private onName(index: number): void {
    const { tokens } = this;
    if (tokens.is(index - 1, '.')) return;
    const word = tokens.textOf(index);
    if (word === 'function') this.onFunction(index);
    else if (word === 'class') this.onClass(index);
    else if (word === 'const' || word === 'let' || word === 'var') this.onDeclaration(index);
    else if (this.isMemberStart(index)) this.onMember(index);
    else this.onAssignment(index);
  }

  private onFunction(index: number): void {
    const { tokens } = this;
    let next = index + 1;
    if (tokens.is(next, '*')) next++;
    const assigned = this.assignedNames.get(index);
    let name = assigned?.name ?? null;
    if (tokens.kindOf(next) === NAME) {
      name ??= tokens.textOf(next);
      next++;
    }
    const start = assigned?.start ?? this.headerStart(index);
    if (name === null && tokens.is(start, 'export') && tokens.is(index - 1, 'default')) name = 'default';
    if (name === null) return;
    const body = this.shapes.bodyAfterParameters(next);
    if (body !== -1) this.addBraceScope('function', name, start, body);
  }

  private onClass(index: number): void {
    const { tokens } = this;
    const body = this.shapes.classBody(index + 1);
    if (body === -1) return;
    this.classBodies.add(body);
    const assigned = this.assignedNames.get(index);
    const start = assigned?.start ?? this.headerStart(index);
    const next = tokens.textOf(index + 1);
    const isNamed = tokens.kindOf(index + 1) === NAME && next !== 'extends' && next !== 'implements';
    const name = assigned?.name ?? (isNamed ? next : tokens.is(index - 1, 'default') ? 'default' : null);
    if (name !== null) this.addBraceScope('class', name, start, body, assigned === undefined ? this.decoratorsBefore(start) : start);
  }

  /** `const name = <function>`, `let name: Type = <function>`. */
  private onDeclaration(index: number): void {
    const { tokens } = this;
    const nameIndex = index + 1;
    if (tokens.kindOf(nameIndex) !== NAME) return;
    const value = this.shapes.valueAfterName(nameIndex + 1, true);
    if (value !== -1) this.addValueScope(tokens.textOf(nameIndex), this.headerStart(index), value);
  }

  /** `exports.handler = <function>`, `Trainer.prototype.step = <function>`, at a statement's start. */
  private onAssignment(index: number): void {
    const { tokens } = this;
    const before = index - 1;
    const isStatementStart = before < 0 || tokens.is(before, ';') || tokens.is(before, '{') || tokens.is(before, '}') || tokens.endLineOf(before) < tokens.lineOf(index);
    if (!isStatementStart || this.currentFrame() !== 'block') return;
    // `a.b.c` and `a["b"]`: the name is the last part.
    let last = index;
    let name = tokens.textOf(index);
    for (;;) {
      if (tokens.is(last + 1, '.') && tokens.kindOf(last + 2) === NAME) {
        last += 2;
        name = tokens.textOf(last);
      } else if (tokens.is(last + 1, '[') && tokens.is(last + 3, ']') && stringValue(tokens, last + 2) !== null) {
        name = stringValue(tokens, last + 2) as string;
        last += 3;
      } else {
        break;
      }
    }
    if (!tokens.is(last + 1, '=')) return;
    const value = this.shapes.functionValueAt(last + 2);
    if (value !== -1) this.addValueScope(name, index, value);
  }

  /** A method (`name(…) {`) or a property or field holding a function, in a class body or object literal. */
  private onMember(index: number): void {
    const { tokens } = this;
    let nameIndex = index;
    // Modifiers are words before the name; a modifier followed by `(`, `=` or the like is itself the name (`get() {}`).
    while (MEMBER_MODIFIERS.has(tokens.textOf(nameIndex)) && !AFTER_MEMBER_NAME.has(tokens.textOf(nameIndex + 1))) nameIndex++;
    if (tokens.is(nameIndex, '*')) nameIndex++;
    const name = this.memberName(nameIndex);
    if (name !== null) this.onMemberNamed(index, name, nameIndex + 1);
  }

  /** A member whose key is a string in brackets (`["computeReward"]() {`, `` [`grade`]: () => ``), which is its name. */
  private onComputedMember(index: number): void {
    const { tokens } = this;
    const name = stringValue(tokens, index + 1);
    if (name !== null && tokens.is(index + 2, ']')) this.onMemberNamed(index, name, index + 3);
  }

  /** A member named `name` whose header starts at `index`, with what follows its name at `after`. */
  private onMemberNamed(index: number, name: string, after: number): void {
    const { tokens } = this;
    const isClass = this.currentFrame() === 'class';
    let next = after;
    if (tokens.is(next, '?') || tokens.is(next, '!')) next++;
    const decorated = isClass ? this.decoratorsBefore(index) : index;
    const body = this.shapes.bodyAfterParameters(next);
    if (body !== -1) {
      this.addBraceScope('function', name, index, body, decorated);
      return;
    }
    const value = isClass ? this.shapes.valueAfterName(next, true) : tokens.is(next, ':') ? this.shapes.functionValueAt(next + 1) : -1;
    if (value !== -1) this.addValueScope(name, index, value, decorated);
  }

  private memberName(index: number): string | null {
    const { tokens } = this;
    const kind = tokens.kindOf(index);
    const text = kind === -1 ? '' : tokens.textOf(index);
    if (kind === NAME) return NOT_METHOD_NAMES.has(text) && this.currentFrame() !== 'class' ? null : text;
    return stringValue(tokens, index);
  }

  /** Whether `index` starts a member of the class body or object literal it is directly in. */
  private isMemberStart(index: number): boolean {
    const frame = this.frames[this.frames.length - 1];
    if (frame === undefined || frame.frame === 'block') return false;
    const { tokens } = this;
    const before = index - 1;
    if (before === frame.open || tokens.is(before, ';') || tokens.is(before, ',') || tokens.is(before, '}')) return true;
    // After a decorator (`@Get(':id')` or `@override` on the line above) in a class body.
    return frame.frame === 'class' && tokens.endLineOf(before) < tokens.lineOf(index) && !MEMBER_MODIFIERS.has(tokens.textOf(before));
  }

  private currentFrame(): Frame {
    return this.frames[this.frames.length - 1]?.frame ?? 'block';
  }

  /** The first token of the header of the declaration whose keyword is at `index`: `export default async`. */
  private headerStart(index: number): number {
    let start = index;
    while (start > 0 && HEADER_PREFIXES.has(this.tokens.textOf(start - 1)) && !this.tokens.is(start - 2, '.')) start--;
    return start;
  }

  /**
   * Where the decorators right before `start` begin (`@Component({…})`, `@HostListener('click')`), so
   * an edit to a decorator is attributed to what it decorates, as in Python; `start` when there are none.
   */
  private decoratorsBefore(start: number): number {
    const { tokens } = this;
    let first = start;
    for (;;) {
      let token = first - 1;
      if (tokens.is(token, ')')) token = this.shapes.openerBefore(token) - 1;
      while (tokens.kindOf(token) === NAME && tokens.is(token - 1, '.')) token -= 2;
      if (tokens.kindOf(token) !== NAME || !tokens.is(token - 1, '@')) return first;
      first = token - 1;
    }
  }

  /** Records a scope for a function value: a `function` or `class` keyword gets the name; an arrow gets its range. */
  private addValueScope(name: string, start: number, value: number, rangeStart = start): void {
    const { tokens } = this;
    if (tokens.is(value, 'function') || tokens.is(value, 'class')) {
      this.assignedNames.set(value, { name, start });
      return;
    }
    // `value` is the arrow: its body is a block or an expression.
    if (tokens.is(value + 1, '{')) this.addBraceScope('function', name, start, value + 1, rangeStart);
    else this.addRange('function', name, start, this.shapes.expressionEnd(value + 1), rangeStart);
  }

  private addBraceScope(kind: ScopeKind, name: string, start: number, openBrace: number, rangeStart = start): void {
    const closer = this.tokens.closerOf(openBrace);
    this.addRange(kind, name, start, closer === -1 ? this.tokens.count - 1 : closer, rangeStart);
  }

  /**
   * Records a scope whose header starts at token `start` and whose body ends at token `end`; the lines
   * it owns start at `rangeStart`, which is earlier when decorators come before the header.
   */
  private addRange(kind: ScopeKind, name: string, start: number, end: number, rangeStart: number): void {
    const { tokens } = this;
    const last = Math.max(start, end);
    const scope: Scope = Object.freeze({ kind, name, line: tokens.lineOf(start) });
    const startLine = tokens.lineOf(rangeStart);
    this.ranges.push({ scope, startLine, endLine: tokens.endLineOf(last), startOffset: tokens.starts[rangeStart] as number, endOffset: tokens.ends[last] as number });
  }
}
