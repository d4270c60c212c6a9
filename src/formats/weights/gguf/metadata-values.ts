import { createHash } from 'node:crypto';
import type { SourceCursor } from '../cursor.js';
import type { MetadataValue } from '../summary.js';

/** GGUF's metadata value types, by id. */
const GGUF_VALUE_TYPE_NAMES = [
  'uint8', 'int8', 'uint16', 'int16', 'uint32', 'int32', 'float32', 'bool', 'string', 'array', 'uint64', 'int64', 'float64',
] as const;

/** Value type ids the parser treats specially. */
const GGUF_TYPE_STRING = 8;
const GGUF_TYPE_ARRAY = 9;
export const GGUF_TYPE_UINT32 = 4;

/** Bytes of each fixed-size type; strings and arrays are absent. */
const FIXED_BYTES: ReadonlyMap<number, number> = new Map([
  [0, 1], [1, 1], [2, 2], [3, 2], [4, 4], [5, 4], [6, 4], [7, 1], [10, 8], [11, 8], [12, 8],
]);

/** Strings up to this many bytes are kept whole (chat templates fit); longer ones are digested. */
export const KEEP_STRING_BYTES = 64 * 1024;
/** Arrays up to this many elements are kept whole; longer ones (vocabularies, merges) are digested. */
export const KEEP_ARRAY_ELEMENTS = 64;
/** Arrays of arrays deeper than this are refused: nothing real nests so deep, and recursion must end. */
export const MAX_ARRAY_DEPTH = 8;

/** Stops the header parse: what follows cannot be located once this value is not understood. */
export class GgufStop extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Smallest encoding of one value of a type: what bounds an array's declared length by the bytes left. */
function minimumBytes(type: number): number {
  return FIXED_BYTES.get(type) ?? (type === GGUF_TYPE_STRING ? 8 : 12);
}

/** Reads a u64 length or count that must fit in what is left of the file at `unit` bytes per item. */
async function readCount(cursor: SourceCursor, unit: number, what: string): Promise<number> {
  await cursor.need(8);
  const count = cursor.u64();
  if (count * BigInt(unit) > BigInt(cursor.remaining)) {
    throw new GgufStop('gguf-length-out-of-range', `${what} of ${count} needs more than the ${cursor.remaining} bytes left`);
  }
  return Number(count);
}

/** A GGUF string; strings over `keepBytes` come back as null after being skipped. */
export async function readGgufString(cursor: SourceCursor, keepBytes = KEEP_STRING_BYTES): Promise<string | null> {
  const length = await readCount(cursor, 1, 'string length');
  if (length > keepBytes) {
    cursor.skip(length);
    return null;
  }
  return (await cursor.bytes(length)).toString('utf8');
}

/**
 * One metadata value of type `type` as JSON. Long strings and long arrays are replaced by a
 * {@link DigestedValue} over their bytes, so a 150k-token vocabulary costs a hash, not 150k strings.
 */
export async function readGgufValue(cursor: SourceCursor, type: number, depth = 0): Promise<MetadataValue> {
  if (type === GGUF_TYPE_STRING) {
    const start = cursor.position;
    const length = await readCount(cursor, 1, 'string length');
    if (length <= KEEP_STRING_BYTES) return (await cursor.bytes(length)).toString('utf8');
    return { digested: 'string', length, sha256: await digestBytes(cursor, start + 8, length) };
  }
  if (type === GGUF_TYPE_ARRAY) return readArray(cursor, depth);
  const size = FIXED_BYTES.get(type);
  if (size === undefined) throw new GgufStop('gguf-unknown-value-type', `unknown metadata value type ${type}`);
  await cursor.need(size);
  return readFixed(cursor, type);
}

async function readArray(cursor: SourceCursor, depth: number): Promise<MetadataValue> {
  if (depth >= MAX_ARRAY_DEPTH) throw new GgufStop('gguf-array-too-deep', `arrays nested more than ${MAX_ARRAY_DEPTH} deep`);
  const start = cursor.position;
  await cursor.need(4);
  const elementType = cursor.u32();
  if (elementType !== GGUF_TYPE_ARRAY && elementType !== GGUF_TYPE_STRING && !FIXED_BYTES.has(elementType)) {
    throw new GgufStop('gguf-unknown-value-type', `unknown array element type ${elementType}`);
  }
  const count = await readCount(cursor, minimumBytes(elementType), 'array length');
  if (count <= KEEP_ARRAY_ELEMENTS) {
    const values: MetadataValue[] = [];
    for (let index = 0; index < count; index++) values.push(await readGgufValue(cursor, elementType, depth + 1));
    return values;
  }
  await skipValues(cursor, elementType, count, depth + 1);
  const name = GGUF_VALUE_TYPE_NAMES[elementType] ?? String(elementType);
  return { digested: `array of ${name}`, length: count, sha256: await digestBytes(cursor, start, cursor.position - start) };
}

/** Walks past `count` values without keeping them. */
async function skipValues(cursor: SourceCursor, type: number, count: number, depth: number): Promise<void> {
  const size = FIXED_BYTES.get(type);
  if (size !== undefined) {
    cursor.skip(size * count);
    return;
  }
  for (let index = 0; index < count; index++) {
    if (type === GGUF_TYPE_STRING) {
      cursor.skip(await readCount(cursor, 1, 'string length'));
      continue;
    }
    if (depth >= MAX_ARRAY_DEPTH) throw new GgufStop('gguf-array-too-deep', `arrays nested more than ${MAX_ARRAY_DEPTH} deep`);
    await cursor.need(4);
    const elementType = cursor.u32();
    if (elementType !== GGUF_TYPE_ARRAY && elementType !== GGUF_TYPE_STRING && !FIXED_BYTES.has(elementType)) {
      throw new GgufStop('gguf-unknown-value-type', `unknown array element type ${elementType}`);
    }
    await skipValues(cursor, elementType, await readCount(cursor, minimumBytes(elementType), 'array length'), depth + 1);
  }
}

/** sha256 of `[offset, offset + length)`, read afresh through a second cursor so the first keeps its place. */
async function digestBytes(cursor: SourceCursor, offset: number, length: number): Promise<string> {
  const hash = createHash('sha256');
  const reader = cursor.fork(offset);
  for (let left = length; left > 0; ) {
    const step = Math.min(left, 1024 * 1024);
    await reader.need(step);
    hash.update(reader.take(step));
    left -= step;
  }
  return hash.digest('hex');
}

function readFixed(cursor: SourceCursor, type: number): MetadataValue {
  switch (type) {
    case 0:
      return cursor.u8();
    case 1:
      return (cursor.u8() << 24) >> 24;
    case 2:
      return cursor.u16();
    case 3:
      return (cursor.u16() << 16) >> 16;
    case 4:
      return cursor.u32();
    case 5:
      return cursor.i32();
    case 6:
      return finiteOrText(cursor.f32());
    case 7:
      return cursor.u8() !== 0;
    case 10:
      return safeOrText(cursor.u64());
    case 11:
      return safeOrText(cursor.i64());
    default:
      return finiteOrText(cursor.f64());
  }
}

function safeOrText(value: bigint): number | string {
  const number = Number(value);
  return Number.isSafeInteger(number) ? number : value.toString();
}

function finiteOrText(value: number): number | string {
  return Number.isFinite(value) ? value : String(value);
}
