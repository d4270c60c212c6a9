import type { Repository } from './repository.js';
import { runGit } from './run-git.js';

/** Where each branch, tag and HEAD points: ref name → commit. */
export type RefTips = ReadonlyMap<string, string>;

/** Every local ref that points at a commit, and HEAD (absent in a repository without commits). */
export async function readRefTips(repo: Repository): Promise<Map<string, string>> {
  const tips = new Map<string, string>();
  const { stdout } = await runGit(repo.invocation, ['for-each-ref', '--format=%(objectname) %(objecttype) %(refname)']);
  for (const line of stdout.toString('utf8').split('\n')) {
    const match = /^([0-9a-f]{40,64}) (\S+) (.+)$/.exec(line);
    // Remote-tracking refs move on every fetch; they are not the agent's history.
    if (match?.[2] === 'commit' && !match[3]?.startsWith('refs/remotes/')) tips.set(match[3] as string, match[1] as string);
  }
  const head = await runGit(repo.invocation, ['rev-parse', '--verify', '--quiet', 'HEAD^{commit}'], { okExitCodes: [1, 128] });
  const sha = head.stdout.toString('utf8').trim();
  if (head.exitCode === 0 && /^[0-9a-f]{40,64}$/.test(sha)) tips.set('HEAD', sha);
  return tips;
}

export interface LostCommit {
  readonly sha: string;
  readonly subject: string;
}

/** Whether `ancestor` is `descendant` or one of its ancestors. */
export async function isAncestor(repo: Repository, ancestor: string, descendant: string): Promise<boolean> {
  const { exitCode } = await runGit(repo.invocation, ['merge-base', '--is-ancestor', ancestor, descendant], { okExitCodes: [1] });
  return exitCode === 0;
}

/**
 * Commits reachable from `oldTip` but not from `newTip` (null: the ref is gone), newest first: what a
 * reset, amend, rebase or branch deletion dropped from that ref. Throws GitError when git no longer
 * has the old commit.
 */
export async function commitsDropped(repo: Repository, oldTip: string, newTip: string | null): Promise<LostCommit[]> {
  const range = newTip === null ? [oldTip] : [oldTip, `^${newTip}`];
  const { stdout } = await runGit(repo.invocation, ['log', '--no-decorate', '--format=%H%x00%s', '--end-of-options', ...range, '--']);
  const lost: LostCommit[] = [];
  for (const line of stdout.toString('utf8').split('\n')) {
    const [sha, subject] = line.split('\0');
    if (sha && /^[0-9a-f]{40,64}$/.test(sha)) lost.push({ sha, subject: subject ?? '' });
  }
  return lost;
}
