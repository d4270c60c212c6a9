import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { SelfmodError } from '../errors.js';
import type { IgnoreRules } from './ignore-rules.js';

/** Files listed at most; past this the scan stops with an error rather than skip the rest. */
export const MAX_UNTRACKED_FILES = 1_000_000;

/**
 * Lists the files in the working tree that the index does not hold and the committed ignore rules do
 * not exclude, by walking the tree ourselves rather than asking git (which would read every `.gitignore`
 * on disk, blocking on a FIFO planted there). `.git` entries are skipped wherever they are, so files
 * inside a nested repository are listed like any others. Symlinks are listed, not followed.
 */
export async function walkUntracked(
  root: string,
  tracked: ReadonlySet<string>,
  submodules: ReadonlySet<string>,
  ignore: IgnoreRules,
  warn: (message: string) => void,
): Promise<string[]> {
  const found: string[] = [];
  const trackedDirectories = new Set<string>();
  for (const path of tracked) {
    for (let slash = path.indexOf('/'); slash !== -1; slash = path.indexOf('/', slash + 1)) trackedDirectories.add(path.slice(0, slash));
  }
  // `isIgnoredAbove`: the directory, or one above it, is ignored and walked only for the files git
  // already tracks in it; what else it holds is ignored with it.
  const walk = async (directory: string, isIgnoredAbove: boolean): Promise<void> => {
    const entries = await readdir(directory === '' ? root : join(root, directory), { withFileTypes: true }).catch(
      (error: NodeJS.ErrnoException) => {
        // Root reads anything; for anyone else an unreadable directory is a place files could hide.
        warn(`cannot list ${directory === '' ? 'the top directory' : directory} in the working tree: ${error.code ?? error.message}`);
        return [];
      },
    );
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      if (found.length >= MAX_UNTRACKED_FILES) {
        throw new SelfmodError('limit', `more than ${MAX_UNTRACKED_FILES} untracked files in the working tree; the scan stopped rather than skip some`);
      }
      if (entry.name === '.git') continue;
      const path = directory === '' ? entry.name : `${directory}/${entry.name}`;
      // A submodule's checkout is its own repository, recorded here as one commit id.
      if (submodules.has(path)) continue;
      if (entry.name.includes('\uFFFD') && !(await exists(join(root, path)))) {
        // A name that is not valid UTF-8 reads back with U+FFFD in it and opens nothing: listed, not
        // walked, so that the working tree reports it as unreadable rather than not at all.
        if (!isIgnoredAbove && !tracked.has(path) && !ignore.isIgnored(path, false)) found.push(path);
        continue;
      }
      if (entry.isDirectory()) {
        // git keeps looking inside an ignored directory only for files it already tracks.
        const isIgnored = isIgnoredAbove || ignore.isIgnored(path, true);
        if (isIgnored && !trackedDirectories.has(path)) continue;
        await walk(path, isIgnored);
      } else if (!isIgnoredAbove && !tracked.has(path) && !ignore.isIgnored(path, false)) {
        found.push(path);
      }
    }
  };
  await walk('', false);
  return found;
}

function exists(path: string): Promise<boolean> {
  return lstat(path).then(
    () => true,
    () => false,
  );
}
