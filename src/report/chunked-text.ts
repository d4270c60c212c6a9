/**
 * Characters gathered into one chunk: a report of thousands of incidents is then written in a few
 * hundred writes (each a system call and, on a stream, a wait) rather than one per incident. Kept
 * under V8's large-object size (128 KiB, and a character may take two bytes): a larger string goes
 * to a space that only a full collection frees, which put the report's whole text in the peak RSS.
 */
const CHUNK_CHARS = 32 * 1024;

/** How a list of items is written between its head and its tail. */
export interface ChunkedLayout {
  readonly head: string;
  /** Written before the first item, and between two. */
  readonly beforeFirst: string;
  readonly between: string;
  readonly tail: (isEmpty: boolean) => string;
}

/**
 * The head, the items and the tail as text in pieces of about CHUNK_CHARS, taking one item at a
 * time, so a report of any size is written without building one string.
 */
export function* chunkedText(layout: ChunkedLayout, items: Iterable<string>): Generator<string> {
  let pending = [layout.head];
  let pendingChars = 0;
  let isFirst = true;
  for (const item of items) {
    pending.push(isFirst ? layout.beforeFirst : layout.between, item);
    pendingChars += item.length + layout.between.length;
    isFirst = false;
    if (pendingChars >= CHUNK_CHARS) {
      yield pending.join('');
      pending = [];
      pendingChars = 0;
    }
  }
  pending.push(layout.tail(isFirst));
  yield pending.join('');
}

export function* mapIterable<T, R>(items: Iterable<T>, fn: (item: T) => R): Generator<R> {
  for (const item of items) yield fn(item);
}
