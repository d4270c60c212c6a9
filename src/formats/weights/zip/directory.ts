import type { ByteSource } from '../byte-source.js';
import { ProblemLog, type WeightsProblem } from '../problems.js';
import { findEndOfCentralDirectory } from './end-record.js';

/** One member as the central directory describes it, with where its stored bytes really are. */
export interface ZipEntry {
  readonly name: string;
  readonly method: number;
  readonly flags: number;
  readonly crc32: number;
  readonly compressedSize: number;
  readonly size: number;
  /** Absolute offset of the member's local header. */
  readonly localHeaderOffset: number;
  /** Absolute offset of the stored (possibly compressed) bytes, from the local header. */
  readonly dataOffset: number;
}

const CENTRAL_SIGNATURE = 0x02014b50;
const LOCAL_SIGNATURE = 0x04034b50;
const CENTRAL_HEADER_BYTES = 46;
const LOCAL_HEADER_BYTES = 30;
const ZIP64_EXTRA = 0x0001;
const MAX32 = 0xffffffff;

/**
 * Reads a zip archive's member list from its central directory (zip64 included), checking each
 * member's local header: signature, name agreeing with the directory, data inside the file, no
 * two members sharing bytes (the overlapping-entry zip bomb), no repeated names (readers disagree
 * about which one wins). Entries that cannot be located are left out and reported.
 */
export async function readZipDirectory(source: ByteSource): Promise<{ entries: ZipEntry[]; problems: WeightsProblem[] }> {
  const problems = new ProblemLog();
  const end = await findEndOfCentralDirectory(source, problems);
  if (!end) return { entries: [], problems: problems.list() };
  const directory = Buffer.from(await source.read(end.directoryOffset, end.directorySize));
  const entries: ZipEntry[] = [];
  const names = new Set<string>();
  let at = 0;
  for (let index = 0; index < end.entryCount; index++) {
    if (at + CENTRAL_HEADER_BYTES > directory.length || directory.readUInt32LE(at) !== CENTRAL_SIGNATURE) {
      problems.add('zip-bad-directory', `central directory entry ${index} is missing or malformed`);
      break;
    }
    const nameLength = directory.readUInt16LE(at + 28);
    const extraLength = directory.readUInt16LE(at + 30);
    const commentLength = directory.readUInt16LE(at + 32);
    const next = at + CENTRAL_HEADER_BYTES + nameLength + extraLength + commentLength;
    if (next > directory.length) {
      problems.add('zip-bad-directory', `central directory entry ${index} runs past the directory`);
      break;
    }
    const name = directory.toString('utf8', at + CENTRAL_HEADER_BYTES, at + CENTRAL_HEADER_BYTES + nameLength);
    const extra = directory.subarray(at + CENTRAL_HEADER_BYTES + nameLength, at + CENTRAL_HEADER_BYTES + nameLength + extraLength);
    const declared = {
      method: directory.readUInt16LE(at + 10),
      flags: directory.readUInt16LE(at + 8),
      crc32: directory.readUInt32LE(at + 16),
      ...applyZip64(
        {
          size: directory.readUInt32LE(at + 24),
          compressedSize: directory.readUInt32LE(at + 20),
          localHeaderOffset: directory.readUInt32LE(at + 42),
        },
        extra,
      ),
    };
    at = next;
    if (names.has(name)) problems.add('zip-duplicate-name', 'two members have this name; readers disagree on which is used', name);
    names.add(name);
    if (name.startsWith('/') || name.split(/[\\/]/).includes('..')) problems.add('zip-unsafe-path', 'member name escapes the archive', name);
    const entry = await locate(source, end.baseOffset, name, declared, problems);
    if (entry) entries.push(entry);
  }
  checkOverlaps(entries, problems);
  return { entries, problems: problems.list() };
}

interface EntrySizes {
  size: number;
  compressedSize: number;
  localHeaderOffset: number;
}

/** Zip64 keeps the real value of each 32-bit field that reads 0xFFFFFFFF in extra field 0x0001, in this order. */
function applyZip64(sizes: EntrySizes, extra: Buffer): EntrySizes {
  const result = { ...sizes };
  for (let at = 0; at + 4 <= extra.length; ) {
    const id = extra.readUInt16LE(at);
    const length = extra.readUInt16LE(at + 2);
    if (id === ZIP64_EXTRA) {
      let field = at + 4;
      const fieldEnd = Math.min(at + 4 + length, extra.length);
      for (const key of ['size', 'compressedSize', 'localHeaderOffset'] as const) {
        if (result[key] !== MAX32 || field + 8 > fieldEnd) continue;
        result[key] = Number(extra.readBigUInt64LE(field));
        field += 8;
      }
    }
    at += 4 + length;
  }
  return result;
}

async function locate(
  source: ByteSource,
  baseOffset: number,
  name: string,
  declared: EntrySizes & { method: number; flags: number; crc32: number },
  problems: ProblemLog,
): Promise<ZipEntry | null> {
  const headerOffset = baseOffset + declared.localHeaderOffset;
  if (!Number.isSafeInteger(headerOffset) || headerOffset + LOCAL_HEADER_BYTES > source.size) {
    problems.add('zip-entry-out-of-range', `local header at ${headerOffset} is outside the file`, name);
    return null;
  }
  const header = Buffer.from(await source.read(headerOffset, LOCAL_HEADER_BYTES));
  if (header.readUInt32LE(0) !== LOCAL_SIGNATURE) {
    problems.add('zip-bad-local-header', `no local header at ${headerOffset}`, name);
    return null;
  }
  const nameLength = header.readUInt16LE(26);
  const dataOffset = headerOffset + LOCAL_HEADER_BYTES + nameLength + header.readUInt16LE(28);
  const localName = Buffer.from(await source.read(headerOffset + LOCAL_HEADER_BYTES, nameLength)).toString('utf8');
  if (localName !== name) problems.add('zip-name-mismatch', `local header names it ${JSON.stringify(localName)}`, name);
  if (header.readUInt16LE(8) !== declared.method) problems.add('zip-method-mismatch', 'local header and directory disagree on the compression method', name);
  if (declared.flags & 1) problems.add('zip-encrypted', 'member is encrypted and cannot be inspected', name);
  if (declared.method !== 0 && declared.method !== 8) problems.add('zip-unsupported-method', `compression method ${declared.method} is not stored or deflate`, name);
  if (declared.method === 0 && declared.compressedSize !== declared.size) {
    problems.add('zip-size-mismatch', `stored member declares ${declared.size} bytes but stores ${declared.compressedSize}`, name);
  }
  if (!Number.isSafeInteger(declared.compressedSize) || dataOffset + declared.compressedSize > source.size) {
    problems.add('zip-entry-out-of-range', `data at ${dataOffset}+${declared.compressedSize} runs past the end of the file`, name);
    return null;
  }
  return { name, ...declared, localHeaderOffset: headerOffset, dataOffset };
}

/** Members sharing stored bytes are how the smallest zip bombs multiply one compressed block. */
function checkOverlaps(entries: readonly ZipEntry[], problems: ProblemLog): void {
  const sorted = [...entries].sort((a, b) => a.localHeaderOffset - b.localHeaderOffset);
  let coveredTo = 0;
  let previous = '';
  for (const entry of sorted) {
    if (entry.localHeaderOffset < coveredTo) problems.add('zip-overlapping-entries', `shares bytes with ${previous}`, entry.name);
    if (entry.dataOffset + entry.compressedSize > coveredTo) {
      coveredTo = entry.dataOffset + entry.compressedSize;
      previous = entry.name;
    }
  }
}
