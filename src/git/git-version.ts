import { RepositoryError } from '../errors.js';
import { runGit, type GitInvocation } from './run-git.js';

/** `--diff-merges=remerge`, which shows what a merge itself changed, came with git 2.36. */
export const MINIMUM_GIT_VERSION: readonly [number, number] = [2, 36];

/** Parses `git version 2.39.5` (or `2.39.5.windows.1`) into [major, minor]. */
export function parseGitVersion(output: string): [number, number] | null {
  const match = /(\d+)\.(\d+)/.exec(output);
  return match ? [Number(match[1]), Number(match[2])] : null;
}

/** Throws a clear error when git is missing or too old for selfmod. */
export async function assertGitVersion(invocation: GitInvocation): Promise<void> {
  const output = await runGit(invocation, ['--version']).then(
    (result) => result.stdout.toString('utf8'),
    () => '',
  );
  const version = parseGitVersion(output);
  if (!version) throw new RepositoryError('git was not found on PATH; selfmod needs git 2.36 or newer');
  const [major, minor] = version;
  const [needMajor, needMinor] = MINIMUM_GIT_VERSION;
  if (major < needMajor || (major === needMajor && minor < needMinor)) {
    throw new RepositoryError(`selfmod needs git ${needMajor}.${needMinor} or newer; found ${output.trim()}`);
  }
}
