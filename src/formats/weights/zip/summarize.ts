import type { ByteSource } from '../byte-source.js';
import type { SummarizeOptions, WeightsFacts } from '../facts.js';
import { scanPickleStream } from '../pickle/stream.js';
import { compareText, ProblemLog } from '../problems.js';
import { hashRanges, type ByteRange } from '../range-hasher.js';
import type { TensorSummary, ZipEntrySummary } from '../summary.js';
import { readZipDirectory, type ZipEntry } from './directory.js';
import { MAX_INFLATED_BYTES, openZipEntry } from './entry-content.js';
import { inspectNpzMembers } from './npz-members.js';

/** Which zip-based format: decides what is looked for inside. */
export type ZipFlavour = 'pytorch-zip' | 'npz' | 'keras';

/** Torch keeps raw tensor storages under `<archive>/data/<key>`: bytes, never unpickled. */
const TORCH_STORAGE = /(^|\/)\.?data\/[^/]+$/;
/** TorchScript archives carry code that `torch.jit.load` compiles and runs. */
const TORCHSCRIPT_CODE = /(^|\/)code\/.+\.py$/;
/** A Keras Lambda layer stores Python bytecode in the config; loading it outside safe mode runs it. */
const KERAS_LAMBDA = /"class_name"\s*:\s*"Lambda"/;
const PICKLE_START = /^\x80[\x02-\x05]/;

/**
 * A zip-based weight file (PyTorch ≥ 1.6 checkpoint, TorchScript archive, npz, Keras 3): every
 * member listed with the sha256 of its stored bytes (one pass over the file), every pickle member
 * walked for the globals it imports, npz arrays summarised as tensors.
 */
export async function summarizeZip(source: ByteSource, flavour: ZipFlavour, options: SummarizeOptions = {}): Promise<WeightsFacts> {
  const { entries, problems: directoryProblems } = await readZipDirectory(source);
  const problems = new ProblemLog();
  problems.addAll(directoryProblems);
  const globals = new Set<string>();
  const unsafe = new Set<string>();
  const calls = new Set<string>();
  let pickleMembers = 0;
  for (const entry of entries) {
    if (!(await isPickleMember(source, entry))) continue;
    pickleMembers++;
    const content = await openZipEntry(source, entry, problems);
    if (!content) {
      unsafe.add(`(unreadable pickle ${entry.name})`);
      continue;
    }
    const scan = await scanPickleStream(content, { kind: 'single' });
    scan.globals.forEach((name) => globals.add(name));
    scan.unsafeGlobals.forEach((name) => unsafe.add(name));
    scan.calls.forEach((name) => calls.add(name));
    problems.addAll(scan.problems, entry.name);
  }
  if (flavour === 'pytorch-zip' && !entries.some((entry) => /(^|\/)data\.pkl$/.test(entry.name)) && entries.length > 0) {
    problems.add('torch-no-data-pkl', 'a PyTorch checkpoint is expected to hold data.pkl');
  }
  if (flavour === 'keras') await checkKerasConfig(source, entries, problems);
  const arrays = flavour === 'npz' ? await inspectNpzMembers(source, entries, problems) : [];
  arrays.forEach((array) => {
    array.globals.forEach((name) => globals.add(name));
    array.unsafeGlobals.forEach((name) => unsafe.add(name));
    array.calls.forEach((name) => calls.add(name));
  });

  const storedArrays = arrays.filter((array) => array.range !== null);
  const ranges: ByteRange[] = [
    ...entries.map((entry) => ({ offset: entry.dataOffset, length: entry.compressedSize })),
    ...storedArrays.map((array) => array.range as ByteRange),
  ];
  const { rangeSha256, sourceSha256 } = await hashRanges(source, ranges, { wholeSource: options.fileSha256 === true });
  const summaries: ZipEntrySummary[] = entries.map((entry, index) => ({
    name: entry.name,
    method: entry.method,
    compressedSize: entry.compressedSize,
    size: entry.size,
    crc32: entry.crc32.toString(16).padStart(8, '0'),
    storedSha256: rangeSha256[index] as string,
  }));
  let storedIndex = entries.length;
  const tensors: TensorSummary[] = arrays.map((array) => ({
    name: array.name,
    dtype: array.dtype,
    shape: array.shape,
    offset: array.range?.offset ?? -1,
    length: array.range?.length ?? 0,
    sha256: array.range ? (rangeSha256[storedIndex++] as string) : (array.sha256 as string),
  }));
  const hasPickles = pickleMembers > 0 || globals.size > 0 || unsafe.size > 0;
  return {
    ...(sourceSha256 ? { fileSha256: sourceSha256 } : {}),
    header: {
      entryCount: entries.length,
      pickleMembers,
      ...(flavour === 'pytorch-zip' ? { torchScript: entries.some((entry) => TORCHSCRIPT_CODE.test(entry.name)) } : {}),
    },
    entries: summaries,
    ...(flavour === 'npz' ? { tensors } : {}),
    ...(hasPickles
      ? { globals: [...globals].sort(compareText), unsafeGlobals: [...unsafe].sort(compareText), calls: [...calls].sort(compareText) }
      : {}),
    problems: problems.list(),
  };
}

/** `*.pkl` members, and stored members outside torch's storage folder whose bytes open like a pickle. */
async function isPickleMember(source: ByteSource, entry: ZipEntry): Promise<boolean> {
  if (/\.pkl$/i.test(entry.name)) return true;
  if (entry.method !== 0 || TORCH_STORAGE.test(entry.name) || entry.name.endsWith('/') || entry.compressedSize < 2) return false;
  return PICKLE_START.test(Buffer.from(await source.read(entry.dataOffset, 2)).toString('latin1'));
}

async function checkKerasConfig(source: ByteSource, entries: readonly ZipEntry[], problems: ProblemLog): Promise<void> {
  const config = entries.find((entry) => entry.name === 'config.json');
  const content = config ? await openZipEntry(source, config, problems) : null;
  if (!config || !content) return;
  const text = Buffer.from(await content.read(0, Math.min(content.size, MAX_INFLATED_BYTES))).toString('utf8');
  if (KERAS_LAMBDA.test(text)) problems.add('keras-lambda-layer', 'a Lambda layer stores Python code that runs when the model is loaded unsafely', config.name);
}
