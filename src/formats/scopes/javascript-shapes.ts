import { NAME, PUNCTUATION, type JavaScriptTokens } from './javascript-tokens.js';

/**
 * Looks ahead over tokens for the shapes a scope header can take: a parameter list and its body,
 * a type annotation skipped up to what follows it, a value that is a function, the end of an arrow
 * function's expression body. Brackets are skipped whole by their matched closers, so each look is
 * short; each is also capped, and all of them share a budget proportional to the file, so no input
 * makes them quadratic (past it, headers are no longer recognized).
 */
export class JavaScriptShapes {
  private readonly tokens: JavaScriptTokens;
  /** Tokens that expression-body scans may still walk over in this file. */
  private expressionBudget: number;
  /** Tokens that header looks may still walk over; real code needs a few per header. */
  private lookBudget: number;

  constructor(tokens: JavaScriptTokens) {
    this.tokens = tokens;
    this.expressionBudget = 4 * tokens.count + 10_000;
    this.lookBudget = 8 * tokens.count + 10_000;
  }

  /**
   * The body `{` of a function whose (optional) type parameters or parameter list starts at `index`,
   * after any return type; -1 when there is none (a call, an overload, an abstract method).
   */
  bodyAfterParameters(index: number): number {
    const { tokens } = this;
    const open = this.skipTypeParameters(index);
    if (!tokens.is(open, '(')) return -1;
    const close = tokens.closerOf(open);
    if (close === -1) return -1;
    const next = close + 1;
    if (tokens.is(next, '{')) return next;
    if (!tokens.is(next, ':')) return -1;
    const end = this.skipType(next + 1, (token) => tokens.is(token, '{'));
    return end !== -1 && tokens.is(end, '{') ? end : -1;
  }

  /** The `{` of a class body, for a header whose name or heritage starts at `index`; -1 when none follows. */
  classBody(index: number): number {
    const { tokens } = this;
    for (let token = index, steps = 0; token < tokens.count && steps < LOOK_LIMIT && --this.lookBudget > 0; token++, steps++) {
      if (tokens.is(token, '{')) return token;
      if (tokens.is(token, '(') || tokens.is(token, '[')) {
        token = tokens.closerOf(token);
        if (token === -1) return -1;
      } else if (STOPS.has(tokens.textOf(token))) {
        return -1;
      }
    }
    return -1;
  }

  /**
   * For a name followed at `index` by an optional `!`/`?`, an optional type annotation and `=`: the
   * function value assigned (see `functionValueAt`), or -1.
   */
  valueAfterName(index: number, isTypeAllowed: boolean): number {
    const { tokens } = this;
    let token = index;
    if (tokens.is(token, '!') || tokens.is(token, '?')) token++;
    if (isTypeAllowed && tokens.is(token, ':')) token = this.skipType(token + 1, (at) => tokens.is(at, '='));
    return token !== -1 && tokens.is(token, '=') ? this.functionValueAt(token + 1) : -1;
  }

  /**
   * When the value starting at `index` is a function or class, the token that says so: the `function`
   * or `class` keyword, or an arrow function's `=>`. -1 for any other value (a call, an object).
   */
  functionValueAt(index: number): number {
    const { tokens } = this;
    let token = index;
    if (tokens.is(token, 'async') && !tokens.is(token + 1, '=>') && tokens.lineOf(token + 1) === tokens.lineOf(token)) token++;
    if (tokens.is(token, 'function') || tokens.is(token, 'class')) return token;
    if (tokens.kindOf(token) === NAME) return tokens.is(token + 1, '=>') ? token + 1 : -1;
    const open = this.skipTypeParameters(token);
    if (!tokens.is(open, '(')) return -1;
    const close = tokens.closerOf(open);
    if (close === -1) return -1;
    if (tokens.is(close + 1, '=>')) return close + 1;
    if (!tokens.is(close + 1, ':')) return -1;
    const arrow = this.skipType(close + 2, (at) => tokens.is(at, '=>'));
    return arrow !== -1 && tokens.is(arrow, '=>') ? arrow : -1;
  }

  /**
   * The last token of an arrow function's expression body starting at `index`: up to a `;` or `,` or
   * a closing bracket outside it, or a line break where the statement cannot go on.
   */
  expressionEnd(index: number): number {
    const { tokens } = this;
    let token = index;
    for (; token < tokens.count; token++) {
      if (--this.expressionBudget < 0) return index;
      if (token > index && tokens.endLineOf(token - 1) < tokens.lineOf(token) && !continuesAfter(tokens, token - 1) && !continuesBefore(tokens, token)) {
        return token - 1;
      }
      if (tokens.kindOf(token) !== PUNCTUATION) continue;
      if (tokens.is(token, '(') || tokens.is(token, '[') || tokens.is(token, '{')) {
        const close = tokens.closerOf(token);
        if (close === -1) return tokens.count - 1;
        token = close;
      } else if (tokens.is(token, ';')) {
        return token;
      } else if (tokens.is(token, ',') || tokens.is(token, ')') || tokens.is(token, ']') || tokens.is(token, '}')) {
        return token - 1;
      }
    }
    return tokens.count - 1;
  }

