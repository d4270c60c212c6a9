import type { WeightFormat } from './detect.js';
import type { ElementDelta } from './element-compare.js';
import type { LfsPointerChange } from './lfs.js';
import type { WeightsProblem } from './problems.js';

/** A tensor named with its type and shape. */
export interface TensorRef {
  readonly name: string;
  readonly dtype: string;
  readonly shape: readonly number[];
}

/** A tensor whose bytes changed under the same type and shape; deltas appear once computed. */
export interface ChangedTensor extends TensorRef, Partial<ElementDelta> {}

/** A tensor whose shape changed; its type is the new one. */
export interface ReshapedTensor {
  readonly name: string;
  readonly dtype: string;
  readonly oldShape: readonly number[];
  readonly newShape: readonly number[];
}

/** A tensor whose element type changed; its shape is the new one. */
export interface RetypedTensor {
  readonly name: string;
  readonly shape: readonly number[];
  readonly oldDtype: string;
  readonly newDtype: string;
}

/** Tensor-by-tensor changes. A tensor both reshaped and retyped appears in both lists. */
export interface TensorChanges {
  readonly added: readonly TensorRef[];
  readonly removed: readonly TensorRef[];
  readonly changed: readonly ChangedTensor[];
  readonly reshaped: readonly ReshapedTensor[];
  readonly retyped: readonly RetypedTensor[];
}

/** A shard index's changes: which tensors now come from another file, or from none. */
export interface ShardMapChanges {
  readonly added: ReadonlyArray<{ readonly name: string; readonly shard: string }>;
  readonly removed: ReadonlyArray<{ readonly name: string; readonly shard: string }>;
  readonly moved: ReadonlyArray<{ readonly name: string; readonly oldShard: string; readonly newShard: string }>;
}

/**
 * What changed between two versions of a weight file, shaped as the report carries it. Each field
 * is present only where it applies: `tensors` for formats with a tensor table, `metadata` where
 * either side has metadata, `entries` for zip archives, `shards` for shard indexes, `lfs` when a
 * side is a Git LFS pointer, `content` for formats judged by their whole-file digest.
 */
export interface WeightsDiff {
  /** The new version's format (the old one's for a deletion). */
  readonly format: WeightFormat;
  readonly formatChanged?: { readonly old: WeightFormat; readonly new: WeightFormat };
  /**
   * Header facts that differ between two versions of the same format, such as `unownedSha256`
   * (bytes no tensor owns changed: padding or trailing data), `torchScript`, `alignment`.
   */
  readonly headerChanged?: readonly string[];
  readonly tensors?: TensorChanges;
  readonly metadata?: { readonly changed: readonly string[]; readonly added?: readonly string[]; readonly removed?: readonly string[] };
  readonly entries?: { readonly added: readonly string[]; readonly removed: readonly string[]; readonly changed: readonly string[] };
  readonly shards?: ShardMapChanges;
  /** Globals of the new version that are not on the checkpoint allowlist. */
  readonly unsafeGlobals?: readonly string[];
  readonly lfs?: LfsPointerChange;
  readonly content?: { readonly oldSha256: string | null; readonly newSha256: string | null };
  /** Problems of the new version (the old one's for a deletion). */
  readonly problems?: readonly WeightsProblem[];
}
