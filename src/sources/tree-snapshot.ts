import type { Change, ChangeOrigin } from '../change/change.js';
import { changeFromVersions, type FileVersion } from '../change/from-sides.js';
import { pairRenames } from '../change/pair-renames.js';
import { mapConcurrent } from '../util/map-concurrent.js';
import { CopyBudget, isSameState, readFileState, releaseState, stateVersion, type FileState } from './file-state.js';
import { walkTree, type TreeWalkOptions } from './tree-walk.js';
import { ParentCheck } from './worktree-file.js';

/** Files read at once while a tree is hashed. */
const READ_CONCURRENCY = 8;

export interface SnapshotOptions extends TreeWalkOptions {
  /** Text files up to this size are copied so later diffs have their "before". */
  readonly maxCopyBytes: number;
  /** Bytes of copies kept in all. */
  readonly copyBudgetBytes: number;
}

/**
 * Every file's state under a root at one moment: the baseline a watcher compares events with, and
 * what a snapshot manifest stores. Copies of text files share one byte budget.
 */
export class TreeSnapshot {
  readonly root: string;
  readonly budget: CopyBudget;
  private readonly states = new Map<string, FileState>();
  /** Directory → the known paths directly in it, and → its known subdirectories ('' is the root). */
  private readonly files = new Map<string, Set<string>>();
  private readonly subdirectories = new Map<string, Set<string>>();

  constructor(root: string, copyBudgetBytes: number) {
    this.root = root;
    this.budget = new CopyBudget(copyBudgetBytes);
  }

  /** Walks and hashes the whole tree. */
  static async take(root: string, options: SnapshotOptions): Promise<TreeSnapshot> {
    const snapshot = new TreeSnapshot(root, options.copyBudgetBytes);
    const parents = new ParentCheck(root);
    const paths = await walkTree(root, options);
    await mapConcurrent(paths, READ_CONCURRENCY, async (path) => {
      // Nothing is diffed while a baseline is taken: only what may be copied is read whole.
      const { state } = await readFileState(root, path, { maxCopyBytes: options.maxCopyBytes, budget: snapshot.budget, parents, keepBytes: 0 });
      if (state) snapshot.set(path, state);
    });
    return snapshot;
  }

  get size(): number {
    return this.states.size;
  }

  get(path: string): FileState | undefined {
    return this.states.get(path);
  }

  /** Records a path's new state (null: gone), returning the old state's copy to the budget. */
  set(path: string, state: FileState | null): void {
    releaseState(this.states.get(path), this.budget);
    const directory = parentOf(path);
    if (state) {
      if (!this.states.has(path)) this.index(directory, path);
      this.states.set(path, state);
    } else if (this.states.delete(path)) {
      this.files.get(directory)?.delete(path);
    }
  }

  /**
   * Records a fresh read of a path whose content did not change: its stamp (and weights summary) are
   * updated, and the copy already held is kept when the new read got none, so a full budget cannot
   * strip the "before" of files that are only looked at again.
   */
  refresh(path: string, state: FileState): void {
    const known = this.states.get(path);
    if (known?.type === 'file' && state.type === 'file' && known.content && !state.content) {
      this.states.set(path, { ...state, content: known.content });
      return;
    }
    this.set(path, state);
  }

  /** Known paths, sorted. */
  paths(): string[] {
    return [...this.states.keys()].sort();
  }

  /** Known paths directly in a directory (relative path, '' for the root). */
  pathsIn(directory: string): string[] {
    return [...(this.files.get(directory) ?? [])];
  }

  /** Known directories directly in a directory. */
  directoriesIn(directory: string): string[] {
    return [...(this.subdirectories.get(directory) ?? [])];
  }

  /** Whether any known path lies inside this directory, at any depth. */
  hasDirectory(directory: string): boolean {
    return this.files.has(directory) || this.subdirectories.has(directory);
  }

  /** Known paths inside a directory at any depth (relative path, '' for all). */
  pathsUnder(directory: string): string[] {
    const found: string[] = [];
    const visit = (current: string) => {
      for (const path of this.files.get(current) ?? []) found.push(path);
      for (const child of this.subdirectories.get(current) ?? []) visit(child);
    };
    visit(directory);
    return found;
  }

  private index(directory: string, path: string): void {
    let set = this.files.get(directory);
    if (!set) this.files.set(directory, (set = new Set()));
    set.add(path);
    for (let child = directory; child !== ''; child = parentOf(child)) {
      const parent = parentOf(child);
      let children = this.subdirectories.get(parent);
      if (!children) this.subdirectories.set(parent, (children = new Set()));
      if (children.has(child)) break;
      children.add(child);
    }
  }

  entries(): IterableIterator<[string, FileState]> {
    return this.states.entries();
  }
}

/**
 * Compares a snapshot with the tree as it is now and returns every change, renames paired by
 * content. The snapshot itself is left as it was.
 */
export async function compareWithTree(
  snapshot: TreeSnapshot,
  options: SnapshotOptions,
  origin: ChangeOrigin,
): Promise<Change[]> {
  const root = snapshot.root;
  const parents = new ParentCheck(root);
  const current = await walkTree(root, options);
  const seen = new Set(current);
  // Added files are kept for rename pairing under their own budget; past it they are compared by digest.
  const addedBudget = new CopyBudget(options.copyBudgetBytes);
  const changes: Change[] = [];
  const added: FileVersion[] = [];
  await mapConcurrent(current, READ_CONCURRENCY, async (path) => {
    const before = snapshot.get(path) ?? null;
    const { state, bytes } = await readFileState(root, path, { maxCopyBytes: 0, budget: addedBudget, parents });
    if (isSameState(before, state)) return;
    if (before === null) {
      if (state) added.push(stateVersion(path, state, bytes && addedBudget.take(bytes.length) ? bytes : null, root));
      return;
    }
    changes.push(
      changeFromVersions({ before: stateVersion(path, before), after: state ? stateVersion(path, state, bytes, root) : null, origin }),
    );
  });
  const deleted: FileVersion[] = [];
  for (const [path, state] of snapshot.entries()) {
    if (!seen.has(path)) deleted.push(stateVersion(path, state));
  }
  added.sort((a, b) => compareText(a.path, b.path));
  deleted.sort((a, b) => compareText(a.path, b.path));
  changes.push(...pairRenames(deleted, added, origin));
  return changes.sort((a, b) => compareText(a.file, b.file));
}

function parentOf(path: string): string {
  const slash = path.lastIndexOf('/');
  return slash === -1 ? '' : path.slice(0, slash);
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
