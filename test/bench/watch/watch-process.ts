import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface WatchExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** From SIGTERM to exit: the watcher's final look over the tree and its last writes. */
  readonly stopSeconds: number | null;
  /** Everything it wrote on stderr (notices, warnings, the stop line), up to a cap. */
  readonly stderr: string;
}

export interface WatchProcess {
  readonly pid: number;
  /** performance.now() just before the spawn. */
  readonly spawnedAt: number;
  /** Settles when the process has exited and its streams closed. */
  readonly exited: Promise<WatchExit>;
  /** Sends SIGTERM (SIGKILL if it has not exited after `graceMs`) and waits for the exit. */
  stop(graceMs?: number): Promise<WatchExit>;
}

/** Where a scenario keeps the watched tree and the event log. */
export interface ScratchLayout {
  readonly root: string;
  readonly eventsFile: string;
}

/**
 * Creates `tree/` and `log/` in a scratch directory. The log has a directory of its own, outside
 * the tree (selfmod would leave it unwatched and warn otherwise), so the follower's watch on that
 * directory wakes for the log alone.
 */
export function prepareScratch(scratch: string): ScratchLayout {
  const root = join(scratch, 'tree');
  const logDirectory = join(scratch, 'log');
  mkdirSync(root);
  mkdirSync(logDirectory);
  return { root, eventsFile: join(logDirectory, 'events.jsonl') };
}

const STDERR_CAP = 256 * 1024;
/** Bounds a hung stop; the final look over a 50,000-file tree takes seconds, not minutes. */
const DEFAULT_STOP_GRACE_MS = 300_000;

/**
 * Runs the built `selfmod watch` on `root`, appending to `eventsFile` (which must be outside the
 * tree, or selfmod leaves it unwatched and warns). Incidents printed on stdout go to /dev/null: the
 * event log is what the bench reads.
 */
export function startWatch(selfmodBin: string, root: string, eventsFile: string, rescanSeconds: number): WatchProcess {
  const spawnedAt = performance.now();
  const child = spawn(process.execPath, [selfmodBin, 'watch', root, '--events', eventsFile, '--rescan', String(rescanSeconds), '--format', 'json'], {
    cwd: tmpdir(),
    env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: tmpdir(), NO_COLOR: '1' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  if (child.pid === undefined) throw new Error('could not start selfmod watch');
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    if (stderr.length < STDERR_CAP) stderr += chunk.toString('utf8');
  });
  let stopRequestedAt: number | null = null;
  const exited = new Promise<WatchExit>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) =>
      resolve({ code, signal, stopSeconds: stopRequestedAt === null ? null : (performance.now() - stopRequestedAt) / 1000, stderr }),
    );
  });
  return {
    pid: child.pid,
    spawnedAt,
    exited,
    stop(graceMs = DEFAULT_STOP_GRACE_MS) {
      if (stopRequestedAt === null && child.exitCode === null && child.signalCode === null) {
        stopRequestedAt = performance.now();
        child.kill('SIGTERM');
        const killer = setTimeout(() => child.kill('SIGKILL'), graceMs);
        exited.finally(() => clearTimeout(killer)).catch(() => undefined);
      }
      return exited;
    },
  };
}
