import { constants } from 'node:fs';
import { lstat, open, readlink } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { dirname, join } from 'node:path';
import { SYMLINK_MODE } from '../change/change.js';

/** A working-tree path as git would record it, read without following links or blocking. */
export type WorktreeEntry =
  | { readonly kind: 'missing' }
  | { readonly kind: 'unreadable'; readonly mode: string; readonly reason: string }
  | { readonly kind: 'file'; readonly mode: string; readonly size: number; readonly gitSha: string; readonly sha256: string; readonly bytes: Buffer | null }
  | { readonly kind: 'symlink'; readonly mode: string; readonly target: string; readonly gitSha: string };

export type ObjectFormat = 'sha1' | 'sha256';

/**
 * Reads one working-tree path. Only regular files are opened, with O_NOFOLLOW and O_NONBLOCK, so a
 * FIFO, device or symlink planted where a file was cannot hang or redirect the read; anything else
 * (directory, socket) counts as missing, as git would see it.
 *
 * @param keepBytes files up to this size are returned whole for diffing; larger ones are only hashed.
 */
export async function readWorktreeEntry(
  root: string,
  path: string,
  format: ObjectFormat,
  keepBytes: number,
  parents: ParentCheck,
): Promise<WorktreeEntry> {
  if (!(await parents.isRealDirectoryChain(dirname(path)))) return { kind: 'missing' };
  const full = join(root, path);
  const info = await lstat(full).catch(() => null);
  // A name that is not valid UTF-8 (git's, or one read from the directory) reads back with U+FFFD
  // in it and cannot be opened by it: whatever it holds now is unknown, not gone.
  if (!info && path.includes('\uFFFD')) return { kind: 'unreadable', mode: '100644', reason: 'its name is not valid UTF-8' };
  if (!info) return { kind: 'missing' };
  if (info.isSymbolicLink()) {
    const target = await readlink(full).catch(() => null);
    if (target === null) return { kind: 'unreadable', mode: SYMLINK_MODE, reason: 'cannot read link' };
    return { kind: 'symlink', mode: SYMLINK_MODE, target, gitSha: gitObjectHash(Buffer.from(target), format) };
  }
  if (!info.isFile()) return { kind: 'missing' };
  const read = await readRegularFile(full, keepBytes, format);
  if (read.kind === 'unreadable') return { ...read, mode: info.mode & 0o100 ? '100755' : '100644' };
  if (read.kind !== 'file') return read;
  return { ...read, gitSha: read.gitSha ?? '' };
}

/** Largest read of a file at once. */
const READ_CHUNK_BYTES = 1024 * 1024;

/** A regular file's facts, read in one pass; `gitSha` is null when no object format was asked for. */
export type RegularFileRead =
  | { readonly kind: 'missing' }
  | { readonly kind: 'unreadable'; readonly mode: string; readonly reason: string }
  | { readonly kind: 'file'; readonly mode: string; readonly size: number; readonly gitSha: string | null; readonly sha256: string; readonly bytes: Buffer | null };

/**
 * Opens one path as a regular file with O_NOFOLLOW and O_NONBLOCK (a FIFO, device or symlink planted
 * there can neither hang nor redirect the read) and streams it once through sha256 and, when `format`
 * is given, git's object hash. Files up to `keepBytes` are also returned whole.
 */
export async function readRegularFile(full: string, keepBytes: number, format: ObjectFormat | null): Promise<RegularFileRead> {
  let handle;
  try {
    handle = await open(full, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return { kind: 'missing' };
    // ELOOP: the path became a symlink between lstat and open; the caller sees it on its next look.
    return { kind: 'unreadable', mode: '100644', reason: code ?? 'cannot open' };
  }
  try {
    const opened = await handle.stat();
    if (!opened.isFile()) return { kind: 'missing' };
    const mode = opened.mode & 0o100 ? '100755' : '100644';
    const gitHash = format === null ? null : createHash(format).update(`blob ${opened.size}\0`);
    const sha256 = createHash('sha256');
    const kept: Buffer[] = [];
    let size = 0;
    // Reads in pieces of one buffer reused throughout: a tree of thousands of small files must not
    // allocate a fresh megabyte per file, and a file of many GB is never held whole.
    const buffer = Buffer.allocUnsafe(Math.min(READ_CHUNK_BYTES, opened.size + 1));
    for (;;) {
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, size);
      if (bytesRead === 0) break;
      const chunk = buffer.subarray(0, bytesRead);
      gitHash?.update(chunk);
      sha256.update(chunk);
      size += bytesRead;
      if (opened.size <= keepBytes && size <= opened.size) kept.push(Buffer.from(chunk));
      if (size > opened.size) break;
    }
    if (size !== opened.size) {
      // The file changed while we read it: the digests describe no version that ever existed whole.
      return { kind: 'unreadable', mode, reason: 'changed while being read' };
    }
    return {
      kind: 'file',
      mode,
      size,
      gitSha: gitHash ? gitHash.digest('hex') : null,
      sha256: sha256.digest('hex'),
      bytes: opened.size > keepBytes ? null : kept.length === 1 ? (kept[0] as Buffer) : Buffer.concat(kept),
    };
  } catch (error) {
    return { kind: 'unreadable', mode: '100644', reason: (error as NodeJS.ErrnoException).code ?? 'cannot read' };
  } finally {
    await handle.close();
  }
}

/** git's object id for a blob with this content. */
export function gitObjectHash(content: Buffer, format: ObjectFormat): string {
  return createHash(format).update(`blob ${content.length}\0`).update(content).digest('hex');
}

/**
 * Answers "is every parent of this path a real directory?" with a cache. A tracked file whose parent
 * directory was replaced by a symlink is, for git and for us, gone: reading through the link would
 * report content from outside the repository.
 */
export class ParentCheck {
  private readonly root: string;
  private readonly known = new Map<string, Promise<boolean>>();

  constructor(root: string) {
    this.root = root;
  }

  isRealDirectoryChain(directory: string): Promise<boolean> {
    if (directory === '.' || directory === '') return Promise.resolve(true);
    let answer = this.known.get(directory);
    if (!answer) {
      answer = (async () => {
        if (!(await this.isRealDirectoryChain(dirname(directory)))) return false;
        const info = await lstat(join(this.root, directory)).catch(() => null);
        return info !== null && info.isDirectory();
      })();
      this.known.set(directory, answer);
    }
    return answer;
  }
}
