import { op, pickle } from './pickle.js';
import { buildZip, type ZipOptions } from './zip.js';

/** One tensor of a state dict as torch.save pickles it. */
export interface TorchTensorSpec {
  readonly name: string;
  readonly storageKey: string;
  /** Default `FloatStorage`. */
  readonly storageType?: string;
  /** In elements; default 0. */
  readonly storageOffset?: number;
  readonly size: readonly number[];
  /** Default: contiguous. */
  readonly stride?: readonly number[];
  /** Use `_rebuild_tensor_v3` with this torch dtype (`bfloat16`), as newer torch does for some types. */
  readonly v3Dtype?: string;
  /** Wrap in `_rebuild_parameter`, as an nn.Parameter is saved. */
  readonly isParameter?: boolean;
}

function contiguous(size: readonly number[]): number[] {
  return size.map((_, index) => size.slice(index + 1).reduce((product, dim) => product * dim, 1));
}

/** The opcodes that rebuild one tensor, leaving it on the stack. */
function rebuildTensor(spec: TorchTensorSpec): Buffer {
  const numel = spec.size.reduce((product, dim) => product * dim, 1);
  const ints = (values: readonly number[]): Buffer => pickle(op.mark, ...values.map((value) => op.binint1(value)), op.tuple);
  const tensor = pickle(
    op.global('torch._utils', spec.v3Dtype ? '_rebuild_tensor_v3' : '_rebuild_tensor_v2'),
    op.mark,
    op.mark,
    op.shortBinstring('storage'),
    op.global('torch', spec.storageType ?? 'FloatStorage'),
    op.shortBinstring(spec.storageKey),
    op.shortBinstring('cpu'),
    op.binint1(numel),
    op.tuple,
    op.binpersid,
    op.binint1(spec.storageOffset ?? 0),
    ints(spec.size),
    ints(spec.stride ?? contiguous(spec.size)),
    Buffer.from('\x89', 'latin1'), // requires_grad=False
    op.global('collections', 'OrderedDict'),
    op.emptyTuple,
    op.reduce,
    ...(spec.v3Dtype ? [op.global('torch', spec.v3Dtype), op.none] : []),
    op.tuple,
    op.reduce,
  );
  if (!spec.isParameter) return tensor;
  return pickle(
    op.global('torch._utils', '_rebuild_parameter'),
    tensor,
    Buffer.from('\x88', 'latin1'), // requires_grad=True
    op.global('collections', 'OrderedDict'),
    op.emptyTuple,
    op.reduce,
    op.tuple3,
    op.reduce,
  );
}

/** A data.pkl holding an OrderedDict of these tensors, optionally nested under one key (`{'state_dict': …}`). */
export function stateDictPickle(tensors: readonly TorchTensorSpec[], wrapKey?: string): Buffer {
  const stateDict = pickle(
    op.global('collections', 'OrderedDict'),
    op.emptyTuple,
    op.reduce,
    op.mark,
    ...tensors.flatMap((spec) => [op.shortBinstring(spec.name), rebuildTensor(spec)]),
    op.setitems,
  );
  const body = wrapKey === undefined ? stateDict : pickle(op.emptyDict, op.shortBinstring(wrapKey), stateDict, op.setitem);
  return pickle(op.proto(2), body, op.stop);
}

/** `{'weight': FloatTensor(2, 2) in storage 0, 'bias': FloatTensor(2) in storage 1}`, as torch.save writes it. */
export function torchStateDictPickle(): Buffer {
  return stateDictPickle([
    { name: 'weight', storageKey: '0', size: [2, 2] },
    { name: 'bias', storageKey: '1', size: [2] },
  ]);
}

/** A torch.save zip: `archive/data.pkl`, storages under `archive/data/`, version and byteorder records. */
export function buildTorchZip(
  dataPkl: Buffer,
  options: ZipOptions & { deflatePickle?: boolean; storages?: Readonly<Record<string, Buffer>> } = {},
): Buffer {
  const storages = options.storages ?? { '0': Buffer.alloc(16, 1), '1': Buffer.alloc(8, 2) };
  return buildZip(
    [
      { name: 'archive/data.pkl', data: dataPkl, deflate: options.deflatePickle ?? false },
      { name: 'archive/byteorder', data: Buffer.from('little') },
      ...Object.entries(storages).map(([key, data]) => ({ name: `archive/data/${key}`, data })),
      { name: 'archive/version', data: Buffer.from('3\n') },
      { name: 'archive/.data/serialization_id', data: Buffer.from('1234567890') },
    ],
    { align64: true, ...options },
  );
}
