import type { ByteSource } from '../byte-source.js';
import { SourceCursor, TruncatedInput } from '../cursor.js';
import { ProblemLog } from '../problems.js';
import type { MetadataValue } from '../summary.js';
import { ggmlTypeName } from './ggml-types.js';
import { GGUF_TYPE_UINT32, GgufStop, readGgufString, readGgufValue } from './metadata-values.js';

/** One tensor as its info record declares it; `offset` is relative to the data area. */
export interface GgufTensorInfo {
  readonly name: string;
  readonly dims: readonly number[];
  readonly type: number;
  readonly typeName: string;
  readonly offset: number;
}

/** What a GGUF header declares, as far as it could be read. */
export interface GgufHeader {
  readonly version: number;
  readonly tensorCount: number;
  readonly kvCount: number;
  /** Key–value pairs in file order; large values digested. */
  readonly metadata: Readonly<Record<string, MetadataValue>>;
  readonly alignment: number;
  /** Where the tensor infos end (alignment padding follows); null when they could not all be read. */
  readonly infosEnd: number | null;
  /** Absolute offset of the data area; null when the tensor infos could not all be read. */
  readonly dataStart: number | null;
  readonly tensors: readonly GgufTensorInfo[];
}

/** Data alignment when `general.alignment` is absent, per the GGUF spec. */
export const GGUF_DEFAULT_ALIGNMENT = 32;
/** Keys and tensor names longer than this are not names but an attack on memory. */
const MAX_NAME_BYTES = 64 * 1024;
/** Smallest key–value pair (empty key, a uint8) and tensor info (empty name, no dims). */
const MIN_KV_BYTES = 8 + 4 + 1;
const MIN_TENSOR_INFO_BYTES = 8 + 4 + 4 + 8;
/** ggml tensors have at most 4 dimensions; more is reported, though still read. */
const GGML_MAX_DIMS = 4;
/**
 * Memory the parsed header may take, roughly: real headers (a 150k-token vocabulary is digested,
 * not kept) need a few megabytes; a file of millions of fake keys or tensor infos is stopped here.
 */
export const MAX_HEADER_KEPT_BYTES = 64 * 1024 * 1024;
/** Per-object overhead assumed when counting what the header keeps. */
const ENTRY_OVERHEAD = 64;

/**
 * Reads a GGUF header (versions 2 and 3, little-endian): counts, every metadata pair and every
 * tensor info. Counts and lengths are checked against the bytes left before anything is allocated
 * or looped over, so a hostile header cannot exhaust memory or time. What cannot be read ends the
 * parse with a problem; what was read before is returned.
 */
export async function readGgufHeader(source: ByteSource, problems: ProblemLog): Promise<GgufHeader | null> {
  const cursor = new SourceCursor(source);
  const metadata: Array<[string, MetadataValue]> = [];
  const tensors: GgufTensorInfo[] = [];
  let version = 0;
  let tensorCount = 0;
  let kvCount = 0;
  let alignment = GGUF_DEFAULT_ALIGNMENT;
  let dataStart: number | null = null;
  let infosEnd: number | null = null;
  try {
    await cursor.need(4 + 4);
    if (cursor.take(4).toString('latin1') !== 'GGUF') throw new GgufStop('gguf-bad-magic', 'does not start with "GGUF"');
    version = cursor.u32();
    if (version === 0x02000000 || version === 0x03000000) throw new GgufStop('gguf-big-endian', 'big-endian GGUF is not supported');
    if (version !== 2 && version !== 3) throw new GgufStop('gguf-unsupported-version', `GGUF version ${version} is not supported (2 and 3 are)`);
    await cursor.need(16);
    tensorCount = boundedCount(cursor.u64(), MIN_TENSOR_INFO_BYTES, cursor.remaining - 8, 'tensor count');
    kvCount = boundedCount(cursor.u64(), MIN_KV_BYTES, cursor.remaining, 'metadata count');
    const seen = new Set<string>();
    let kept = 0;
    const keep = (bytes: number): void => {
      kept += bytes + ENTRY_OVERHEAD;
      if (kept > MAX_HEADER_KEPT_BYTES) throw new GgufStop('gguf-header-too-large', `header holds more than ${MAX_HEADER_KEPT_BYTES} bytes of names and values`);
    };
    for (let index = 0; index < kvCount; index++) {
      const key = await readName(cursor, 'metadata key');
      await cursor.need(4);
      const type = cursor.u32();
      const value = await readGgufValue(cursor, type);
      keep(key.length + approximateBytes(value));
      if (seen.has(key)) problems.add('gguf-duplicate-key', 'metadata key appears twice', key);
      seen.add(key);
      metadata.push([key, value]);
      if (key === 'general.alignment') alignment = checkAlignment(type, value, problems) ?? alignment;
    }
    for (let index = 0; index < tensorCount; index++) {
      const info = await readTensorInfo(cursor, problems);
      keep(info.name.length + 8 * info.dims.length);
      tensors.push(info);
    }
    infosEnd = cursor.position;
    dataStart = Math.ceil(cursor.position / alignment) * alignment;
    if (dataStart > source.size) {
      problems.add('gguf-truncated', `data area would start at ${dataStart}, past the end of the ${source.size}-byte file`);
    }
  } catch (error) {
    if (error instanceof GgufStop) problems.add(error.code, error.message, `@${cursor.position}`);
    else if (error instanceof TruncatedInput) problems.add('gguf-truncated', `header ends early, at byte ${error.offset}`);
    else throw error;
    if (version === 0) return null;
  }
  return { version, tensorCount, kvCount, metadata: Object.fromEntries(metadata), alignment, infosEnd, dataStart, tensors };
}

