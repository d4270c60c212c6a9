/** How a ggml tensor type lays out its elements: `typeSize` bytes hold `blockSize` elements. */
export interface GgmlType {
  readonly name: string;
  readonly blockSize: number;
  readonly typeSize: number;
}

const QK = 32; // elements per block of the legacy quantisations
const QK_K = 256; // elements per super-block of the k-quants and i-quants

/**
 * ggml's tensor types by id, with the byte size of one block as llama.cpp's ggml.h defines the
 * block structs (a fp16 scale is 2 bytes). Ids 4, 5 and 31–33, 36–38 were retired upstream and
 * are absent, so a file using them is reported as having an unknown type.
 */
export const GGML_TYPES: ReadonlyMap<number, GgmlType> = new Map<number, GgmlType>([
  [0, { name: 'F32', blockSize: 1, typeSize: 4 }],
  [1, { name: 'F16', blockSize: 1, typeSize: 2 }],
  [2, { name: 'Q4_0', blockSize: QK, typeSize: 2 + QK / 2 }],
  [3, { name: 'Q4_1', blockSize: QK, typeSize: 4 + QK / 2 }],
  [6, { name: 'Q5_0', blockSize: QK, typeSize: 2 + 4 + QK / 2 }],
  [7, { name: 'Q5_1', blockSize: QK, typeSize: 4 + 4 + QK / 2 }],
  [8, { name: 'Q8_0', blockSize: QK, typeSize: 2 + QK }],
  // ggml's C struct is two fp16 and 32 bytes (36); gguf-py still lists 40 from an older layout.
  [9, { name: 'Q8_1', blockSize: QK, typeSize: 4 + QK }],
  [10, { name: 'Q2_K', blockSize: QK_K, typeSize: QK_K / 16 + QK_K / 4 + 4 }],
  [11, { name: 'Q3_K', blockSize: QK_K, typeSize: QK_K / 8 + QK_K / 4 + 12 + 2 }],
  [12, { name: 'Q4_K', blockSize: QK_K, typeSize: 4 + 12 + QK_K / 2 }],
  [13, { name: 'Q5_K', blockSize: QK_K, typeSize: 4 + 12 + QK_K / 8 + QK_K / 2 }],
  [14, { name: 'Q6_K', blockSize: QK_K, typeSize: QK_K / 2 + QK_K / 4 + QK_K / 16 + 2 }],
  [15, { name: 'Q8_K', blockSize: QK_K, typeSize: 4 + QK_K + (QK_K / 16) * 2 }],
  [16, { name: 'IQ2_XXS', blockSize: QK_K, typeSize: 2 + (QK_K / 8) * 2 }],
  [17, { name: 'IQ2_XS', blockSize: QK_K, typeSize: 2 + (QK_K / 8) * 2 + QK_K / 32 }],
  [18, { name: 'IQ3_XXS', blockSize: QK_K, typeSize: 2 + (3 * QK_K) / 8 }],
  [19, { name: 'IQ1_S', blockSize: QK_K, typeSize: 2 + QK_K / 8 + (QK_K / 32) * 2 }],
  [20, { name: 'IQ4_NL', blockSize: QK, typeSize: 2 + QK / 2 }],
  [21, { name: 'IQ3_S', blockSize: QK_K, typeSize: 2 + QK_K / 4 + QK_K / 32 + QK_K / 8 + QK_K / 64 }],
  [22, { name: 'IQ2_S', blockSize: QK_K, typeSize: 2 + QK_K / 4 + QK_K / 32 + QK_K / 32 }],
  [23, { name: 'IQ4_XS', blockSize: QK_K, typeSize: 2 + 2 + QK_K / 64 + QK_K / 2 }],
  [24, { name: 'I8', blockSize: 1, typeSize: 1 }],
  [25, { name: 'I16', blockSize: 1, typeSize: 2 }],
  [26, { name: 'I32', blockSize: 1, typeSize: 4 }],
  [27, { name: 'I64', blockSize: 1, typeSize: 8 }],
  [28, { name: 'F64', blockSize: 1, typeSize: 8 }],
  [29, { name: 'IQ1_M', blockSize: QK_K, typeSize: QK_K / 8 + QK_K / 16 + QK_K / 32 }],
  [30, { name: 'BF16', blockSize: 1, typeSize: 2 }],
  [34, { name: 'TQ1_0', blockSize: QK_K, typeSize: 2 + QK_K / 64 + (QK_K - (4 * QK_K) / 64) / 5 }],
  [35, { name: 'TQ2_0', blockSize: QK_K, typeSize: 2 + QK_K / 4 }],
  [39, { name: 'MXFP4', blockSize: QK, typeSize: 1 + QK / 2 }],
]);

/** The name to show for a type id: its ggml name, or `type<id>` when unknown. */
export function ggmlTypeName(id: number): string {
  return GGML_TYPES.get(id)?.name ?? `type${id}`;
}

/** Bytes a tensor of this type and element count occupies, or null when the type is unknown or the count is not whole blocks. */
export function ggmlTensorBytes(id: number, elements: bigint): bigint | null {
  const type = GGML_TYPES.get(id);
  if (!type || elements % BigInt(type.blockSize) !== 0n) return null;
  return (elements / BigInt(type.blockSize)) * BigInt(type.typeSize);
}
