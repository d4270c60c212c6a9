import { SelfmodError } from '../errors.js';

/**
 * The longest line read. A longer one ends the read with an error rather than being cut: text past a
 * cut would go unchecked, and a scan that says it failed hides nothing.
 */
export const MAX_LINE_BYTES = 128 * 1024 * 1024;

const NEWLINE = 0x0a;

/**
 * Splits a byte stream into UTF-8 lines without their `\n`. Streams, so memory is bounded by the
 * longest line rather than the stream's length.
 */
export async function* splitLines(stream: AsyncIterable<Buffer | string>, maxLineBytes = MAX_LINE_BYTES): AsyncGenerator<string> {
  for await (const batch of splitLineBatches(stream, maxLineBytes)) yield* batch;
}

/**
 * As splitLines, but yields the lines each chunk completes as one array: a consumer of git's
 * hundreds of thousands of lines then pays one asynchronous step per chunk instead of one per line.
 */
export async function* splitLineBatches(
  stream: AsyncIterable<Buffer | string>,
  maxLineBytes = MAX_LINE_BYTES,
): AsyncGenerator<string[]> {
  let pending: Buffer[] = [];
  let pendingBytes = 0;

  for await (const raw of stream) {
    const chunk = typeof raw === 'string' ? Buffer.from(raw) : raw;
    const lines: string[] = [];
    let start = 0;
    for (;;) {
      const end = chunk.indexOf(NEWLINE, start);
      if (end === -1) break;
      if (pendingBytes === 0) {
        lines.push(chunk.toString('utf8', start, end));
      } else {
        pending.push(chunk.subarray(start, end));
        lines.push(Buffer.concat(pending).toString('utf8'));
      }
      pending = [];
      pendingBytes = 0;
      start = end + 1;
    }
    if (start < chunk.length) {
      // Copy: the producer may reuse its buffer.
      const rest = Buffer.from(chunk.subarray(start));
      pending.push(rest);
      pendingBytes += rest.length;
    }
    if (lines.length > 0) yield lines;
    if (pendingBytes > maxLineBytes) {
      throw new SelfmodError('limit', `a line of more than ${maxLineBytes} bytes in git's output; the scan cannot check it`);
    }
  }
  if (pendingBytes > 0) yield [Buffer.concat(pending).toString('utf8')];
}
