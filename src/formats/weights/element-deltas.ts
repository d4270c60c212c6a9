import type { ByteSource } from './byte-source.js';
import type { ChangedTensor, WeightsDiff } from './diff-types.js';
import { compareElements } from './element-compare.js';
import { DECODABLE_SIZE, isDecodableDtype, type DecodableDtype } from './element-dtypes.js';
import { decodableNumpyDtype } from './numpy/npy-header.js';
import type { TensorSummary, WeightsSummary } from './summary.js';

/** One version of a file: its summary and its bytes. */
export interface WeightsSide {
  readonly summary: WeightsSummary;
  readonly source: ByteSource;
}

/** Bounds on how much {@link addElementDeltas} reads. */
export interface ElementDeltaOptions {
  /** Tensors larger than this (per side) are not decoded; default 16 MiB. */
  readonly maxTensorBytes?: number;
  /** Stop decoding once this many bytes (both sides together) were read; default 256 MiB. */
  readonly maxTotalBytes?: number;
}

const DEFAULT_MAX_TENSOR_BYTES = 16 * 1024 * 1024;
const DEFAULT_MAX_TOTAL_BYTES = 256 * 1024 * 1024;

/**
 * Adds to each changed tensor of `diff` how many elements changed and the largest absolute change,
 * when both versions' bytes are at hand, the tensor is small enough and its type can be decoded
 * (F64, F32, F16, BF16, signed and unsigned integers, BOOL; in safetensors, GGUF, PyTorch and numpy
 * files) and its bytes are exactly its elements (not a strided view of a larger storage).
 * Other tensors are returned as they were. A source whose size no longer matches its summary (the
 * file changed since) is not read.
 */
export async function addElementDeltas(
  diff: WeightsDiff,
  before: WeightsSide,
  after: WeightsSide,
  options: ElementDeltaOptions = {},
): Promise<WeightsDiff> {
  if (!diff.tensors || diff.tensors.changed.length === 0) return diff;
  if (before.source.size !== before.summary.size || after.source.size !== after.summary.size) return diff;
  const maxTensorBytes = options.maxTensorBytes ?? DEFAULT_MAX_TENSOR_BYTES;
  let budget = options.maxTotalBytes ?? DEFAULT_MAX_TOTAL_BYTES;
  const oldTensors = new Map((before.summary.tensors ?? []).map((tensor) => [tensor.name, tensor]));
  const newTensors = new Map((after.summary.tensors ?? []).map((tensor) => [tensor.name, tensor]));
  const changed: ChangedTensor[] = [];
  for (const tensor of diff.tensors.changed) {
    const previous = oldTensors.get(tensor.name);
    const current = newTensors.get(tensor.name);
    const dtype = current ? decodableType(after.summary, current) : null;
    // A view into a larger storage spans more bytes than its elements: only whole, dense tensors are decoded.
    const isDense = dtype !== null && current !== undefined && current.length === elementCount(current.shape) * DECODABLE_SIZE[dtype];
    const isReadable =
      previous && current && dtype && isDense && previous.length === current.length && previous.offset >= 0 && current.offset >= 0;
    if (!isReadable || current.length > maxTensorBytes || 2 * current.length > budget) {
      changed.push(tensor);
      continue;
    }
    budget -= 2 * current.length;
    const [oldBytes, newBytes] = await Promise.all([
      before.source.read(previous.offset, previous.length),
      after.source.read(current.offset, current.length),
    ]);
    // The first read's result may be a reused view: copy before the next read on the same source.
    changed.push({ ...tensor, ...compareElements(dtype, Buffer.from(oldBytes), Buffer.from(newBytes)) });
  }
  return { ...diff, tensors: { ...diff.tensors, changed } };
}

/** The element type to decode a tensor as, by the format's own type names. */
function decodableType(summary: WeightsSummary, tensor: TensorSummary): DecodableDtype | null {
  switch (summary.format) {
    case 'safetensors':
    case 'gguf':
    case 'pytorch-zip':
      // GGUF's plain types and our names for torch's storage types are safetensors' names (F32, BF16, I64…).
      return isDecodableDtype(tensor.dtype) ? tensor.dtype : null;
    case 'numpy':
    case 'npz':
      return decodableNumpyDtype(tensor.dtype);
    default:
      return null;
  }
}

function elementCount(shape: readonly number[]): number {
  return shape.reduce((product, dim) => product * dim, 1);
}
