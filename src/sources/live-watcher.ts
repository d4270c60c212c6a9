import { relative, sep } from 'node:path';
import { watch, type FSWatcher } from 'chokidar';
import { TreeWatch } from './tree-watch.js';

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
 * Native file-system events as hints, never as the truth: every event (including chmod-only and
 * mtime-restoring changes) just names a path for the caller to look at again. Nothing here filters
 * editor temp files, waits for writes to finish or merges events: those are exactly the things an
 * agent could hide behind. Directories are watched natively (TreeWatch); when the kernel runs out
 * of watches or descriptors, chokidar polls every path instead.
 */
export class LiveWatcher {
  private readonly root: string;
  private readonly options: LiveWatcherOptions;
  private native: TreeWatch | null = null;
  private poller: FSWatcher | null = null;
  /** Settles once polling has taken over, after native watching failed. */
  private fallingBack: Promise<void> | null = null;
  private stopWaiting: (() => void) | null = null;
  private isPolling = false;
  private isClosed = false;

  constructor(root: string, options: LiveWatcherOptions) {
    this.root = root;
    this.options = options;
  }

  /** Starts watching; resolves once every directory is watched (or polling has taken over) and events flow. */
  async start(): Promise<void> {
    this.native = new TreeWatch(this.root, {
      isIgnored: this.options.isIgnored,
      onHint: (path) => {
        if (!this.isClosed) this.options.onHint(path);
      },
      onTrouble: (reason) => this.options.onTrouble(`file watcher error: ${reason}`),
      onExhausted: (code) => this.fallBack(code),
    });
    await this.native.start();
    await this.fallingBack;
  }

  get polling(): boolean {
    return this.isPolling;
  }

  async close(): Promise<void> {
    this.isClosed = true;
    this.native?.close();
    this.stopWaiting?.();
    await this.poller?.close();
  }

  private fallBack(code: string): void {
    if (this.isPolling || this.isClosed) return;
    this.isPolling = true;
    this.native = null;
    this.options.onTrouble(`native file watching failed (${code}: out of inotify watches or file descriptors); falling back to polling every ${POLL_INTERVAL_MS} ms`);
    this.fallingBack = this.poll();
  }

  /** Polls every path's own stat through chokidar: the last resort, as it costs a timer per file. */
  private poll(): Promise<void> {
    const poller = watch(this.root, {
      persistent: true,
      ignoreInitial: true,
      followSymlinks: false,
      atomic: false,
      awaitWriteFinish: false,
      ignorePermissionErrors: false,
      usePolling: true,
      interval: POLL_INTERVAL_MS,
      binaryInterval: POLL_INTERVAL_MS,
      ignored: (path: string) => {
        const relativePath = this.toRelative(path);
        if (relativePath === null || relativePath === '') return false;
        return this.options.isIgnored(relativePath);
      },
    });
    this.poller = poller;
    poller.on('all', (_event, path) => this.hint(path));
    poller.on('error', (error: unknown) => {
      const code = (error as NodeJS.ErrnoException | undefined)?.code;
      if (!this.isClosed) this.options.onTrouble(`file watcher error: ${code ?? (error instanceof Error ? error.message : String(error))}`);
    });
    return new Promise((resolve) => {
      // A watch closed before polling is ready must not leave start() waiting.
      this.stopWaiting = resolve;
      poller.once('ready', () => resolve());
    });
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
}
