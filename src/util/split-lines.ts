import { SelfmodError } from '../errors.js';

/**
 * The longest line read. A longer one ends the read with an error rather than being cut: text past a
 * cut would go unchecked, and a scan that says it failed hides nothing.
 */
export const MAX_LINE_BYTES = 128 * 1024 * 1024;

const NEWLINE = 0x0a;
const NO_BYTES = Buffer.alloc(0);

/**
 * The lines one chunk of a byte stream completes, without their `\n`, decoded only when asked for:
 * a reader that wants a line without its first byte (a diff line without its `+`) makes one string
 * instead of two. Read it before asking for the next batch; it refers to the chunk's bytes.
 */
export class LineBatch {
  readonly length: number;
  private readonly carried: Buffer | null;
  private readonly chunk: Buffer;
  /** Start and end in `chunk` of each line after the carried one. */
  private readonly bounds: readonly number[];

  /** `carried` is a first line that began in earlier chunks; `bounds` holds start, end pairs. */
  constructor(carried: Buffer | null, chunk: Buffer, bounds: readonly number[]) {
    this.carried = carried;
    this.chunk = chunk;
    this.bounds = bounds;
    this.length = (carried === null ? 0 : 1) + bounds.length / 2;
  }

  /** The first byte of line `index`, or -1 when the line is empty. */
  firstByte(index: number): number {
    if (this.carried !== null) {
      if (index === 0) return this.carried.length > 0 ? (this.carried[0] as number) : -1;
      index--;
    }
    const start = this.bounds[2 * index] as number;
    return start < (this.bounds[2 * index + 1] as number) ? (this.chunk[start] as number) : -1;
  }

  /** Line `index`, decoded as UTF-8 from its byte `from` on (`from` must start a character). */
  text(index: number, from = 0): string {
    if (this.carried !== null) {
      if (index === 0) return decode(this.carried, from, this.carried.length);
      index--;
    }
    return decode(this.chunk, (this.bounds[2 * index] as number) + from, this.bounds[2 * index + 1] as number);
  }

  /** Every line, decoded. */
  lines(): string[] {
    const lines: string[] = [];
    for (let index = 0; index < this.length; index++) lines.push(this.text(index));
    return lines;
  }
}

function decode(bytes: Buffer, start: number, end: number): string {
  return start >= end ? '' : bytes.toString('utf8', start, end);
}

/**
 * Splits a byte stream into UTF-8 lines without their `\n`. Streams, so memory is bounded by the
 * longest line rather than the stream's length.
 */
export async function* splitLines(stream: AsyncIterable<Buffer | string>, maxLineBytes = MAX_LINE_BYTES): AsyncGenerator<string> {
  for await (const batch of splitLineBatches(stream, maxLineBytes)) yield* batch.lines();
}

/**
 * As splitLines, but yields the lines each chunk completes as one batch: a consumer of git's
 * hundreds of thousands of lines then pays one asynchronous step per chunk instead of one per line,
 * and decodes only what it reads.
 */
export async function* splitLineBatches(stream: AsyncIterable<Buffer | string>, maxLineBytes = MAX_LINE_BYTES): AsyncGenerator<LineBatch> {
  let pending: Buffer[] = [];
  let pendingBytes = 0;

  for await (const raw of stream) {
    const chunk = typeof raw === 'string' ? Buffer.from(raw) : raw;
    let carried: Buffer | null = null;
    const bounds: number[] = [];
    let start = 0;
    let end = chunk.indexOf(NEWLINE);
    if (end !== -1 && pendingBytes > 0) {
      pending.push(chunk.subarray(0, end));
      carried = Buffer.concat(pending);
      pending = [];
      pendingBytes = 0;
      start = end + 1;
      end = chunk.indexOf(NEWLINE, start);
    }
    while (end !== -1) {
      bounds.push(start, end);
      start = end + 1;
      end = chunk.indexOf(NEWLINE, start);
    }
    if (start < chunk.length) {
      // Copy: the producer may reuse its buffer.
      const rest = Buffer.from(chunk.subarray(start));
      pending.push(rest);
      pendingBytes += rest.length;
    }
    if (carried !== null || bounds.length > 0) yield new LineBatch(carried, chunk, bounds);
    if (pendingBytes > maxLineBytes) {
      throw new SelfmodError('limit', `a line of more than ${maxLineBytes} bytes in git's output; the scan cannot check it`);
    }
  }
  if (pendingBytes > 0) yield new LineBatch(Buffer.concat(pending), NO_BYTES, []);
}
