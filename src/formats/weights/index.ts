/**
 * The inside of model weight files: recognising them, hashing them in one streaming pass,
 * summarising what they declare (tensors, metadata, pickled imports) and naming what changed
 * between two versions. Nothing here executes anything from a file; malformed input yields
 * problems, never exceptions.
 */
export { bufferSource, openFileSource, sliceSource, withFileSource } from './byte-source.js';
export type { ByteSource, ClosableByteSource } from './byte-source.js';
export { DETECT_BYTES, detectWeightFormat } from './detect.js';
export type { WeightFormat, WeightFormatDetection } from './detect.js';
export { hashFileStreaming, hashRange, hashRanges, hashSource } from './range-hasher.js';
export type { ByteRange } from './range-hasher.js';
export { summarizeWeights } from './summarize.js';
export type { SummarizeOptions } from './summarize.js';
export { WEIGHTS_SUMMARY_VERSION } from './summary.js';
export type { DigestedValue, MetadataValue, TensorSummary, WeightsSummary, ZipEntrySummary } from './summary.js';
export { diffWeights } from './diff.js';
export type {
  ChangedTensor,
  ReshapedTensor,
  RetypedTensor,
  ShardMapChanges,
  TensorChanges,
  TensorRef,
  WeightsDiff,
} from './diff-types.js';
export { addElementDeltas } from './element-deltas.js';
export type { ElementDeltaOptions, WeightsSide } from './element-deltas.js';
export type { ElementDelta } from './element-compare.js';
export { diffLfsPointers, isLfsPointer, parseLfsPointer } from './lfs.js';
export type { LfsPointer, LfsPointerChange } from './lfs.js';
export { scanPickle } from './pickle/scan.js';
export type { PickleScan, PickleScanOptions } from './pickle/scan.js';
export { isAllowedGlobal, isKnownDangerousGlobal } from './pickle/allowlist.js';
export { WeightsReadError } from './errors.js';
export type { WeightsProblem } from './problems.js';
