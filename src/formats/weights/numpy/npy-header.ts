import type { ByteSource } from '../byte-source.js';
import type { DecodableDtype } from '../element-dtypes.js';
import type { ProblemLog } from '../problems.js';
import { parsePythonLiteral, type PythonLiteral } from './python-literal.js';

/** What an .npy header declares. */
export interface NpyHeader {
  /** `1.0`, `2.0` or `3.0`. */
  readonly version: string;
  /** The dtype as numpy wrote it: `<f4`, `|O`, or a structured dtype's text. */
  readonly descr: string;
  readonly fortranOrder: boolean;
  readonly shape: readonly number[];
  /** Offset of the array data from the start of the .npy bytes. */
  readonly dataOffset: number;
  /** Bytes per element, or null for structured dtypes and objects. */
  readonly itemSize: number | null;
  /** True when the dtype is or contains Python objects: the data is then a pickle. */
  readonly hasObjects: boolean;
}

const MAGIC = '\x93NUMPY';
/** numpy itself refuses headers over 10 000 bytes unless told otherwise; allow more, but not unbounded. */
const MAX_HEADER_BYTES = 1024 * 1024;
const SIMPLE_DESCR = /^([<>|=]?)([biufcSaUVMmO])(\d*)(\[[a-zA-Z0-9]+\])?$/;

/** Reads and checks an .npy header; null (with problems) when it is not one. */
export async function readNpyHeader(source: ByteSource, problems: ProblemLog, where?: string): Promise<NpyHeader | null> {
  const prefix = Buffer.from(await source.read(0, 12));
  if (prefix.length < 10 || prefix.toString('latin1', 0, 6) !== MAGIC) {
    problems.add('numpy-bad-magic', 'does not start with the .npy magic', where);
    return null;
  }
  const major = prefix[6] as number;
  if (major < 1 || major > 3) {
    problems.add('numpy-unsupported-version', `.npy format version ${major}.${prefix[7]} is unknown`, where);
    return null;
  }
  const lengthBytes = major === 1 ? 2 : 4;
  if (prefix.length < 8 + lengthBytes) {
    problems.add('numpy-truncated', 'header length is cut off', where);
    return null;
  }
  const headerLength = major === 1 ? prefix.readUInt16LE(8) : prefix.readUInt32LE(8);
  const dataOffset = 8 + lengthBytes + headerLength;
  if (headerLength > MAX_HEADER_BYTES || dataOffset > source.size) {
    problems.add('numpy-bad-header', `header length ${headerLength} is too large or runs past the end`, where);
    return null;
  }
  const raw = Buffer.from(await source.read(8 + lengthBytes, headerLength));
  const text = raw.toString(major === 3 ? 'utf8' : 'latin1');
  const literal = parsePythonLiteral(text);
  if (!isDict(literal) || Object.keys(literal).sort().join(',') !== 'descr,fortran_order,shape') {
    problems.add('numpy-bad-header', 'header is not a dict of exactly descr, fortran_order and shape', where);
    return null;
  }
  const { descr, fortran_order: fortranOrder, shape } = literal;
  if (!Array.isArray(shape) || !shape.every((dim) => Number.isSafeInteger(dim) && (dim as number) >= 0) || typeof fortranOrder !== 'boolean') {
    problems.add('numpy-bad-header', 'shape or fortran_order is malformed', where);
    return null;
  }
  const descrText = typeof descr === 'string' ? descr : JSON.stringify(descr);
  return {
    version: `${major}.${prefix[7]}`,
    descr: descrText,
    fortranOrder,
    shape: shape as number[],
    dataOffset,
    itemSize: typeof descr === 'string' ? itemSizeOf(descr) : null,
    hasObjects: containsObjects(descr ?? null),
  };
}

function itemSizeOf(descr: string): number | null {
  const match = SIMPLE_DESCR.exec(descr);
  if (!match) return null;
  const kind = match[2] as string;
  if (kind === 'O') return null;
  if (kind === 'M' || kind === 'm') return 8;
  const digits = match[3] === '' ? (kind === 'b' ? 1 : NaN) : Number(match[3]);
  if (!Number.isFinite(digits)) return null;
  return kind === 'U' ? digits * 4 : digits;
}

/** An object dtype may hide inside a structured one: `[('a', '<f4'), ('b', '|O')]`. */
function containsObjects(descr: PythonLiteral): boolean {
  if (typeof descr === 'string') return /^[<>|=]?O\d*$/.test(descr);
  if (Array.isArray(descr)) return descr.some(containsObjects);
  if (isDict(descr)) return Object.values(descr).some(containsObjects);
  return false;
}

function isDict(value: PythonLiteral | null): value is { [key: string]: PythonLiteral } {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const DECODABLE_DESCR: Readonly<Record<string, DecodableDtype>> = {
  f8: 'F64', f4: 'F32', f2: 'F16', i8: 'I64', i4: 'I32', i2: 'I16', i1: 'I8', u8: 'U64', u4: 'U32', u2: 'U16', u1: 'U8', b1: 'BOOL',
};

/** The decodable element type of a little-endian numpy descr (`<f4` → F32), or null. */
export function decodableNumpyDtype(descr: string): DecodableDtype | null {
  const match = /^([<|=]?)([fiub]\d)$/.exec(descr);
  if (!match) return null;
  const code = match[2] as string;
  // One-byte types carry `|`; wider ones must say little-endian (`=` is native, which is little on every platform we run on).
  return Object.hasOwn(DECODABLE_DESCR, code) ? (DECODABLE_DESCR[code] as DecodableDtype) : null;
}
