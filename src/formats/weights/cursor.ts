import type { ByteSource } from './byte-source.js';

/** Thrown inside parsers when the input ends before a value does; parsers turn it into a problem. */
export class TruncatedInput extends Error {
  constructor(readonly offset: number) {
    super(`input ends at ${offset}`);
  }
}

const WINDOW_BYTES = 1024 * 1024;

/**
 * Sequential little-endian reading over a {@link ByteSource} through a window of about 1 MiB, for
 * headers whose size is only known once they are read (GGUF metadata, pickles, zip directories).
 * Call `need(n)` before the synchronous getters; reads past `end` throw {@link TruncatedInput}.
 */
export class SourceCursor {
  private window: Buffer = Buffer.alloc(0);
  /** Absolute offset of `window[0]`. */
  private windowStart: number;
  private pos: number;

  constructor(
    private readonly source: ByteSource,
    start = 0,
    /** Exclusive limit of what this cursor may read. */
    readonly end = source.size,
  ) {
    this.windowStart = start;
    this.pos = start;
  }

  get position(): number {
    return this.pos;
  }

  /** Bytes left before `end`. */
  get remaining(): number {
    return this.end - this.pos;
  }

  /** Bytes ready for the synchronous getters without another read. */
  get buffered(): number {
    const offset = this.pos - this.windowStart;
    return offset < 0 || offset > this.window.length ? 0 : this.window.length - offset;
  }

  /** Makes `count` bytes (at most the window size) ready, or throws {@link TruncatedInput}. */
  async need(count: number): Promise<void> {
    if (this.buffered >= count) return;
    if (count > this.remaining) throw new TruncatedInput(this.end);
    await this.load(this.pos, count);
  }

  /** Whether `count` bytes are ready now: lets hot loops skip an `await` when they are. */
  ready(count: number): boolean {
    return this.buffered >= count;
  }

  /**
   * Absolute offset of the next `byte` at or after the position and before `end`, or -1. Reads
   * window by window; stops looking after `limit` bytes (returning -1) so a missing newline
   * cannot make a caller scan gigabytes.
   */
  async indexOf(byte: number, limit = Infinity): Promise<number> {
    let from = this.pos;
    while (from < this.end && from - this.pos <= limit) {
      if (from < this.windowStart || from >= this.windowStart + this.window.length) await this.load(from, 1);
      const found = this.window.indexOf(byte, from - this.windowStart);
      if (found >= 0) return this.windowStart + found;
      from = this.windowStart + this.window.length;
    }
    return -1;
  }

  /** Fills the window from `at` with at least `count` bytes (the caller checked they exist). */
  private async load(at: number, count: number): Promise<void> {
    const length = Math.min(Math.max(count, WINDOW_BYTES), this.end - at);
    const bytes = await this.source.read(at, length);
    // Copy: a source may hand out a view that it reuses on its next read.
    this.window = Buffer.from(bytes);
    this.windowStart = at;
    if (this.window.length < count) throw new TruncatedInput(at + this.window.length);
  }

  /** A second cursor over the same range starting at `offset`, with its own window. */
  fork(offset: number): SourceCursor {
    return new SourceCursor(this.source, offset, this.end);
  }

  /** Moves forward without reading; a skip past `end` throws {@link TruncatedInput}. */
  skip(count: number): void {
    if (count > this.remaining) throw new TruncatedInput(this.end);
    this.pos += count;
  }

  /** `count` bytes (at most the window size; callers cap what they keep) copied out. */
  async bytes(count: number): Promise<Buffer> {
    if (count > WINDOW_BYTES) throw new RangeError(`cannot keep ${count} bytes at once`);
    await this.need(count);
    return Buffer.from(this.take(count));
  }

  u8(): number {
    return this.at(1).readUInt8(this.offsetInWindow(1));
  }
  u16(): number {
    return this.at(2).readUInt16LE(this.offsetInWindow(2));
  }
  u32(): number {
    return this.at(4).readUInt32LE(this.offsetInWindow(4));
  }
  i32(): number {
    return this.at(4).readInt32LE(this.offsetInWindow(4));
  }
  u64(): bigint {
    return this.at(8).readBigUInt64LE(this.offsetInWindow(8));
  }
  i64(): bigint {
    return this.at(8).readBigInt64LE(this.offsetInWindow(8));
  }
  f32(): number {
    return this.at(4).readFloatLE(this.offsetInWindow(4));
  }
  f64(): number {
    return this.at(8).readDoubleLE(this.offsetInWindow(8));
  }

  /** A view of the next `count` buffered bytes (valid until the next `need`), consumed. */
  take(count: number): Buffer {
    this.at(count);
    const start = this.offsetInWindow(count);
    return this.window.subarray(start, start + count);
  }

  /** Index of the next byte in the window, consuming `count`; `at` has checked they are ready. */
  private offsetInWindow(count: number): number {
    const start = this.pos - this.windowStart;
    this.pos += count;
    return start;
  }

  private at(count: number): Buffer {
    if (this.buffered < count) throw new TruncatedInput(this.pos + Math.max(0, this.buffered));
    return this.window;
  }
}
