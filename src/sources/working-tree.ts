import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Change, ChangeOrigin } from '../change/change.js';
import { GITLINK_MODE, SYMLINK_MODE } from '../change/change.js';
import { changeFromVersions, fileVersion, type FileVersion } from '../change/from-sides.js';
import { pairRenames } from '../change/pair-renames.js';
import { bufferSource, openFileSource } from '../formats/weights/index.js';
import type { BlobReader } from '../git/blob-reader.js';
import { listIndex, listTree, objectFormat, type TreeEntry } from '../git/listings.js';
import type { Repository } from '../git/repository.js';
import { mapConcurrent } from '../util/map-concurrent.js';
import { IgnoreRules } from './ignore-rules.js';
import { walkUntracked } from './untracked-walk.js';
import { ParentCheck, readWorktreeEntry, type WorktreeEntry } from './worktree-file.js';

/** Files up to this size are kept in memory to be diffed; larger ones are hashed only. */
export const MAX_DIFFED_FILE_BYTES = 16 * 1024 * 1024;
/** Largest committed or staged blob read whole to look inside it as a weight file. */
const MAX_WEIGHTS_BLOB_BYTES = 256 * 1024 * 1024;

const WORKTREE: ChangeOrigin = { kind: 'working-tree', area: 'worktree' };
const INDEX: ChangeOrigin = { kind: 'working-tree', area: 'index' };

interface Versions {
  readonly path: string;
  readonly head: TreeEntry | undefined;
  readonly index: TreeEntry | undefined;
  readonly worktree: WorktreeEntry;
  /** `mode:id` of each version, null where the file is absent: equal ids mean equal files. */
  readonly headId: string | null;
  readonly indexId: string | null;
  readonly worktreeId: string | null;
}

/**
 * Compares the working tree (files on disk, then the index) with HEAD and yields a Change for each
 * difference: staged, unstaged and untracked-but-not-ignored alike. Files are hashed by selfmod, not
 * by git, so no clean filter runs and no assume-unchanged or skip-worktree bit hides an edit.
 */
export async function readWorkingTreeChanges(
  repo: Repository,
  blobs: BlobReader,
  head: string | null,
  warn: (message: string) => void,
  /** Whose `.gitignore` files decide what is ignored: the scan's base revision, else HEAD. */
  ignoreRevision: string | null = null,
): Promise<Change[]> {
  const [headTree, index, format, ignoreTree] = await Promise.all([
    head ? listTree(repo, head) : Promise.resolve(new Map<string, TreeEntry>()),
    listIndex(repo),
    objectFormat(repo),
    ignoreRevision && ignoreRevision !== head ? listTree(repo, ignoreRevision) : Promise.resolve(null),
  ]);
  const ignore = await committedIgnoreRules(blobs, ignoreTree ?? headTree);
  await warnAboutLocalExcludes(repo.gitDir, warn);
  // Only HEAD's submodules are left unwalked: a gitlink the agent only staged over a directory, which
  // no commit shows yet, would otherwise hide every new file in it.
  const gitlinks = new Set([...headTree].filter(([, entry]) => entry.mode === GITLINK_MODE).map(([path]) => path));
  const untracked = await walkUntracked(repo.root, new Set(index.keys()), gitlinks, ignore, warn);
  const paths = new Set<string>();
  for (const [path, entry] of headTree) if (entry.mode !== GITLINK_MODE) paths.add(path);
  for (const [path, entry] of index) if (entry.mode !== GITLINK_MODE) paths.add(path);
  for (const path of untracked) paths.add(path);
  const parents = new ParentCheck(repo.root);
  const sorted = [...paths].sort();
  const read = await mapConcurrent(sorted, 8, async (path): Promise<Versions | null> => {
    const headEntry = headTree.get(path);
    const indexEntry = index.get(path);
    const worktree = await readWorktreeEntry(repo.root, path, format, MAX_DIFFED_FILE_BYTES, parents);
    const item: Versions = {
      path,
      head: headEntry,
      index: indexEntry,
      worktree,
      headId: headEntry ? `${headEntry.mode}:${headEntry.sha}` : null,
      indexId: indexEntry ? `${indexEntry.mode}:${indexEntry.sha}` : null,
      worktreeId: worktreeIdentity(worktree),
    };
    // Unchanged files are dropped at once, so memory holds only what changed.
    return item.headId === item.worktreeId && item.indexId === item.headId ? null : item;
  });
  const versions = read.filter((item): item is Versions => item !== null);

  const changes: Change[] = [];
  const deleted: FileVersion[] = [];
  const added: FileVersion[] = [];
  for (const item of versions) {
    if (item.worktree.kind === 'unreadable') warn(`cannot read ${item.path} in the working tree: ${item.worktree.reason}`);
    if (item.headId !== item.worktreeId) {
      const before = item.head ? await blobVersion(blobs, item.path, item.head) : null;
      const after = worktreeVersion(repo.root, item.path, item.worktree);
      if (before && !after) deleted.push(before);
      else if (!before && after) added.push(after);
      else changes.push(changeFromVersions({ before, after, origin: WORKTREE }));
    }
    if (item.indexId !== item.headId && item.indexId !== item.worktreeId) {
      // A staged version (or a staged deletion) that the file on disk no longer shows: an edit of its own.
      const before = item.head ? await blobVersion(blobs, item.path, item.head) : null;
      const after = item.index ? await blobVersion(blobs, item.path, item.index) : null;
      changes.push(changeFromVersions({ before, after, origin: INDEX }));
    }
  }
  changes.push(...pairRenames(deleted, added, WORKTREE));
  return changes;
}

