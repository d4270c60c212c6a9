import { constants, inflateRawSync } from 'node:zlib';
import type { ByteSource } from '../byte-source.js';
import { scanPickleStream } from '../pickle/stream.js';
import type { TorchTensorRef } from '../pickle/torch-tensors.js';
import { compareText, type ProblemLog } from '../problems.js';
import type { ZipEntry } from './directory.js';
import { openZipEntry } from './entry-content.js';

/** What the pickle members of an archive import and call, and the state dict's tensor table. */
export interface PickleMembersScan {
  readonly pickleMembers: number;
  readonly globals: string[];
  readonly unsafeGlobals: string[];
  readonly calls: string[];
  /** The tensors data.pkl builds, and the name of that member; null when there is no data.pkl. */
  readonly tensorTable: { readonly dataPklName: string; readonly tensors: readonly TorchTensorRef[] } | null;
}

/** Torch keeps raw tensor storages under `<archive>/data/<key>`: bytes, never unpickled. */
const TORCH_STORAGE = /(^|\/)\.?data\/[^/]+$/;
const DATA_PKL = /(^|\/)data\.pkl$/;
const PICKLE_START = /^\x80[\x02-\x05]/;
const PEEK_COMPRESSED_BYTES = 256;

/**
 * Walks every `*.pkl` member, and every member outside torch's storage folder whose bytes (inflated
 * if need be) open like a pickle (a pickle hidden under another name is still loaded by whoever names it).
 * With `readTensorTable`, the first data.pkl's tensor table is read too. A pickle member that
 * cannot be read (compressed past the cap, encrypted) counts as unsafe: its imports are unknown.
 */
export async function scanPickleMembers(
  source: ByteSource,
  entries: readonly ZipEntry[],
  problems: ProblemLog,
  readTensorTable: boolean,
): Promise<PickleMembersScan> {
  const globals = new Set<string>();
  const unsafe = new Set<string>();
  const calls = new Set<string>();
  let pickleMembers = 0;
  let tensorTable: PickleMembersScan['tensorTable'] = null;
  for (const entry of entries) {
    if (!(await isPickleMember(source, entry))) continue;
    pickleMembers++;
    const content = await openZipEntry(source, entry, problems);
    if (!content) {
      unsafe.add(`(unreadable pickle ${entry.name})`);
      continue;
    }
    const wantsTable = readTensorTable && tensorTable === null && DATA_PKL.test(entry.name);
    const scan = await scanPickleStream(content, { kind: 'single', torchTensors: wantsTable });
    scan.globals.forEach((name) => globals.add(name));
    scan.unsafeGlobals.forEach((name) => unsafe.add(name));
    scan.calls.forEach((name) => calls.add(name));
    problems.addAll(scan.problems, entry.name);
    if (wantsTable) {
      tensorTable = { dataPklName: entry.name, tensors: scan.torchTensors ?? [] };
      if (scan.isTensorTableTruncated) problems.add('torch-tensor-table-truncated', 'too large to follow every tensor', entry.name);
    }
  }
  return {
    pickleMembers,
    globals: [...globals].sort(compareText),
    unsafeGlobals: [...unsafe].sort(compareText),
    calls: [...calls].sort(compareText),
    tensorTable,
  };
}

async function isPickleMember(source: ByteSource, entry: ZipEntry): Promise<boolean> {
  if (/\.pkl$/i.test(entry.name)) return true;
  if (TORCH_STORAGE.test(entry.name) || entry.name.endsWith('/') || entry.size < 2) return false;
  if (entry.method === 0) return PICKLE_START.test(Buffer.from(await source.read(entry.dataOffset, 2)).toString('latin1'));
  if (entry.method !== 8) return false;
  // The first bytes of a deflated member, from the first few compressed bytes: no need to inflate it all.
  const compressed = await source.read(entry.dataOffset, Math.min(entry.compressedSize, PEEK_COMPRESSED_BYTES));
  try {
    const opening = inflateRawSync(compressed, { finishFlush: constants.Z_SYNC_FLUSH, maxOutputLength: 64 * 1024 });
    return PICKLE_START.test(opening.subarray(0, 2).toString('latin1'));
  } catch {
    return false; // Not deflate at all: openZipEntry reports it if anything reads it.
  }
}
