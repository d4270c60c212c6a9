import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { SelfmodError } from '../errors.js';

/** Paths listed at most; past this a walk stops with an error rather than skip the rest. */
export const MAX_TREE_ENTRIES = 2_000_000;

/**
 * Whether a path is inside the watched repository's own `.git` directory, apart from what changes
 * what git runs or hides there: `config`, `info/exclude`, `hooks/`, and the same for submodules under
 * `modules/`. Only the top-level `.git` counts: a directory called `.git` anywhere else is watched
 * like any other (an agent could otherwise hide files in `lib/.git/`).
 */
export function isInsideGitInternals(path: string): boolean {
  if (!path.startsWith('.git/')) return false;
  const inner = path.slice('.git/'.length);
  if (inner === 'info' || inner === 'modules' || inner === 'hooks') return false;
  const module = /^modules\/(.+)$/.exec(inner);
  const own = module ? ownedPart(module[1] as string) : inner;
  // Still naming a submodule's directory: walk on.
  if (own === null) return false;
  return !(own === 'config' || own === 'info' || own === 'info/exclude' || own === 'hooks' || own.startsWith('hooks/'));
}

/**
 * Inside `.git/modules/<name…>/`, the part from the submodule's own git files on, or null while the
 * path may still name a (nested) submodule directory: it is walked until known to be internal.
 */
function ownedPart(rest: string): string | null {
  const match = /(?:^|\/)(config|info(?:\/exclude)?|hooks(?:\/.*)?|objects|refs|logs|HEAD|index|packed-refs|ORIG_HEAD|FETCH_HEAD|description|branches|lfs)(?:\/.*)?$/.exec(rest);
  if (!match) return null;
  return rest.slice(match.index === 0 ? 0 : match.index + 1);
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
