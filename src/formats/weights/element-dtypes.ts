/**
 * Element types whose values we can decode to compare two versions of a tensor, named as
 * safetensors names them. Other formats map their own type names onto these.
 */
export type DecodableDtype = 'F64' | 'F32' | 'F16' | 'BF16' | 'I64' | 'I32' | 'I16' | 'I8' | 'U64' | 'U32' | 'U16' | 'U8' | 'BOOL';

/** Bytes per element of each decodable type. */
export const DECODABLE_SIZE: Readonly<Record<DecodableDtype, number>> = {
  F64: 8,
  F32: 4,
  F16: 2,
  BF16: 2,
  I64: 8,
  I32: 4,
  I16: 2,
  I8: 1,
  U64: 8,
  U32: 4,
  U16: 2,
  U8: 1,
  BOOL: 1,
};

/** Whether values of this (safetensors-named) type can be decoded to compare versions. */
export function isDecodableDtype(dtype: string): dtype is DecodableDtype {
  return Object.hasOwn(DECODABLE_SIZE, dtype);
}

/** IEEE 754 half precision, decoded bit by bit: 1 sign, 5 exponent (bias 15), 10 fraction bits. */
export function decodeFloat16(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const fraction = bits & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24; // subnormal (and zero)
  if (exponent === 0x1f) return fraction === 0 ? sign * Infinity : NaN;
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}

const widening = new DataView(new ArrayBuffer(4));

/** bfloat16 is the top half of a float32: shift it back into place and read it as one. */
export function decodeBfloat16(bits: number): number {
  widening.setUint32(0, (bits & 0xffff) << 16, true);
  return widening.getFloat32(0, true);
}

/**
 * The value of element `index` of little-endian `bytes` as a number (64-bit integers beyond 2^53
 * lose precision, which is fine for measuring how far a value moved).
 */
export function readElement(view: DataView, dtype: DecodableDtype, index: number): number {
  const at = index * DECODABLE_SIZE[dtype];
  switch (dtype) {
    case 'F64':
      return view.getFloat64(at, true);
    case 'F32':
      return view.getFloat32(at, true);
    case 'F16':
      return decodeFloat16(view.getUint16(at, true));
    case 'BF16':
      return decodeBfloat16(view.getUint16(at, true));
    case 'I64':
      return Number(view.getBigInt64(at, true));
    case 'I32':
      return view.getInt32(at, true);
    case 'I16':
      return view.getInt16(at, true);
    case 'I8':
      return view.getInt8(at);
    case 'U64':
      return Number(view.getBigUint64(at, true));
    case 'U32':
      return view.getUint32(at, true);
    case 'U16':
      return view.getUint16(at, true);
    case 'U8':
      return view.getUint8(at);
    case 'BOOL':
      return view.getUint8(at) === 0 ? 0 : 1;
  }
}
