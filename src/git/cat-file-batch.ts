import { spawn, type ChildProcessByStdio } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { GitError } from '../errors.js';
import type { GitInvocation } from './run-git.js';

/** What a reader of `git cat-file --batch` is told. */
export interface CatFileEvents {
  onData(chunk: Buffer): void;
  /** git could not start, stalled or exited; after a normal end too, since answers may still be owed. */
  onEnd(error: GitError, exitCode: number | null): void;
  /** Whether answers are owed: only then does a silent git count as stalled. */
  isWaiting(): boolean;
}

/**
 * One long-lived `git cat-file --batch` with the watchdog that every reader of it needs: an object
 * file that is a FIFO blocks git for good, and an answer that never comes must end the scan, not
 * hang it.
 */
export class CatFileBatch {
  private readonly child: ChildProcessByStdio<Writable, Readable, Readable>;
  private readonly watchdog: NodeJS.Timeout;
  private lastProgressAt = Date.now();
  private stderr = '';

  constructor(invocation: GitInvocation, events: CatFileEvents, stallTimeoutMs: number) {
    this.child = spawn('git', ['--no-pager', 'cat-file', '--batch'], {
      cwd: invocation.cwd,
      env: invocation.env,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    this.child.stdout.on('data', (chunk: Buffer) => {
      this.lastProgressAt = Date.now();
      events.onData(chunk);
    });
    this.child.stderr.on('data', (chunk: Buffer) => {
      if (this.stderr.length < 16 * 1024) this.stderr += chunk.toString('utf8');
    });
    this.child.stdin.on('error', () => {
      // Reported through 'close'.
    });
    this.child.on('error', (error) => events.onEnd(new GitError(['cat-file'], `cannot run git: ${error.message}`, null), null));
    this.child.on('close', (code) => {
      clearInterval(this.watchdog);
      events.onEnd(new GitError(['cat-file'], this.stderr || 'exited early', code), code);
    });
    this.watchdog = setInterval(() => {
      if (events.isWaiting() && Date.now() - this.lastProgressAt > stallTimeoutMs) {
        events.onEnd(new GitError(['cat-file'], `no answer for ${stallTimeoutMs / 1000} s, stopped (is an object file a FIFO?)`, null), null);
        this.child.kill('SIGKILL');
      }
    }, Math.min(1000, stallTimeoutMs));
    this.watchdog.unref();
  }

  /** Sends object names, one per line; `isFirstOwed` when nothing was owed before, which starts the stall clock. */
  ask(names: string, isFirstOwed: boolean): void {
    if (isFirstOwed) this.lastProgressAt = Date.now();
    if (names !== '') this.child.stdin.write(names);
  }

  /** Ends git's input: git exits once it has answered what it was asked. */
  end(): void {
    this.child.stdin.end();
  }

  /** Stops git without waiting for its answers. */
  stop(): void {
    clearInterval(this.watchdog);
    this.child.stdin.end();
    this.child.kill('SIGTERM');
  }
}
