import { watch, type FSWatcher, type WatchListener } from 'node:fs';
import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';

/** Errors that mean the kernel will give no more watches or descriptors: native watching cannot go on. */
const EXHAUSTED = new Set(['ENOSPC', 'EMFILE', 'ENFILE']);

export interface TreeWatchOptions {
  /** Directories (relative, `/`-separated) not to watch; nothing under them is watched either. */
  readonly isIgnored: (path: string) => boolean;
  /** A path that may have changed: a file, a directory, or something now gone. */
  readonly onHint: (path: string) => void;
  /** A directory that cannot be watched; the rest of the tree still is. */
  readonly onTrouble: (reason: string) => void;
  /** The kernel refused a watch for want of watches or descriptors; the watches are closed by then. */
  readonly onExhausted: (code: string) => void;
  /** How a directory is watched; fs.watch unless a test needs a kernel that runs out. */
  readonly watchDirectory?: (path: string, listener: WatchListener<string>) => FSWatcher;
}

interface DirectoryWatch {
  readonly watcher: FSWatcher;
  /** The inode watched: a directory moved away and another moved in under its name needs a new watch. */
  readonly ino: bigint;
}

/**
 * One kernel watch per directory of a tree, and none per file: a directory's watch names every child
 * that changes in it. Directories are listed by type only, so setting up a tree of 50,000 files stats
 * none of them (chokidar stats every entry it lists, which cost some 190 MB on such a tree). A child
 * created, deleted or moved is looked at before it is passed on, so a new directory is watched
 * before anyone lists it and nothing written into it in between goes unseen.
 */
export class TreeWatch {
  private readonly root: string;
  private readonly options: TreeWatchOptions;
  private readonly watches = new Map<string, DirectoryWatch>();
  /** Paths being looked at → whether another look is due once this one is done. */
  private readonly looking = new Map<string, boolean>();
  private isClosed = false;

  constructor(root: string, options: TreeWatchOptions) {
    this.root = root;
    this.options = options;
  }

  /** Watches every directory under the root; resolves once all are watched. */
  async start(): Promise<void> {
    await this.watchTree('');
  }

  /** Directories watched now. */
  get size(): number {
    return this.watches.size;
  }

  close(): void {
    this.isClosed = true;
    for (const { watcher } of this.watches.values()) watcher.close();
    this.watches.clear();
  }

  /** Watches `start` and every directory under it that is not watched yet (or is a new inode). */
  private async watchTree(start: string): Promise<void> {
    const pending = [start];
    for (let directory = pending.pop(); directory !== undefined && !this.isClosed; directory = pending.pop()) {
      if (!(await this.watchDirectory(directory))) continue;
      const entries = await readdir(this.full(directory), { withFileTypes: true }).catch(() => []);
      for (const entry of entries) {
        const child = directory === '' ? entry.name : `${directory}/${entry.name}`;
        if (entry.isDirectory() && !this.options.isIgnored(child)) pending.push(child);
      }
    }
  }

  /** Places the watch on one directory; false when it is already watched, gone or unwatchable. */
  private async watchDirectory(directory: string): Promise<boolean> {
    const info = await lstat(this.full(directory), { bigint: true }).catch(() => null);
    if (this.isClosed || !info?.isDirectory()) return false;
    const known = this.watches.get(directory);
    if (known?.ino === info.ino) return false;
    if (known) this.unwatch(directory);
    let watcher: FSWatcher;
    try {
      const listener: WatchListener<string> = (event, name) => this.onEvent(directory, event, name);
      watcher = (this.options.watchDirectory ?? defaultWatch)(this.full(directory), listener);
    } catch (error) {
      this.onWatchError(directory, error);
      return false;
    }
    watcher.on('error', (error: unknown) => this.onWatchError(directory, error));
    this.watches.set(directory, { watcher, ino: info.ino });
    return true;
  }

  private onEvent(directory: string, event: string, name: string | null): void {
    if (this.isClosed) return;
    if (!name) {
      this.options.onHint(directory);
      return;
    }
    const path = directory === '' ? name : `${directory}/${name}`;
    // The kernel names a directory's own deletion or move by its base name, like a child of that name.
    const isMaybeSelf = directory !== '' && name === directory.slice(directory.lastIndexOf('/') + 1);
    if (event === 'rename') {
      this.lookAt(path);
      if (isMaybeSelf) this.lookAt(directory);
      return;
    }
    this.options.onHint(path);
    if (isMaybeSelf) this.options.onHint(directory);
  }

  /**
   * A child created, deleted or moved: a new directory is watched (with all inside it), a gone one
   * unwatched, and only then is the path passed on. Looks at one path run one at a time.
   */
  private lookAt(path: string): void {
    if (this.looking.has(path)) {
      this.looking.set(path, true);
      return;
    }
    this.looking.set(path, false);
    void (async () => {
      do {
        this.looking.set(path, false);
        await this.restructure(path).catch((error: unknown) => this.onWatchError(path, error));
        if (!this.isClosed) this.options.onHint(path);
      } while (this.looking.get(path) === true && !this.isClosed);
      this.looking.delete(path);
    })();
  }

  private async restructure(path: string): Promise<void> {
    const info = await lstat(this.full(path), { bigint: true }).catch(() => null);
    if (this.isClosed) return;
    if (info?.isDirectory()) {
      if (!this.options.isIgnored(path) && this.watches.get(path)?.ino !== info.ino) await this.watchTree(path);
    } else if (this.watches.has(path)) {
      this.unwatch(path);
    }
  }

  /** Closes the watches on a directory and on everything under it. */
  private unwatch(directory: string): void {
    const prefix = `${directory}/`;
    for (const [path, { watcher }] of this.watches) {
      if (path !== directory && !(directory === '' || path.startsWith(prefix))) continue;
      watcher.close();
      this.watches.delete(path);
    }
  }

  private onWatchError(directory: string, error: unknown): void {
    if (this.isClosed) return;
    const code = (error as NodeJS.ErrnoException | undefined)?.code;
    // Gone between its listing and its watch: its parent's watch reports that.
    if (code === 'ENOENT' || code === 'ENOTDIR') return;
    if (code !== undefined && EXHAUSTED.has(code)) {
      this.close();
      this.options.onExhausted(code);
      return;
    }
    const message = error instanceof Error ? error.message : String(error);
    this.options.onTrouble(`cannot watch ${directory === '' ? 'the top directory' : directory}: ${code ?? message}`);
  }

  private full(path: string): string {
    return path === '' ? this.root : join(this.root, path);
  }
}

function defaultWatch(path: string, listener: WatchListener<string>): FSWatcher {
  return watch(path, { persistent: true }, listener);
}
