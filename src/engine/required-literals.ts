/**
 * What a regular expression needs to find in a line before it can match there: a set of literals,
 * lower-cased ASCII, at least one of which every match contains (compared case-insensitively).
 * gitleaks asks rule authors for such keywords; we work them out from the pattern, so a rule cannot
 * be written with keywords that miss what its pattern matches.
 *
 * Soundness is the point: a literal set that a match could avoid would hide edits. Every construct
 * either contributes exactly what it matches or is treated as unknown, which only costs speed:
 * character classes other than a few plain characters, `.`, `\w`-style escapes, back-references,
 * non-ASCII characters and unbounded or optional repeats are unknown; anchors and lookarounds match
 * no characters. The analysis follows RE2's prefilter: each node knows either the exact, small set of
 * strings it matches or a set of substrings one of which it needs.
 */

/** Exact sets and products are kept up to this many strings. */
const MAX_SET = 64;

interface Info {
  /** Every string the node can match (lower-cased), when few and known; else null. */
  readonly exact: ReadonlySet<string> | null;
  /** Substrings one of which every match contains; null when nothing is required. */
  readonly required: ReadonlySet<string> | null;
}

const EMPTY: Info = { exact: new Set(['']), required: null };
const UNKNOWN: Info = { exact: null, required: null };

/**
 * The literals one of which every match of `source` contains, or null when the pattern requires
 * none we can name (it must then be tried on every line). `source` must be a valid pattern in
 * Unicode mode; anything the parser does not recognise makes the answer null.
 */
export function requiredLiterals(source: string): string[] | null {
  let info: Info;
  try {
    const parser = new Parser(source);
    info = parser.parseDisjunction();
    if (!parser.isAtEnd()) return null;
  } catch {
    return null;
  }
  const required = requiredOf(info);
  if (required === null || required.size === 0) return null;
  return [...required].sort();
}

function requiredOf(info: Info): ReadonlySet<string> | null {
  if (info.exact !== null) return info.exact.has('') ? null : info.exact;
  return info.required;
}

/** The more selective of two requirements: longer shortest literal, then fewer literals. */
function better(a: ReadonlySet<string> | null, b: ReadonlySet<string> | null): ReadonlySet<string> | null {
  if (a === null) return b;
  if (b === null) return a;
  const shortestA = Math.min(...[...a].map((s) => s.length));
  const shortestB = Math.min(...[...b].map((s) => s.length));
  if (shortestA !== shortestB) return shortestA > shortestB ? a : b;
  return a.size <= b.size ? a : b;
}

function concat(a: Info, b: Info): Info {
  if (a.exact !== null && b.exact !== null && a.exact.size * b.exact.size <= MAX_SET) {
    const product = new Set<string>();
    for (const x of a.exact) for (const y of b.exact) product.add(x + y);
    return { exact: product, required: null };
  }
  return { exact: null, required: better(requiredOf(a), requiredOf(b)) };
}

function alternate(a: Info, b: Info): Info {
  if (a.exact !== null && b.exact !== null) {
    const union = new Set([...a.exact, ...b.exact]);
    if (union.size <= MAX_SET) return { exact: union, required: null };
  }
  const ra = requiredOf(a);
  const rb = requiredOf(b);
  return { exact: null, required: ra === null || rb === null ? null : new Set([...ra, ...rb]) };
}

function repeat(info: Info, min: number, max: number): Info {
  if (min === 1 && max === 1) return info;
  if (min === 0) {
    if (max === 1 && info.exact !== null && info.exact.size < MAX_SET) return { exact: new Set(['', ...info.exact]), required: null };
    return UNKNOWN;
  }
  return { exact: null, required: requiredOf(info) };
}

function literal(char: string): Info {
  const code = char.charCodeAt(0);
  if (char.length !== 1 || code >= 0x80) return UNKNOWN;
  // One Info per character, shared: nothing changes an Info once made, and a rule set's patterns
  // hold thousands of literal characters.
  return (LITERALS[code] ??= { exact: new Set([char.toLowerCase()]), required: null });
}

const LITERALS: Array<Info | undefined> = [];

class Parser {
  private position = 0;

  constructor(private readonly source: string) {}

  isAtEnd(): boolean {
    return this.position >= this.source.length;
  }

