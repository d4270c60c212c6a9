/**
 * How every scope finder reads its input, so their line numbers agree with git's and with each other:
 * UTF-8, lines split at `\n` with a `\r` before it dropped, 1-based, a final newline ending the last
 * line rather than starting another.
 */

const BYTE_ORDER_MARK = '\uFEFF';

/**
 * The text of a source. A byte order mark is dropped: it is not part of the first line's text, and
 * JSON and YAML readers would otherwise take it for the start of a key.
 */
export function decodeSource(source: string | Buffer): string {
  const text = typeof source === 'string' ? source : source.toString('utf8');
  return text.startsWith(BYTE_ORDER_MARK) ? text.slice(1) : text;
}

/** The lines of `text`, without their line ends. */
export function splitLines(text: string): string[] {
  if (text.length === 0) return [];
  const lines = text.split('\n');
  if (text.endsWith('\n')) lines.pop();
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index] as string;
    if (line.endsWith('\r')) lines[index] = line.slice(0, -1);
  }
  return lines;
}

/** How many lines `text` has, counted as `splitLines` does. */
export function countLines(text: string): number {
  if (text.length === 0) return 0;
  let count = text.endsWith('\n') ? 0 : 1;
  for (let index = text.indexOf('\n'); index !== -1; index = text.indexOf('\n', index + 1)) count++;
  return count;
}

/** How many `\n` are in `text` from `from` (inclusive) to `to` (exclusive); reads no further than `to`. */
export function countNewlines(text: string, from: number, to: number): number {
  let count = 0;
  const end = Math.min(to, text.length);
  for (let index = Math.max(from, 0); index < end; index++) if (text.charCodeAt(index) === 0x0a) count++;
  return count;
}
