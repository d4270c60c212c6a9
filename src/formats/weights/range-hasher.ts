import { createHash, type Hash } from 'node:crypto';
import type { ByteSource } from './byte-source.js';
import { withFileSource } from './byte-source.js';
import { WeightsReadError } from './errors.js';

/** A byte range of a source: `[offset, offset + length)`. */
export interface ByteRange {
  readonly offset: number;
  readonly length: number;
}

/** Reads this much at a time: large enough to run at disk speed, small enough to be flat in memory. */
export const HASH_CHUNK_BYTES = 4 * 1024 * 1024;

/** Gaps between ranges shorter than this are read through rather than skipped with a seek. */
const SKIP_GAP_BYTES = HASH_CHUNK_BYTES;

/**
 * sha256 of each range, in the order given, from ONE sequential pass over the source: ranges are
 * visited in offset order and every chunk read feeds each range it overlaps, so thousands of
 * tensors cost one read of the data, not one seek each. Overlapping ranges (a hostile file) are
 * hashed correctly too. With `wholeSource`, the same pass also returns the sha256 of every byte
 * of the source (at the price of hashing each byte twice).
 *
 * The next chunk is read while the current one is hashed, so disk and CPU work at the same time.
 */
export async function hashRanges(
  source: ByteSource,
  ranges: readonly ByteRange[],
  options: { wholeSource?: boolean; chunkBytes?: number } = {},
): Promise<{ rangeSha256: string[]; sourceSha256: string | null }> {
  for (const range of ranges) {
    if (range.offset < 0 || range.length < 0 || range.offset + range.length > source.size) {
      throw new RangeError(`range ${range.offset}+${range.length} is outside ${source.name} (${source.size} bytes)`);
    }
  }
  const whole = options.wholeSource ? createHash('sha256') : null;
  const hashes: Hash[] = ranges.map(() => createHash('sha256'));
  const order = ranges.map((_, index) => index).sort((a, b) => startOf(a) - startOf(b) || endOf(a) - endOf(b));
  const chunkBytes = options.chunkBytes ?? HASH_CHUNK_BYTES;

  function startOf(index: number): number {
    return (ranges[index] as ByteRange).offset;
  }
  function endOf(index: number): number {
    const range = ranges[index] as ByteRange;
    return range.offset + range.length;
  }

  let next = 0;
  let active: number[] = [];
  const spanEnd = whole ? source.size : order.reduce((end, index) => Math.max(end, endOf(index)), 0);
  /** Where the chunk after `from` starts: `from`, or the next range's start if nothing needs the gap. */
  const nextStart = (from: number): number => {
    if (whole || active.length > 0 || next >= order.length) return from;
    const target = startOf(order[next] as number);
    return target - from > SKIP_GAP_BYTES ? target : from;
  };

  const reader = new ChunkReader(source, chunkBytes);
  let position = nextStart(whole ? 0 : order.length > 0 ? startOf(order[0] as number) : 0);
  let pending = position < spanEnd ? reader.read(position, Math.min(chunkBytes, spanEnd - position)) : null;
  while (pending) {
    const chunk = await pending;
    const chunkStart = position;
    const chunkEnd = chunkStart + chunk.length;
    while (next < order.length && startOf(order[next] as number) <= chunkEnd) active.push(order[next++] as number);
    position = nextStart(chunkEnd);
    // Ask for the next chunk before hashing this one; `reader` alternates between two buffers.
    pending = position < spanEnd ? reader.read(position, Math.min(chunkBytes, spanEnd - position)) : null;
    whole?.update(chunk);
    active = active.filter((index) => {
      const from = Math.max(startOf(index), chunkStart);
      const to = Math.min(endOf(index), chunkEnd);
      if (to > from) (hashes[index] as Hash).update(chunk.subarray(from - chunkStart, to - chunkStart));
      return endOf(index) > chunkEnd;
    });
  }
  return { rangeSha256: hashes.map((hash) => hash.digest('hex')), sourceSha256: whole ? whole.digest('hex') : null };
}

/** sha256 of a whole source, streamed. */
export async function hashSource(source: ByteSource): Promise<string> {
  const { sourceSha256 } = await hashRanges(source, [], { wholeSource: true });
  return sourceSha256 as string;
}

/** sha256 of `[offset, offset + length)` of a source, streamed. */
export async function hashRange(source: ByteSource, range: ByteRange): Promise<string> {
  const { rangeSha256 } = await hashRanges(source, [range]);
  return rangeSha256[0] as string;
}

/** sha256 of a file of any size, streamed in large reads; memory stays flat. */
export async function hashFileStreaming(path: string): Promise<string> {
  return withFileSource(path, hashSource);
}

/** Reads chunks into two alternating buffers, so one can be hashed while the other fills. */
class ChunkReader {
  private readonly buffers: [Uint8Array, Uint8Array] | null;
  private turn = 0;

  constructor(
    private readonly source: ByteSource,
    chunkBytes: number,
  ) {
    const size = Math.max(1, Math.min(chunkBytes, source.size));
    this.buffers = source.readInto ? [Buffer.allocUnsafe(size), Buffer.allocUnsafe(size)] : null;
  }

  async read(offset: number, length: number): Promise<Uint8Array> {
    let bytes: Uint8Array;
    if (this.buffers && this.source.readInto) {
      const buffer = this.buffers[this.turn] as Uint8Array;
      this.turn ^= 1;
      const count = await this.source.readInto(buffer.subarray(0, length), offset);
      bytes = buffer.subarray(0, count);
    } else {
      bytes = await this.source.read(offset, length);
    }
    if (bytes.length !== length) {
      throw new WeightsReadError(this.source.name, `expected ${length} bytes at ${offset}, got ${bytes.length}`);
    }
    return bytes;
  }
}
