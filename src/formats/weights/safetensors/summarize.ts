import type { ByteSource } from '../byte-source.js';
import type { SummarizeOptions, WeightsFacts } from '../facts.js';
import { hashRanges } from '../range-hasher.js';
import type { TensorSummary } from '../summary.js';
import { digestOfRanges, unownedRanges } from '../unowned-bytes.js';
import { readSafetensorsHeader } from './header.js';

/**
 * Header facts, metadata and the sha256 of every tensor's bytes, from one sequential pass over the
 * file (the header's own bytes, and any bytes of the data area no tensor owns, are hashed in the
 * same pass).
 */
export async function summarizeSafetensors(source: ByteSource, options: SummarizeOptions = {}): Promise<WeightsFacts> {
  const { header, problems } = await readSafetensorsHeader(source);
  if (!header) return { problems };
  const tensorRanges = header.tensors.map((tensor) => ({ offset: header.dataStart + tensor.begin, length: tensor.end - tensor.begin }));
  const unowned = unownedRanges(tensorRanges, header.dataStart, source.size);
  const ranges = [{ offset: 8, length: header.headerLength }, ...tensorRanges, ...unowned];
  const { rangeSha256, sourceSha256 } = await hashRanges(source, ranges, { wholeSource: options.fileSha256 === true });
  const unownedSha256 = rangeSha256.slice(1 + tensorRanges.length);
  const tensors: TensorSummary[] = header.tensors.map((tensor, index) => ({
    name: tensor.name,
    dtype: tensor.dtype,
    shape: tensor.shape,
    offset: header.dataStart + tensor.begin,
    length: tensor.end - tensor.begin,
    sha256: rangeSha256[index + 1] as string,
  }));
  return {
    ...(sourceSha256 ? { fileSha256: sourceSha256 } : {}),
    header: {
      headerLength: header.headerLength,
      dataStart: header.dataStart,
      headerSha256: rangeSha256[0] as string,
      tensorCount: tensors.length,
      unownedBytes: unowned.reduce((sum, range) => sum + range.length, 0),
      unownedSha256: digestOfRanges(unowned, unownedSha256),
    },
    ...(header.metadata ? { metadata: header.metadata } : {}),
    tensors,
    problems,
  };
}
