/** A Python literal as numpy writes in .npy headers: dicts, tuples, lists, strings, ints, booleans, None. */
export type PythonLiteral = string | number | boolean | null | PythonLiteral[] | { [key: string]: PythonLiteral };

/** Nesting deeper than this is not a numpy header (structured dtypes nest a few levels). */
const MAX_DEPTH = 32;

/**
 * Parses the literal subset numpy's `np.lib.format` writes, without `eval`: the header of an .npy
 * file is attacker-written text. Returns null on anything outside the subset.
 */
export function parsePythonLiteral(text: string): PythonLiteral | null {
  const parser = new LiteralParser(text);
  try {
    const value = parser.value(0);
    parser.skipSpace();
    return parser.atEnd() ? value : null;
  } catch {
    return null;
  }
}

class LiteralParser {
  private at = 0;

  constructor(private readonly text: string) {}

  atEnd(): boolean {
    return this.at >= this.text.length;
  }

  skipSpace(): void {
    while (/\s/.test(this.text[this.at] ?? '')) this.at++;
  }

  value(depth: number): PythonLiteral {
    if (depth > MAX_DEPTH) throw new Error('too deep');
    this.skipSpace();
    const char = this.text[this.at];
    if (char === '{') return this.dict(depth);
    if (char === '(' || char === '[') return this.sequence(char === '(' ? ')' : ']', depth);
    if (char === "'" || char === '"') return this.string();
    const word = /^(True|False|None|[+-]?\d+)/.exec(this.text.slice(this.at, this.at + 32))?.[0];
    if (word === undefined) throw new Error('unexpected');
    this.at += word.length;
    return word === 'True' ? true : word === 'False' ? false : word === 'None' ? null : Number(word);
  }

  private dict(depth: number): PythonLiteral {
    this.at++;
    const entries: Array<[string, PythonLiteral]> = [];
    for (;;) {
      this.skipSpace();
      if (this.eat('}')) return Object.fromEntries(entries);
      const key = this.value(depth + 1);
      if (typeof key !== 'string') throw new Error('key');
      this.skipSpace();
      if (!this.eat(':')) throw new Error('colon');
      entries.push([key, this.value(depth + 1)]);
      this.skipSpace();
      if (!this.eat(',') && this.text[this.at] !== '}') throw new Error('comma');
    }
  }

  private sequence(close: string, depth: number): PythonLiteral {
    this.at++;
    const items: PythonLiteral[] = [];
    for (;;) {
      this.skipSpace();
      if (this.eat(close)) return items;
      items.push(this.value(depth + 1));
      this.skipSpace();
      if (!this.eat(',') && this.text[this.at] !== close) throw new Error('comma');
    }
  }

  /** Numpy writes dtype strings with repr(): plain characters, no escapes beyond a backslash pair. */
  private string(): string {
    const quote = this.text[this.at++] as string;
    let out = '';
    while (this.at < this.text.length) {
      const char = this.text[this.at++] as string;
      if (char === quote) return out;
      if (char === '\\') {
        out += this.text[this.at++] ?? '';
        continue;
      }
      out += char;
    }
    throw new Error('unterminated');
  }

  private eat(char: string): boolean {
    if (this.text[this.at] !== char) return false;
    this.at++;
    return true;
  }
}
