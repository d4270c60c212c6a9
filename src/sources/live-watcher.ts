import { lstatSync, type Stats } from 'node:fs';
import { basename, relative, sep } from 'node:path';
import { watch, type FSWatcher } from 'chokidar';

function lstatQuietly(path: string): Stats | undefined {
  try {
    return lstatSync(path);
  } catch {
    return undefined;
  }
}

/** Polling interval once native watching has failed (out of inotify watches or descriptors). */
const POLL_INTERVAL_MS = 500;

export interface LiveWatcherOptions {
  /** Paths (relative, `/`-separated) not to watch at all. */
  readonly isIgnored: (path: string) => boolean;
  /** A path that may have changed: a file, a directory, or something now gone. */
  readonly onHint: (path: string) => void;
  /** Something the watcher cannot do; it keeps going, polling when native watching failed. */
  readonly onTrouble: (reason: string) => void;
}

/**
 * Native file-system events as hints, never as the truth: every event (chokidar's and the raw
 * inotify ones under it, which also carry chmod-only and mtime-restoring changes that chokidar drops)
 * just names a path for the caller to look at again. Nothing here filters editor temp files, waits
 * for writes to finish or merges events: those are exactly the things an agent could hide behind.
 */
export class LiveWatcher {
  private readonly root: string;
  private readonly options: LiveWatcherOptions;
  private watcher: FSWatcher | null = null;
  private isPolling = false;
  private isClosed = false;

  constructor(root: string, options: LiveWatcherOptions) {
    this.root = root;
    this.options = options;
  }

  /** Starts watching; resolves once the initial directory walk is done and events flow. */
  start(): Promise<void> {
    return this.open(false);
  }

  get polling(): boolean {
    return this.isPolling;
  }

  async close(): Promise<void> {
    this.isClosed = true;
    await this.watcher?.close();
  }

  private open(usePolling: boolean): Promise<void> {
    this.isPolling = usePolling;
    const watcher = watch(this.root, {
      persistent: true,
      ignoreInitial: true,
      followSymlinks: false,
      atomic: false,
      awaitWriteFinish: false,
      ignorePermissionErrors: false,
      usePolling,
      interval: POLL_INTERVAL_MS,
      binaryInterval: POLL_INTERVAL_MS,
      // Only directories get a watch of their own: the kernel reports every change to a file in a
      // watched directory (with its name) through the directory's watch, and one watch per file would
      // cost chokidar several KB each, hundreds of MB on a large tree. Writes through a hard link
      // elsewhere or a shared memory map raise no event at all; the rescans find those.
      ignored: (path: string, stats?: Stats) => {
        const relativePath = this.toRelative(path);
        if (relativePath === null || relativePath === '') return false;
        if (this.options.isIgnored(relativePath)) return true;
        // Polling looks at each path's own stat, so there every file must be polled.
        return !usePolling && !(stats ?? lstatQuietly(path))?.isDirectory();
      },
    });
    this.watcher = watcher;
    watcher.on('all', (_event, path) => this.hint(path));
    watcher.on('raw', (_event, path, details: unknown) => {
      const watchedPath = (details as { watchedPath?: unknown } | undefined)?.watchedPath;
      if (typeof watchedPath !== 'string') return;
      // A directory's watch names the child that changed; only an event without a name concerns
      // the directory itself (looking at a directory again costs a listing of it).
      if (path && path !== basename(watchedPath)) this.hint(`${watchedPath}${sep}${path}`);
      else this.hint(watchedPath);
    });
    watcher.on('error', (error: unknown) => void this.onError(error));
    return new Promise((resolve) => watcher.once('ready', () => resolve()));
  }

  private hint(absolute: string): void {
    const path = this.toRelative(absolute);
    if (path === null || this.isClosed) return;
    this.options.onHint(path);
  }

  private toRelative(absolute: string): string | null {
    const path = relative(this.root, absolute);
    // `..hidden/` is a name inside the tree; only `..` itself or `../…` is outside it.
    if (path === '..' || path.startsWith(`..${sep}`)) return null;
    return sep === '/' ? path : path.split(sep).join('/');
  }

  private async onError(error: unknown): Promise<void> {
    const code = (error as NodeJS.ErrnoException | undefined)?.code;
    const message = error instanceof Error ? error.message : String(error);
    if (this.isClosed) return;
    if (!this.isPolling && (code === 'ENOSPC' || code === 'EMFILE' || code === 'ENFILE')) {
      this.options.onTrouble(`native file watching failed (${code}: out of inotify watches or file descriptors); falling back to polling every ${POLL_INTERVAL_MS} ms`);
      const old = this.watcher;
      await old?.close();
      if (!this.isClosed) await this.open(true);
      return;
    }
    this.options.onTrouble(`file watcher error: ${code ?? message}`);
  }
}
