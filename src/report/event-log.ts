import { constants } from 'node:fs';
import { lstat, open, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { SelfmodError } from '../errors.js';
import { TOOL_VERSION } from '../version.js';
import {
  EVENT_LOG_FORMAT,
  GENESIS_PREV,
  MAX_EVENT_LINE_BYTES,
  keyId,
  sealBody,
  type EventRecord,
  type ReadyFacts,
  type ToolInfo,
  type WatchEvent,
} from './event-chain.js';

/** The event log (or its key file) cannot be opened, read or written; the message names the file. */
export class EventLogError extends SelfmodError {
  readonly file: string;

  constructor(file: string, reason: string, options?: { cause?: unknown }) {
    super('event-log', `${file}: ${reason}`, options);
    this.file = file;
  }
}

const ERRNO_WORDS: Readonly<Record<string, string>> = {
  ENOENT: 'no such file or directory',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EISDIR: 'is a directory',
  ENOTDIR: 'a parent is not a directory',
  ELOOP: 'is a symbolic link',
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  EFBIG: 'file too large',
  EIO: 'input/output error',
  EROFS: 'read-only file system',
};

/** An errno code in words, with the code itself for searching: `no such file or directory (ENOENT)`. */
export function describeFileError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  if (code === undefined) return error instanceof Error ? error.message : String(error);
  const words = ERRNO_WORDS[code];
  return words === undefined ? code : `${words} (${code})`;
}

export interface EventLogOptions {
  /** HMAC key; each line then carries `hmac`. Read once, before the watched agent starts. */
  readonly key?: Buffer | null;
  /** Recorded in the `ready` line; defaults to this selfmod. */
  readonly tool?: ToolInfo;
  /** The clock that stamps `at`; tests pass their own. */
  readonly now?: () => Date;
}

/** What {@link EventLog.append} resolves to once the line is on disk. */
export interface AppendedEvent {
  readonly seq: number;
  readonly hash: string;
  /** The line as an object, e.g. for shipping to a webhook. */
  readonly record: EventRecord;
}

/**
 * The watcher's tamper-evident record (format: see EVENT_LOG_FORMAT in event-chain.ts). Each append
 * is written and flushed to disk (fdatasync) before its promise resolves, because the watched agent
 * may kill the watcher at any moment. Appends are queued and written one at a time in call order, so
 * concurrent callers never interleave or reorder lines.
 *
 * A log is always a new file: opening a non-empty file is refused rather than continued, so one log
 * is one watch run with one `ready` baseline, and nothing written before this run can be mistaken
 * for part of it. After a failed write (disk full, file removed or replaced) the log is closed to
 * further events: the chain could not continue without a gap, and every later append rejects.
 */
export class EventLog {
  readonly path: string;
  private readonly handle: FileHandle;
  private readonly key: Buffer | null;
  private readonly tool: ToolInfo;
  private readonly now: () => Date;
  private nextSeq = 0;
  private lastHash = GENESIS_PREV;
  private isStopped = false;
  private isClosed = false;
  /** Bytes known to be on disk, to cut a half-written line off after a failure. */
  private durableSize = 0;
  private failure: EventLogError | null = null;
  private queue: Promise<unknown> = Promise.resolve();
  private closing: Promise<void> | null = null;

  private constructor(path: string, handle: FileHandle, options: EventLogOptions) {
    this.path = path;
    this.handle = handle;
    this.key = options.key ?? null;
    this.tool = options.tool ?? { name: 'selfmod', version: TOOL_VERSION };
    this.now = options.now ?? (() => new Date());
  }

  /** Opens a new log at `path`: the file must not exist, or be empty. Throws EventLogError. */
  static async open(path: string, options: EventLogOptions = {}): Promise<EventLog> {
    return new EventLog(path, await openNewLogFile(path), options);
  }

