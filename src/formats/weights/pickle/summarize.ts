import type { ByteSource } from '../byte-source.js';
import type { WeightsFacts } from '../facts.js';
import { hashSource } from '../range-hasher.js';
import { scanPickleStream, type PickleLayout } from './stream.js';

/**
 * A plain pickle file or a legacy (pre-zip) `torch.save` file: the globals its pickles import and
 * call, and the sha256 of the whole file (there is no tensor table to hash by).
 */
export async function summarizePickleFile(source: ByteSource, layout: PickleLayout): Promise<WeightsFacts> {
  const scan = await scanPickleStream(source, { kind: layout });
  return {
    fileSha256: await hashSource(source),
    header: { pickleCount: scan.pickleCount },
    globals: scan.globals,
    unsafeGlobals: scan.unsafeGlobals,
    calls: scan.calls,
    problems: scan.problems,
  };
}
