/** Builds GGUF (v2/v3) files: typed metadata of every kind, tensor infos and aligned data. */

export type GgufValue =
  | { type: 'u8' | 'i8' | 'u16' | 'i16' | 'u32' | 'i32' | 'f32' | 'f64'; value: number }
  | { type: 'u64' | 'i64'; value: bigint }
  | { type: 'bool'; value: boolean }
  | { type: 'string'; value: string }
  | { type: 'array'; elementType: number; values: GgufValue[] };

const TYPE_IDS = { u8: 0, i8: 1, u16: 2, i16: 3, u32: 4, i32: 5, f32: 6, bool: 7, string: 8, array: 9, u64: 10, i64: 11, f64: 12 } as const;

export interface GgufTensorSpec {
  readonly name: string;
  /** ne[0] first, as GGUF stores them. */
  readonly dims: readonly number[];
  readonly type: number;
  readonly data: Buffer;
  /** Overrides the computed offset (relative to the data area). */
  readonly offset?: number;
}

export function str(value: string): Buffer {
  const bytes = Buffer.from(value, 'utf8');
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(bytes.length));
  return Buffer.concat([length, bytes]);
}

function u32(value: number): Buffer {
  const buffer = Buffer.alloc(4);
  buffer.writeUInt32LE(value);
  return buffer;
}

function u64(value: bigint | number): Buffer {
  const buffer = Buffer.alloc(8);
  buffer.writeBigUInt64LE(BigInt(value));
  return buffer;
}

/** A value's bytes without its type tag. */
export function encodeValue(value: GgufValue): Buffer {
  const buffer = Buffer.alloc(8);
  switch (value.type) {
    case 'u8':
      return Buffer.from([value.value & 0xff]);
    case 'i8':
      buffer.writeInt8(value.value);
      return buffer.subarray(0, 1);
    case 'u16':
      buffer.writeUInt16LE(value.value);
      return buffer.subarray(0, 2);
    case 'i16':
      buffer.writeInt16LE(value.value);
      return buffer.subarray(0, 2);
    case 'u32':
      return u32(value.value);
    case 'i32':
      buffer.writeInt32LE(value.value);
      return buffer.subarray(0, 4);
    case 'f32':
      buffer.writeFloatLE(value.value);
      return buffer.subarray(0, 4);
    case 'f64':
      buffer.writeDoubleLE(value.value);
      return buffer;
    case 'u64':
      return u64(value.value);
    case 'i64':
      buffer.writeBigInt64LE(value.value);
      return buffer;
    case 'bool':
      return Buffer.from([value.value ? 1 : 0]);
    case 'string':
      return str(value.value);
    case 'array':
      return Buffer.concat([u32(value.elementType), u64(value.values.length), ...value.values.map(encodeValue)]);
  }
}

export function typeId(value: GgufValue): number {
  return TYPE_IDS[value.type];
}

export interface GgufSpec {
  readonly version?: number;
  readonly metadata?: ReadonlyArray<readonly [string, GgufValue]>;
  readonly tensors?: readonly GgufTensorSpec[];
  readonly alignment?: number;
  /** Bytes appended after the last tensor's padding. */
  readonly trailing?: Buffer;
}

export function buildGguf(spec: GgufSpec): Buffer {
  const alignment = spec.alignment ?? 32;
  const metadata = spec.metadata ?? [];
  const tensors = spec.tensors ?? [];
  const parts: Buffer[] = [Buffer.from('GGUF'), u32(spec.version ?? 3), u64(tensors.length), u64(metadata.length)];
  for (const [key, value] of metadata) parts.push(str(key), u32(typeId(value)), encodeValue(value));
  let offset = 0;
  const offsets: number[] = [];
  for (const tensor of tensors) {
    const at = tensor.offset ?? offset;
    offsets.push(at);
    parts.push(str(tensor.name), u32(tensor.dims.length), ...tensor.dims.map((dim) => u64(dim)), u32(tensor.type), u64(at));
    offset = Math.ceil((at + tensor.data.length) / alignment) * alignment;
  }
  const head = Buffer.concat(parts);
  const dataStart = Math.ceil(head.length / alignment) * alignment;
  const data = Buffer.alloc(offset);
  tensors.forEach((tensor, index) => tensor.data.copy(data, offsets[index]));
  return Buffer.concat([head, Buffer.alloc(dataStart - head.length), data, spec.trailing ?? Buffer.alloc(0)]);
}
