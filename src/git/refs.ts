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
    // Remote-tracking refs move on every fetch, and a stash is dropped by every `git stash pop`:
    // neither is the agent's history.
    const ref = match?.[3];
    if (match?.[2] === 'commit' && ref && !ref.startsWith('refs/remotes/') && ref !== 'refs/stash') tips.set(ref, match[1] as string);
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

/**
 * Commits reachable from `oldTip` but from none of `kept` (the ref's new tip and every other ref),
 * newest first: what a reset, amend, rebase or branch deletion dropped from the history. Throws
 * GitError when git no longer has the old commit.
 */
export async function commitsDropped(repo: Repository, oldTip: string, kept: readonly string[]): Promise<LostCommit[]> {
  const range = [oldTip, ...[...new Set(kept)].map((sha) => `^${sha}`)];
  const { stdout } = await runGit(repo.invocation, ['log', '--no-decorate', '--format=%H%x00%s', '--end-of-options', ...range, '--']);
  const lost: LostCommit[] = [];
  for (const line of stdout.toString('utf8').split('\n')) {
    const [sha, subject] = line.split('\0');
    if (sha && /^[0-9a-f]{40,64}$/.test(sha)) lost.push({ sha, subject: subject ?? '' });
  }
  return lost;
}
