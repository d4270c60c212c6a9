import { lstat, readFile, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { SimpleGit } from 'simple-git';
import { GitError, RepositoryError, RevisionError } from '../errors.js';
import { assertGitVersion } from './git-version.js';
import { assertRegularGitFiles } from './git-files.js';
import { configOverrides, DRIVER_KEY_PATTERN, hardenedEnvironment } from './hardening.js';
import { runGit, type GitInvocation } from './run-git.js';

/** A git repository opened for reading with every call hardened. */
export interface Repository {
  /** Absolute path of the working tree's top directory. */
  readonly root: string;
  readonly gitDir: string;
  /** For every call that reads objects and refs: git runs as if bare, reading nothing from the checkout. */
  readonly invocation: GitInvocation;
  /** For the one call that needs the work tree: listing the index (`ls-files --stage`). */
  readonly indexInvocation: GitInvocation;
  /** For short calls whose output is small (simple-git, loaded on first use). */
  simpleGit(): Promise<SimpleGit>;
}

/**
 * Opens the repository that contains `path`. The top directory is found by looking for `.git`
 * ourselves, so a `core.worktree` in the repository's config cannot point selfmod at a decoy tree.
 */
export async function openRepository(path: string): Promise<Repository> {
  const absolute = resolve(path);
  const info = await stat(absolute).catch(() => null);
  if (!info) throw new RepositoryError(`${path}: no such file or directory`);
  const start = info.isDirectory() ? absolute : dirname(absolute);
  const root = await findTopDirectory(start);
  if (!root) {
    throw new RepositoryError(
      `${path}: not a git repository (no .git found in it or any parent); selfmod scan reads git history (for a directory without git: selfmod snapshot, then scan --against, or selfmod watch)`,
    );
  }
  // Before git reads anything: a FIFO where git reads its config would block the very first call.
  await assertRegularGitFiles(await gitDirectoryOf(root));
  const bootstrap = hardenedEnvironment({ gitDir: join(root, '.git'), workTree: root }, configOverrides([]));
  let gitDir: string;
  try {
    await assertGitVersion({ cwd: root, env: bootstrap });
    const result = await runGit({ cwd: root, env: bootstrap }, ['rev-parse', '--absolute-git-dir']);
    gitDir = result.stdout.toString('utf8').trim();
  } catch (error) {
    if (error instanceof RepositoryError) throw error;
    const reason = error instanceof GitError ? error.stderr.split('\n')[0]?.trim() : String(error);
    throw new RepositoryError(`${path}: not a usable git repository (${reason})`, { cause: error });
  }
  const bare = { gitDir, workTree: null };
  const driverKeys = await listDriverKeys({ cwd: gitDir, env: hardenedEnvironment(bare, configOverrides([])) });
  const overrides = configOverrides(driverKeys);
  // cwd is the git directory: git in bare mode still reads attributes from its current directory.
  const env = hardenedEnvironment(bare, overrides);
  const invocation = { cwd: gitDir, env };
  const indexInvocation = { cwd: root, env: hardenedEnvironment({ gitDir, workTree: root }, overrides) };
  let simple: Promise<SimpleGit> | null = null;
  return { root, gitDir, invocation, indexInvocation, simpleGit: () => (simple ??= createSimpleGit(gitDir, env)) };
}

/** The git directory `.git` stands for: itself, or where a `.git` file's `gitdir:` line points. */
async function gitDirectoryOf(root: string): Promise<string> {
  const marker = join(root, '.git');
  const info = await lstat(marker);
  if (info.isDirectory()) return marker;
  const text = await readFile(marker, 'utf8').catch(() => '');
  const pointer = /^gitdir:\s*(.+?)\s*$/m.exec(text)?.[1];
  return pointer ? resolve(root, pointer) : marker;
}

async function findTopDirectory(start: string): Promise<string | null> {
  let current = start;
  for (;;) {
    const marker = await lstat(join(current, '.git')).catch(() => null);
    if (marker && (marker.isDirectory() || marker.isFile())) return current;
    const parent = dirname(current);
    if (parent === current) return null;
    current = parent;
  }
}

/** Config keys that name diff, filter or merge drivers, so each can be neutralised by name. */
async function listDriverKeys(invocation: GitInvocation): Promise<string[]> {
  const result = await runGit(invocation, ['config', '-z', '--get-regexp', DRIVER_KEY_PATTERN], {
    okExitCodes: [1],
  });
  const keys: string[] = [];
  for (const entry of result.stdout.toString('utf8').split('\0')) {
    const key = entry.split('\n', 1)[0];
    if (key) keys.push(key);
  }
  return keys;
}

async function createSimpleGit(root: string, env: Record<string, string>): Promise<SimpleGit> {
  // Loaded lazily: most scans make one or two short calls, and start-up time matters in CI.
  const { simpleGit } = await import('simple-git');
  return simpleGit({
    baseDir: root,
    trimmed: false,
    maxConcurrentProcesses: 4,
    // The guard's job is to stop untrusted values reaching git's options; ours are constants that
    // switch those very features off, so each one is permitted by name.
    allowEnvironment: Object.keys(env),
    unsafe: {
      allowUnsafeFsMonitor: true,
      allowUnsafeHooksPath: true,
      allowUnsafePager: true,
      allowUnsafeSshCommand: true,
      allowUnsafeAskPass: true,
      allowUnsafeDiffExternal: true,
      allowUnsafeDiffTextConv: true,
      allowUnsafeFilter: true,
      allowUnsafeMergeDriver: true,
      allowUnsafeGpgProgram: true,
      allowUnsafeConfigPaths: true,
      allowUnsafeConfigEnvCount: true,
      allowUnsafeProtocolOverride: true,
    } as Record<string, boolean>,
  }).env(env);
}

/** The full sha of `revision` as a commit, or null when it does not resolve to one. */
export async function resolveCommit(repo: Repository, revision: string): Promise<string | null> {
  return (await parseCommit(repo, revision)).sha;
}

/** `revision` as a commit (null when it is none) and what git printed on stderr meanwhile. */
async function parseCommit(repo: Repository, revision: string): Promise<{ sha: string | null; stderr: string }> {
  // Without --quiet, which would also silence git's warning that a name is ambiguous.
  const result = await runGit(repo.invocation, ['rev-parse', '--verify', '--end-of-options', `${revision}^{commit}`], {
    okExitCodes: [1, 128],
  });
  const sha = result.stdout.toString('utf8').trim();
  return { sha: result.exitCode === 0 && /^[0-9a-f]{40,64}$/.test(sha) ? sha : null, stderr: result.stderr };
}

/** HEAD's commit, or null in a repository with no commits yet (HEAD names a branch that does not exist). */
export async function headCommit(repo: Repository): Promise<string | null> {
  const { sha, stderr } = await parseCommit(repo, 'HEAD');
  if (sha) return sha;
  // HEAD naming an object that git cannot read as a commit (its file rewritten, say) is no empty
  // repository: taking it for one would skip the whole history without a word.
  const named = await runGit(repo.invocation, ['rev-parse', '--verify', '--quiet', 'HEAD'], { okExitCodes: [1, 128] });
  if (named.exitCode !== 0) return null;
  const reason = stderr.split('\n').find((line) => /^(error|fatal):/.test(line)) ?? 'not a commit';
  throw new RepositoryError(`HEAD names ${named.stdout.toString('utf8').trim()}, which git cannot read as a commit (${reason}); git fsck shows more`);
}

export async function isShallowRepository(repo: Repository): Promise<boolean> {
  const { stdout } = await runGit(repo.invocation, ['rev-parse', '--is-shallow-repository']);
  return stdout.toString('utf8').trim() === 'true';
}

/**
 * Resolves `--since`, or explains why it does not resolve and what to do about it. A name that more
 * than one ref answers to is refused: git would take the first in its order (`.git/<name>`,
 * `refs/<name>`, `refs/tags/<name>`, `refs/heads/<name>`, `refs/remotes/<name>`), so an agent's tag or
 * ref called `origin/main` would stand for the real `refs/remotes/origin/main` and move the base to
 * the agent's own last commit, leaving nothing to scan.
 */
export async function resolveSince(repo: Repository, revision: string): Promise<string> {
  const { sha, stderr } = await parseCommit(repo, revision);
  const ambiguous = /^warning: refname '(.*)' is ambiguous\.$/m.exec(stderr)?.[1];
  // A full commit id or ref name is never taken for another: git tries the object, or the exact ref, first.
  if (ambiguous !== undefined && !/^(?:[0-9a-f]{40}|[0-9a-f]{64}|refs\/.*)$/.test(ambiguous)) {
    throw new RevisionError(
      revision,
      `--since ${revision}: more than one ref in ${repo.root} is called '${ambiguous}'; name the base by its full ref (refs/remotes/origin/main, say) or by its commit id`,
    );
  }
  if (sha) return sha;
  const hint = (await isShallowRepository(repo))
    ? 'this clone is shallow, so the revision may be outside it: fetch more history (`git fetch --unshallow`, or `fetch-depth: 0` with actions/checkout)'
    : 'if it names a remote branch or tag, fetch it first (for example `git fetch origin main`)';
  throw new RevisionError(revision, `--since ${revision}: unknown revision in ${repo.root}; ${hint}`);
}

/** Number of commits `git log` walks for `range`. */
export async function countCommits(repo: Repository, range: readonly string[]): Promise<number> {
  const output = await (await repo.simpleGit()).raw(['rev-list', '--count', ...range]);
  return Number(output.trim());
}
