import { createHash } from 'node:crypto';
import type { Hunk } from './change.js';

const NEWLINE = 0x0a;

/**
 * The old version of a file, rebuilt from its new bytes and the hunks between them, or null unless
 * the result hashes to `oldId`, the blob id git gave the old version. A history read newest first
 * meets each version as a new side just before it needs it as an old side, so rebuilding saves
 * asking git for nearly every old blob; the id check makes the result the blob itself, byte for
 * byte, or nothing (a line git's diff could not show exactly, such as invalid UTF-8, falls back to
 * reading the blob).
 */
export function deriveOldBlob(newBytes: Buffer, hunks: readonly Hunk[], oldId: string): Buffer | null {
  const algorithm = oldId.length === 64 ? 'sha256' : oldId.length === 40 ? 'sha1' : null;
  if (algorithm === null) return null;
  const pieces = rebuild(newBytes, hunks);
  if (pieces === null) return null;
  const whole = Buffer.concat(pieces);
  if (blobId(whole, algorithm) === oldId) return whole;
  // git's "\ No newline at end of file" is not kept with the lines: the old file's last line may
  // have had none.
  if (whole.length > 0 && whole[whole.length - 1] === NEWLINE) {
    const trimmed = whole.subarray(0, whole.length - 1);
    if (blobId(trimmed, algorithm) === oldId) return trimmed;
  }
  return null;
}

function blobId(bytes: Buffer, algorithm: 'sha1' | 'sha256'): string {
  return createHash(algorithm).update(`blob ${bytes.length}\0`).update(bytes).digest('hex');
}

/**
 * The old file's bytes in pieces: runs of the new file that no hunk touches, copied as they are,
 * and each hunk's context and removed lines. null when the hunks do not fit the new file.
 */
function rebuild(newBytes: Buffer, hunks: readonly Hunk[]): Buffer[] | null {
  const pieces: Buffer[] = [];
  /** The new file's line `line` (1-based) starts at byte `offset`. */
  let line = 1;
  let offset = 0;
  const skipTo = (target: number): boolean => {
    while (line < target) {
      if (offset >= newBytes.length) return false;
      const end = newBytes.indexOf(NEWLINE, offset);
      offset = end === -1 ? newBytes.length : end + 1;
      line++;
    }
    return true;
  };
  for (const hunk of hunks) {
    const firstNew = hunk.newLines === 0 ? hunk.newStart + 1 : hunk.newStart;
    if (firstNew < line) return null;
    const from = offset;
    if (!skipTo(firstNew)) return null;
    if (offset > from) pieces.push(newBytes.subarray(from, offset));
    for (const diffLine of hunk.lines) {
      if (diffLine.side === 'added') {
        if (!skipTo(line + 1)) return null;
        continue;
      }
      if (diffLine.side === 'context') {
        // The new file's own bytes: the same line, with its line end as it is.
        const start = offset;
        if (!skipTo(line + 1)) return null;
        pieces.push(newBytes.subarray(start, offset));
        continue;
      }
      pieces.push(Buffer.from(`${diffLine.text}\n`, 'utf8'));
    }
  }
  if (offset < newBytes.length) pieces.push(newBytes.subarray(offset));
  return pieces;
}
