import { op, pickle } from './pickle.js';
import { buildZip, type ZipOptions } from './zip.js';

/**
 * The data.pkl torch.save writes for `{'weight': FloatTensor(2, 2), 'bias': FloatTensor(2)}`:
 * an OrderedDict rebuilt with `_rebuild_tensor_v2` over persistent storage ids, protocol 2.
 */
export function torchStateDictPickle(): Buffer {
  const tensor = (key: string, size: number[]): Buffer =>
    pickle(
      op.global('torch._utils', '_rebuild_tensor_v2'),
      op.mark,
      op.mark,
      op.shortBinstring('storage'),
      op.global('torch', 'FloatStorage'),
      op.shortBinstring(key),
      op.shortBinstring('cpu'),
      op.binint1(size.reduce((a, b) => a * b, 1)),
      op.tuple,
      op.binpersid,
      op.binint1(0),
      op.mark,
      ...size.map((dim) => op.binint1(dim)),
      op.tuple,
      op.mark,
      ...size.map((_, index) => op.binint1(index === size.length - 1 ? 1 : size[size.length - 1] ?? 1)),
      op.tuple,
      Buffer.from('\x89', 'latin1'), // requires_grad False
      op.global('collections', 'OrderedDict'),
      op.emptyTuple,
      op.reduce,
      op.tuple,
      op.reduce,
    );
  return pickle(
    op.proto(2),
    op.global('collections', 'OrderedDict'),
    op.emptyTuple,
    op.reduce,
    op.mark,
    op.shortBinstring('weight'),
    tensor('0', [2, 2]),
    op.shortBinstring('bias'),
    tensor('1', [2]),
    op.setitems,
    op.stop,
  );
}

/** A torch.save zip: `archive/data.pkl`, storages under `archive/data/`, version and byteorder records. */
export function buildTorchZip(dataPkl: Buffer, options: ZipOptions & { deflatePickle?: boolean } = {}): Buffer {
  return buildZip(
    [
      { name: 'archive/data.pkl', data: dataPkl, deflate: options.deflatePickle ?? false },
      { name: 'archive/byteorder', data: Buffer.from('little') },
      { name: 'archive/data/0', data: Buffer.alloc(16, 1) },
      { name: 'archive/data/1', data: Buffer.alloc(8, 2) },
      { name: 'archive/version', data: Buffer.from('3\n') },
      { name: 'archive/.data/serialization_id', data: Buffer.from('1234567890') },
    ],
    { align64: true, ...options },
  );
}