  parseDisjunction(): Info {
    let info = this.parseAlternative();
    while (this.peek() === '|') {
      this.position++;
      info = alternate(info, this.parseAlternative());
    }
    return info;
  }

  /**
   * A sequence of terms. Consecutive terms with exact sets are joined into runs (`return` is one
   * literal, not six letters); the sequence needs the most selective requirement among its runs
   * and other terms, and is exact only if all of it is one run.
   */
  private parseAlternative(): Info {
    let run: Info = EMPTY;
    let best: ReadonlySet<string> | null = null;
    let isOneRun = true;
    while (!this.isAtEnd() && this.peek() !== '|' && this.peek() !== ')') {
      const term = this.parseTerm();
      if (term.exact !== null) {
        const joined = concat(run, term);
        if (joined.exact !== null) {
          run = joined;
          continue;
        }
        // Too many combinations: the run so far ends here and a new one starts.
        best = better(best, requiredOf(run));
        run = term;
        isOneRun = false;
        continue;
      }
      best = better(better(best, requiredOf(run)), term.required);
      run = EMPTY;
      isOneRun = false;
    }
    if (isOneRun) return run;
    return { exact: null, required: better(best, requiredOf(run)) };
  }

  private parseTerm(): Info {
    const atom = this.parseAtom();
    const quantifier = this.parseQuantifier();
    if (quantifier === null) return atom.info;
    // A quantified assertion still matches no characters.
    if (atom.isAssertion) return EMPTY;
    return repeat(atom.info, quantifier.min, quantifier.max);
  }

  private parseQuantifier(): { min: number; max: number } | null {
    const char = this.peek();
    let result: { min: number; max: number } | null = null;
    if (char === '*') result = { min: 0, max: Infinity };
    else if (char === '+') result = { min: 1, max: Infinity };
    else if (char === '?') result = { min: 0, max: 1 };
    else if (char === '{') {
      const match = /^\{(\d+)(?:(,)(\d*))?\}/.exec(this.source.slice(this.position));
      if (!match) return null;
      const min = Number(match[1]);
      const max = match[2] === undefined ? min : match[3] === '' ? Infinity : Number(match[3]);
      this.position += match[0].length;
      if (this.peek() === '?') this.position++;
      return { min, max };
    }
    if (result === null) return null;
    this.position++;
    if (this.peek() === '?') this.position++;
    return result;
  }

  private parseAtom(): { info: Info; isAssertion: boolean } {
    const char = this.next();
    switch (char) {
      case '^':
      case '$':
        return { info: EMPTY, isAssertion: true };
      case '.':
        return { info: UNKNOWN, isAssertion: false };
      case '(':
        return this.parseGroup();
      case '[':
        return { info: this.parseClass(), isAssertion: false };
      case '\\':
        return this.parseEscape();
      case ')':
      case '|':
      case '*':
      case '+':
      case '?':
        throw new Error('unexpected character');
      default:
        return { info: literal(char), isAssertion: false };
    }
  }

  private parseGroup(): { info: Info; isAssertion: boolean } {
    let isAssertion = false;
    if (this.source.startsWith('?:', this.position)) {
      this.position += 2;
    } else if (/^\?<?[=!]/.test(this.source.slice(this.position, this.position + 3))) {
      // Lookarounds: whatever they look at, they consume nothing.
      this.position += this.source[this.position + 1] === '<' ? 3 : 2;
      isAssertion = true;
    } else if (this.source.startsWith('?<', this.position)) {
      const end = this.source.indexOf('>', this.position);
      if (end === -1) throw new Error('unterminated group name');
      this.position = end + 1;
    } else if (this.peek() === '?') {
      // A modifier group or anything else we do not know.
      throw new Error('unknown group');
    }
    const inner = this.parseDisjunction();
    if (this.next() !== ')') throw new Error('unterminated group');
    return { info: isAssertion ? EMPTY : inner, isAssertion };
  }

