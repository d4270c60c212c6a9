import { sliceSource, type ByteSource } from '../byte-source.js';
import type { SummarizeOptions, WeightsFacts } from '../facts.js';
import { scanPickleStream } from '../pickle/stream.js';
import { ProblemLog } from '../problems.js';
import { hashRanges } from '../range-hasher.js';
import { readNpyHeader, type NpyHeader } from './npy-header.js';

/** Name given to the single array of an .npy file. */
export const NPY_ARRAY_NAME = 'array';

/** What one .npy (alone or inside an npz) holds: its header, its data range, and any pickle in it. */
export interface NpyFacts {
  readonly header: NpyHeader;
  /** Byte length of the array data as the header implies it, or null when it cannot be known. */
  readonly dataLength: number;
  readonly globals: readonly string[];
  readonly unsafeGlobals: readonly string[];
  readonly calls: readonly string[];
}

/**
 * Reads an .npy's header and, for an object dtype, walks the pickle that holds the data (numpy
 * loads it only with `allow_pickle=True`, and then runs whatever it imports). The data length is
 * checked against the shape.
 */
export async function inspectNpy(source: ByteSource, problems: ProblemLog, where?: string): Promise<NpyFacts | null> {
  const header = await readNpyHeader(source, problems, where);
  if (!header) return null;
  const available = source.size - header.dataOffset;
  if (header.hasObjects) {
    problems.add('numpy-object-array', 'object dtype: the data is a pickle, and loading it can run code', where);
    const scan = await scanPickleStream(sliceSource(source, header.dataOffset, available), { kind: 'single' });
    problems.addAll(scan.problems, where ?? 'data');
    return { header, dataLength: available, globals: scan.globals, unsafeGlobals: scan.unsafeGlobals, calls: scan.calls };
  }
  let dataLength = available;
  if (header.itemSize !== null) {
    const expected = header.shape.reduce((product, dim) => product * BigInt(dim), 1n) * BigInt(header.itemSize);
    if (expected !== BigInt(available)) {
      problems.add('numpy-size-mismatch', `shape and dtype need ${expected} bytes of data, the file has ${available}`, where);
    }
    dataLength = Number(expected < BigInt(available) ? expected : BigInt(available));
  }
  return { header, dataLength, globals: [], unsafeGlobals: [], calls: [] };
}

/** Header facts, the array's sha256 and, for object arrays, the globals its pickle imports. */
export async function summarizeNpy(source: ByteSource, options: SummarizeOptions = {}): Promise<WeightsFacts> {
  const problems = new ProblemLog();
  const facts = await inspectNpy(source, problems);
  if (!facts) return { problems: problems.list() };
  const range = { offset: facts.header.dataOffset, length: facts.dataLength };
  const { rangeSha256, sourceSha256 } = await hashRanges(source, [range], { wholeSource: options.fileSha256 === true });
  return {
    ...(sourceSha256 ? { fileSha256: sourceSha256 } : {}),
    header: { version: facts.header.version, dataOffset: facts.header.dataOffset },
    metadata: { descr: facts.header.descr, fortran_order: facts.header.fortranOrder, shape: facts.header.shape },
    tensors: [{ name: NPY_ARRAY_NAME, dtype: facts.header.descr, shape: facts.header.shape, ...range, sha256: rangeSha256[0] as string }],
    ...(facts.header.hasObjects ? { globals: facts.globals, unsafeGlobals: facts.unsafeGlobals, calls: facts.calls } : {}),
    problems: problems.list(),
  };
}
