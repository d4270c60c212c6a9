/**
 * Finds, in one pass over a line, which of many literals it contains (ASCII letters compared
 * without case): an Aho-Corasick automaton compiled to a table, so each character costs one lookup.
 * Rows hold one column per character the literals use (plus one for all others) rather than 128:
 * a rule set's literals use about forty, and the table is a few MB smaller.
 */
export class LiteralScanner {
  /** Column of each ASCII code (after folding A-Z); 0 is every character no literal uses. */
  private readonly columns: Uint8Array;
  private readonly width: number;
  private readonly table: Int32Array;
  /** For each state, the groups of the literals that end there (its own and its suffixes'). */
  private readonly outputs: ReadonlyArray<readonly number[] | null>;

  /** Whether letters are compared with their case; if not, text outside ASCII cannot be scanned. */
  private readonly isCaseSensitive: boolean;

  /**
   * `literals[i]` is ASCII and belongs to group `groups[i]`. Unless `caseSensitive`, literals are
   * lower-cased and found in any letter case.
   */
  constructor(literals: readonly string[], groups: readonly number[], { caseSensitive = false }: { caseSensitive?: boolean } = {}) {
    const columns = new Uint8Array(128);
    let width = 1;
    for (const literal of literals) {
      for (let i = 0; i < literal.length; i++) {
        const code = literal.charCodeAt(i);
        if (code >= 0x80) throw new RangeError(`not ASCII: ${JSON.stringify(literal)}`);
        if (!caseSensitive && code >= 0x41 && code <= 0x5a) throw new RangeError(`not lower-cased: ${JSON.stringify(literal)}`);
        if (columns[code] === 0) columns[code] = width++;
      }
    }
    // Upper-case letters share their lower-case column.
    if (!caseSensitive) for (let code = 0x41; code <= 0x5a; code++) columns[code] = columns[code | 0x20]!;
    this.isCaseSensitive = caseSensitive;

    const children: Array<Map<number, number>> = [new Map()];
    const ends: number[][] = [[]];
    literals.forEach((literal, index) => {
      let state = 0;
      for (let i = 0; i < literal.length; i++) {
        const column = columns[literal.charCodeAt(i)]!;
        let next = children[state]!.get(column);
        if (next === undefined) {
          next = children.length;
          children.push(new Map());
          ends.push([]);
          children[state]!.set(column, next);
        }
        state = next;
      }
      ends[state]!.push(groups[index]!);
    });

    const table = new Int32Array(children.length * width);
    const fail = new Int32Array(children.length);
    const outputs: Array<number[] | null> = new Array<number[] | null>(children.length).fill(null);
    // Breadth first, so a state's fail link (a shorter suffix) is complete before the state.
    const queue: number[] = [0];
    for (let head = 0; head < queue.length; head++) {
      const state = queue[head]!;
      const own = ends[state]!;
      const inherited = state === 0 ? null : (outputs[fail[state]!] ?? null);
      outputs[state] = own.length === 0 ? inherited : [...new Set([...own, ...(inherited ?? [])])];
      // Missing transitions are the fail state's; then the state's own children.
      if (state !== 0) table.copyWithin(state * width, fail[state]! * width, fail[state]! * width + width);
      for (const [column, child] of children[state]!) {
        fail[child] = state === 0 ? 0 : table[fail[state]! * width + column]!;
        table[state * width + column] = child;
        queue.push(child);
      }
    }
    this.columns = columns;
    this.width = width;
    this.table = table;
    this.outputs = outputs;
  }

  /**
   * Calls `onGroup` for the group of each literal found in `text` (a group may be reported more than
   * once). Without case, returns false, part way, when `text` holds a character outside ASCII: Unicode
   * case folding (`ſ` matches `s`) puts such a line beyond this comparison, and the caller must treat
   * every group as found. With case, such a character is one no literal holds, and it returns true.
   */
  scan(text: string, onGroup: (group: number) => void): boolean {
    const { columns, width, table, outputs } = this;
    let state = 0;
    for (let i = 0; i < text.length; i++) {
      const code = text.charCodeAt(i);
      if (code >= 0x80 && !this.isCaseSensitive) return false;
      state = table[state * width + (code < 0x80 ? columns[code]! : 0)]!;
      const found = outputs[state];
      if (found !== null && found !== undefined) for (let k = 0; k < found.length; k++) onGroup(found[k]!);
    }
    return true;
  }
}
