import { SelfmodError } from '../errors.js';
import { BlobReader } from './blob-reader.js';
import { objectFormat } from './listings.js';
import type { Repository } from './repository.js';
import { streamGitLines } from './run-git.js';

/** Objects asked of git cat-file at once: enough to keep it busy, few enough to hold next to nothing. */
const MAX_PENDING = 256;

/**
 * What a scan reads from the object store, as `git rev-list --objects` argument lists: every commit,
 * tree and blob the history from `since` (exclusive) to `head` brings in, and the whole snapshots of
 * `since` (the old side of the first changes) and of `head` (what the working tree is compared with)
 * where the history listing does not hold them already.
 */
export function objectListings(head: string, since: string | null, isHistoryRead: boolean): string[][] {
  const listings: string[][] = [];
  if (isHistoryRead && head !== since) listings.push(['--end-of-options', head, ...(since ? [`^${since}`] : [])]);
  const snapshots = isHistoryRead && since === null ? [] : [...new Set([since ?? head, head])];
  if (snapshots.length > 0) listings.push(['--no-walk', '--end-of-options', ...snapshots]);
  return listings;
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
  const objects = new BlobReader(repo.invocation);
  // Set by checks as they settle, so each is settled there and never rejected: a check waiting its
  // turn must not count as an unhandled rejection.
  const found: { forged: string | null; failure: { error: unknown } | null } = { forged: null, failure: null };
  try {
    for (const revisions of listings) {
      const pending: Array<Promise<void>> = [];
      for await (const line of streamGitLines(repo.invocation, ['rev-list', '--objects', ...revisions])) {
        // "<id>" for a commit, "<id> <path>" for a tree or blob (git cuts the path at a newline).
        const listed = /^([0-9a-f]{40}(?:[0-9a-f]{24})?)(?: (.*))?$/.exec(line);
        if (!listed) continue;
        const [, id = '', path] = listed;
        const check = objects.contentId(id, format).then(
          (actual) => {
            if (actual !== null && actual !== id) found.forged ??= path ? `${id} (${path})` : id;
          },
          (error: unknown) => {
            found.failure ??= { error };
          },
        );
        pending.push(check);
        if (pending.length >= MAX_PENDING) await pending.shift();
        if (found.forged !== null || found.failure !== null) break;
      }
      await Promise.all(pending);
      if (found.forged !== null || found.failure !== null) break;
    }
  } finally {
    objects.close();
  }
  if (found.failure) throw found.failure.error;
  if (found.forged !== null) {
    throw new SelfmodError(
      'integrity',
      `object ${found.forged} does not hold the content its id names: the repository's object store was altered (git fsck shows more)`,
    );
  }
}
