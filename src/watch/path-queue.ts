/**
 * Runs one handler per path, never two at once for the same path, and coalesces: hints that arrive
 * while a path is being handled make it run once more afterwards, so the last state is always seen
 * without queueing one run per event of a burst.
 */
export class PathQueue<Reason> {
  private readonly handle: (path: string, reason: Reason) => Promise<void>;
  private readonly onError: (path: string, error: unknown) => void;
  private readonly maxRunning: number;
  private readonly merge: (waiting: Reason, next: Reason) => Reason;
  private readonly waiting = new Map<string, Reason>();
  private readonly running = new Set<string>();
  private readonly again = new Map<string, Reason>();
  private idleWaiters: Array<() => void> = [];

  constructor(
    handle: (path: string, reason: Reason) => Promise<void>,
    onError: (path: string, error: unknown) => void,
    merge: (waiting: Reason, next: Reason) => Reason = (waiting) => waiting,
    maxRunning = 8,
  ) {
    this.handle = handle;
    this.onError = onError;
    this.merge = merge;
    this.maxRunning = maxRunning;
  }

  /** Asks for `path` to be looked at; `merge` decides the reason of a run already pending. */
  push(path: string, reason: Reason): void {
    const pending = this.running.has(path) ? this.again : this.waiting;
    const waiting = pending.get(path);
    pending.set(path, waiting === undefined ? reason : this.merge(waiting, reason));
    if (pending === this.waiting) this.pump();
  }

  get pending(): number {
    return this.waiting.size + this.running.size + this.again.size;
  }

  /** Resolves once nothing is waiting or running. */
  idle(): Promise<void> {
    if (this.pending === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private pump(): void {
    for (const [path, reason] of this.waiting) {
      if (this.running.size >= this.maxRunning) return;
      this.waiting.delete(path);
      this.running.add(path);
      void this.handle(path, reason)
        .catch((error: unknown) => this.onError(path, error))
        .finally(() => {
          this.running.delete(path);
          const next = this.again.get(path);
          if (next !== undefined) {
            this.again.delete(path);
            this.waiting.set(path, next);
          }
          this.pump();
          if (this.pending === 0) {
            const waiters = this.idleWaiters;
            this.idleWaiters = [];
            for (const resolve of waiters) resolve();
          }
        });
    }
  }
}
