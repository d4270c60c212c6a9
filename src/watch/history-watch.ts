import type { Change } from '../change/change.js';
import { changeFromVersions, fileVersion } from '../change/from-sides.js';
import { BlobReader } from '../git/blob-reader.js';
import { commitsDropped, isAncestor, readRefTips, type LostCommit } from '../git/refs.js';
import { openRepository, type Repository } from '../git/repository.js';
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
 * reads history, and a ref that moves to a commit not containing its previous one (reset, amend,
 * rebase, deletion) becomes a change to `.git/<ref>` whose removed lines name the commits it dropped,
 * for the `history-rewritten` rule. The repository is opened afresh for every look, so config the
 * agent adds meanwhile is neutralised like any other.
 */
export class HistoryWatch {
  private readonly root: string;
  private readonly options: HistoryWatchOptions;
  private tips = new Map<string, string>();
  private running: Promise<void> = Promise.resolve();

  private constructor(root: string, options: HistoryWatchOptions) {
    this.root = root;
    this.options = options;
  }

  /** Starts following the repository at `root`, recording where its refs point now. */
  static async start(root: string, options: HistoryWatchOptions): Promise<HistoryWatch> {
    const watch = new HistoryWatch(root, options);
    watch.tips = await readRefTips(await openRepository(root));
    return watch;
  }

  /** Where HEAD pointed when the watch last looked. */
  get head(): string | null {
    return this.tips.get('HEAD') ?? null;
  }

  /** Looks at the refs again; looks never overlap, and a look asked for during one runs after it. */
  check(): Promise<void> {
    const next = this.running.then(() => this.look());
    this.running = next.catch(() => undefined);
    return next;
  }

  private async look(): Promise<void> {
    const repo = await openRepository(this.root);
    const previous = this.tips;
    const current = await readRefTips(repo);
    const moved = [...new Set([...previous.keys(), ...current.keys()])]
      .filter((ref) => previous.get(ref) !== current.get(ref))
      .sort();
    if (moved.length === 0) return;
    const blobs = new BlobReader(repo.invocation);
    try {
      const scanned = [...new Set(previous.values())];
      for (const ref of moved) {
        const newTip = current.get(ref) ?? null;
        if (newTip !== null && !scanned.includes(newTip)) {
          for await (const change of readHistoryChanges(repo, blobs, { head: newTip, exclude: scanned })) await this.options.onChange(change);
          scanned.push(newTip);
        }
      }
      for (const change of await this.rewrites(repo, moved, previous, current)) await this.options.onChange(change);
    } finally {
      blobs.close();
      this.tips = current;
    }
  }

  private async rewrites(repo: Repository, moved: readonly string[], previous: ReadonlyMap<string, string>, current: ReadonlyMap<string, string>): Promise<Change[]> {
    const changes: Change[] = [];
    const seenMoves = new Set<string>();
    // HEAD moves with the branch it names; one change for the branch says it all.
    const ordered = [...moved.filter((ref) => ref !== 'HEAD'), ...moved.filter((ref) => ref === 'HEAD')];
    for (const ref of ordered) {
      const oldTip = previous.get(ref);
      if (oldTip === undefined) continue;
      const newTip = current.get(ref) ?? null;
      const move = `${oldTip}>${newTip ?? ''}`;
      if (seenMoves.has(move)) continue;
      seenMoves.add(move);
      if (newTip !== null && (await isAncestor(repo, oldTip, newTip).catch(() => false))) continue;
      const lost = await commitsDropped(repo, oldTip, newTip).catch((): LostCommit[] => [{ sha: oldTip, subject: '(no longer in the repository)' }]);
      if (lost.length === 0 && newTip !== null) continue;
      changes.push(rewriteChange(ref, oldTip, newTip, lost, this.options.at()));
    }
    return changes;
  }
}

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
