import { spawn } from 'node:child_process';
import { git, isolatedGitEnv } from './git-process.js';

/** The floor: git's own patch output for the whole history, with nothing but git's work in it. */
export const FLOOR_ARGS = ['log', '-p', '--text', '--no-textconv', '--no-ext-diff', 'HEAD'] as const;

export interface HistoryFacts {
  readonly commits: number;
  readonly merges: number;
  readonly files: number;
  /** Bytes of `git log -p` output for the whole history. */
  readonly patchBytes: number;
}

/**
 * Counts what the bench will read. Running the floor once here, untimed, also warms the page cache,
 * so the first timed run is not the only one that pays for cold disk reads.
 */
export async function describeHistory(root: string): Promise<HistoryFacts> {
  const [commits, merges, files] = await Promise.all([
    git(root, ['rev-list', '--count', 'HEAD']),
    git(root, ['rev-list', '--count', '--merges', 'HEAD']),
    git(root, ['ls-tree', '-r', '--name-only', '-z', 'HEAD']),
  ]);
  return {
    commits: Number(commits.trim()),
    merges: Number(merges.trim()),
    files: files.split('\0').filter(Boolean).length,
    patchBytes: await countFloorBytes(root),
  };
}

function countFloorBytes(root: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', [...FLOOR_ARGS], { cwd: root, env: isolatedGitEnv(), stdio: ['ignore', 'pipe', 'ignore'] });
    let bytes = 0;
    child.stdout.on('data', (chunk: Buffer) => (bytes += chunk.length));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(bytes) : reject(new Error(`git ${FLOOR_ARGS.join(' ')} exited with ${code}`))));
  });
}

export interface HistorySlice {
  /** The commit whose descendants are scanned (`--since`). */
  readonly base: string;
  /** Commits in base..HEAD. */
  readonly commits: number;
}

/**
 * For each fraction, the base whose descendants are about that fraction of the first-parent
 * history, newest first: ever longer stretches of the same history. 1 stops at the root commit, so
 * every slice is made of ordinary commits and none holds the initial import. Empty when the history
 * is too short to cut.
 */
export async function historySlices(root: string, fractions: readonly number[]): Promise<HistorySlice[]> {
  const firstParents = (await git(root, ['rev-list', '--first-parent', 'HEAD'])).split('\n').filter(Boolean);
  if (firstParents.length < 8) return [];
  const slices: HistorySlice[] = [];
  for (const fraction of fractions) {
    const base = firstParents[Math.min(Math.round(firstParents.length * fraction), firstParents.length - 1)];
    if (base === undefined) continue;
    const commits = Number((await git(root, ['rev-list', '--count', 'HEAD', `^${base}`])).trim());
    slices.push({ base, commits });
  }
  return slices;
}
