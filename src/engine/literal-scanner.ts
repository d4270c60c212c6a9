/**
 * Finds, in one pass over a line, which of many literals it contains (ASCII letters compared
 * without case, unless asked): an Aho-Corasick automaton compiled to a table, so each character costs one lookup.
 * Rows hold one column per character the literals use (plus one for all others) rather than 128:
 * a rule set's literals use about forty, and the table is a few MB smaller.
 */
export class LiteralScanner {
  /** Column of each ASCII code (after folding A-Z); 0 is every character no literal uses. */
  private readonly columns: Uint8Array;
  private readonly width: number;
  /** Per state, a row of `width` transitions, each the offset of the target state's row. */
  private readonly table: Int32Array;
  private readonly startRow: number;
  /** Rows from this one on belong to states where a literal ends. */
  private readonly firstLoudRow: number;
  /** For each such state, in row order, the groups of the literals that end there (its own and its suffixes'). */
  private readonly outputs: ReadonlyArray<readonly number[]>;

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
    // Renumbered so that the states where literals end come last, and each transition holds its
    // target's row offset: the scan then needs no multiply, and no lookup to know it found nothing.
    const quiet = queue.filter((state) => outputs[state] === null);
    const loud = queue.filter((state) => outputs[state] !== null);
    const renumbered = new Int32Array(children.length);
    [...quiet, ...loud].forEach((state, index) => {
      renumbered[state] = index;
    });
    const rows = new Int32Array(children.length * width);
    for (let state = 0; state < children.length; state++) {
      const row = renumbered[state]! * width;
      for (let column = 0; column < width; column++) rows[row + column] = renumbered[table[state * width + column]!]! * width;
    }
    this.columns = columns;
    this.width = width;
    this.table = rows;
    this.startRow = renumbered[0]! * width;
    this.firstLoudRow = quiet.length * width;
    this.outputs = loud.map((state) => outputs[state]!);
  }

  /**
   * Calls `onGroup` for the group of each literal found in `text` (a group may be reported more than
   * once). Without case, returns false, part way, when `text` holds a character outside ASCII: Unicode
   * case folding (`ſ` matches `s`) puts such a line beyond this comparison, and the caller must treat
   * every group as found. With case, such a character is one no literal holds, and it returns true.
   */
  scan(text: string, onGroup: (group: number) => void): boolean {
    const { columns, width, table, outputs, firstLoudRow } = this;
    let row = this.startRow;
    for (let i = 0; i < text.length; i++) {
      const code = text.charCodeAt(i);
      if (code >= 0x80 && !this.isCaseSensitive) return false;
      row = table[row + (code < 0x80 ? columns[code]! : 0)]!;
      if (row >= firstLoudRow) {
        const found = outputs[(row - firstLoudRow) / width]!;
        for (let k = 0; k < found.length; k++) onGroup(found[k]!);
      }
    }
    return true;
  }
}
