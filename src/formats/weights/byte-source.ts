import { constants } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { WeightsReadError } from './errors.js';

/**
 * Random access to the bytes of one file version, wherever it lives: a file on disk, a git blob in
 * memory, a stored entry inside a zip. Parsers read only what they need through this, so a file of
 * many gigabytes is never held in memory.
 */
export interface ByteSource {
  /** Total length in bytes. */
  readonly size: number;
  /** A name for error messages (usually the path). */
  readonly name: string;
  /**
   * Up to `length` bytes starting at `offset`; fewer only where the source ends. The result may be
   * a view that the next call reuses, so copy what must outlive it.
   */
  read(offset: number, length: number): Promise<Uint8Array>;
  /**
   * Fills `target` from `offset` and returns how many bytes were read (fewer only at the end).
   * Streaming hashers use it to reuse two buffers instead of allocating one per read.
   */
  readInto?(target: Uint8Array, offset: number): Promise<number>;
}

/** A {@link ByteSource} that holds an open file and must be closed. */
export interface ClosableByteSource extends ByteSource {
  close(): Promise<void>;
}

/** A source over bytes already in memory (a git blob, a test fixture). */
export function bufferSource(bytes: Uint8Array, name = '<buffer>'): ByteSource {
  return {
    size: bytes.length,
    name,
    read: async (offset, length) => bytes.subarray(clamp(offset, bytes.length), clamp(offset + length, bytes.length)),
    readInto: async (target, offset) => {
      const part = bytes.subarray(clamp(offset, bytes.length), clamp(offset + target.length, bytes.length));
      target.set(part);
      return part.length;
    },
  };
}

/**
 * Opens a regular file for positional reads, without following a symlink. Its size is taken once at open: a file that grows meanwhile is
 * read as it was, and one that shrinks makes reads fail with {@link WeightsReadError}.
 */
export async function openFileSource(path: string): Promise<ClosableByteSource> {
  let handle: FileHandle;
  let size: number;
  try {
    // The file may be the watched agent's: a symlink is not followed and a FIFO cannot block the open.
    handle = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (error) {
    throw new WeightsReadError(path, describe(error), { cause: error });
  }
  try {
    const info = await handle.stat();
    if (!info.isFile()) throw new Error('not a regular file');
    size = info.size;
  } catch (error) {
    await handle.close().catch(() => undefined);
    throw new WeightsReadError(path, describe(error), { cause: error });
  }
  const readInto = async (target: Uint8Array, offset: number): Promise<number> => {
    const wanted = Math.max(0, Math.min(target.length, size - offset));
    let done = 0;
    try {
      while (done < wanted) {
        const { bytesRead } = await handle.read(target, done, wanted - done, offset + done);
        if (bytesRead === 0) throw new Error(`file ended at ${offset + done} bytes; it was ${size} bytes when opened`);
        done += bytesRead;
      }
    } catch (error) {
      throw new WeightsReadError(path, describe(error), { cause: error });
    }
    return done;
  };
  return {
    size,
    name: path,
    readInto,
    read: async (offset, length) => {
      const target = Buffer.allocUnsafe(Math.max(0, Math.min(length, size - offset)));
      await readInto(target, offset);
      return target;
    },
    close: () => handle.close(),
  };
}

/** Opens a file, runs `work` on it and closes it whatever happens. */
export async function withFileSource<T>(path: string, work: (source: ByteSource) => Promise<T>): Promise<T> {
  const source = await openFileSource(path);
  try {
    return await work(source);
  } finally {
    await source.close();
  }
}

/** A window `[offset, offset + length)` of another source, seen as a source of its own. */
export function sliceSource(parent: ByteSource, offset: number, length: number, name = parent.name): ByteSource {
  const start = clamp(offset, parent.size);
  const size = clamp(length, parent.size - start);
  const parentReadInto = parent.readInto?.bind(parent);
  return {
    size,
    name,
    read: (at, count) => parent.read(start + clamp(at, size), clamp(count, size - clamp(at, size))),
    readInto:
      parentReadInto &&
      ((target, at) => parentReadInto(target.subarray(0, clamp(target.length, size - clamp(at, size))), start + clamp(at, size))),
  };
}

function clamp(value: number, max: number): number {
  return Math.max(0, Math.min(value, max));
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
