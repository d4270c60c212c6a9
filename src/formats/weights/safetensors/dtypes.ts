/**
 * Bits per element of every dtype the safetensors format defines. Sub-byte types (F4, F6) are why
 * this counts bits: a tensor's byte length is `elements × bits / 8`, which must be whole.
 */
export const SAFETENSORS_DTYPE_BITS: Readonly<Record<string, number>> = {
  BOOL: 8,
  F4: 4,
  F6_E2M3: 6,
  F6_E3M2: 6,
  U8: 8,
  I8: 8,
  F8_E5M2: 8,
  F8_E4M3: 8,
  F8_E8M0: 8,
  I16: 16,
  U16: 16,
  F16: 16,
  BF16: 16,
  I32: 32,
  U32: 32,
  F32: 32,
  C64: 64,
  F64: 64,
  I64: 64,
  U64: 64,
};

/** Bits per element, or null for a dtype safetensors does not define. */
export function safetensorsDtypeBits(dtype: string): number | null {
  return Object.hasOwn(SAFETENSORS_DTYPE_BITS, dtype) ? (SAFETENSORS_DTYPE_BITS[dtype] ?? null) : null;
}
