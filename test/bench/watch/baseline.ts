import { closeSync, openSync } from 'node:fs';
import { measure, type Measurement } from '../measure.js';
import { Prng } from '../prng.js';
import { readStatusKb } from '../process-memory.js';
import { LogFollower } from './log-follower.js';
import { largeWeightsFile, OrdinaryText, writeOrdinaryFiles, writeTreeFile } from './tree-content.js';
import { prepareScratch, startWatch, type WatchExit } from './watch-process.js';

const FILES_PER_DIRECTORY = 100;
const LARGE_FILES = 3;
const LARGE_FILE_BYTES = 32 * 1024 * 1024;
/** Lets the first rescan run before memory is read, so the peak covers one as a long watch would. */
export const BASELINE_RESCAN_SECONDS = 2;
const READY_TIMEOUT_MS = 30 * 60_000;

/** The floors: reading every byte, then reading and hashing every byte, with standard tools. */
export const FLOOR_COMMANDS = {
  cat: 'find . -type f -exec cat {} + > /dev/null',
  sha256sum: 'find . -type f -print0 | xargs -0 sha256sum > /dev/null',
} as const;

export interface BaselineResult {
  readonly files: number;
  readonly bytes: number;
  readonly buildSeconds: number;
  /** From spawning selfmod to the follower seeing its `ready` line. */
  readonly readySeconds: number;
  readonly readyFileCount: number;
  /** From `ready` to the first rescan line: the rescan interval plus the rescan itself. */
  readonly firstRescanSeconds: number | null;
  /** VmHWM and VmRSS of the selfmod process just before SIGTERM, kB; null without /proc. */
  readonly peakKb: number | null;
  readonly currentKb: number | null;
  readonly floors: Readonly<Record<keyof typeof FLOOR_COMMANDS, Measurement>>;
  readonly exit: WatchExit;
}

/**
 * A tree of `count` small text files (100 to a directory, 1–4 KB each) and a few large weights
 * files; the floors run first (which also leaves every file in the page cache for all that follow),
 * then `selfmod watch` until its first rescan is done.
 */
export async function measureBaseline(selfmodBin: string, scratch: string, count: number, seed: number, progress: (message: string) => void): Promise<BaselineResult> {
  const { root, eventsFile } = prepareScratch(scratch);
  progress(`baseline: writing ${count} files and ${LARGE_FILES} of ${LARGE_FILE_BYTES / 1024 / 1024} MB`);
  const buildStart = performance.now();
  let bytes = writeOrdinaryFiles(root, 'lib', count, new OrdinaryText(new Prng(seed)), FILES_PER_DIRECTORY);
  for (let index = 1; index <= LARGE_FILES; index++) {
    const weights = largeWeightsFile(LARGE_FILE_BYTES);
    writeTreeFile(root, `checkpoints/model-${String(index).padStart(5, '0')}-of-${String(LARGE_FILES).padStart(5, '0')}.safetensors`, weights);
    bytes += weights.length;
  }
  const buildSeconds = (performance.now() - buildStart) / 1000;

  progress('baseline: floors');
  const floors = {
    cat: await measureFloor(root, FLOOR_COMMANDS.cat),
    sha256sum: await measureFloor(root, FLOOR_COMMANDS.sha256sum),
  };

  progress('baseline: selfmod watch');
  const follower = new LogFollower(eventsFile);
  follower.start();
  const watch = startWatch(selfmodBin, root, eventsFile, BASELINE_RESCAN_SECONDS);
  let exit: WatchExit;
  let readySeconds = 0;
  let readyFileCount = 0;
  let firstRescanSeconds: number | null = null;
  let peakKb: number | null = null;
  let currentKb: number | null = null;
  try {
    const ready = await follower.waitFor((record) => record.type === 'ready', { timeoutMs: READY_TIMEOUT_MS, what: 'ready line', abandon: watch.exited });
    readySeconds = (ready.seenAt - watch.spawnedAt) / 1000;
    readyFileCount = ready.record.type === 'ready' ? ready.record.fileCount : 0;
    progress(`baseline: ready after ${readySeconds.toFixed(2)} s; waiting for the first rescan`);
    const rescan = await follower
      .waitFor((record) => record.type === 'rescan', { timeoutMs: READY_TIMEOUT_MS, what: 'first rescan line', abandon: watch.exited })
      .catch(() => null);
    if (rescan) firstRescanSeconds = (rescan.seenAt - ready.seenAt) / 1000;
    peakKb = readStatusKb(watch.pid, 'VmHWM');
    currentKb = readStatusKb(watch.pid, 'VmRSS');
  } finally {
    exit = await watch.stop();
    follower.close();
  }
  return { files: count + LARGE_FILES, bytes, buildSeconds, readySeconds, readyFileCount, firstRescanSeconds, peakKb, currentKb, floors, exit };
}

async function measureFloor(root: string, command: string): Promise<Measurement> {
  const devNull = openSync('/dev/null', 'w');
  try {
    const result = await measure('sh', ['-c', command], { cwd: root, env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', LC_ALL: 'C' }, stdoutFd: devNull });
    if (result.exitCode !== 0) throw new Error(`${command} exited with ${result.exitCode ?? result.signal}:\n${result.stderr}`);
    return result;
  } finally {
    closeSync(devNull);
  }
}