  /**
   * Adds one event. The first must be `ready`, and nothing may follow `stopped`. Resolves once the
   * line is on disk; rejects with EventLogError when it could not be written, or with an Error for
   * an event that breaks those rules. The caller must handle the rejection.
   */
  append(event: WatchEvent): Promise<AppendedEvent> {
    let sealed: { record: EventRecord; text: string };
    try {
      sealed = this.seal(event);
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
    const { record, text } = sealed;
    const written = this.queue.then(() => this.writeLine(text)).then(() => ({ seq: record.seq, hash: record.hash, record }));
    this.queue = written.catch(() => undefined);
    return written;
  }

  /** Waits for queued appends, then closes the file. Later appends reject. */
  close(): Promise<void> {
    this.isClosed = true;
    this.closing ??= this.queue.then(() =>
      this.handle.close().catch((error: unknown) => {
        throw new EventLogError(this.path, `cannot close the event log: ${describeFileError(error)}`, { cause: error });
      }),
    );
    return this.closing;
  }

  /** Puts the envelope on an event and hashes it; advances the chain only when that succeeds. */
  private seal(event: WatchEvent): { record: EventRecord; text: string } {
    if (this.isClosed) throw new EventLogError(this.path, 'the event log is closed');
    if (this.failure) throw this.laterFailure();
    if (this.isStopped) throw new Error(`event log: a ${event.type} event after the stopped event`);
    if ((this.nextSeq === 0) !== (event.type === 'ready')) {
      throw new Error(`event log: ${this.nextSeq === 0 ? `the first event must be ready, not ${event.type}` : 'a second ready event'}`);
    }
    if ('hash' in event || 'hmac' in event) throw new Error('event log: an event must not carry hash or hmac');
    const facts: ReadyFacts | null =
      event.type === 'ready' ? { format: EVENT_LOG_FORMAT, tool: this.tool, keyId: this.key === null ? null : keyId(this.key) } : null;
    const body = { ...event, ...facts, seq: this.nextSeq, at: this.now().toISOString(), prev: this.lastHash };
    const { hash, hmac, text } = sealBody(body, this.key);
    const size = Buffer.byteLength(text, 'utf8') + 1;
    if (size > MAX_EVENT_LINE_BYTES) throw new Error(`event log: a ${event.type} event of ${size} bytes is over the ${MAX_EVENT_LINE_BYTES}-byte line limit`);
    const record = Object.freeze({ ...body, hash, ...(hmac === null ? {} : { hmac }) }) as EventRecord;
    this.nextSeq += 1;
    this.lastHash = hash;
    if (event.type === 'stopped') this.isStopped = true;
    return { record, text };
  }

  private async writeLine(text: string): Promise<void> {
    if (this.failure) throw this.laterFailure();
    const bytes = Buffer.from(`${text}\n`, 'utf8');
    try {
      for (let offset = 0; offset < bytes.length; ) {
        const { bytesWritten } = await this.handle.write(bytes, offset, bytes.length - offset, null);
        if (bytesWritten === 0) throw new Error('the file system accepted no bytes');
        offset += bytesWritten;
      }
      // fdatasync: an append changes the size, so the size is flushed too; the rest of the inode
      // (times) is not needed to read the line back. It costs about 0.15 ms per event here.
      await this.handle.datasync();
    } catch (error) {
      // Leave no half line for the next run's verifier to trip on; if this fails too, the verifier
      // reports the cut line, which is the truth.
      await this.handle.truncate(this.durableSize).catch(() => undefined);
      throw this.fail(`cannot write the event log: ${describeFileError(error)}`, error);
    }
    await this.checkStillInPlace();
    this.durableSize += bytes.length;
  }

  /**
   * Writes to a removed or renamed-over file succeed and go nowhere anyone will look, so each append
   * checks that the path still names the file being written.
   */
  private async checkStillInPlace(): Promise<void> {
    const [own, named] = await Promise.all([
      this.handle.stat(),
      lstat(this.path).catch((error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT') return null;
        throw error;
      }),
    ]).catch((error: unknown) => {
      throw this.fail(`cannot check the event log is still in place: ${describeFileError(error)}`, error);
    });
    if (own.nlink === 0 || named === null || named.ino !== own.ino || named.dev !== own.dev) {
      throw this.fail('the event log was removed or replaced while being written; no further events are logged');
    }
  }

  private fail(reason: string, cause?: unknown): EventLogError {
    this.failure = new EventLogError(this.path, reason, cause === undefined ? undefined : { cause });
    return this.failure;
  }

  private laterFailure(): EventLogError {
    const failure = this.failure;
    return new EventLogError(this.path, `not written: an earlier write failed (${failure?.message ?? 'unknown'})`, { cause: failure });
  }
}

/**
 * Opens `path` for appending if it is new or an empty regular file. Symbolic links are refused (an
 * agent could point one at a file it controls) and so are FIFOs and devices, which cannot be
 * flushed or checked.
 */
async function openNewLogFile(path: string): Promise<FileHandle> {
  let handle: FileHandle;
  try {
    // O_NONBLOCK: opening a FIFO without a reader fails at once instead of hanging.
    const flags = constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW | constants.O_NONBLOCK;
    handle = await open(path, flags, 0o644);
  } catch (error) {
    throw new EventLogError(path, `cannot create the event log: ${describeFileError(error)}`, { cause: error });
  }
  try {
    const stats = await handle.stat();
    if (!stats.isFile()) throw new EventLogError(path, 'the event log must be a regular file');
    if (stats.size > 0) {
      throw new EventLogError(path, 'already exists and is not empty; each watch run writes a new event log (name another file)');
    }
    await syncDirectory(dirname(path));
    return handle;
  } catch (error) {
    await handle.close().catch(() => undefined);
    if (error instanceof EventLogError) throw error;
    throw new EventLogError(path, `cannot open the event log: ${describeFileError(error)}`, { cause: error });
  }
}

/** Makes a newly created file's name durable, not only its contents. */
async function syncDirectory(directory: string): Promise<void> {
  let handle: FileHandle | undefined;
  try {
    handle = await open(directory, 'r');
    await handle.sync();
  } catch {
    // Some file systems refuse fsync on a directory; the lines are still flushed one by one.
  } finally {
    await handle?.close().catch(() => undefined);
  }
}

/** Key files longer than this are not keys (a wrong path, a log given by mistake). */
const MAX_KEY_FILE_BYTES = 64 * 1024;
/** Shorter keys are guessable; 16 bytes is the least RFC 2104 recommends for HMAC-SHA256's 32. */
export const MIN_KEY_BYTES = 16;

/**
 * Reads an HMAC key file once. The key is the file's bytes less trailing whitespace, so a key written
 * by `openssl rand -hex 32 > file` or an editor is the same key however its last line ends. Throws
 * EventLogError naming the file.
 */
export async function readEventLogKey(path: string): Promise<Buffer> {
  let bytes: Buffer;
  try {
    const handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
    try {
      const stats = await handle.stat();
      if (!stats.isFile()) throw new EventLogError(path, 'the key file is not a regular file');
      if (stats.size > MAX_KEY_FILE_BYTES) throw new EventLogError(path, `the key file is larger than ${MAX_KEY_FILE_BYTES} bytes; is it the right file?`);
      bytes = await handle.readFile();
    } finally {
      await handle.close();
    }
  } catch (error) {
    if (error instanceof EventLogError) throw error;
    throw new EventLogError(path, `cannot read the key file: ${describeFileError(error)}`, { cause: error });
  }
  let end = bytes.length;
  while (end > 0 && isAsciiWhitespace(bytes[end - 1] ?? 0)) end -= 1;
  if (end < MIN_KEY_BYTES) {
    throw new EventLogError(path, `the key is ${end} bytes; use at least ${MIN_KEY_BYTES} random bytes (e.g. openssl rand -hex 32)`);
  }
  return Buffer.from(bytes.subarray(0, end));
}

function isAsciiWhitespace(byte: number): boolean {
  return byte === 0x20 || byte === 0x09 || byte === 0x0a || byte === 0x0d;
}
