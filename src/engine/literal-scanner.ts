/**
 * Finds, in one pass over a line, which of many literals it contains (ASCII letters compared
 * without case): an Aho-Corasick automaton, compiled to a table with a row of 128 next states per
 * state so that each character costs one lookup.
 */
export class LiteralScanner {
  private readonly table: Int32Array;
  /** For each state, the groups of the literals that end there (its own and its suffixes'). */
  private readonly outputs: ReadonlyArray<readonly number[] | null>;

  /** `literals[i]` is lower-cased ASCII and belongs to group `groups[i]`. */
  constructor(literals: readonly string[], groups: readonly number[]) {
    const children: Array<Map<number, number>> = [new Map()];
    const ends: number[][] = [[]];
    literals.forEach((literal, index) => {
      let state = 0;
      for (let i = 0; i < literal.length; i++) {
        const code = literal.charCodeAt(i);
        if (code >= 0x80) throw new RangeError(`not ASCII: ${JSON.stringify(literal)}`);
        let next = children[state]!.get(code);
        if (next === undefined) {
          next = children.length;
          children.push(new Map());
          ends.push([]);
          children[state]!.set(code, next);
        }
        state = next;
      }
      ends[state]!.push(groups[index]!);
    });

    const count = children.length;
    const table = new Int32Array(count * 128);
    const fail = new Int32Array(count);
    const outputs: Array<number[] | null> = new Array(count).fill(null);
    // Breadth first, so a state's fail link (a shorter suffix) is complete before the state.
    const queue: number[] = [0];
    for (let head = 0; head < queue.length; head++) {
      const state = queue[head]!;
      const own = ends[state]!;
      const inherited = state === 0 ? null : (outputs[fail[state]!] ?? null);
      outputs[state] = own.length === 0 ? inherited : [...new Set([...own, ...(inherited ?? [])])];
      for (let code = 0; code < 128; code++) {
        const child = children[state]!.get(code);
        if (child === undefined) {
          table[state * 128 + code] = state === 0 ? 0 : table[fail[state]! * 128 + code]!;
        } else {
          fail[child] = state === 0 ? 0 : table[fail[state]! * 128 + code]!;
          table[state * 128 + code] = child;
          queue.push(child);
        }
      }
    }
    this.table = table;
    this.outputs = outputs;
  }

  /**
   * Calls `onGroup` for the group of each literal found in `text` (a group may be reported more than
   * once). Returns false, part way, when `text` holds a character outside ASCII: Unicode case folding
   * (`ſ` matches `s`) puts such a line beyond this comparison, and the caller must treat every group
   * as found.
   */
  scan(text: string, onGroup: (group: number) => void): boolean {
    const table = this.table;
    const outputs = this.outputs;
    let state = 0;
    for (let i = 0; i < text.length; i++) {
      let code = text.charCodeAt(i);
      if (code >= 0x80) return false;
      if (code >= 0x41 && code <= 0x5a) code |= 0x20;
      state = table[(state << 7) | code]!;
      const found = outputs[state];
      if (found !== null && found !== undefined) for (let k = 0; k < found.length; k++) onGroup(found[k]!);
    }
    return true;
  }
}
