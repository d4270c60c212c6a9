import { LiteralScanner } from './literal-scanner.js';

/**
 * Tells compiled globs whether a path holds any of their literals, for every glob at once: one
 * Aho-Corasick pass per path (see LiteralScanner) instead of one `includes` per brace alternative
 * per glob. A rule set has a few hundred globs, some of which expand to a hundred alternatives
 * (`**\/{bin,.local/bin,…}/{kill,timeout,…}`), and a history of many thousand paths asks them all
 * about each new path.
 *
 * Literals are compared with their case, as globs are, so "no literal here" means exactly what a
 * failed `includes` did; "some literal here" only lets the glob's own regular expression decide.
 */
export class PathLiterals {
  private readonly ids = new Map<string, number>();
  private scanner: LiteralScanner | null = null;
  /** Per literal id, the number of the last scan that found it. */
  private seenIn = new Int32Array(0);
  private scanNumber = 0;
  private scannedPath: string | null = null;
  private readonly markSeen = (id: number): void => {
    this.seenIn[id] = this.scanNumber;
  };

  /**
   * Ids for a glob's literals, to pass to holdsAny; null when they cannot be looked for this way
   * (a literal outside ASCII, or the scanner already built: globs made during a scan, from an
   * ignore file say, keep their own check).
   */
  register(literals: readonly string[]): readonly number[] | null {
    if (this.scanner !== null) return null;
    if (literals.some((literal) => !/^[\x00-\x7f]+$/.test(literal))) return null;
    const ids = new Set<number>();
    for (const literal of literals) {
      let id = this.ids.get(literal);
      if (id === undefined) {
        id = this.ids.size;
        this.ids.set(literal, id);
      }
      ids.add(id);
    }
    return [...ids];
  }

  /** Whether `path` holds one of the literals `ids` stand for. */
  holdsAny(path: string, ids: readonly number[]): boolean {
    if (path !== this.scannedPath) this.scan(path);
    for (let i = 0; i < ids.length; i++) if (this.seenIn[ids[i]!] === this.scanNumber) return true;
    return false;
  }

  private scan(path: string): void {
    if (this.scanner === null) {
      this.scanner = new LiteralScanner([...this.ids.keys()], [...this.ids.values()], { caseSensitive: true });
      this.seenIn = new Int32Array(this.ids.size);
    }
    this.scanNumber++;
    this.scannedPath = path;
    this.scanner.scan(path, this.markSeen);
  }
}