  private parseEscape(): { info: Info; isAssertion: boolean } {
    const char = this.next();
    switch (char) {
      case 'b':
      case 'B':
        return { info: EMPTY, isAssertion: true };
      case 't':
        return { info: literal('\t'), isAssertion: false };
      case 'n':
        return { info: literal('\n'), isAssertion: false };
      case 'r':
        return { info: literal('\r'), isAssertion: false };
      case 'x': {
        const hex = this.take(/^[0-9A-Fa-f]{2}/);
        return { info: literal(String.fromCharCode(parseInt(hex, 16))), isAssertion: false };
      }
      case 'u': {
        if (this.peek() === '{') {
          this.take(/^\{[0-9A-Fa-f]+\}/);
          return { info: UNKNOWN, isAssertion: false };
        }
        const hex = this.take(/^[0-9A-Fa-f]{4}/);
        return { info: literal(String.fromCharCode(parseInt(hex, 16))), isAssertion: false };
      }
      case 'p':
      case 'P':
        this.take(/^\{[^}]*\}/);
        return { info: UNKNOWN, isAssertion: false };
      case 'k':
        this.take(/^<[^>]*>/);
        return { info: UNKNOWN, isAssertion: false };
      case 'c':
        this.take(/^[A-Za-z]/);
        return { info: UNKNOWN, isAssertion: false };
      default:
        // \d \D \w \W \s \S \f \v \0 and back-references stand for characters we do not name; in
        // Unicode mode every other escape is a syntax character standing for itself.
        if (/^[A-Za-z0-9]$/.test(char)) {
          if (/^[1-9]$/.test(char)) this.take(/^\d*/);
          return { info: UNKNOWN, isAssertion: false };
        }
        return { info: literal(char), isAssertion: false };
    }
  }

  /** A class of a few plain characters is their set; anything else is unknown. */
  private parseClass(): Info {
    const members = new Set<string>();
    let isPlain = true;
    if (this.peek() === '^') {
      isPlain = false;
      this.position++;
    }
    let first = true;
    while (true) {
      if (this.isAtEnd()) throw new Error('unterminated class');
      let char = this.next();
      if (char === ']' && !first) break;
      first = false;
      if (char === ']') {
        // In Unicode mode `[]` is the empty class and `]` cannot open a class's members.
        return { exact: null, required: null };
      }
      if (char === '\\') {
        const escaped = this.next();
        if (/^[A-Za-z0-9]$/.test(escaped)) {
          if (escaped === 'u' || escaped === 'x' || escaped === 'p' || escaped === 'P' || escaped === 'c') this.skipEscapeBody(escaped);
          isPlain = false;
          continue;
        }
        char = escaped;
      }
      if (this.peek() === '-' && this.source[this.position + 1] !== ']') {
        // A range: plain only when short.
        this.position++;
        let end = this.next();
        if (end === '\\') {
          end = this.next();
          if (/^[A-Za-z0-9]$/.test(end)) {
            if (end === 'u' || end === 'x' || end === 'c') this.skipEscapeBody(end);
            isPlain = false;
            continue;
          }
        }
        const from = char.charCodeAt(0);
        const to = end.charCodeAt(0);
        if (to - from > 8 || to >= 0x80) isPlain = false;
        else for (let code = from; code <= to; code++) members.add(String.fromCharCode(code).toLowerCase());
        continue;
      }
      if (char.charCodeAt(0) >= 0x80) isPlain = false;
      members.add(char.toLowerCase());
    }
    if (!isPlain || members.size === 0 || members.size > 8) return UNKNOWN;
    return { exact: members, required: null };
  }

  private skipEscapeBody(kind: string): void {
    if (kind === 'x') this.take(/^[0-9A-Fa-f]{2}/);
    else if (kind === 'c') this.take(/^[A-Za-z]/);
    else if (kind === 'p' || kind === 'P') this.take(/^\{[^}]*\}/);
    else if (this.peek() === '{') this.take(/^\{[0-9A-Fa-f]+\}/);
    else this.take(/^[0-9A-Fa-f]{4}/);
  }

  private take(pattern: RegExp): string {
    const match = pattern.exec(this.source.slice(this.position));
    if (!match) throw new Error('malformed escape');
    this.position += match[0].length;
    return match[0];
  }

  private peek(): string | undefined {
    return this.source[this.position];
  }

  private next(): string {
    const char = this.source[this.position];
    if (char === undefined) throw new Error('unexpected end');
    this.position++;
    return char;
  }
}
