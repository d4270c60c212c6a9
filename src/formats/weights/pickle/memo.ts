/**
 * The unpickler's memo, sized for pickles with millions of entries: Python's pickler numbers memo
 * entries 0, 1, 2, … so they live in a dense array (8 bytes each); indexes far from the end
 * (only hand-made pickles use those) go to a map. `size` counts distinct indexes, which is what
 * MEMOIZE uses as its next index, exactly as Python's `len(memo)`.
 */
export class PickleMemo<T> {
  private readonly dense: Array<T | undefined> = [];
  private readonly sparse = new Map<number, T>();
  private count = 0;

  /** How far past the end of the dense part an index may land and still extend it. */
  private static readonly DENSE_SLACK = 1024;

  constructor(private readonly maxEntries: number) {}

  get size(): number {
    return this.count;
  }

  get(index: number): T | undefined {
    return index < this.dense.length ? this.dense[index] : this.sparse.get(index);
  }

  /** Stores a value; false (and nothing stored) when a new index would pass the entry limit. */
  set(index: number, value: T): boolean {
    const isNew = this.get(index) === undefined;
    if (isNew && this.count >= this.maxEntries) return false;
    if (index < this.dense.length + PickleMemo.DENSE_SLACK && !this.sparse.has(index)) {
      while (this.dense.length < index) this.dense.push(undefined);
      this.dense[index] = value;
    } else {
      this.sparse.set(index, value);
    }
    if (isNew) this.count++;
    return true;
  }
}
