import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { IgnoreRules } from './ignore-rules.js';

/** Files listed at most; past this the walk stops and says so. */
const MAX_UNTRACKED_FILES = 200_000;

/**
 * Lists the files in the working tree that the index does not hold and HEAD's ignore rules do not
 * exclude, by walking the tree ourselves rather than asking git (which would read every `.gitignore`
 * on disk, blocking on a FIFO planted there). `.git` entries are skipped wherever they are, so files
 * inside a nested repository are listed like any others. Symlinks are listed, not followed.
 */
export async function walkUntracked(
  root: string,
  tracked: ReadonlySet<string>,
  ignore: IgnoreRules,
  warn: (message: string) => void,
): Promise<string[]> {
  const found: string[] = [];
  const trackedDirectories = new Set<string>();
  for (const path of tracked) {
    for (let slash = path.indexOf('/'); slash !== -1; slash = path.indexOf('/', slash + 1)) trackedDirectories.add(path.slice(0, slash));
  }
  const walk = async (directory: string): Promise<void> => {
    const entries = await readdir(directory === '' ? root : join(root, directory), { withFileTypes: true }).catch(() => []);
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      if (found.length >= MAX_UNTRACKED_FILES) return;
      if (entry.name === '.git') continue;
      const path = directory === '' ? entry.name : `${directory}/${entry.name}`;
      if (entry.isDirectory()) {
        // git keeps looking inside an ignored directory only for files it already tracks.
        if (ignore.isIgnored(path, true) && !trackedDirectories.has(path)) continue;
        await walk(path);
      } else if (!tracked.has(path) && !ignore.isIgnored(path, false)) {
        found.push(path);
      }
    }
  };
  await walk('');
  if (found.length >= MAX_UNTRACKED_FILES) warn(`more than ${MAX_UNTRACKED_FILES} untracked files: the rest were not scanned`);
  return found;
}
