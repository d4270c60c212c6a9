import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Prng } from '../prng.js';
import { measureFollowerDelay } from './follower-delay.js';
import { LogFollower } from './log-follower.js';
import { addsLineWith, PROTECTED_FILES } from './protected-files.js';
import { OrdinaryText, writeOrdinaryFiles, writeTreeFile } from './tree-content.js';
import { prepareScratch, startWatch, type WatchExit } from './watch-process.js';

/** Ordinary files around the protected ones. */
const ORDINARY_FILES = 300;
/** The watcher's default: rescans stay out of the way of the edits unless an event was missed. */
const RESCAN_SECONDS = 15;
/** Longer than a rescan interval, so an edit the events missed still gets its incident, late. */
export const EDIT_TIMEOUT_MS = (RESCAN_SECONDS + 10) * 1000;
/** The log must stay still this long before the next edit, so each edit meets an idle watcher. */
export const SETTLE_MS = 25;
const CALIBRATION_LINES = 200;

export interface EditTiming {
  readonly path: string;
  /** From just before the write to the follower seeing the incident line; null if none came. */
  readonly ms: number | null;
  readonly incidentId: string | null;
}

export interface LatencyResult {
  readonly edits: readonly EditTiming[];
  /** Ids the watcher's rescans raised: an edit whose incident is among them was missed by the events. */
  readonly rescanIncidentIds: ReadonlySet<string>;
  readonly incidentLines: number;
  readonly followerDelayMs: readonly number[];
  readonly linesFoundByPoll: number;
  readonly readySeconds: number;
  readonly degraded: readonly string[];
  readonly exit: WatchExit;
}

/**
 * Edits protected files one at a time in a tree of a few hundred files under `selfmod watch`, and
 * times each edit from just before the write to its incident line in the event log.
 */
export async function measureLatency(selfmodBin: string, scratch: string, edits: number, seed: number, progress: (message: string) => void): Promise<LatencyResult> {
  const { root, eventsFile } = prepareScratch(scratch);
  writeOrdinaryFiles(root, 'src', ORDINARY_FILES, new OrdinaryText(new Prng(seed)));
  for (const file of PROTECTED_FILES) writeTreeFile(root, file.path, file.render(marker(0)), file.mode);

  progress(`latency: timing the bench's own log follower (${CALIBRATION_LINES} lines)`);
  const followerDelayMs = await measureFollowerDelay(join(scratch, 'calibration'), CALIBRATION_LINES);

  const follower = new LogFollower(eventsFile);
  follower.start();
  const watch = startWatch(selfmodBin, root, eventsFile, RESCAN_SECONDS);
  const timings: EditTiming[] = [];
  let readySeconds = 0;
  let exit: WatchExit;
  try {
    const ready = await follower.waitFor((record) => record.type === 'ready', { timeoutMs: 120_000, what: 'ready line', abandon: watch.exited });
    readySeconds = (ready.seenAt - watch.spawnedAt) / 1000;
    progress(`latency: ${edits} edits of ${PROTECTED_FILES.map((file) => file.path).join(', ')} in a tree of ${ORDINARY_FILES + PROTECTED_FILES.length} files`);
    for (let index = 1; index <= edits; index++) {
      const file = PROTECTED_FILES[index % PROTECTED_FILES.length] as (typeof PROTECTED_FILES)[number];
      const edit = marker(index);
      const content = file.render(edit);
      const from = follower.records.length;
      const writtenAt = performance.now();
      writeFileSync(join(root, file.path), content);
      const seen = await follower
        .waitFor((record) => record.type === 'incident' && record.incident.file === file.path && addsLineWith(record.incident.diff, edit), {
          from,
          timeoutMs: EDIT_TIMEOUT_MS,
          what: `incident for ${file.path} ${edit}`,
          abandon: watch.exited,
        })
        .catch(() => null);
      const incident = seen?.record.type === 'incident' ? seen.record.incident : null;
      timings.push({ path: file.path, ms: seen ? seen.seenAt - writtenAt : null, incidentId: incident?.id ?? null });
      if (index % 100 === 0) progress(`latency: ${index}/${edits} edits`);
      await settle(follower);
    }
  } finally {
    exit = await watch.stop();
    follower.read();
    follower.close();
  }
  const records = follower.records.map((seen) => seen.record);
  return {
    edits: timings,
    rescanIncidentIds: new Set(records.flatMap((record) => (record.type === 'rescan' ? record.incidentIds : []))),
    incidentLines: records.filter((record) => record.type === 'incident').length,
    followerDelayMs,
    linesFoundByPoll: follower.linesFoundByPoll,
    readySeconds,
    degraded: records.flatMap((record) => (record.type === 'degraded' ? [record.reason] : [])),
    exit,
  };
}

/** Fixed width, so no edit's marker is a prefix of another's. */
function marker(index: number): string {
  return `edit-${String(index).padStart(7, '0')}`;
}

/** Waits until no line has been added for SETTLE_MS (the other rules' incidents for the same edit). */
async function settle(follower: LogFollower): Promise<void> {
  for (;;) {
    const count = follower.records.length;
    await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
    if (follower.records.length === count) return;
  }
}
