import type { ProblemLog } from '../problems.js';
import { ggmlTensorBytes } from './ggml-types.js';
import type { GgufTensorInfo } from './header.js';

/** A tensor placed in the file: absolute offset and the byte length to hash. */
export interface PlacedTensor {
  readonly info: GgufTensorInfo;
  readonly offset: number;
  readonly length: number;
}

/**
 * Where each tensor's bytes are, checked: offsets aligned, inside the file, not overlapping, names
 * unique, nothing but padding after the last tensor. A tensor of a type we do not know the size
 * of runs to the next tensor (or the end of the file), so its bytes are still hashed. Tensors
 * that run past the end are cut at the end of the file and reported.
 */
export function placeGgufTensors(
  tensors: readonly GgufTensorInfo[],
  dataStart: number,
  alignment: number,
  fileSize: number,
  problems: ProblemLog,
): PlacedTensor[] {
  const dataSize = Math.max(0, fileSize - dataStart);
  const sorted = [...tensors].sort((a, b) => a.offset - b.offset || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const names = new Set<string>();
  const placed: PlacedTensor[] = [];
  let covered = 0;
  for (const [index, info] of sorted.entries()) {
    if (names.has(info.name)) problems.add('gguf-duplicate-tensor', 'tensor name appears twice', info.name);
    names.add(info.name);
    if (info.offset % alignment !== 0) problems.add('gguf-misaligned-tensor', `offset ${info.offset} is not a multiple of ${alignment}`, info.name);
    if (info.offset < covered) problems.add('gguf-overlap', `starts at ${info.offset}, inside the tensor before it`, info.name);
    const elements = info.dims.reduce((product, dim) => product * BigInt(dim), 1n);
    let declared = ggmlTensorBytes(info.type, elements);
    if (declared === null) {
      const reason = info.typeName.startsWith('type') ? `unknown ggml type ${info.type}` : `${elements} elements are not whole ${info.typeName} blocks`;
      problems.add('gguf-unknown-tensor-size', `${reason}; hashed up to the next tensor`, info.name);
      const next = sorted[index + 1]?.offset ?? dataSize;
      declared = BigInt(Math.max(0, Math.min(next, dataSize) - info.offset));
    }
    let length = declared;
    if (BigInt(info.offset) + declared > BigInt(dataSize)) {
      problems.add('gguf-tensor-out-of-range', `needs bytes ${info.offset}–${BigInt(info.offset) + declared} of a ${dataSize}-byte data area`, info.name);
      length = BigInt(Math.max(0, dataSize - info.offset));
    }
    const offset = Math.min(info.offset, dataSize);
    placed.push({ info, offset: dataStart + offset, length: Number(length) });
    covered = Math.max(covered, offset + Number(length));
  }
  const paddedEnd = Math.ceil(covered / alignment) * alignment;
  if (dataSize > paddedEnd) problems.add('gguf-trailing-bytes', `${dataSize - paddedEnd} bytes after the last tensor belong to no tensor`);
  return placed;
}