  /** The `(` that the `)` at `index` closes, looking back a short way; -1 when there is none near. */
  openerBefore(index: number): number {
    const { tokens } = this;
    for (let token = index - 1, steps = 0; token >= 0 && steps < LOOK_LIMIT && --this.lookBudget > 0; token--, steps++) {
      if (tokens.closerOf(token) === index) return token;
    }
    return -1;
  }

  /** The token after type parameters (`<T extends X>`) at `index`, or `index` when there are none. */
  private skipTypeParameters(index: number): number {
    const { tokens } = this;
    if (!tokens.is(index, '<')) return index;
    let depth = 0;
    for (let token = index, steps = 0; token < tokens.count && steps < LOOK_LIMIT && --this.lookBudget > 0; token++, steps++) {
      if (tokens.is(token, '<')) depth++;
      else if (tokens.is(token, '>') && --depth === 0) return token + 1;
      else if (tokens.is(token, '(') || tokens.is(token, '[') || tokens.is(token, '{')) {
        token = tokens.closerOf(token);
        if (token === -1) return -1;
      } else if (tokens.is(token, ';') || tokens.is(token, ')') || tokens.is(token, '}')) {
        return -1;
      }
    }
    return -1;
  }

  /**
   * Skips a type annotation starting at `index` up to the first token at its level for which `isEnd`
   * holds (a body `{`, an `=`, an `=>`); -1 when the annotation ends first. A `{` after `:`, `|`, `<`
   * or the like is an object type, not a body.
   */
  private skipType(index: number, isEnd: (token: number) => boolean): number {
    const { tokens } = this;
    // Angle brackets are not matched by the tokenizer (they are also operators), so counted here:
    // the `,` in `Map<string, number>` does not end the type.
    let angleDepth = 0;
    for (let token = index, steps = 0; token < tokens.count && steps < LOOK_LIMIT && --this.lookBudget > 0; token++, steps++) {
      const isTypeLiteral = tokens.is(token, '{') && (token === index || TYPE_CONTINUATIONS.has(tokens.textOf(token - 1)));
      if (angleDepth === 0 && !isTypeLiteral && isEnd(token)) return token;
      // A line that neither the line before nor this one continues is a new member or statement:
      // `abstract step(): void` followed by the next method, without a semicolon.
      if (token > index && tokens.endLineOf(token - 1) < tokens.lineOf(token) && !TYPE_CONTINUATIONS.has(tokens.textOf(token - 1)) && !TYPE_LINE_STARTS.has(tokens.textOf(token))) {
        return -1;
      }
      if (tokens.is(token, '(') || tokens.is(token, '[') || tokens.is(token, '{')) {
        token = tokens.closerOf(token);
        if (token === -1) return -1;
      } else if (tokens.is(token, '<')) {
        angleDepth++;
      } else if (tokens.is(token, '>') && angleDepth > 0) {
        angleDepth--;
      } else if (angleDepth === 0 && (STOPS.has(tokens.textOf(token)) || tokens.is(token, '='))) {
        return -1;
      }
    }
    return -1;
  }
}

/** How many tokens a look at a header may walk: headers and type annotations are short. */
const LOOK_LIMIT = 512;
/** Tokens that end a header's look. */
const STOPS = new Set([';', ',', ')', ']', '}']);
/** Tokens after which a type goes on (so a `{` after them is an object type). */
const TYPE_CONTINUATIONS = new Set([':', '|', '&', '<', ',', '(', '=>', '[', '?', '.', 'keyof', 'typeof', 'extends', 'is', 'readonly', 'infer', 'new', 'asserts', 'unique']);
/** Tokens that continue a type from the line before. */
const TYPE_LINE_STARTS = new Set(['|', '&', '>', '{', '.', '[', ')', '=>', '?', ':', '=', 'extends']);

/** Operators a line can end with when the expression goes on to the next. */
const NO_CONTINUATION_AFTER = new Set([')', ']', '}', '++', '--']);
const CONTINUING_WORDS = new Set(['typeof', 'new', 'await', 'in', 'of', 'instanceof', 'void', 'delete', 'yield', 'as', 'satisfies', 'async']);
/** Tokens that, first on a line, continue the expression of the line before. */
const CONTINUING_LINE_STARTS = new Set([
  '.', '?.', '?', ':', '=>', '+', '-', '*', '/', '%', '**', '==', '===', '!=', '!==', '<', '>', '<=', '>=', '&&', '||', '??',
  '&', '|', '^', '=', ',', ')', ']', '}', 'instanceof', 'in', 'as', 'satisfies',
]);

function continuesAfter(tokens: JavaScriptTokens, token: number): boolean {
  const kind = tokens.kindOf(token);
  if (kind === PUNCTUATION) return !NO_CONTINUATION_AFTER.has(tokens.textOf(token));
  return kind === NAME && CONTINUING_WORDS.has(tokens.textOf(token));
}

function continuesBefore(tokens: JavaScriptTokens, token: number): boolean {
  return CONTINUING_LINE_STARTS.has(tokens.textOf(token));
}
