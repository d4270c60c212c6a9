import type { ByteSource } from '../byte-source.js';
import { compareText, ProblemLog } from '../problems.js';
import { scanPickle, type PickleScan } from './scan.js';

/**
 * How pickles follow one another in a file:
 * - `single`: one pickle (an object array's data, a zip member); anything after its STOP is reported;
 * - `sequence`: pickles back to back until the end (`pickle.dump` called repeatedly: a loader
 *   may read them all, so all are walked);
 * - `torch-legacy`: the five pickles of a pre-1.6 `torch.save` file (magic, protocol, system
 *   info, the object, storage keys), followed by raw storage bytes that are not pickles.
 */
export type PickleLayout = 'single' | 'sequence' | 'torch-legacy';

/** What all the pickles of one stream import and call, merged (the tensor table: the first pickle's). */
export type PickleStreamScan = Pick<PickleScan, 'globals' | 'unsafeGlobals' | 'calls' | 'torchTensors' | 'isTensorTableTruncated' | 'problems'> & {
  readonly pickleCount: number;
};

const MAX_SEQUENCE = 10_000;
const TORCH_LEGACY_PICKLES = 5;

/** Walks the pickles of a stream as its layout says and merges what they import and call. */
export async function scanPickleStream(
  source: ByteSource,
  options: { kind: PickleLayout; allow?: ReadonlySet<string>; torchTensors?: boolean },
): Promise<PickleStreamScan> {
  const limit = options.kind === 'single' ? 1 : options.kind === 'torch-legacy' ? TORCH_LEGACY_PICKLES : MAX_SEQUENCE;
  const globals = new Set<string>();
  const unsafe = new Set<string>();
  const calls = new Set<string>();
  const problems = new ProblemLog();
  let offset = 0;
  let count = 0;
  let isComplete = false;
  let tensorTable: Pick<PickleStreamScan, 'torchTensors' | 'isTensorTableTruncated'> = {};
  while (count < limit && offset < source.size) {
    const torchTensors = options.torchTensors === true && count === 0;
    const scan = await scanPickle(source, { offset, torchTensors, ...(options.allow ? { allow: options.allow } : {}) });
    if (torchTensors) tensorTable = { torchTensors: scan.torchTensors ?? [], isTensorTableTruncated: scan.isTensorTableTruncated ?? false };
    count++;
    scan.globals.forEach((name) => globals.add(name));
    scan.unsafeGlobals.forEach((name) => unsafe.add(name));
    scan.calls.forEach((name) => calls.add(name));
    problems.addAll(scan.problems, limit > 1 ? `pickle ${count}` : undefined);
    isComplete = scan.isComplete;
    if (!isComplete) break;
    offset = scan.end;
  }
  if (options.kind === 'single' && isComplete && offset < source.size) {
    problems.add('pickle-trailing-bytes', `${source.size - offset} bytes follow the pickle's STOP`);
  }
  if (count === limit && options.kind === 'sequence' && offset < source.size) {
    problems.add('pickle-too-many', `more than ${MAX_SEQUENCE} pickles in a row; the rest were not walked`);
  }
  return {
    pickleCount: count,
    globals: [...globals].sort(compareText),
    unsafeGlobals: [...unsafe].sort(compareText),
    calls: [...calls].sort(compareText),
    ...tensorTable,
    problems: problems.list(),
  };
}
