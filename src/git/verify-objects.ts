import { createHash, type Hash } from 'node:crypto';
import { GitError, SelfmodError } from '../errors.js';
import { CatFileBatch } from './cat-file-batch.js';
import { objectFormat } from './listings.js';
import type { Repository } from './repository.js';
import { GIT_STALL_TIMEOUT_MS, streamGitLineBatches, streamGitLines } from './run-git.js';

/**
 * Objects asked of cat-file and not yet answered, at most: enough to keep it busy, few enough that a
 * history of millions of objects holds next to nothing.
 */
const MAX_OUTSTANDING = 8192;

const OBJECT_LINE = /^([0-9a-f]{40}(?:[0-9a-f]{24})?)(?: (.*))?$/;

/**
 * What a scan reads from the object store, as `git rev-list --objects` argument lists: every commit,
 * tree and blob the history from `since` (exclusive) to `head` brings in, and the whole snapshots of
 * `since`, which the first changes are compared with and whose untouched part HEAD shares, and of the
 * range's other `boundaries` (parents outside it, as of a branch that forked before `since`), which
 * their children are compared with; without the history, the snapshots of HEAD (what the working tree
 * is compared with) and of `since`.
 */
export function objectListings(head: string, since: string | null, isHistoryRead: boolean, boundaries: readonly string[] = []): string[][] {
  const listings: string[][] = [];
  const isRangeRead = isHistoryRead && head !== since;
  if (isRangeRead) listings.push(['--end-of-options', head, ...(since ? [`^${since}`] : [])]);
  const snapshots = isRangeRead ? (since ? [since, ...boundaries] : []) : [since ?? head, head];
  if (snapshots.length > 0) listings.push(['--no-walk', '--end-of-options', ...new Set(snapshots)]);
  return listings;
}

/** Verifies (see verifyObjects) every object that a scan of `head` from `since` reads. */
export async function verifyScannedObjects(repo: Repository, head: string, since: string | null, isHistoryRead: boolean): Promise<void> {
  const boundaries: string[] = [];
  if (isHistoryRead && since !== null && since !== head) {
    for await (const line of streamGitLines(repo.invocation, ['rev-list', '--boundary', '--end-of-options', head, `^${since}`])) {
      if (line.startsWith('-')) boundaries.push(line.slice(1));
    }
  }
  await verifyObjects(repo, objectListings(head, since, isHistoryRead, boundaries));
}

/**
 * Hashes every object that `git rev-list --objects` lists for each of `listings` and throws an
 * `integrity` error naming the first whose content does not hash to its id. git never checks an
 * object file against its name when it reads one: an agent that rewrote the file of a commit could
 * drop a commit from the history, of a tree could drop an edit from a commit, and of a blob could make
 * a commit show other lines than the file holds, while the file on disk, which still hashes to the
 * real blob, looks unchanged.
 */
export async function verifyObjects(repo: Repository, listings: ReadonlyArray<readonly string[]>): Promise<void> {
  const format = await objectFormat(repo);
  const hasher = new ObjectHasher(repo, format);
  try {
    for (const revisions of listings) {
      for await (const batch of streamGitLineBatches(repo.invocation, ['rev-list', '--objects', ...revisions])) {
        for (const line of batch.lines()) {
          // "<id>" for a commit, "<id> <path>" for a tree or blob (git cuts the path at a newline).
          const listed = OBJECT_LINE.exec(line);
          if (listed) hasher.ask(listed[1] ?? '', listed[2] ?? null);
        }
        await hasher.keepUp();
      }
    }
    await hasher.finish();
  } finally {
    hasher.close();
  }
}

interface Asked {
  readonly id: string;
  readonly path: string | null;
}

/**
 * One `git cat-file --batch` whose answers are hashed as they stream in, without a promise or a copy
 * per object: a long history lists hundreds of thousands of objects and hundreds of megabytes.
 */
class ObjectHasher {
  private readonly git: CatFileBatch;
  /** Asked objects in the order git answers them; those before `head` are answered. */
  private asked: Asked[] = [];
  private head = 0;
  private names = '';
  /** Whether `names` holds the first object asked since git last owed nothing. */
  private isFirstOwed = false;
  private header: Buffer | null = null;
  private hash: Hash | null = null;
  /** Content bytes of the current object still to come, plus its newline; -1 between objects. */
  private remaining = -1;
  private failure: Error | null = null;
  private wake: (() => void) | null = null;

