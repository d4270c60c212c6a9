import type { ByteSource } from '../byte-source.js';
import { findDuplicateJsonKeys } from '../json-duplicate-keys.js';
import { ProblemLog, type WeightsProblem } from '../problems.js';
import { safetensorsDtypeBits } from './dtypes.js';

/** One tensor as the header declares it; offsets are relative to the start of the data area. */
export interface SafetensorsTensorEntry {
  readonly name: string;
  readonly dtype: string;
  readonly shape: readonly number[];
  readonly begin: number;
  readonly end: number;
}

/** A parsed safetensors header. */
export interface SafetensorsHeader {
  /** The declared JSON length (the first 8 bytes). */
  readonly headerLength: number;
  /** Absolute offset of the data area: 8 + headerLength. */
  readonly dataStart: number;
  /** `__metadata__`, or null when absent or not a string map. */
  readonly metadata: Readonly<Record<string, string>> | null;
  /** Tensors whose offsets lie inside the data area, sorted by offset (then name). */
  readonly tensors: readonly SafetensorsTensorEntry[];
}

/** The reference implementation refuses headers above 100 MB; so do we, before allocating any. */
export const MAX_SAFETENSORS_HEADER_BYTES = 100_000_000;

const TENSOR_FIELDS = new Set(['dtype', 'shape', 'data_offsets']);

/**
 * Reads and validates a safetensors header: its length is sane and inside the file, it is UTF-8
 * JSON holding one object with no repeated keys, every tensor has a known dtype, a shape and
 * offsets inside the data area whose length matches the shape, and the tensors tile the data area
 * exactly (no overlap, no gap, nothing after the last). Every violation is a problem; the header
 * is null only when no tensor list could be read at all.
 */
export async function readSafetensorsHeader(
  source: ByteSource,
): Promise<{ header: SafetensorsHeader | null; problems: WeightsProblem[] }> {
  const problems = new ProblemLog();
  const fail = (code: string, message: string): { header: null; problems: WeightsProblem[] } => {
    problems.add(code, message);
    return { header: null, problems: problems.list() };
  };
  if (source.size < 8) return fail('safetensors-truncated', `file is ${source.size} bytes, shorter than the 8-byte header length`);
  const declared = Buffer.from(await source.read(0, 8)).readBigUInt64LE(0);
  if (declared > BigInt(MAX_SAFETENSORS_HEADER_BYTES)) {
    return fail('safetensors-header-too-large', `header length ${declared} exceeds the ${MAX_SAFETENSORS_HEADER_BYTES}-byte limit`);
  }
  const headerLength = Number(declared);
  if (8 + headerLength > source.size) {
    return fail('safetensors-header-out-of-range', `header length ${headerLength} runs past the end of the ${source.size}-byte file`);
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(await source.read(8, headerLength));
  } catch {
    return fail('safetensors-header-not-utf8', 'header is not valid UTF-8');
  }
  if (!text.startsWith('{')) return fail('safetensors-header-bad-json', 'header does not start with "{"');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    return fail('safetensors-header-bad-json', `header is not JSON: ${(error as Error).message}`);
  }
  if (!isPlainObject(parsed)) return fail('safetensors-header-bad-json', 'header is not a JSON object');
  for (const key of findDuplicateJsonKeys(text)) problems.add('safetensors-duplicate-key', 'key appears twice in the header', key);

  const dataStart = 8 + headerLength;
  const dataSize = source.size - dataStart;
  let metadata: Record<string, string> | null = null;
  const tensors: SafetensorsTensorEntry[] = [];
  for (const [name, value] of Object.entries(parsed)) {
    if (name === '__metadata__') {
      metadata = readMetadata(value, problems);
      continue;
    }
    const entry = readTensorEntry(name, value, dataSize, problems);
    if (entry) tensors.push(entry);
  }
  tensors.sort((a, b) => a.begin - b.begin || a.end - b.end || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  checkTiling(tensors, dataSize, problems);
  return { header: { headerLength, dataStart, metadata, tensors }, problems: problems.list() };
}

