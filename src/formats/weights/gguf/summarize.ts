import type { ByteSource } from '../byte-source.js';
import type { SummarizeOptions, WeightsFacts } from '../facts.js';
import { ProblemLog } from '../problems.js';
import { hashRanges } from '../range-hasher.js';
import { digestOfRanges, unownedRanges } from '../unowned-bytes.js';
import { readGgufHeader } from './header.js';
import { placeGgufTensors } from './tensor-layout.js';

/** Header facts, metadata (large values digested) and per-tensor sha256 of a GGUF file, in one pass over its data. */
export async function summarizeGguf(source: ByteSource, options: SummarizeOptions = {}): Promise<WeightsFacts> {
  const problems = new ProblemLog();
  const header = await readGgufHeader(source, problems);
  if (!header) return { problems: problems.list() };
  const placed =
    header.dataStart === null || header.dataStart > source.size
      ? []
      : placeGgufTensors(header.tensors, header.dataStart, header.alignment, source.size, problems);
  // Padding between tensors should be zeros; hashing it with the bytes after the tensor infos makes a payload hidden there visible.
  const unowned = header.infosEnd === null ? [] : unownedRanges(placed, header.infosEnd, source.size);
  const { rangeSha256, sourceSha256 } = await hashRanges(source, [...placed, ...unowned], { wholeSource: options.fileSha256 === true });
  return {
    ...(sourceSha256 ? { fileSha256: sourceSha256 } : {}),
    header: {
      version: header.version,
      tensorCount: header.tensorCount,
      kvCount: header.kvCount,
      alignment: header.alignment,
      ...(header.dataStart === null ? {} : { dataStart: header.dataStart }),
      unownedBytes: unowned.reduce((sum, range) => sum + range.length, 0),
      unownedSha256: digestOfRanges(unowned, rangeSha256.slice(placed.length)),
    },
    metadata: header.metadata,
    tensors: placed.map((tensor, index) => ({
      name: tensor.info.name,
      dtype: tensor.info.typeName,
      shape: tensor.info.dims,
      offset: tensor.offset,
      length: tensor.length,
      sha256: rangeSha256[index] as string,
    })),
    problems: problems.list(),
  };
}
