import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { SelfmodError } from '../errors.js';

/** Paths listed at most; past this a walk stops with an error rather than skip the rest. */
export const MAX_TREE_ENTRIES = 2_000_000;

/** Inside a `.git` directory only these are the agent's business: they change what git runs or hides. */
const GIT_DIR_WATCHED = new Set(['config', 'hooks', 'info', 'info/exclude']);

/**
 * Whether a path inside the tree is one a content-based source looks at: everything except the
 * internals of `.git` directories, where only `config`, `info/exclude` and `hooks/` count.
 */
export function isInsideGitInternals(path: string): boolean {
  const parts = path.split('/');
  const at = parts.indexOf('.git');
  if (at === -1 || at === parts.length - 1) return false;
  const inner = parts.slice(at + 1).join('/');
  return !(GIT_DIR_WATCHED.has(inner) || inner.startsWith('hooks/'));
}

export interface TreeWalkOptions {
  /** Paths the caller chose not to look at (relative, with `/`). */
  readonly isIgnored: (path: string, isDirectory: boolean) => boolean;
  readonly warn: (message: string) => void;
}

/**
 * Lists every file, symlink and other non-directory under `start` (a path relative to `root`, '' for
 * all), sorted, without following symlinks and whatever `.gitignore` says: an agent hides things in
 * ignored places too (checkpoints usually are ignored).
 */
export async function walkTree(root: string, options: TreeWalkOptions, start = ''): Promise<string[]> {
  const found: string[] = [];
  const walk = async (directory: string): Promise<void> => {
    const entries = await readdir(directory === '' ? root : join(root, directory), { withFileTypes: true }).catch(
      (error: NodeJS.ErrnoException) => {
        if (error.code !== 'ENOENT' && error.code !== 'ENOTDIR') {
          options.warn(`cannot list ${directory === '' ? 'the top directory' : directory}: ${error.code ?? error.message}`);
        }
        return [];
      },
    );
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      const path = directory === '' ? entry.name : `${directory}/${entry.name}`;
      const isDirectory = entry.isDirectory();
      if (isInsideGitInternals(path)) continue;
      if (options.isIgnored(path, isDirectory)) continue;
      if (isDirectory) {
        await walk(path);
        continue;
      }
      if (found.length >= MAX_TREE_ENTRIES) {
        throw new SelfmodError('limit', `more than ${MAX_TREE_ENTRIES} files under ${root}; stopped rather than skip some`);
      }
      found.push(path);
    }
  };
  await walk(start);
  return found;
}
