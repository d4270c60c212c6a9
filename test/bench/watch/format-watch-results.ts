import { BASELINE_RESCAN_SECONDS, FLOOR_COMMANDS, type BaselineResult } from './baseline.js';
import { BURST_RESCAN_SECONDS, QUIET_MS, RESCANS_AFTER_BURST, type BurstResult } from './burst.js';
import { EDIT_TIMEOUT_MS, SETTLE_MS, type LatencyResult } from './latency.js';
import { SAFETY_POLL_MS } from './log-follower.js';
import { distribution, type Distribution } from './percentiles.js';
import type { WatchExit } from './watch-process.js';

/** The issue's targets, printed next to the figures; the bench reports them, it never fails on them. */
export const TARGET_P95_MS = 100;
export const TARGET_BASELINE_PEAK_MB = 300;

const COLUMNS = [24, 11, 11, 11, 11];

function row(cells: readonly string[], widths = COLUMNS): string {
  return cells.map((cell, index) => cell.padEnd(widths[index] ?? 0)).join('').trimEnd();
}

function ms(value: number): string {
  return value < 10 ? `${value.toFixed(2)} ms` : `${value.toFixed(1)} ms`;
}

function seconds(value: number | null): string {
  return value === null ? '—' : `${value.toFixed(2)} s`;
}

function megabytes(kb: number | null): string {
  return kb === null ? '—' : `${Math.round(kb / 1024)} MB`;
}

function count(value: number): string {
  return value.toLocaleString('en-US');
}

function distributionRow(label: string, values: Distribution | null): string {
  if (!values) return row([label, '—']);
  return row([label, ms(values.p50), ms(values.p95), ms(values.p99), ms(values.max)]);
}

function describeExit(exit: WatchExit): string {
  const how = exit.code !== null ? `exit code ${exit.code}` : `signal ${exit.signal ?? '?'}`;
  return `${how}, ${seconds(exit.stopSeconds)} from SIGTERM to exit`;
}

function describeDegraded(reasons: readonly string[]): string {
  return reasons.length === 0 ? 'no' : `yes: ${reasons.join('; ')}`;
}

export function formatLatency(result: LatencyResult): string {
  const measured = result.edits.flatMap((edit) => (edit.ms === null ? [] : [edit.ms]));
  const all = distribution(measured);
  const paths = [...new Set(result.edits.map((edit) => edit.path))].sort();
  const unanswered = result.edits.filter((edit) => edit.ms === null).length;
  const byRescan = result.edits.filter((edit) => edit.incidentId !== null && result.rescanIncidentIds.has(edit.incidentId)).length;
  const follower = distribution(result.followerDelayMs);
  const isMet = all !== null && unanswered === 0 && all.p95 <= TARGET_P95_MS;
  const lines = [
    `1. Latency: edit → its incident line in the event log (${count(result.edits.length)} edits, one at a time, each after the log was still for ${SETTLE_MS} ms)`,
    '',
    row(['', 'p50', 'p95', 'p99', 'max']),
    distributionRow('all edits', all),
    ...paths.map((path) => distributionRow(`  ${path}`, distribution(result.edits.flatMap((edit) => (edit.path === path && edit.ms !== null ? [edit.ms] : []))))),
    `target p95 ≤ ${TARGET_P95_MS} ms: ${isMet ? 'yes' : 'no'}`,
    '',
    `edits with no incident line within ${EDIT_TIMEOUT_MS / 1000} s: ${unanswered}; edits whose incident the watcher credits to a rescan (a path a rescan queued, see 2.): ${byRescan}`,
    `incident lines: ${count(result.incidentLines)} for ${count(result.edits.length)} edits (one per matching rule; an in-place write read half-done adds one)`,
    `measurement's own delay (the follower: inotify on the log's directory, then a read from the last offset; timed on ${result.followerDelayMs.length} lines this process appended): ` +
      (follower ? `p50 ${ms(follower.p50)}, p99 ${ms(follower.p99)}, max ${ms(follower.max)}` : '—') +
      `; lines first found by its ${SAFETY_POLL_MS} ms safety poll: ${result.linesFoundByPoll}`,
    `watch: ready ${seconds(result.readySeconds)} after spawn; degraded: ${describeDegraded(result.degraded)}; stop: ${describeExit(result.exit)}`,
  ];
  return `${lines.join('\n')}\n`;
}

