import { createHash } from 'node:crypto';
import type { ByteRange } from './range-hasher.js';

/**
 * The parts of `[start, end)` that no owned range covers, in offset order: padding, gaps and
 * trailing bytes. Their digest goes into the summary because a payload hidden there changes no
 * tensor hash, yet travels with the file.
 */
export function unownedRanges(owned: readonly ByteRange[], start: number, end: number): ByteRange[] {
  const sorted = [...owned].sort((a, b) => a.offset - b.offset);
  const gaps: ByteRange[] = [];
  let covered = start;
  for (const range of sorted) {
    if (range.offset > covered) gaps.push({ offset: covered, length: Math.min(range.offset, end) - covered });
    covered = Math.max(covered, range.offset + range.length);
    if (covered >= end) break;
  }
  if (covered < end) gaps.push({ offset: covered, length: end - covered });
  return gaps.filter((gap) => gap.length > 0);
}

/** One digest for several ranges, from each range's place and sha256: it changes when any of their bytes do. */
export function digestOfRanges(ranges: readonly ByteRange[], sha256s: readonly string[]): string {
  const hash = createHash('sha256');
  ranges.forEach((range, index) => hash.update(`${range.offset}+${range.length}:${sha256s[index] ?? ''}\n`));
  return hash.digest('hex');
}