  constructor(
    repo: Repository,
    private readonly format: 'sha1' | 'sha256',
    stallTimeoutMs = GIT_STALL_TIMEOUT_MS,
  ) {
    this.git = new CatFileBatch(
      repo.invocation,
      {
        onData: (chunk) => this.onData(chunk),
        onEnd: (error, exitCode) => {
          if (this.head < this.asked.length || exitCode !== 0) this.fail(error);
          this.wakeUp();
        },
        isWaiting: () => this.head < this.asked.length,
      },
      stallTimeoutMs,
    );
  }

  ask(id: string, path: string | null): void {
    if (this.head === this.asked.length) this.isFirstOwed = true;
    this.asked.push({ id, path });
    this.names += `${id}\n`;
  }

  /** Sends what was asked, and waits while too much is outstanding; throws what went wrong. */
  async keepUp(): Promise<void> {
    this.flush();
    while (this.failure === null && this.asked.length - this.head > MAX_OUTSTANDING) {
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
    if (this.failure) throw this.failure;
  }

  /** Waits for every answer; throws what went wrong. */
  async finish(): Promise<void> {
    this.flush();
    while (this.failure === null && this.head < this.asked.length) {
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
    if (this.failure) throw this.failure;
  }

  close(): void {
    if (this.head < this.asked.length) this.git.stop();
    else this.git.end();
  }

  private flush(): void {
    if (this.names === '' || this.failure) return;
    this.git.ask(this.names, this.isFirstOwed);
    this.names = '';
    this.isFirstOwed = false;
  }

  private onData(chunk: Buffer): void {
    let at = 0;
    while (at < chunk.length && this.failure === null) {
      if (this.remaining < 0) {
        const end = chunk.indexOf(0x0a, at);
        const part = chunk.subarray(at, end === -1 ? chunk.length : end);
        this.header = this.header === null ? Buffer.from(part) : Buffer.concat([this.header, part]);
        if (end === -1) return;
        at = end + 1;
        this.startObject(this.header.toString('utf8'));
        this.header = null;
        continue;
      }
      const take = Math.min(this.remaining, chunk.length - at);
      const content = Math.min(take, this.remaining - 1);
      if (content > 0) this.hash?.update(chunk.subarray(at, at + content));
      at += take;
      this.remaining -= take;
      if (this.remaining === 0) this.endObject();
    }
  }

  private startObject(header: string): void {
    const asked = this.asked[this.head];
    const [id, type, size] = header.split(' ');
    if (!asked || id !== asked.id) {
      this.fail(new GitError(['cat-file'], `unexpected answer '${header.slice(0, 100)}'`, null));
      return;
    }
    if (type === 'missing' || type === 'ambiguous' || size === undefined) {
      // rev-list has just read it; an object that went since is no forgery.
      this.answered();
      return;
    }
    this.hash = createHash(this.format).update(`${type} ${size}\0`);
    this.remaining = Number(size) + 1;
  }

  private endObject(): void {
    this.remaining = -1;
    const asked = this.asked[this.head];
    const actual = this.hash?.digest('hex');
    this.hash = null;
    if (asked && actual !== asked.id) {
      const named = asked.path ? `${asked.id} (${asked.path})` : asked.id;
      this.fail(
        new SelfmodError(
          'integrity',
          `object ${named} does not hold the content its id names: the repository's object store was altered (git fsck shows more)`,
        ),
      );
      return;
    }
    this.answered();
  }

  private answered(): void {
    this.head++;
    if (this.head > 4096 && this.head * 2 > this.asked.length) {
      this.asked = this.asked.slice(this.head);
      this.head = 0;
    }
    if (this.asked.length - this.head <= MAX_OUTSTANDING / 2 || this.head === this.asked.length) this.wakeUp();
  }

  private wakeUp(): void {
    const wake = this.wake;
    this.wake = null;
    wake?.();
  }

  private fail(error: Error): void {
    this.failure ??= error;
    this.wakeUp();
  }
}
