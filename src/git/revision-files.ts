import type { BlobReader } from './blob-reader.js';
import type { Repository } from './repository.js';
import { runGit } from './run-git.js';

/** Largest config or rule file read out of a revision. */
const MAX_CONFIG_BYTES = 4 * 1024 * 1024;

/** A file's text at a revision, or null when the revision has no such file. */
export async function readFileAtRevision(blobs: BlobReader, commit: string, path: string): Promise<string | null> {
  const bytes = await blobs.read(`${commit}:${path}`, MAX_CONFIG_BYTES);
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
