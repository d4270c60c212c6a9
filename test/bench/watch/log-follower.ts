import { closeSync, openSync, readSync, watch, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';
import type { EventRecord } from '../../../src/report/event-chain.js';

/** One line of the event log and when the bench first saw it. */
export interface SeenRecord {
  readonly record: EventRecord;
  /** performance.now() when the bench was woken to read the line. */
  readonly seenAt: number;
}

/**
 * A safety net only: inotify on the log's directory wakes the follower within a fraction of a
 * millisecond of each write. Lines this poll finds first are counted, because a latency measured
 * through the poll would carry up to this much of the bench's own delay.
 */
export const SAFETY_POLL_MS = 250;
const READ_CHUNK_BYTES = 1024 * 1024;

/** Raised when a wait ends without the line it waited for. */
export class FollowTimeoutError extends Error {
  readonly code = 'follow-timeout';
}

/**
 * Follows a JSON Lines file that another process appends to: fs.watch on its directory (so the
 * file may not exist yet) and, on every wake-up, synchronous reads from the last offset to the end.
 * A partial last line waits for the rest. Every parsed line is kept, in order.
 */
export class LogFollower {
  readonly records: SeenRecord[] = [];
  /** Lines first found by the safety poll rather than by a file event. */
  linesFoundByPoll = 0;
  private readonly path: string;
  private fd: number | null = null;
  private offset = 0;
  private partial: Buffer = Buffer.alloc(0);
  private readonly chunk = Buffer.allocUnsafe(READ_CHUNK_BYTES);
  private readonly wakers = new Set<() => void>();
  private watcher: FSWatcher | null = null;
  private poll: NodeJS.Timeout | null = null;
  private isClosed = false;

  constructor(path: string) {
    this.path = path;
  }

  start(): void {
    const name = basename(this.path);
    this.watcher = watch(dirname(this.path), (_event, changed) => {
      if (changed === null || changed === name) this.read(false);
    });
    this.poll = setInterval(() => this.read(true), SAFETY_POLL_MS);
    this.read(false);
  }

  /** Reads whatever was appended since the last look (call once more after the writer has exited). */
  read(isPoll = false): void {
    const seenAt = performance.now();
    if (this.isClosed) return;
    if (this.fd === null) {
      try {
        this.fd = openSync(this.path, 'r');
      } catch {
        return; // Not created yet.
      }
    }
    const before = this.records.length;
    for (;;) {
      const bytesRead = readSync(this.fd, this.chunk, 0, this.chunk.length, this.offset);
      if (bytesRead === 0) break;
      this.offset += bytesRead;
      this.takeLines(Buffer.concat([this.partial, this.chunk.subarray(0, bytesRead)]), seenAt);
    }
    if (this.records.length === before) return;
    if (isPoll) this.linesFoundByPoll += this.records.length - before;
    for (const wake of [...this.wakers]) wake();
  }

  private takeLines(bytes: Buffer, seenAt: number): void {
    let start = 0;
    for (let end = bytes.indexOf(10, start); end !== -1; end = bytes.indexOf(10, start)) {
      this.records.push({ record: JSON.parse(bytes.toString('utf8', start, end)) as EventRecord, seenAt });
      start = end + 1;
    }
    this.partial = Buffer.from(bytes.subarray(start));
  }

  /**
   * Resolves with the first line at index `from` or later that passes `predicate`; rejects after
   * `timeoutMs`, or when `abandon` settles first (the writer died).
   */
  waitFor(predicate: (record: EventRecord) => boolean, options: { from?: number; timeoutMs: number; what: string; abandon?: Promise<unknown> }): Promise<SeenRecord> {
    let index = options.from ?? 0;
    const find = (): SeenRecord | null => {
      for (; index < this.records.length; index++) {
        const seen = this.records[index] as SeenRecord;
        if (predicate(seen.record)) return seen;
      }
      return null;
    };
    const found = find();
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      let isSettled = false;
      const finish = (error: Error | null, seen: SeenRecord | null) => {
        if (isSettled) return;
        isSettled = true;
        clearTimeout(timer);
        this.wakers.delete(wake);
        if (seen) resolve(seen);
        else reject(error);
      };
      const wake = () => {
        const seen = find();
        if (seen) finish(null, seen);
      };
      const timer = setTimeout(() => finish(new FollowTimeoutError(`no ${options.what} in ${options.timeoutMs / 1000} s`), null), options.timeoutMs);
      this.wakers.add(wake);
      // The writer's last lines may still be unread when it exits: one more look before giving up.
      const giveUp = (error: Error) => {
        if (isSettled) return;
        this.read();
        const seen = find();
        finish(seen ? null : error, seen);
      };
      options.abandon?.then(
        () => giveUp(new FollowTimeoutError(`the watcher exited before ${options.what}`)),
        (error: unknown) => giveUp(error instanceof Error ? error : new Error(String(error))),
      );
    });
  }

  close(): void {
    this.isClosed = true;
    this.watcher?.close();
    if (this.poll) clearInterval(this.poll);
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }
}
