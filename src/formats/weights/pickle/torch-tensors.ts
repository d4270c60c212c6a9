import type { StackValue } from './machine.js';

/** A tensor of a PyTorch state dict, as its data.pkl rebuilds it from a storage. */
export interface TorchTensorRef {
  /** Dotted path of dict keys: `model.layers.0.weight`, `state_dict.lm_head.weight`. */
  readonly name: string;
  /** The storage's key: its bytes are the zip member `<archive>/data/<key>`. */
  readonly storageKey: string;
  /** Element type, named as safetensors names it (`F32`, `BF16`), or torch's own name when it has none. */
  readonly dtype: string;
  /** Bytes per element, or null when the type is unknown. */
  readonly elementSize: number | null;
  /** Offset into the storage, in elements. */
  readonly storageOffset: number;
  readonly shape: readonly number[];
  readonly stride: readonly number[];
}

const STORAGE_TYPES: Readonly<Record<string, readonly [string, number]>> = {
  FloatStorage: ['F32', 4], DoubleStorage: ['F64', 8], HalfStorage: ['F16', 2], BFloat16Storage: ['BF16', 2],
  LongStorage: ['I64', 8], IntStorage: ['I32', 4], ShortStorage: ['I16', 2], CharStorage: ['I8', 1],
  ByteStorage: ['U8', 1], BoolStorage: ['BOOL', 1], ComplexFloatStorage: ['C64', 8], ComplexDoubleStorage: ['C128', 16],
  QInt8Storage: ['QINT8', 1], QUInt8Storage: ['QUINT8', 1], QInt32Storage: ['QINT32', 4], UntypedStorage: ['U8', 1],
};

const DTYPES: Readonly<Record<string, readonly [string, number]>> = {
  float32: ['F32', 4], float: ['F32', 4], float64: ['F64', 8], double: ['F64', 8], float16: ['F16', 2], half: ['F16', 2],
  bfloat16: ['BF16', 2], int64: ['I64', 8], long: ['I64', 8], int32: ['I32', 4], int: ['I32', 4], int16: ['I16', 2],
  short: ['I16', 2], int8: ['I8', 1], uint8: ['U8', 1], uint16: ['U16', 2], uint32: ['U32', 4], uint64: ['U64', 8],
  bool: ['BOOL', 1], float8_e4m3fn: ['F8_E4M3', 1], float8_e5m2: ['F8_E5M2', 1], complex64: ['C64', 8],
};

const REBUILD_TENSOR = new Set(['torch._utils._rebuild_tensor', 'torch._utils._rebuild_tensor_v2', 'torch._utils._rebuild_tensor_v3']);
const REBUILD_PARAMETER = new Set(['torch._utils._rebuild_parameter', 'torch._utils._rebuild_parameter_with_state']);
const MAX_DEPTH = 16;

/**
 * The tensors of the object a torch data.pkl returns, found by following dict keys (nested dicts
 * give dotted names) down to `_rebuild_tensor*` calls over persistent storage ids, through
 * `_rebuild_parameter`. Tensors inside lists or custom objects are not found.
 */
export function extractTorchTensors(root: StackValue): TorchTensorRef[] {
  const found: TorchTensorRef[] = [];
  const visit = (value: StackValue, name: string, depth: number): void => {
    if (depth > MAX_DEPTH) return;
    if (value.kind === 'dict') {
      for (const [key, item] of value.entries) visit(item, name === '' ? key : `${name}.${key}`, depth + 1);
      return;
    }
    const tensor = tensorOf(value, name);
    if (tensor) found.push(tensor);
  };
  visit(root, '', 0);
  return found;
}

function tensorOf(value: StackValue, name: string): TorchTensorRef | null {
  if (value.kind !== 'made' || value.by === null || value.args?.kind !== 'tuple') return null;
  if (REBUILD_PARAMETER.has(value.by)) {
    const data = value.args.items[0];
    return data ? tensorOf(data, name) : null;
  }
  if (!REBUILD_TENSOR.has(value.by)) return null;
  const [storage, offset, size, stride, , , dtype] = value.args.items;
  const id = storage?.kind === 'persid' && storage.id.kind === 'tuple' ? storage.id.items : null;
  const storageType = id?.[1];
  const key = id?.[2];
  if (!id || id[0]?.kind !== 'text' || id[0].text !== 'storage' || storageType?.kind !== 'global' || key?.kind !== 'text') return null;
  const shape = integers(size);
  const strides = integers(stride);
  if (offset?.kind !== 'int' || !shape || !strides || shape.length !== strides.length) return null;
  const type = value.by.endsWith('_v3') && dtype?.kind === 'global' ? lookup(DTYPES, dtype.name) : lookup(STORAGE_TYPES, storageType.name);
  return {
    name,
    storageKey: key.text,
    dtype: type?.[0] ?? (dtype?.kind === 'global' ? dtype.name : storageType.name),
    elementSize: type?.[1] ?? null,
    storageOffset: offset.value,
    shape,
    stride: strides,
  };
}

/** Own keys only: a hostile type name such as `constructor` must not reach Object.prototype. */
function lookup(table: Readonly<Record<string, readonly [string, number]>>, key: string): readonly [string, number] | undefined {
  return Object.hasOwn(table, key) ? table[key] : undefined;
}

function integers(value: StackValue | undefined): number[] | null {
  if (value?.kind !== 'tuple') return null;
  const numbers = value.items.map((item) => (item.kind === 'int' && item.value >= 0 ? item.value : -1));
  return numbers.every((number) => number >= 0) ? numbers : null;
}