export function formatBurst(result: BurstResult): string {
  const { account } = result;
  const rate = result.burstSeconds > 0 ? Math.round(result.operations / result.burstSeconds) : 0;
  const widths = [22];
  const line = (label: string, text: string) => row([label, text], widths);
  const reported = account.reportedBy.events + account.reportedBy.rescan + account.reportedBy.stop;
  const lines = [
    `2. Burst: file operations as fast as one loop can make them, then every change accounted for`,
    '',
    line(
      'operations',
      `${count(result.operations)} in ${seconds(result.burstSeconds)} (${count(rate)}/s): ${count(result.writes)} writes (${count(result.creates)} creating a file), ${count(result.deletes)} deletes, on ${count(result.filesTouched)} files`,
    ),
    line('files changed', `${count(account.filesChanged)} end unlike their baseline (${count(account.filesBackToBaseline)} more ended as they began)`),
    line(
      'final state reported',
      `${count(reported)}: ${count(account.reportedBy.events)} by events, ${count(account.reportedBy.rescan)} by a rescan, ${count(account.reportedBy.stop)} at stop`,
    ),
    line('missed', account.missed.length === 0 ? '0' : `${account.missed.length}: ${account.missed.join(', ')}`),
    line('last report stale', account.lastReportStale.length === 0 ? '0' : `${account.lastReportStale.length}: ${account.lastReportStale.join(', ')}`),
    line('stray incidents', account.strayIncidents.length === 0 ? '0' : `${account.strayIncidents.length} files never written: ${account.strayIncidents.join(', ')}`),
    line(
      'incident lines',
      `${count(account.incidentLines.events + account.incidentLines.rescan + account.incidentLines.stop)}: ${count(account.incidentLines.events)} events, ${count(account.incidentLines.rescan)} rescan, ${count(account.incidentLines.stop)} at stop`,
    ),
    line('time to quiet', `${seconds(result.quietSeconds)} from the last write to the last incident line; every final state reported after ${seconds(result.allReportedSeconds)}`),
    line('rescans', `${account.rescans} (every ${BURST_RESCAN_SECONDS} s); changes they found that no event had named: ${account.missedChanges}`),
    line('degraded', describeDegraded(account.degraded)),
    line('stop', `${result.hasSettled ? `after ${RESCANS_AFTER_BURST} rescans since the last write and ${QUIET_MS / 1000} s of quiet` : `TIMED OUT waiting for ${RESCANS_AFTER_BURST} rescans`}; ${describeExit(result.exit)}`),
  ];
  if (result.linesFoundByPoll > 0) {
    lines.push(line('follower', `${result.linesFoundByPoll} line(s) first found by the ${SAFETY_POLL_MS} ms safety poll, so seen up to that much late`));
  }
  lines.push(
    '"by a rescan": raised while handling a path a rescan queued; a file event that names the path while it waits keeps that label, so',
    'only the rescans\' own count of changes no event named says what the events missed.',
  );
  return `${lines.join('\n')}\n`;
}

export function formatBaseline(result: BaselineResult): string {
  const { floors } = result;
  const widths = [34, 12, 16];
  const line = (cells: readonly string[]) => row(cells, widths);
  const peakMb = result.peakKb === null ? null : result.peakKb / 1024;
  const lines = [
    `3. Baseline: ${count(result.files)} files, ${(result.bytes / 1e6).toFixed(0)} MB (written in ${seconds(result.buildSeconds)}; all in the page cache)`,
    '',
    line(['', 'time', 'peak RSS']),
    line(['floor: cat every file', seconds(floors.cat.seconds), megabytes(floors.cat.peakTreeKb)]),
    line(['floor: sha256sum every file', seconds(floors.sha256sum.seconds), megabytes(floors.sha256sum.peakTreeKb)]),
    line(['selfmod watch: spawn → ready line', seconds(result.readySeconds), `${megabytes(result.peakKb)} (VmHWM)`]),
    `ratio: ${(result.readySeconds / floors.sha256sum.seconds).toFixed(2)}× sha256sum, ${(result.readySeconds / floors.cat.seconds).toFixed(2)}× cat`,
    `target peak ≤ ${TARGET_BASELINE_PEAK_MB} MB: ${peakMb === null ? 'unknown' : peakMb <= TARGET_BASELINE_PEAK_MB ? 'yes' : 'no'} ` +
      `(VmHWM read after the first rescan, just before SIGTERM; VmRSS then ${megabytes(result.currentKb)})`,
    `ready line's fileCount: ${count(result.readyFileCount)}; ready → first rescan line: ${seconds(result.firstRescanSeconds)} (${BASELINE_RESCAN_SECONDS} s interval + the rescan); stop: ${describeExit(result.exit)}`,
    `floors: \`${FLOOR_COMMANDS.cat}\`, \`${FLOOR_COMMANDS.sha256sum}\` (one run each; the floors' peak RSS is sampled every 20 ms)`,
  ];
  return `${lines.join('\n')}\n`;
}