async function readTensorInfo(cursor: SourceCursor, problems: ProblemLog): Promise<GgufTensorInfo> {
  const name = await readName(cursor, 'tensor name');
  await cursor.need(4);
  const dimCount = cursor.u32();
  if (dimCount > GGML_MAX_DIMS) problems.add('gguf-too-many-dims', `${dimCount} dimensions; ggml allows ${GGML_MAX_DIMS}`, name);
  if (dimCount * 8 + 12 > cursor.remaining) throw new TruncatedInput(cursor.end);
  const dims: number[] = [];
  for (let index = 0; index < dimCount; index++) {
    await cursor.need(8);
    const dim = cursor.u64();
    if (dim > BigInt(Number.MAX_SAFE_INTEGER)) problems.add('gguf-bad-dims', `dimension ${dim} is beyond any file`, name);
    dims.push(Number(dim));
  }
  await cursor.need(12);
  const type = cursor.u32();
  const offset = cursor.u64();
  if (offset > BigInt(Number.MAX_SAFE_INTEGER)) problems.add('gguf-tensor-out-of-range', `offset ${offset} is beyond any file`, name);
  return { name, dims, type, typeName: ggmlTypeName(type), offset: Number(offset) };
}

async function readName(cursor: SourceCursor, what: string): Promise<string> {
  const name = await readGgufString(cursor, MAX_NAME_BYTES);
  if (name === null) throw new GgufStop('gguf-name-too-long', `${what} longer than ${MAX_NAME_BYTES} bytes`);
  return name;
}

function boundedCount(count: bigint, unit: number, available: number, what: string): number {
  if (count * BigInt(unit) > BigInt(Math.max(0, available))) {
    throw new GgufStop('gguf-count-out-of-range', `${what} ${count} cannot fit in the ${available} bytes left`);
  }
  return Number(count);
}

/** llama.cpp requires a uint32 power of two; anything else keeps the default and is reported. */
function checkAlignment(type: number, value: MetadataValue, problems: ProblemLog): number | null {
  if (type === GGUF_TYPE_UINT32 && typeof value === 'number' && value > 0 && (value & (value - 1)) === 0) return value;
  problems.add('gguf-bad-alignment', `general.alignment ${JSON.stringify(value)} is not a uint32 power of two`, 'general.alignment');
  return null;
}

/** Roughly how many bytes a kept metadata value occupies. */
function approximateBytes(value: MetadataValue): number {
  if (typeof value === 'string') return value.length;
  if (Array.isArray(value)) return value.reduce((sum: number, item: MetadataValue) => sum + 16 + approximateBytes(item), 0);
  return 16;
}
