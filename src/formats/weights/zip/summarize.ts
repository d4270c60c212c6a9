import type { ByteSource } from '../byte-source.js';
import type { SummarizeOptions, WeightsFacts } from '../facts.js';
import { compareText, ProblemLog } from '../problems.js';
import { hashRanges, type ByteRange } from '../range-hasher.js';
import type { TensorSummary, ZipEntrySummary } from '../summary.js';
import { readZipDirectory, type ZipEntry } from './directory.js';
import { MAX_INFLATED_BYTES, openZipEntry } from './entry-content.js';
import { inspectNpzMembers, type NpzArray } from './npz-members.js';
import { scanPickleMembers } from './pickle-members.js';
import { placeTorchTensors } from './torch-tensor-table.js';

/** Which zip-based format: decides what is looked for inside. */
export type ZipFlavour = 'pytorch-zip' | 'npz' | 'keras';

/** TorchScript archives carry code that `torch.jit.load` compiles and runs. */
const TORCHSCRIPT_CODE = /(^|\/)code\/.+\.py$/;
/** A Keras Lambda layer stores Python bytecode in the config; loading it outside safe mode runs it. */
const KERAS_LAMBDA = /"class_name"\s*:\s*"Lambda"/;

/** A tensor to list, with either a range of the file to hash or (compressed npz members) its digest. */
interface PendingTensor {
  readonly name: string;
  readonly dtype: string;
  readonly shape: readonly number[];
  readonly range: ByteRange | null;
  readonly sha256: string | null;
}

/**
 * A zip-based weight file (PyTorch ≥ 1.6 checkpoint, TorchScript archive, npz, Keras 3): every
 * member listed with the sha256 of its stored bytes, every pickle member walked for the globals it
 * imports, and tensors named: a PyTorch state dict's from data.pkl, an npz's from its members.
 * Members and tensors are hashed in one pass over the file.
 */
export async function summarizeZip(source: ByteSource, flavour: ZipFlavour, options: SummarizeOptions = {}): Promise<WeightsFacts> {
  const { entries, problems: directoryProblems } = await readZipDirectory(source);
  const problems = new ProblemLog();
  problems.addAll(directoryProblems);
  const pickles = await scanPickleMembers(source, entries, problems, flavour === 'pytorch-zip');
  const globals = new Set(pickles.globals);
  const unsafe = new Set(pickles.unsafeGlobals);
  const calls = new Set(pickles.calls);
  if (flavour === 'pytorch-zip' && entries.length > 0 && !pickles.tensorTable) {
    problems.add('torch-no-data-pkl', 'a PyTorch checkpoint is expected to hold data.pkl');
  }
  if (flavour === 'keras') await checkKerasConfig(source, entries, problems);
  const arrays: NpzArray[] = flavour === 'npz' ? await inspectNpzMembers(source, entries, problems) : [];
  for (const array of arrays) {
    array.globals.forEach((name) => globals.add(name));
    array.unsafeGlobals.forEach((name) => unsafe.add(name));
    array.calls.forEach((name) => calls.add(name));
  }
  const pending: PendingTensor[] = pickles.tensorTable
    ? placeTorchTensors(pickles.tensorTable.tensors, pickles.tensorTable.dataPklName, entries, problems).map(({ ref, range }) => ({
        name: ref.name,
        dtype: ref.dtype,
        shape: ref.shape,
        range,
        sha256: null,
      }))
    : arrays;

  const ranges: ByteRange[] = [
    ...entries.map((entry) => ({ offset: entry.dataOffset, length: entry.compressedSize })),
    ...pending.flatMap((tensor) => (tensor.range ? [tensor.range] : [])),
  ];
  const { rangeSha256, sourceSha256 } = await hashRanges(source, ranges, { wholeSource: options.fileSha256 === true });
  let next = entries.length;
  const tensors: TensorSummary[] = pending.map((tensor) => ({
    name: tensor.name,
    dtype: tensor.dtype,
    shape: tensor.shape,
    offset: tensor.range?.offset ?? -1,
    length: tensor.range?.length ?? 0,
    sha256: tensor.range ? (rangeSha256[next++] as string) : (tensor.sha256 as string),
  }));
  const hasPickles = pickles.pickleMembers > 0 || globals.size > 0 || unsafe.size > 0;
  return {
    ...(sourceSha256 ? { fileSha256: sourceSha256 } : {}),
    header: {
      entryCount: entries.length,
      pickleMembers: pickles.pickleMembers,
      ...(flavour === 'pytorch-zip' ? { torchScript: entries.some((entry) => TORCHSCRIPT_CODE.test(entry.name)) } : {}),
    },
    entries: entries.map((entry, index) => entrySummary(entry, rangeSha256[index] as string)),
    ...(flavour === 'npz' || pickles.tensorTable ? { tensors: tensors.sort(byOffsetThenName) } : {}),
    ...(hasPickles
      ? { globals: [...globals].sort(compareText), unsafeGlobals: [...unsafe].sort(compareText), calls: [...calls].sort(compareText) }
      : {}),
    problems: problems.list(),
  };
}

function entrySummary(entry: ZipEntry, storedSha256: string): ZipEntrySummary {
  return {
    name: entry.name,
    method: entry.method,
    compressedSize: entry.compressedSize,
    size: entry.size,
    crc32: entry.crc32.toString(16).padStart(8, '0'),
    storedSha256,
  };
}

/** Tensors in file order, as TensorSummary promises; compressed ones (offset -1) first, by name. */
function byOffsetThenName(a: TensorSummary, b: TensorSummary): number {
  return a.offset - b.offset || compareText(a.name, b.name);
}

async function checkKerasConfig(source: ByteSource, entries: readonly ZipEntry[], problems: ProblemLog): Promise<void> {
  const config = entries.find((entry) => entry.name === 'config.json');
  const content = config ? await openZipEntry(source, config, problems) : null;
  if (!config || !content) return;
  const text = Buffer.from(await content.read(0, Math.min(content.size, MAX_INFLATED_BYTES))).toString('utf8');
  if (KERAS_LAMBDA.test(text)) problems.add('keras-lambda-layer', 'a Lambda layer stores Python code that runs when the model is loaded unsafely', config.name);
}
