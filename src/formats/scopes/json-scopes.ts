import { decodeJsonString, JsonTokenizer, type JsonToken } from './json-tokens.js';
import { chainWith, NO_SCOPES, scopeIndexFromChains, type Scope, type ScopeIndex } from './scope-index.js';
import { countLines, decodeSource } from './source-lines.js';

/**
 * Indexes the keys of a JSON file (JSONC and JSON5 too): each line is enclosed by the keys of the
 * objects it is inside, outermost first, and by the key whose value it is on. In a DeepSpeed config,
 * `"stage": 3` inside `"zero_optimization": {` is enclosed by `zero_optimization` and `stage`. Array
 * elements take their array's key, so the keys of the objects in an array nest under it.
 *
 * A line with several keys or values is enclosed by the keys of each of them, so that in a compact or
 * minified config (`{"model": "x", "safety_checker": {"enabled": false}}`) no key hides behind the
 * first one on its line; a line with punctuation only takes the keys its punctuation is in, and a
 * line with no token (blank, a comment) the keys of the object or array it is inside. Malformed input
 * degrades: a missing comma or colon is read past, an unmatched bracket closes what is open. It never
 * throws.
 */
export function findJsonScopes(source: string | Buffer): ScopeIndex {
  const text = decodeSource(source);
  const lineCount = countLines(text);
  const chains = new JsonChainReader(text).read(lineCount);
  return scopeIndexFromChains(chains, lineCount);
}

interface Container {
  readonly isObject: boolean;
  /** The keys enclosing everything inside this container. */
  readonly chain: readonly Scope[];
}

/** Where an object is between its tokens: what a string there would be. */
type ObjectState = 'key' | 'colon' | 'value' | 'comma';

class JsonChainReader {
  private readonly text: string;
  private readonly stack: Container[] = [];
  private objectState: ObjectState = 'key';
  /** The chain of the last key read, for its colon and its value. */
  private keyChain: readonly Scope[] = NO_SCOPES;
  private readonly chains: (readonly Scope[])[] = [];
  /** A line whose chain came from punctuation only, so a later key or value on it may still set it. */
  private tentativeLine = 0;
  /**
   * The scopes of the keys and values read so far on the last line, when there are several chains;
   * written to the line's chain once the line is done, so a minified file costs no more than its keys.
   */
  private lineScopes: Set<Scope> | null = null;

  constructor(text: string) {
    this.text = text;
  }

  read(lineCount: number): (readonly Scope[])[] {
    const tokenizer = new JsonTokenizer(this.text);
    for (let token = tokenizer.next(); token !== null; token = tokenizer.next()) {
      this.fillUntil(token.line - 1, this.containerChain);
      this.assign(token, this.chainOf(token));
    }
    this.settleLine();
    this.fillUntil(lineCount, this.containerChain);
    this.chains.length = lineCount;
    return this.chains;
  }

  private get containerChain(): readonly Scope[] {
    return this.stack[this.stack.length - 1]?.chain ?? NO_SCOPES;
  }

  /** Gives lines up to `line` that no token has reached the chain `chain`. */
  private fillUntil(line: number, chain: readonly Scope[]): void {
    if (this.chains.length < line) this.settleLine();
    while (this.chains.length < line) this.chains.push(chain);
  }

  private assign(token: JsonToken, chain: readonly Scope[]): void {
    // Punctuation says less about a line than a key or value after it on the same line: `{"name": "a"},`
    // in an array is about `name`.
    const isWeak = token.kind === ',' || token.kind === ':' || token.kind === '{' || token.kind === '[';
    if (this.chains.length < token.line) {
      this.settleLine();
      this.chains.push(chain);
      this.tentativeLine = isWeak ? token.line : 0;
    } else if (this.tentativeLine === token.line && !isWeak) {
      this.chains[token.line - 1] = chain;
      this.tentativeLine = 0;
    } else if (!isWeak && this.tentativeLine !== token.line && this.chains.length === token.line) {
      this.addToLine(token.line, chain);
    }
    this.fillUntil(token.endLine, chain);
  }

  /** Encloses `line` (the last one read) by the scopes of `chain` as well as those it already has. */
  private addToLine(line: number, chain: readonly Scope[]): void {
    const current = this.chains[line - 1] as readonly Scope[];
    if (this.lineScopes === null && current === chain) return;
    this.lineScopes ??= new Set(current);
    for (const scope of chain) this.lineScopes.add(scope);
  }

  /** Writes the scopes gathered for the last line into its chain. */
  private settleLine(): void {
    if (this.lineScopes === null) return;
    const line = this.chains.length;
    if (this.lineScopes.size > (this.chains[line - 1] as readonly Scope[]).length) this.chains[line - 1] = Object.freeze([...this.lineScopes]);
    this.lineScopes = null;
  }

  /** Reads `token` into the reader's state and returns the chain of the line it starts. */
  private chainOf(token: JsonToken): readonly Scope[] {
    const container = this.stack[this.stack.length - 1];
    const isInObject = container?.isObject === true;
    switch (token.kind) {
      case ':':
        if (isInObject && this.objectState === 'colon') this.objectState = 'value';
        return isInObject ? this.keyChain : this.containerChain;
      case ',':
        if (isInObject) this.objectState = 'key';
        return this.containerChain;
      case '}':
      case ']': {
        const chain = this.containerChain;
        this.stack.pop();
        this.objectState = 'comma';
        return chain;
      }
      default:
        break;
    }
    const isKey = isInObject && (token.kind === 'string' || token.kind === 'literal') && (this.objectState === 'key' || this.objectState === 'comma');
    if (isKey) {
      const key: Scope = Object.freeze({ kind: 'key', name: decodeJsonString(this.text, token), line: token.line });
      this.keyChain = chainWith(this.containerChain, key);
      this.objectState = 'colon';
      return this.keyChain;
    }
    const chain = isInObject && (this.objectState === 'colon' || this.objectState === 'value') ? this.keyChain : this.containerChain;
    if (isInObject) this.objectState = 'comma';
    if (token.kind === '{' || token.kind === '[') {
      this.stack.push({ isObject: token.kind === '{', chain });
      this.objectState = 'key';
    }
    return chain;
  }
}
