import type { Incident } from '../../../src/engine/incident.js';
import type { BurstPlan, FileImage } from './burst-plan.js';
import type { SeenRecord } from './log-follower.js';
import { addsLineWith } from './protected-files.js';

/** What raised an incident line: a file event, a periodic rescan, or the last look at stop. */
export type ReportedBy = 'events' | 'rescan' | 'stop';

export interface BurstAccount {
  /** Files whose final state differs from the baseline: each must have been reported. */
  readonly filesChanged: number;
  /** Files the burst touched that ended as they began (created then deleted): nothing is owed. */
  readonly filesBackToBaseline: number;
  /** Changed files by what first reported their final state. */
  readonly reportedBy: Readonly<Record<ReportedBy, number>>;
  /** Changed files with no incident that shows their final content (or their deletion). */
  readonly missed: readonly string[];
  /** Changed files whose last incident shows an earlier state than their final one. */
  readonly lastReportStale: readonly string[];
  /** Incidents on files the burst never wrote. */
  readonly strayIncidents: readonly string[];
  readonly incidentLines: Readonly<Record<ReportedBy, number>>;
  readonly rescans: number;
  /** Sum of the rescan lines' missedChanges: changes a rescan found that no file event announced. */
  readonly missedChanges: number;
  readonly degraded: readonly string[];
  /** Follower time of the last incident line before the stop; null if there was none. */
  readonly lastIncidentSeenAt: number | null;
  /** Follower time when the last changed file's final state was first reported; null if any was missed. */
  readonly allReportedAt: number | null;
}

/**
 * Checks the event log against the plan: for every file whose final state differs from the
 * baseline, at least one incident on it must show that final state: its marker on an added line of
 * the diff, its digest as the new side of a binary change, or a deletion. `stopSentAt` (follower
 * clock) separates what came before SIGTERM from the watcher's last look.
 */
export function accountForBurst(plan: BurstPlan, seen: readonly SeenRecord[], stopSentAt: number): BurstAccount {
  const rescanIds = new Set<string>();
  let rescans = 0;
  let missedChanges = 0;
  const degraded: string[] = [];
  for (const { record } of seen) {
    if (record.type === 'rescan') {
      rescans++;
      missedChanges += record.missedChanges;
      for (const id of record.incidentIds) rescanIds.add(id);
    } else if (record.type === 'degraded') {
      degraded.push(record.reason);
    }
  }
  const byFile = new Map<string, Array<{ incident: Incident; by: ReportedBy; seenAt: number }>>();
  const incidentLines: Record<ReportedBy, number> = { events: 0, rescan: 0, stop: 0 };
  const strayIncidents = new Set<string>();
  let lastIncidentSeenAt: number | null = null;
  for (const { record, seenAt } of seen) {
    if (record.type !== 'incident') continue;
    const incident = record.incident;
    const by: ReportedBy = rescanIds.has(incident.id) ? 'rescan' : seenAt >= stopSentAt ? 'stop' : 'events';
    incidentLines[by]++;
    if (seenAt < stopSentAt) lastIncidentSeenAt = seenAt;
    if (!plan.paths.has(incident.file)) strayIncidents.add(incident.file);
    const list = byFile.get(incident.file) ?? [];
    list.push({ incident, by, seenAt });
    byFile.set(incident.file, list);
  }

  const reportedBy: Record<ReportedBy, number> = { events: 0, rescan: 0, stop: 0 };
  const missed: string[] = [];
  const lastReportStale: string[] = [];
  let filesChanged = 0;
  let filesBackToBaseline = 0;
  let allReportedAt = 0;
  const touched = new Set(plan.operations.map((operation) => operation.path));
  for (const path of plan.paths.keys()) {
    const before = plan.before.get(path) ?? null;
    const after = plan.after.get(path) ?? null;
    if (before?.sha256 === after?.sha256) {
      if (touched.has(path)) filesBackToBaseline++;
      continue;
    }
    filesChanged++;
    const reports = byFile.get(path) ?? [];
    const first = reports.find((report) => showsState(report.incident, after));
    if (!first) {
      missed.push(path);
      continue;
    }
    reportedBy[first.by]++;
    allReportedAt = Math.max(allReportedAt, first.seenAt);
    // Incidents of the same change share its time; any of the last change's may show the state.
    const lastAt = reports.at(-1)?.incident.source;
    const lastChange = reports.filter((report) => JSON.stringify(report.incident.source) === JSON.stringify(lastAt));
    if (!lastChange.some((report) => showsState(report.incident, after))) lastReportStale.push(path);
  }
  return {
    filesChanged,
    filesBackToBaseline,
    reportedBy,
    missed: missed.sort(),
    lastReportStale: lastReportStale.sort(),
    strayIncidents: [...strayIncidents].sort(),
    incidentLines,
    rescans,
    missedChanges,
    degraded,
    lastIncidentSeenAt,
    allReportedAt: missed.length === 0 && filesChanged > 0 ? allReportedAt : null,
  };
}

/** Whether an incident shows a file in `state` after its change (null: the file is gone). */
function showsState(incident: Incident, state: FileImage | null): boolean {
  if (state === null) return incident.change === 'deleted' || isBriefFile(incident);
  if (incident.change === 'deleted' || isBriefFile(incident)) return false;
  if (incident.binary?.newSha256 === state.sha256) return true;
  return state.marker !== null && addsLineWith(incident.diff, state.marker);
}

/**
 * A file that was created and deleted between two looks: reported as added with no content. It
 * says the file is gone again, which is right when a deleted file was created and deleted anew.
 */
function isBriefFile(incident: Incident): boolean {
  return incident.change === 'added' && incident.binary !== null && incident.binary.newSha256 === null && incident.binary.newSize === null;
}
