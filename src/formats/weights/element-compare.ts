import { DECODABLE_SIZE, readElement, type DecodableDtype } from './element-dtypes.js';

/** How far the values of one tensor moved between two versions of the same dtype and shape. */
export interface ElementDelta {
  /** Elements whose bytes differ. */
  readonly elementsChanged: number;
  /** Largest |new − old| over changed elements where both values are finite; absent if there is none. */
  readonly maxAbsDelta?: number;
  /** Changed elements where either side is NaN or infinite (no finite distance to report). */
  readonly nonFiniteChanged?: number;
}

/**
 * Compares two equally long little-endian tensors element by element. An element counts as changed
 * when its bytes differ (so NaN → NaN with another payload counts, and −0 → +0 counts, though it
 * moves by 0), so the count agrees with the tensor hash.
 */
export function compareElements(dtype: DecodableDtype, before: Uint8Array, after: Uint8Array): ElementDelta {
  const width = DECODABLE_SIZE[dtype];
  const count = Math.floor(Math.min(before.length, after.length) / width);
  const oldView = new DataView(before.buffer, before.byteOffset, before.byteLength);
  const newView = new DataView(after.buffer, after.byteOffset, after.byteLength);
  let changed = 0;
  let nonFinite = 0;
  let maxAbsDelta = -1;
  for (let index = 0; index < count; index++) {
    if (sameBytes(before, after, index * width, width)) continue;
    changed++;
    const delta = Math.abs(readElement(newView, dtype, index) - readElement(oldView, dtype, index));
    if (Number.isFinite(delta)) maxAbsDelta = Math.max(maxAbsDelta, delta);
    else nonFinite++;
  }
  return {
    elementsChanged: changed,
    ...(maxAbsDelta >= 0 ? { maxAbsDelta } : {}),
    ...(nonFinite > 0 ? { nonFiniteChanged: nonFinite } : {}),
  };
}

function sameBytes(a: Uint8Array, b: Uint8Array, at: number, width: number): boolean {
  for (let offset = at; offset < at + width; offset++) if (a[offset] !== b[offset]) return false;
  return true;
}
