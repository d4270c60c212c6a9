import { RuleFileError } from '../errors.js';
import type { BlobReader } from './blob-reader.js';
import type { Repository } from './repository.js';
import { runGit } from './run-git.js';

/** Largest config or rule file read out of a revision. */
const MAX_CONFIG_BYTES = 4 * 1024 * 1024;

/**
 * A config or rule file's text at a revision, or null when the revision has no such file. One too
 * large to be a config is an error, not a file to skip: skipping it would silently change the checks.
 */
export async function readFileAtRevision(blobs: BlobReader, commit: string, path: string): Promise<string | null> {
  const name = `${commit}:${path}`;
  const head = await blobs.head(name, 0);
  if (head === null) return null;
  if (head.size > MAX_CONFIG_BYTES) {
    throw new RuleFileError(`${path} (at ${commit.slice(0, 12)})`, null, null, `larger than ${MAX_CONFIG_BYTES / 1024 / 1024} MB; not read as a config or rule file`);
  }
  const bytes = await blobs.read(name, MAX_CONFIG_BYTES);
  return bytes ? bytes.toString('utf8') : null;
}

/** Paths of the files at or under `path` in a revision (a file gives itself). */
export async function listFilesAtRevision(repo: Repository, commit: string, path: string): Promise<string[]> {
  const { stdout } = await runGit(repo.invocation, ['ls-tree', '-r', '-z', '--name-only', '--full-tree', commit, '--', path]);
  return stdout
    .toString('utf8')
    .split('\0')
    .filter((name) => name !== '');
}
