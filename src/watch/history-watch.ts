import { constants } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Change } from '../change/change.js';
import { changeFromVersions, fileVersion } from '../change/from-sides.js';
import { BlobReader } from '../git/blob-reader.js';
import { commitsDropped, readRefTips, type LostCommit } from '../git/refs.js';
import { openRepository, resolveCommit, type Repository } from '../git/repository.js';
import { readHistoryChanges } from '../sources/git-history.js';

/** Lost commits listed in one history-rewritten change; the count says how many more there were. */
const MAX_LOST_LISTED = 200;

export interface HistoryWatchOptions {
  /** Each file of each new commit, as `scan` would see it. */
  readonly onChange: (change: Change) => Promise<void>;
  readonly at: () => string;
}

/**
 * Follows a repository's refs while an agent works in it: commits that appear are read like `scan`
 * reads history, and a ref move that leaves commits no ref reaches any more (reset, amend, rebase,
 * deletion of an unmerged branch) becomes a change to `.git/<ref>` whose removed lines name the commits it dropped,
 * for the `history-rewritten` rule. The repository is opened afresh for every look, so config the
 * agent adds meanwhile is neutralised like any other.
 */
export class HistoryWatch {
  private readonly root: string;
  private readonly options: HistoryWatchOptions;
  private tips = new Map<string, string>();
  private reflog: ReflogReader | null = null;
  private running: Promise<void> = Promise.resolve();
  private queued: Promise<void> | null = null;

  private constructor(root: string, options: HistoryWatchOptions) {
    this.root = root;
    this.options = options;
  }

  /** Starts following the repository at `root`, recording where its refs point now. */
  static async start(root: string, options: HistoryWatchOptions): Promise<HistoryWatch> {
    const watch = new HistoryWatch(root, options);
    const repo = await openRepository(root);
    watch.tips = await readRefTips(repo);
    watch.reflog = await ReflogReader.startAtEnd(join(repo.gitDir, 'logs', 'HEAD'));
    return watch;
  }

  /** Where HEAD pointed when the watch last looked. */
  get head(): string | null {
    return this.tips.get('HEAD') ?? null;
  }

  /**
   * Looks at the refs again. Looks never overlap; asking during one queues a single look after it,
   * shared by everyone who asks meanwhile (a commit touches several ref files at once).
   */
  check(): Promise<void> {
    if (this.queued) return this.queued;
    const next = this.running.then(() => {
      this.queued = null;
      return this.look();
    });
    this.queued = next;
    this.running = next.catch(() => undefined);
    return next;
  }

  private async look(): Promise<void> {
    const repo = await openRepository(this.root);
    const previous = this.tips;
    const current = await readRefTips(repo);
    // HEAD's reflog holds every move since the last look, even a commit that a reset undid at once.
    const moves: Move[] = (await this.reflog?.readNew()) ?? [];
    for (const ref of [...new Set([...previous.keys(), ...current.keys()])].sort()) {
      const oldTip = previous.get(ref) ?? null;
      const newTip = current.get(ref) ?? null;
      if (oldTip !== newTip) moves.push({ ref, oldTip, newTip });
    }
    if (moves.length === 0) return;
    const blobs = new BlobReader(repo.invocation);
    try {
      // The reflog is the agent's to write: a move naming a commit git does not have is skipped.
      for (let i = moves.length - 1; i >= 0; i--) {
        const move = moves[i] as Move;
        if (move.newTip !== null && (await resolveCommit(repo, move.newTip)) === null) moves.splice(i, 1);
      }
      const scanned = [...new Set(previous.values())];
      const seenMoves = new Set<string>();
      for (const move of moves) {
        const key = `${move.oldTip ?? ''}>${move.newTip ?? ''}`;
        if (seenMoves.has(key)) continue;
        seenMoves.add(key);
        if (move.newTip !== null && !scanned.includes(move.newTip)) {
          const range = { head: move.newTip, exclude: exclusions(scanned, previous) };
          for await (const change of readHistoryChanges(repo, blobs, range)) await this.options.onChange(change);
          scanned.push(move.newTip);
        }
        const rewrite = await this.rewriteOf(repo, move, [...current.values()]);
        if (rewrite) await this.options.onChange(rewrite);
      }
      // Only a look that went through moves the tips: a failed one is tried again next time.
      this.tips = current;
    } finally {
      blobs.close();
    }
  }

