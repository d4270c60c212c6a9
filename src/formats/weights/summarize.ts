import type { ByteSource } from './byte-source.js';
import { DETECT_BYTES, detectWeightFormat, type WeightFormat, type WeightFormatDetection } from './detect.js';
import type { SummarizeOptions, WeightsFacts } from './facts.js';
import { summarizeGguf } from './gguf/summarize.js';
import { MAX_LFS_POINTER_BYTES, parseLfsPointer } from './lfs.js';
import { summarizeNpy } from './numpy/summarize.js';
import { summarizePickleFile } from './pickle/summarize.js';
import type { WeightsProblem } from './problems.js';
import { hashSource } from './range-hasher.js';
import { summarizeSafetensors } from './safetensors/summarize.js';
import { summarizeShardIndex } from './shard-index.js';
import { WEIGHTS_SUMMARY_VERSION, type WeightsSummary } from './summary.js';
import { summarizeZip } from './zip/summarize.js';

export type { SummarizeOptions } from './facts.js';

/**
 * Summarises one version of a weight file: recognises its format by name and content, parses
 * what the format declares (header, metadata, tensor table, zip members, pickled globals), and
 * hashes every tensor's bytes in one sequential pass. Malformed or hostile content never throws;
 * it shows up in `problems`. Only a failing read (the file vanished, a disk error) throws
 * {@link WeightsReadError}. Returns null when neither the name nor the content says weights.
 *
 * Memory stays flat whatever the file size (headers are capped, data is streamed); nothing in
 * the file is executed.
 */
export async function summarizeWeights(source: ByteSource, path: string, options: SummarizeOptions = {}): Promise<WeightsSummary | null> {
  const detection = detectWeightFormat(path, await source.read(0, Math.min(source.size, DETECT_BYTES)));
  if (!detection) return null;
  const facts = await summarizeFormat(source, detection.format, options);
  const mismatch = formatMismatch(detection);
  return {
    summaryVersion: WEIGHTS_SUMMARY_VERSION,
    path,
    format: detection.format,
    byExtension: detection.byExtension,
    byContent: detection.byContent,
    isAdapter: detection.isAdapter,
    size: source.size,
    ...facts,
    problems: mismatch ? [mismatch, ...facts.problems] : facts.problems,
  };
}

async function summarizeFormat(source: ByteSource, format: WeightFormat, options: SummarizeOptions): Promise<WeightsFacts> {
  switch (format) {
    case 'safetensors':
      return summarizeSafetensors(source, options);
    case 'gguf':
      return summarizeGguf(source, options);
    case 'pytorch-zip':
    case 'npz':
    case 'keras':
      return summarizeZip(source, format, options);
    case 'pytorch-legacy':
      return summarizePickleFile(source, 'torch-legacy');
    case 'pickle':
      return summarizePickleFile(source, 'sequence');
    case 'numpy':
      return summarizeNpy(source, options);
    case 'shard-index':
      return summarizeShardIndex(source);
    case 'lfs-pointer':
      return summarizeLfsPointer(source);
    case 'onnx':
    case 'hdf5':
    case 'tflite':
    case 'msgpack':
      // Recognised, not parsed: the whole-file digest is what a change is judged by.
      return { fileSha256: await hashSource(source), problems: [] };
  }
}

async function summarizeLfsPointer(source: ByteSource): Promise<WeightsFacts> {
  const fileSha256 = await hashSource(source);
  const bytes = source.size < MAX_LFS_POINTER_BYTES ? await source.read(0, source.size) : null;
  const pointer = bytes ? parseLfsPointer(Buffer.from(bytes).toString('utf8')) : null;
  if (!pointer) {
    return { fileSha256, problems: [{ code: 'lfs-bad-pointer', message: 'starts like a Git LFS pointer but is not a valid one' }] };
  }
  return { fileSha256, lfs: pointer, problems: [] };
}

/**
 * A name that says one format over content that is another (a pickle called `.safetensors`) is
 * how a loader is tricked into unpickling. Legacy torch files named `.pt`/`.bin`, and LFS
 * pointers standing in for any weight file, are what those names normally hold.
 */
function formatMismatch(detection: WeightFormatDetection): WeightsProblem | null {
  const { byExtension, byContent } = detection;
  if (byExtension === null || byContent === null || byExtension === byContent || byContent === 'lfs-pointer') return null;
  if (byExtension === 'pytorch-zip' && (byContent === 'pytorch-legacy' || byContent === 'pickle')) return null;
  if (byExtension === 'pickle' && byContent === 'pytorch-legacy') return null;
  return { code: 'format-mismatch', message: `named like ${byExtension} but the content is ${byContent}` };
}
