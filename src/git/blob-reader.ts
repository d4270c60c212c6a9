import { createHash } from 'node:crypto';
import { GitError } from '../errors.js';
import { CatFileBatch } from './cat-file-batch.js';
import { GIT_STALL_TIMEOUT_MS, type GitInvocation } from './run-git.js';

export interface BlobDigest {
  readonly size: number;
  readonly sha256: string;
}

/** Receives one object's bytes as they stream out of `git cat-file --batch`. */
interface ObjectConsumer<T> {
  onHeader(type: string, size: number): void;
  onData(chunk: Buffer): void;
  finish(): T;
}

interface PendingRequest {
  readonly consumer: ObjectConsumer<unknown>;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: Error) => void;
}

const HEADER_END = 0x0a;

/**
 * Reads objects through one long-lived `git cat-file --batch`, so thousands of lookups cost one
 * process. Content streams to the consumer: hashing a multi-GB blob never holds it in memory.
 */
export class BlobReader {
  private readonly git: CatFileBatch;
  /** Requests in the order git answers them; those before `queueHead` are settled. */
  private queue: Array<PendingRequest | undefined> = [];
  private queueHead = 0;
  /** Requests settled in all. */
  private answered = 0;
  private buffered: Buffer = Buffer.alloc(0);
  /** Bytes of the current object still to come, plus its trailing newline; -1 between objects. */
  private remaining = -1;
  private failure: Error | null = null;
  private pendingNames = '';
  /** Requests written to git, and requests queued in `pendingNames` but not yet written. */
  private sent = 0;
  private waiting = 0;

  constructor(invocation: GitInvocation, stallTimeoutMs = GIT_STALL_TIMEOUT_MS) {
    this.git = new CatFileBatch(
      invocation,
      {
        onData: (chunk) => this.onData(chunk),
        onEnd: (error) => this.fail(error),
        isWaiting: () => this.sent > this.answered,
      },
      stallTimeoutMs,
    );
  }

  /** The whole object, or null when it is missing or larger than `maxBytes`. */
  async read(name: string, maxBytes: number): Promise<Buffer | null> {
    const chunks: Buffer[] = [];
    let isTooLarge = false;
    let isMissing = false;
    return this.request<Buffer | null>(name, {
      onHeader: (type, size) => {
        isMissing = type === 'missing';
        isTooLarge = size > maxBytes;
      },
      onData: (chunk) => {
        if (!isTooLarge) chunks.push(chunk);
      },
      finish: () => (isMissing || isTooLarge ? null : Buffer.concat(chunks)),
    });
  }

  /** Size and sha256 of an object, streamed; null when it is missing. */
  async digest(name: string): Promise<BlobDigest | null> {
    const hash = createHash('sha256');
    let size = -1;
    return this.request<BlobDigest | null>(name, {
      onHeader: (type, objectSize) => {
        size = type === 'missing' ? -1 : objectSize;
      },
      onData: (chunk) => hash.update(chunk),
      finish: () => (size < 0 ? null : { size, sha256: hash.digest('hex') }),
    });
  }

  /**
   * The id git would give the object's content (`blob <size>\0` then the bytes, hashed with the
   * repository's algorithm), computed while streaming; null when missing. Equal to the name the
   * object was asked by, unless its file was rewritten.
   */
  async contentId(name: string, algorithm: 'sha1' | 'sha256'): Promise<string | null> {
    const hash = createHash(algorithm);
    let isMissing = false;
    return this.request<string | null>(name, {
      onHeader: (type, size) => {
        isMissing = type === 'missing';
        hash.update(`${type} ${size}\0`);
      },
      onData: (chunk) => hash.update(chunk),
      finish: () => (isMissing ? null : hash.digest('hex')),
    });
  }

  /** The first `count` bytes and the full size; null when missing. */
  async head(name: string, count: number): Promise<{ bytes: Buffer; size: number } | null> {
    const chunks: Buffer[] = [];
    let kept = 0;
    let size = -1;
    return this.request(name, {
      onHeader: (type, objectSize) => {
        size = type === 'missing' ? -1 : objectSize;
      },
      onData: (chunk) => {
        if (kept >= count) return;
        const part = chunk.subarray(0, count - kept);
        chunks.push(part);
        kept += part.length;
      },
      finish: () => (size < 0 ? null : { bytes: Buffer.concat(chunks), size }),
    });
  }

  private flushNames(): void {
    const isFirstOwed = this.sent === this.answered;
    const names = this.pendingNames;
    this.pendingNames = '';
    this.sent += this.waiting;
    this.waiting = 0;
    if (!this.failure) this.git.ask(names, isFirstOwed);
  }

  /** Ends the git process. Pending requests fail. */
  close(): void {
    this.git.end();
  }

  private request<T>(name: string, consumer: ObjectConsumer<T>): Promise<T> {
    if (this.failure) return Promise.reject(this.failure);
    if (name.includes('\n')) {
      // cat-file reads one name per line; such a name cannot be asked for, so treat it as absent.
      consumer.onHeader('missing', 0);
      return Promise.resolve(consumer.finish());
    }
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ consumer, resolve: resolve as (value: unknown) => void, reject });
      // Names are sent in batches, not one write (and one wake-up of git) each: at once when git is
      // idle, else when its next answer arrives.
      if (this.pendingNames === '' && this.sent === this.answered) setImmediate(() => this.flushNames());
      this.pendingNames += `${name}\n`;
      this.waiting++;
    });
  }

  private onData(chunk: Buffer): void {
    this.buffered = this.buffered.length === 0 ? chunk : Buffer.concat([this.buffered, chunk]);
    this.consume();
    if (this.pendingNames !== '') this.flushNames();
  }

  private consume(): void {
    while (this.buffered.length > 0) {
      const current = this.queue[this.queueHead];
      if (!current) {
        this.fail(new GitError(['cat-file'], 'unexpected output', null));
        return;
      }
      if (this.remaining < 0) {
        const end = this.buffered.indexOf(HEADER_END);
        if (end === -1) return;
        const header = this.buffered.toString('utf8', 0, end);
        this.buffered = this.buffered.subarray(end + 1);
        const parts = header.split(' ');
        if (parts[parts.length - 1] === 'missing' || parts[parts.length - 1] === 'ambiguous') {
          current.consumer.onHeader('missing', 0);
          this.settle(current);
          continue;
        }
        const size = Number(parts[2]);
        current.consumer.onHeader(parts[1] ?? 'unknown', size);
        this.remaining = size + 1;
      }
      const take = Math.min(this.remaining, this.buffered.length);
      const contentBytes = Math.min(take, this.remaining - 1);
      if (contentBytes > 0) current.consumer.onData(this.buffered.subarray(0, contentBytes));
      this.buffered = this.buffered.subarray(take);
      this.remaining -= take;
      if (this.remaining === 0) {
        this.remaining = -1;
        this.settle(current);
      }
    }
  }

  private settle(request: PendingRequest): void {
    this.answered++;
    // Release the request (its consumer may hold large buffers) as soon as it is answered.
    this.queue[this.queueHead] = undefined;
    this.queueHead++;
    // Drop settled requests now and then rather than shifting the array for each one.
    if (this.queueHead > 1024 && this.queueHead * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.queueHead);
      this.queueHead = 0;
    }
    try {
      request.resolve(request.consumer.finish());
    } catch (error) {
      request.reject(error as Error);
    }
  }

  private fail(error: Error): void {
    if (this.failure) return;
    this.failure = error;
    const pending = this.queue.slice(this.queueHead);
    this.queue = [];
    this.queueHead = 0;
    for (const request of pending) request?.reject(error);
  }
}
