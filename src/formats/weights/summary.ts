import type { WeightFormat } from './detect.js';
import type { LfsPointer } from './lfs.js';
import type { WeightsProblem } from './problems.js';

/** Bumped whenever the meaning of a stored summary changes, so old manifests can be recognised. */
export const WEIGHTS_SUMMARY_VERSION = 1;

/** One tensor (or numpy array) and the sha256 of exactly its bytes. */
export interface TensorSummary {
  readonly name: string;
  /** The format's own type name: `F32`, `BF16`, `Q4_K`, numpy's `<f4`. */
  readonly dtype: string;
  readonly shape: readonly number[];
  /** Absolute byte offset of the tensor's data in the file; -1 when it is stored compressed (an npz member). */
  readonly offset: number;
  readonly length: number;
  readonly sha256: string;
}

/** A metadata value too large to keep whole (a tokenizer vocabulary): its kind, size and digest. */
export interface DigestedValue {
  /** `string`, or `array of <element type>`. */
  readonly digested: string;
  /** Characters of a string, elements of an array. */
  readonly length: number;
  /** sha256 of the value's bytes as stored in the file. */
  readonly sha256: string;
}

/** A metadata value as JSON: 64-bit integers beyond 2^53 and non-finite floats are decimal strings. */
export type MetadataValue = string | number | boolean | DigestedValue | readonly MetadataValue[];

/** One member of a zip archive (a PyTorch checkpoint, an npz, a Keras file). */
export interface ZipEntrySummary {
  readonly name: string;
  /** 0 stored, 8 deflated. */
  readonly method: number;
  readonly compressedSize: number;
  readonly size: number;
  /** As the central directory declares it, 8 hex digits. */
  readonly crc32: string;
  /** sha256 of the entry's bytes as stored (compressed if it is compressed). */
  readonly storedSha256: string;
}

/**
 * What one version of a weight file holds, as plain JSON: small enough to store in a snapshot
 * manifest, detailed enough to name changed tensors later without the old file. Fields appear only
 * for the formats they apply to.
 */
export interface WeightsSummary {
  readonly summaryVersion: typeof WEIGHTS_SUMMARY_VERSION;
  readonly path: string;
  readonly format: WeightFormat;
  /** What the name and the content each suggested (see detectWeightFormat). */
  readonly byExtension: WeightFormat | null;
  readonly byContent: WeightFormat | null;
  readonly isAdapter: boolean;
  readonly size: number;
  /** sha256 of the whole file, for formats hashed only as a whole or when asked for. */
  readonly fileSha256?: string;
  /** Facts from the format's header: lengths, version, alignment, counts. */
  readonly header?: Readonly<Record<string, string | number | boolean>>;
  /** Safetensors `__metadata__`, GGUF key–values, numpy header fields, shard-index metadata. */
  readonly metadata?: Readonly<Record<string, MetadataValue>>;
  /** Tensors in offset order. */
  readonly tensors?: readonly TensorSummary[];
  /** Zip members in central-directory order. */
  readonly entries?: readonly ZipEntrySummary[];
  /** Every global a pickle in the file imports, `module.name`, sorted. */
  readonly globals?: readonly string[];
  /** The globals not on the checkpoint allowlist: loading this file would import and may run them. */
  readonly unsafeGlobals?: readonly string[];
  /** Globals the pickle calls or builds objects of (REDUCE, NEWOBJ, INST, OBJ, BUILD), sorted. */
  readonly calls?: readonly string[];
  /** What a Git LFS pointer stands for. */
  readonly lfs?: LfsPointer;
  /** A shard index's tensor → shard file map. */
  readonly weightMap?: Readonly<Record<string, string>>;
  readonly problems: readonly WeightsProblem[];
}
