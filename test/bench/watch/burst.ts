import { mkdirSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Prng } from '../prng.js';
import { accountForBurst, type BurstAccount } from './burst-accounting.js';
import { planBurst } from './burst-plan.js';
import { LogFollower } from './log-follower.js';
import { OrdinaryText, writeOrdinaryFiles, writeTreeFile } from './tree-content.js';
import { prepareScratch, startWatch, type WatchExit } from './watch-process.js';

const ORDINARY_FILES = 300;
export const BURST_RESCAN_SECONDS = 2;
/** The log must stay still this long (apart from rescans) before the watcher is stopped. */
export const QUIET_MS = 1_000;
/** Rescans that must end after the last write: the second surely started after it. */
export const RESCANS_AFTER_BURST = 2;
/** Bounds the wait for those rescans; a watcher that never gets there is stopped and its log read as is. */
const MAX_SETTLE_MS = 15 * 60_000;

export interface BurstResult {
  readonly operations: number;
  readonly writes: number;
  readonly creates: number;
  readonly deletes: number;
  readonly filesTouched: number;
  readonly burstSeconds: number;
  /** False when the rescans after the burst did not come within MAX_SETTLE_MS. */
  readonly hasSettled: boolean;
  /** From the last write to the last incident line before the stop; null without incidents. */
  readonly quietSeconds: number | null;
  /** From the last write until every changed file's final state had been reported. */
  readonly allReportedSeconds: number | null;
  readonly account: BurstAccount;
  readonly linesFoundByPoll: number;
  readonly exit: WatchExit;
}

/**
 * Writes, creates and deletes files as fast as one synchronous loop can, under `selfmod watch
 * --rescan 2`; waits until the log is quiet and two rescans have ended since the last write; stops
 * the watcher; then checks every change against the log.
 */
export async function measureBurst(selfmodBin: string, scratch: string, count: number, seed: number, progress: (message: string) => void): Promise<BurstResult> {
  const { root, eventsFile } = prepareScratch(scratch);
  const rng = new Prng(seed);
  const plan = planBurst(rng, count);
  writeOrdinaryFiles(root, 'src', ORDINARY_FILES, new OrdinaryText(rng));
  for (const [path, content] of plan.baseline) writeTreeFile(root, path, content, plan.paths.get(path) === 'shutdown' ? 0o755 : undefined);

  const follower = new LogFollower(eventsFile);
  follower.start();
  const watch = startWatch(selfmodBin, root, eventsFile, BURST_RESCAN_SECONDS);
  let exit: WatchExit;
  let burstStart = 0;
  let burstEnd = 0;
  let hasSettled = false;
  let stopSentAt = 0;
  try {
    await follower.waitFor((record) => record.type === 'ready', { timeoutMs: 120_000, what: 'ready line', abandon: watch.exited });
    progress(`burst: ${count} operations on ${plan.paths.size} files`);
    const made = new Set<string>();
    burstStart = performance.now();
    for (const operation of plan.operations) {
      const full = join(root, operation.path);
      if (operation.kind === 'delete') {
        unlinkSync(full);
        continue;
      }
      const directory = dirname(full);
      if (!made.has(directory)) {
        mkdirSync(directory, { recursive: true });
        made.add(directory);
      }
      writeFileSync(full, operation.content);
    }
    burstEnd = performance.now();
    progress(`burst: done in ${((burstEnd - burstStart) / 1000).toFixed(2)} s; waiting for the log to go quiet and ${RESCANS_AFTER_BURST} rescans`);
    hasSettled = await settle(follower, burstEnd, watch.exited);
  } finally {
    stopSentAt = performance.now();
    exit = await watch.stop();
    follower.read();
    follower.close();
  }
  const account = accountForBurst(plan, follower.records, stopSentAt);
  const writes = plan.operations.filter((operation) => operation.kind === 'write');
  return {
    operations: plan.operations.length,
    writes: writes.length,
    creates: writes.filter((operation) => operation.isCreate).length,
    deletes: plan.operations.length - writes.length,
    filesTouched: new Set(plan.operations.map((operation) => operation.path)).size,
    burstSeconds: (burstEnd - burstStart) / 1000,
    hasSettled,
    quietSeconds: account.lastIncidentSeenAt === null ? null : Math.max(0, account.lastIncidentSeenAt - burstEnd) / 1000,
    allReportedSeconds: account.allReportedAt === null ? null : Math.max(0, account.allReportedAt - burstEnd) / 1000,
    account,
    linesFoundByPoll: follower.linesFoundByPoll,
    exit,
  };
}

/** Waits for RESCANS_AFTER_BURST rescan lines after `since` and then QUIET_MS without a line. */
async function settle(follower: LogFollower, since: number, exited: Promise<unknown>): Promise<boolean> {
  let hasExited = false;
  const markExited = () => (hasExited = true);
  exited.then(markExited, markExited);
  const deadline = performance.now() + MAX_SETTLE_MS;
  while (!hasExited && performance.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    const records = follower.records;
    const rescans = records.filter((seen) => seen.record.type === 'rescan' && seen.seenAt > since).length;
    const lastSeenAt = records.at(-1)?.seenAt ?? 0;
    if (rescans >= RESCANS_AFTER_BURST && performance.now() - lastSeenAt >= QUIET_MS) return true;
  }
  return false;
}
