import type { BigIntStats } from 'node:fs';
import { lstat, readlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { SYMLINK_MODE } from '../change/change.js';
import { fileVersion, type FileVersion } from '../change/from-sides.js';
import { looksLikeText } from '../formats/text-detect.js';
import {
  DETECT_BYTES,
  detectWeightFormat,
  openFileSource,
  summarizeWeights,
  withFileSource,
  WeightsReadError,
  type WeightsSummary,
} from '../formats/weights/index.js';
import { ParentCheck, readRegularFile } from './worktree-file.js';

/**
 * What a content-based source knows of one path: enough to tell whether it changed (type, mode,
 * digest, link target) and, for text within the copy budget, the bytes a later diff starts from.
 */
export type FileState =
  | {
      readonly type: 'file';
      readonly mode: string;
      readonly size: number;
      readonly sha256: string;
      /** A copy of the content, for text files the budget allowed; else null. */
      readonly content: Buffer | null;
      /** See statStamp; null when it cannot be trusted to vouch for the content. */
      readonly stamp: string | null;
      /** For a model weight file: its tensors' and header's digests, to name what changed later without a copy. */
      readonly weights?: WeightsSummary;
    }
  | { readonly type: 'symlink'; readonly target: string; readonly stamp: string | null }
  | { readonly type: 'unreadable'; readonly mode: string; readonly reason: string };

/** Files larger than this are hashed but never held whole, not even to diff them once. */
export const MAX_READ_WHOLE_BYTES = 16 * 1024 * 1024;

/** Bytes of file copies kept at once; files past it are compared by digest only. */
export class CopyBudget {
  private remaining: number;
  /** Set once a copy did not fit: from then on some text changes come without their lines. */
  hasRunOut = false;

  constructor(totalBytes: number) {
    this.remaining = totalBytes;
  }

  /** Takes `bytes` from the budget, returning false (and taking nothing) when they do not fit. */
  take(bytes: number): boolean {
    if (bytes > this.remaining) {
      this.hasRunOut = true;
      return false;
    }
    this.remaining -= bytes;
    return true;
  }

  giveBack(bytes: number): void {
    this.remaining += bytes;
  }
}

export interface ReadStateOptions {
  /** Text files up to this size are copied, while the budget lasts. */
  readonly maxCopyBytes: number;
  readonly budget: CopyBudget;
  /** Reused across one walk; make a new one whenever directories may have changed. */
  readonly parents: ParentCheck;
  /** Files up to this size come back whole (to diff them now); default MAX_READ_WHOLE_BYTES. */
  readonly keepBytes?: number;
  /** The state last seen: a weight file whose digest has not changed keeps its summary, not read again. */
  readonly previous?: FileState | null;
}

/** A state and the bytes read to make it, which the caller may diff before they are dropped. */
export interface StateRead {
  readonly state: FileState | null;
  /** The whole content when it was read whole (text or not), else null. */
  readonly bytes: Buffer | null;
}

/**
 * Reads the state of one path now, without following symlinks (neither the path nor its parent
 * directories). Directories, sockets, FIFOs and missing paths are `null`: they hold no content.
 */
export async function readFileState(root: string, path: string, options: ReadStateOptions): Promise<StateRead> {
  if (!(await options.parents.isRealDirectoryChain(dirname(path)))) return { state: null, bytes: null };
  const full = join(root, path);
  const info = await lstat(full, { bigint: true }).catch(() => null);
  if (!info) return { state: null, bytes: null };
  const stamp = trustedStamp(info);
  if (info.isSymbolicLink()) {
    const target = await readlink(full).catch(() => null);
    if (target === null) return { state: { type: 'unreadable', mode: SYMLINK_MODE, reason: 'cannot read link' }, bytes: null };
    return { state: { type: 'symlink', target, stamp }, bytes: null };
  }
  if (!info.isFile()) return { state: null, bytes: null };
  const read = await readRegularFile(full, Math.max(options.keepBytes ?? MAX_READ_WHOLE_BYTES, options.maxCopyBytes), null);
  if (read.kind === 'missing') return { state: null, bytes: null };
  if (read.kind === 'unreadable') return { state: { type: 'unreadable', mode: read.mode, reason: read.reason }, bytes: null };
  const isCopied =
    read.bytes !== null && read.size <= options.maxCopyBytes && looksLikeText(path, read.bytes) && options.budget.take(read.size);
  const previous = options.previous;
  const weights =
    previous?.type === 'file' && previous.weights && previous.sha256 === read.sha256
      ? previous.weights
      : await summarizeIfWeights(full, path, read.bytes);
  // The summary comes from a second open: a file swapped in between (a harmless pickle renamed over a
  // malicious one the moment the digest was taken) must not pair one version's digest with another's insides.
  if (weights?.fileSha256 !== undefined && weights.fileSha256 !== read.sha256) {
    return { state: { type: 'unreadable', mode: read.mode, reason: 'changed while being read' }, bytes: null };
  }
  return {
    state: {
      type: 'file',
      mode: read.mode,
      size: read.size,
      sha256: read.sha256,
      content: isCopied && read.bytes ? ownedCopy(read.bytes) : null,
      stamp,
      ...(weights ? { weights } : {}),
    },
    bytes: read.bytes,
  };
}

/**
 * A copy to keep, in memory of its own. Reads under 4 KB come out of Node's shared 8 KB allocation
 * pool, and a kept slice pins the whole slab with the garbage around it: on a tree of small files
 * the copies cost more than twice the budget they were counted against.
 */
function ownedCopy(bytes: Buffer): Buffer {
  if (bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength) return bytes;
  const copy = Buffer.allocUnsafeSlow(bytes.length);
  bytes.copy(copy);
  return copy;
}

/**
 * The weights summary of a file that is a weight file by name or content, read from disk (streamed,
 * so a checkpoint of many GB costs one more pass, not its size in memory). A file that vanished or
 * changed meanwhile has none; the next look reads it again.
 */
async function summarizeIfWeights(full: string, path: string, bytes: Buffer | null): Promise<WeightsSummary | null> {
  const head = bytes ? bytes.subarray(0, DETECT_BYTES) : null;
  if (head && !detectWeightFormat(path, head)) return null;
  try {
    return await withFileSource(full, (source) => summarizeWeights(source, path, { fileSha256: true }));
  } catch (error) {
    if (error instanceof WeightsReadError) return null;
    throw error;
  }
}

/**
 * A path's inode, size, mode and change times in one string. The kernel sets ctime on every write,
 * chmod, rename and utimes call, and nothing unprivileged can set it back, so an unchanged stamp
 * means unchanged content, even when an agent restores the mtime to hide an edit.
 */
export async function statStamp(root: string, path: string): Promise<string | null> {
  const info = await lstat(join(root, path), { bigint: true }).catch(() => null);
  return info ? stampOf(info) : null;
}

function stampOf(info: BigIntStats): string {
  // join() builds one flat string; a template literal leaves V8 a tree of a dozen pieces (some 450
  // bytes, not 90), kept for every file of the tree.
  return [info.dev, info.ino, info.mode, info.size, info.mtimeNs, info.ctimeNs].join(':');
}

/** Time stamps this close to the read may be followed by a write in the same tick: not trusted. */
const RACY_WINDOW_NS = 2_000_000_000n;

function trustedStamp(info: BigIntStats): string | null {
  const now = BigInt(Date.now()) * 1_000_000n;
  return now - info.ctimeNs < RACY_WINDOW_NS || now - info.mtimeNs < RACY_WINDOW_NS ? null : stampOf(info);
}

/** Whether two states describe the same thing (copies are not compared: the digest covers them). */
export function isSameState(a: FileState | null, b: FileState | null): boolean {
  if (a === null || b === null) return a === b;
  if (a.type === 'file' && b.type === 'file') return a.mode === b.mode && a.sha256 === b.sha256;
  if (a.type === 'symlink' && b.type === 'symlink') return a.target === b.target;
  if (a.type === 'unreadable' && b.type === 'unreadable') return a.mode === b.mode && a.reason === b.reason;
  return false;
}

/** Returns a state's copy to the budget when the state is replaced or forgotten. */
export function releaseState(state: FileState | null | undefined, budget: CopyBudget): void {
  if (state?.type === 'file' && state.content) budget.giveBack(state.content.length);
}

/**
 * The version a diff sees: a file's copy (or the bytes just read, for the newer side), a symlink's
 * target, or digests alone.
 */
export function stateVersion(path: string, state: FileState, bytes: Buffer | null = null, root: string | null = null): FileVersion {
  switch (state.type) {
    case 'file':
      return {
        path,
        mode: state.mode,
        bytes: state.content ?? bytes,
        sha256: state.sha256,
        size: state.size,
        weights: state.weights ?? null,
        // The file as it is now, for the newer side: large weight files are read from disk, streamed.
        ...(root === null ? {} : { open: () => openFileSource(join(root, path)) }),
      };
    case 'symlink':
      return fileVersion(path, SYMLINK_MODE, Buffer.from(state.target));
    case 'unreadable':
      return { path, mode: state.mode, bytes: null, sha256: null, size: null, unreadableReason: state.reason };
  }
}