  /**
   * A change for the `history-rewritten` rule when the move left commits that no ref reaches any
   * more, else null: switching branches or deleting a merged branch loses nothing.
   */
  private async rewriteOf(repo: Repository, move: Move, tips: readonly string[]): Promise<Change | null> {
    const { ref, oldTip, newTip } = move;
    if (oldTip === null) return null;
    const kept = newTip === null ? tips : [newTip, ...tips];
    const lost = await commitsDropped(repo, oldTip, kept).catch((): LostCommit[] => [{ sha: oldTip, subject: '(no longer in the repository)' }]);
    if (lost.length === 0) return null;
    return rewriteChange(ref, oldTip, newTip, lost, this.options.at());
  }
}

/** Commits excluded from a history read at most, as arguments; past it only branch tips are (see exclusions). */
const MAX_EXCLUSIONS = 1000;

/**
 * What a read of new commits leaves out: every tip seen before. With thousands of refs (tags by the
 * thousand would not fit on git's command line) only HEAD and the branches are, and commits reachable
 * only from tags may be read again: reported twice rather than not at all.
 */
function exclusions(scanned: readonly string[], previous: ReadonlyMap<string, string>): string[] {
  if (scanned.length <= MAX_EXCLUSIONS) return [...scanned];
  const heads = [...previous].filter(([ref]) => ref === 'HEAD' || ref.startsWith('refs/heads/')).map(([, sha]) => sha);
  return [...new Set(heads)].slice(0, MAX_EXCLUSIONS);
}

/** A ref moving from one commit to another; null for a ref that did not exist or no longer does. */
interface Move {
  readonly ref: string;
  readonly oldTip: string | null;
  readonly newTip: string | null;
}

/** Largest reflog growth read in one look; a bigger jump is read from its last lines. */
const MAX_REFLOG_READ = 4 * 1024 * 1024;

/**
 * Reads what git appends to a reflog (`<old> <new> <who> <when>\t<message>` per line) from where the
 * last read stopped. The file is the agent's to write, so lines are checked and anything odd skipped;
 * the ref tips are compared as well, so a deleted or disabled reflog hides nothing but the
 * intermediate moves.
 */
class ReflogReader {
  private readonly path: string;
  private offset: number;

  private constructor(path: string, offset: number) {
    this.path = path;
    this.offset = offset;
  }

  static async startAtEnd(path: string): Promise<ReflogReader> {
    const info = await stat(path).catch(() => null);
    return new ReflogReader(path, info?.size ?? 0);
  }

  async readNew(): Promise<Move[]> {
    const info = await stat(this.path).catch(() => null);
    if (!info?.isFile()) return [];
    // A shorter file was rewritten (expired, or replaced): read it from the start.
    if (info.size < this.offset) this.offset = 0;
    const start = Math.max(this.offset, info.size - MAX_REFLOG_READ);
    const length = info.size - start;
    if (length <= 0) return [];
    const handle = await open(this.path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK).catch(() => null);
    if (!handle) return [];
    try {
      const buffer = Buffer.alloc(length);
      const { bytesRead } = await handle.read(buffer, 0, length, start);
      const text = buffer.subarray(0, bytesRead).toString('utf8');
      // Only whole lines: a line being written now is read next time.
      const end = text.lastIndexOf('\n') + 1;
      this.offset = start + Buffer.byteLength(text.slice(0, end));
      return text
        .slice(0, end)
        .split('\n')
        .flatMap((line) => {
          const match = /^([0-9a-f]{40,64}) ([0-9a-f]{40,64}) /.exec(line);
          if (!match) return [];
          const [, oldTip = '', newTip = ''] = match;
          return [{ ref: 'HEAD', oldTip: ZERO.test(oldTip) ? null : oldTip, newTip: ZERO.test(newTip) ? null : newTip }];
        });
    } finally {
      await handle.close();
    }
  }
}

const ZERO = /^0+$/;

/** The ref as a file whose old content lists what it held and whose new content says where it points. */
function rewriteChange(ref: string, oldTip: string, newTip: string | null, lost: readonly LostCommit[], at: string): Change {
  const path = `.git/${ref}`;
  const listed = lost.slice(0, MAX_LOST_LISTED).map((commit) => `lost commit ${commit.sha} ${commit.subject}`);
  if (lost.length > MAX_LOST_LISTED) listed.push(`… and ${lost.length - MAX_LOST_LISTED} more lost commits`);
  const before = `${ref} was at ${oldTip}\n${listed.join('\n')}\n`;
  const after = newTip === null ? null : `${ref} now at ${newTip}\n`;
  return changeFromVersions({
    before: fileVersion(path, '100644', Buffer.from(before)),
    after: after === null ? null : fileVersion(path, '100644', Buffer.from(after)),
    origin: { kind: 'live', at },
  });
}