function readMetadata(value: unknown, problems: ProblemLog): Record<string, string> | null {
  if (!isPlainObject(value)) {
    problems.add('safetensors-bad-metadata', '__metadata__ is not an object', '__metadata__');
    return null;
  }
  const entries: Array<[string, string]> = [];
  for (const [key, item] of Object.entries(value)) {
    if (typeof item === 'string') entries.push([key, item]);
    else problems.add('safetensors-bad-metadata', 'metadata value is not a string', `__metadata__.${key}`);
  }
  // fromEntries defines own properties, so a key named `__proto__` stays a key.
  return Object.fromEntries(entries);
}

/** A tensor entry whose offsets can be used, or null; everything wrong with it is logged. */
function readTensorEntry(name: string, value: unknown, dataSize: number, problems: ProblemLog): SafetensorsTensorEntry | null {
  if (!isPlainObject(value)) {
    problems.add('safetensors-bad-tensor', 'tensor entry is not an object', name);
    return null;
  }
  for (const field of Object.keys(value)) {
    if (!TENSOR_FIELDS.has(field)) problems.add('safetensors-unknown-field', `unexpected field "${field}"`, name);
  }
  const { dtype, shape, data_offsets: offsets } = value;
  if (typeof dtype !== 'string') problems.add('safetensors-bad-tensor', 'dtype is not a string', name);
  const bits = typeof dtype === 'string' ? safetensorsDtypeBits(dtype) : null;
  if (typeof dtype === 'string' && bits === null) problems.add('safetensors-unknown-dtype', `unknown dtype ${JSON.stringify(dtype)}`, name);
  const validShape = Array.isArray(shape) && shape.every((dim) => Number.isSafeInteger(dim) && (dim as number) >= 0);
  if (!validShape) problems.add('safetensors-bad-tensor', 'shape is not a list of non-negative integers', name);
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((at) => Number.isSafeInteger(at) && (at as number) >= 0)) {
    problems.add('safetensors-bad-tensor', 'data_offsets is not two non-negative integers', name);
    return null;
  }
  const [begin, end] = offsets as [number, number];
  if (begin > end) {
    problems.add('safetensors-bad-offsets', `data_offsets [${begin}, ${end}] end before they begin`, name);
    return null;
  }
  if (end > dataSize) {
    problems.add('safetensors-offset-out-of-range', `data_offsets [${begin}, ${end}] run past the ${dataSize}-byte data area`, name);
    return null;
  }
  const dims = validShape ? (shape as number[]) : [];
  if (validShape && bits !== null) {
    const totalBits = dims.reduce((product, dim) => product * BigInt(dim), 1n) * BigInt(bits);
    if (totalBits % 8n !== 0n) {
      problems.add('safetensors-size-mismatch', `${dims.join('×')} ${String(dtype)} elements do not fill whole bytes`, name);
    } else if (totalBits / 8n !== BigInt(end - begin)) {
      problems.add('safetensors-size-mismatch', `shape [${dims.join(', ')}] of ${String(dtype)} needs ${totalBits / 8n} bytes, data_offsets give ${end - begin}`, name);
    }
  }
  return { name, dtype: typeof dtype === 'string' ? dtype : '?', shape: dims, begin, end };
}

/** The data area must be covered exactly once: loaders disagree about bytes no tensor owns. */
function checkTiling(tensors: readonly SafetensorsTensorEntry[], dataSize: number, problems: ProblemLog): void {
  let covered = 0;
  let previous: string | null = null;
  for (const tensor of tensors) {
    if (tensor.begin < covered) {
      problems.add('safetensors-overlap', `bytes ${tensor.begin}–${covered} are also part of ${previous ?? '?'}`, tensor.name);
    } else if (tensor.begin > covered) {
      problems.add('safetensors-gap', `bytes ${covered}–${tensor.begin} of the data area belong to no tensor`, tensor.name);
    }
    if (tensor.end >= covered) {
      covered = tensor.end;
      previous = tensor.name;
    }
  }
  if (covered < dataSize) problems.add('safetensors-trailing-bytes', `${dataSize - covered} bytes after the last tensor belong to no tensor`);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
