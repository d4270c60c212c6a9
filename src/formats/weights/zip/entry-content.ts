import { crc32, inflateRawSync } from 'node:zlib';
import { bufferSource, sliceSource, type ByteSource } from '../byte-source.js';
import type { ProblemLog } from '../problems.js';
import type { ZipEntry } from './directory.js';

/** Deflated members are inflated into memory only up to this size; pickles are far smaller. */
export const MAX_INFLATED_BYTES = 64 * 1024 * 1024;
/** Deflate cannot compress better than about 1032:1; a member declaring more is a bomb. */
const MAX_DEFLATE_RATIO = 1100;

/**
 * A member's uncompressed bytes as a source: for a stored member, its bytes (or, above `maxBytes`,
 * a window onto the file, so any size works); for a deflated one, its inflated bytes, capped at
 * `maxBytes` so a zip bomb costs nothing. The CRC is checked wherever the bytes are in memory.
 * Null (with a problem) when the member cannot be read.
 */
export async function openZipEntry(
  source: ByteSource,
  entry: ZipEntry,
  problems: ProblemLog,
  maxBytes = MAX_INFLATED_BYTES,
): Promise<ByteSource | null> {
  const name = `${source.name}:${entry.name}`;
  if (entry.flags & 1) return null;
  if (entry.method === 0) {
    if (entry.compressedSize > maxBytes) return sliceSource(source, entry.dataOffset, entry.compressedSize, name);
    const stored = Buffer.from(await source.read(entry.dataOffset, entry.compressedSize));
    if (crc32(stored) !== entry.crc32) problems.add('zip-crc-mismatch', 'content does not match its CRC-32', entry.name);
    return bufferSource(stored, name);
  }
  if (entry.method !== 8) return null;
  if (entry.size > maxBytes || entry.compressedSize > maxBytes) {
    const ratio = entry.compressedSize > 0 ? entry.size / entry.compressedSize : Infinity;
    const code = ratio > MAX_DEFLATE_RATIO ? 'zip-bomb' : 'zip-entry-too-large';
    problems.add(code, `declares ${entry.size} bytes from ${entry.compressedSize} compressed; not inflated beyond ${maxBytes}`, entry.name);
    return null;
  }
  const compressed = await source.read(entry.dataOffset, entry.compressedSize);
  let inflated: Buffer;
  try {
    inflated = inflateRawSync(compressed, { maxOutputLength: maxBytes });
  } catch (error) {
    const tooLarge = error instanceof RangeError || (error as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE';
    problems.add(tooLarge ? 'zip-bomb' : 'zip-bad-deflate', tooLarge ? `inflates past ${maxBytes} bytes` : `does not inflate: ${(error as Error).message}`, entry.name);
    return null;
  }
  if (inflated.length !== entry.size) problems.add('zip-size-mismatch', `inflates to ${inflated.length} bytes, directory says ${entry.size}`, entry.name);
  if (crc32(inflated) !== entry.crc32) problems.add('zip-crc-mismatch', 'content does not match its CRC-32', entry.name);
  return bufferSource(inflated, name);
}
