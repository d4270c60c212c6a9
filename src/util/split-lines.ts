/** Lines longer than this are cut: the rest of such a line is read and dropped, so memory stays bounded. */
export const MAX_LINE_BYTES = 4 * 1024 * 1024;

const NEWLINE = 0x0a;

/**
 * Splits a byte stream into UTF-8 lines without their `\n`. Streams, so memory is bounded by the
 * longest line (itself capped at MAX_LINE_BYTES) rather than the stream's length.
 */
export async function* splitLines(stream: AsyncIterable<Buffer | string>): AsyncGenerator<string> {
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let isDropping = false;

  for await (const raw of stream) {
    const chunk = typeof raw === 'string' ? Buffer.from(raw) : raw;
    let start = 0;
    for (;;) {
      const end = chunk.indexOf(NEWLINE, start);
      if (end === -1) break;
      if (isDropping) {
        isDropping = false;
      } else if (pendingBytes === 0) {
        yield chunk.toString('utf8', start, end);
      } else {
        pending.push(chunk.subarray(start, end));
        yield Buffer.concat(pending).toString('utf8');
      }
      pending = [];
      pendingBytes = 0;
      start = end + 1;
    }
    if (start < chunk.length && !isDropping) {
      // Copy: the producer may reuse its buffer.
      const rest = Buffer.from(chunk.subarray(start));
      pending.push(rest);
      pendingBytes += rest.length;
      if (pendingBytes > MAX_LINE_BYTES) {
        yield Buffer.concat(pending).toString('utf8', 0, MAX_LINE_BYTES);
        pending = [];
        pendingBytes = 0;
        isDropping = true;
      }
    }
  }
  if (pendingBytes > 0) yield Buffer.concat(pending).toString('utf8');
}