function worktreeIdentity(entry: WorktreeEntry): string | null {
  if (entry.kind === 'missing') return null;
  if (entry.kind === 'unreadable') return `${entry.mode}:unreadable`;
  return `${entry.mode}:${entry.gitSha}`;
}

function worktreeVersion(root: string, path: string, entry: WorktreeEntry): FileVersion | null {
  switch (entry.kind) {
    case 'missing':
      return null;
    case 'unreadable':
      return { path, mode: entry.mode, bytes: null, sha256: null, size: null, unreadableReason: entry.reason };
    case 'symlink':
      return fileVersion(path, entry.mode, Buffer.from(entry.target));
    case 'file':
      // Large files are not kept in memory; a weight file is read again from disk, streamed.
      return { path, mode: entry.mode, bytes: entry.bytes, sha256: entry.sha256, size: entry.size, open: () => openFileSource(join(root, path)) };
  }
}

async function blobVersion(blobs: BlobReader, path: string, entry: TreeEntry): Promise<FileVersion> {
  const bytes = await blobs.read(entry.sha, MAX_DIFFED_FILE_BYTES);
  const digest = await blobs.digest(entry.sha);
  const open = async () => {
    const whole = bytes ?? (await blobs.read(entry.sha, MAX_WEIGHTS_BLOB_BYTES));
    return whole ? { ...bufferSource(whole, path), close: () => Promise.resolve() } : null;
  };
  return { path, mode: entry.mode, bytes, sha256: digest?.sha256 ?? null, size: digest?.size ?? null, open };
}

/** The committed `.gitignore` files of a tree, shallowest first (see IgnoreRules). */
async function committedIgnoreRules(blobs: BlobReader, headTree: ReadonlyMap<string, TreeEntry>): Promise<IgnoreRules> {
  const rules = new IgnoreRules();
  const files = [...headTree.entries()]
    .filter(([path, entry]) => (path === '.gitignore' || path.endsWith('/.gitignore')) && entry.mode !== SYMLINK_MODE)
    .sort(([a], [b]) => a.split('/').length - b.split('/').length || (a < b ? -1 : 1));
  for (const [path, entry] of files) {
    const bytes = await blobs.read(entry.sha, 1024 * 1024);
    if (bytes) rules.add(path.slice(0, Math.max(0, path.length - '/.gitignore'.length)), bytes.toString('utf8'));
  }
  return rules;
}

/** `.git/info/exclude` is not versioned and not applied; say what it would have hidden. */
async function warnAboutLocalExcludes(gitDir: string, warn: (message: string) => void): Promise<void> {
  const info = await stat(join(gitDir, 'info', 'exclude')).catch(() => null);
  if (!info?.isFile() || info.size > 1024 * 1024) return;
  const text = await readFile(join(gitDir, 'info', 'exclude'), 'utf8').catch(() => '');
  const patterns = text.split('\n').map((line) => line.trim()).filter((line) => line !== '' && !line.startsWith('#'));
  if (patterns.length > 0) {
    warn(`.git/info/exclude lists ${patterns.length} ignore pattern(s) (${patterns.slice(0, 5).join(', ')}${patterns.length > 5 ? ', …' : ''}); selfmod does not apply them`);
  }
}
