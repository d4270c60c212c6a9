import type { TorchTensorRef } from '../pickle/torch-tensors.js';
import type { ProblemLog } from '../problems.js';
import type { ByteRange } from '../range-hasher.js';
import type { ZipEntry } from './directory.js';

/** A state-dict tensor located in the checkpoint file. */
export interface PlacedTorchTensor {
  readonly ref: TorchTensorRef;
  /** Absolute range of the elements the tensor spans in its storage member. */
  readonly range: ByteRange;
}

/**
 * Finds each tensor's bytes: its storage is the stored member `<archive>/data/<key>` next to
 * data.pkl; the tensor spans from its storage offset to its last element by its strides (for a
 * view of a larger storage, that range may include elements that are not the tensor's). Tensors
 * whose storage is missing, compressed or too short are reported and left out.
 */
export function placeTorchTensors(
  refs: readonly TorchTensorRef[],
  dataPklName: string,
  entries: readonly ZipEntry[],
  problems: ProblemLog,
): PlacedTorchTensor[] {
  const prefix = dataPklName.slice(0, dataPklName.length - 'data.pkl'.length);
  const byName = new Map(entries.map((entry) => [entry.name, entry]));
  const placed: PlacedTorchTensor[] = [];
  for (const ref of refs) {
    const storage = byName.get(`${prefix}data/${ref.storageKey}`);
    if (!storage) {
      problems.add('torch-storage-missing', `storage ${JSON.stringify(ref.storageKey)} is not in the archive`, ref.name);
      continue;
    }
    if (storage.method !== 0 || ref.elementSize === null) {
      problems.add('torch-tensor-unreadable', storage.method !== 0 ? 'its storage is compressed' : `unknown element type ${ref.dtype}`, ref.name);
      continue;
    }
    const elements = ref.shape.some((dim) => dim === 0) ? 0 : 1 + ref.shape.reduce((sum, dim, index) => sum + (dim - 1) * (ref.stride[index] ?? 0), 0);
    const start = ref.storageOffset * ref.elementSize;
    const length = elements * ref.elementSize;
    if (!Number.isSafeInteger(start + length) || start + length > storage.size) {
      problems.add('torch-tensor-out-of-range', `needs bytes ${start}–${start + length} of a ${storage.size}-byte storage`, ref.name);
      continue;
    }
    placed.push({ ref, range: { offset: storage.dataOffset + start, length } });
  }
  return placed;
}
