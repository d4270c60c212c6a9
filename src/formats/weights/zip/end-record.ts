import type { ByteSource } from '../byte-source.js';
import type { ProblemLog } from '../problems.js';

/** Where the central directory is, as the end records say (zip64 when they defer to it). */
export interface CentralDirectoryLocation {
  readonly entryCount: number;
  readonly directoryOffset: number;
  readonly directorySize: number;
  /**
   * Bytes before the archive proper (a stub prepended to the zip): Python's zipfile adds this to
   * every offset, so we do too, and report it.
   */
  readonly baseOffset: number;
}

const EOCD_SIGNATURE = 0x06054b50;
const EOCD_BYTES = 22;
const MAX_COMMENT = 0xffff;
const ZIP64_LOCATOR_SIGNATURE = 0x07064b50;
const ZIP64_LOCATOR_BYTES = 20;
const ZIP64_EOCD_SIGNATURE = 0x06064b50;
const ZIP64_EOCD_BYTES = 56;
const CENTRAL_HEADER_BYTES = 46;
/** Far beyond any real checkpoint's directory, and small enough to read whole. */
export const MAX_DIRECTORY_BYTES = 64 * 1024 * 1024;
/** Members listed at most: a checkpoint has one per tensor storage, thousands at the very most. */
export const MAX_ZIP_ENTRIES = 250_000;

/**
 * Finds the end-of-central-directory record (searching back over a possible comment), follows the
 * zip64 locator when a field is saturated, and checks that the directory it points at lies inside
 * the file and can hold the declared number of entries.
 */
export async function findEndOfCentralDirectory(source: ByteSource, problems: ProblemLog): Promise<CentralDirectoryLocation | null> {
  const tailLength = Math.min(source.size, EOCD_BYTES + MAX_COMMENT);
  const tailStart = source.size - tailLength;
  const tail = Buffer.from(await source.read(tailStart, tailLength));
  let found = -1;
  for (let at = tail.length - EOCD_BYTES; at >= 0; at--) {
    // The record is only real if its comment length reaches exactly to the end of the file.
    if (tail.readUInt32LE(at) === EOCD_SIGNATURE && at + EOCD_BYTES + tail.readUInt16LE(at + 20) === tail.length) {
      found = at;
      break;
    }
  }
  if (found < 0) {
    problems.add('zip-no-directory', 'no end-of-central-directory record: not a complete zip archive');
    return null;
  }
  const recordOffset = tailStart + found;
  let entryCount = tail.readUInt16LE(found + 10);
  let directorySize = tail.readUInt32LE(found + 12);
  let directoryOffset = tail.readUInt32LE(found + 16);
  let directoryEnd = recordOffset;
  if (entryCount === 0xffff || directorySize === 0xffffffff || directoryOffset === 0xffffffff) {
    const zip64 = await readZip64End(source, recordOffset, problems);
    if (!zip64) return null;
    ({ entryCount, directorySize, directoryOffset } = zip64);
    directoryEnd = zip64.recordOffset;
  }
  if (directorySize > MAX_DIRECTORY_BYTES) {
    problems.add('zip-directory-too-large', `central directory of ${directorySize} bytes is beyond the ${MAX_DIRECTORY_BYTES}-byte limit`);
    return null;
  }
  if (entryCount > MAX_ZIP_ENTRIES) {
    problems.add('zip-too-many-entries', `${entryCount} members is beyond the ${MAX_ZIP_ENTRIES}-member limit`);
    return null;
  }
  if (entryCount * CENTRAL_HEADER_BYTES > directorySize) {
    problems.add('zip-bad-directory', `${entryCount} entries cannot fit in a ${directorySize}-byte directory`);
    return null;
  }
  const baseOffset = directoryEnd - directorySize - directoryOffset;
  if (baseOffset < 0) {
    problems.add('zip-bad-directory', `central directory at ${directoryOffset}+${directorySize} runs past its end record`);
    return null;
  }
  if (baseOffset > 0) problems.add('zip-prepended-data', `${baseOffset} bytes precede the archive`);
  return { entryCount, directoryOffset: baseOffset + directoryOffset, directorySize, baseOffset };
}

async function readZip64End(
  source: ByteSource,
  recordOffset: number,
  problems: ProblemLog,
): Promise<{ entryCount: number; directorySize: number; directoryOffset: number; recordOffset: number } | null> {
  const locatorOffset = recordOffset - ZIP64_LOCATOR_BYTES;
  const locator = locatorOffset >= 0 ? Buffer.from(await source.read(locatorOffset, ZIP64_LOCATOR_BYTES)) : Buffer.alloc(0);
  if (locator.length < ZIP64_LOCATOR_BYTES || locator.readUInt32LE(0) !== ZIP64_LOCATOR_SIGNATURE) {
    problems.add('zip-bad-zip64', 'end record defers to zip64 but there is no zip64 locator');
    return null;
  }
  const declaredOffset = locator.readBigUInt64LE(8);
  // Like the 32-bit record, the zip64 record sits right before its locator unless data was prepended.
  const expected = locatorOffset - ZIP64_EOCD_BYTES;
  const candidates = [Number(declaredOffset), expected].filter((at) => Number.isSafeInteger(at) && at >= 0 && at + ZIP64_EOCD_BYTES <= locatorOffset);
  for (const at of candidates) {
    const record = Buffer.from(await source.read(at, ZIP64_EOCD_BYTES));
    if (record.readUInt32LE(0) !== ZIP64_EOCD_SIGNATURE) continue;
    const entryCount = record.readBigUInt64LE(32);
    const directorySize = record.readBigUInt64LE(40);
    const directoryOffset = record.readBigUInt64LE(48);
    if ([entryCount, directorySize, directoryOffset].some((value) => value > BigInt(source.size))) {
      problems.add('zip-bad-zip64', 'zip64 end record declares more than the file holds');
      return null;
    }
    return { entryCount: Number(entryCount), directorySize: Number(directorySize), directoryOffset: Number(directoryOffset), recordOffset: at };
  }
  problems.add('zip-bad-zip64', 'zip64 locator points at no zip64 end record');
  return null;
}
