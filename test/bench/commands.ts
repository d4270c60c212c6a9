import { closeSync, openSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isolatedGitEnv } from './git-process.js';
import { FLOOR_ARGS } from './history-facts.js';
import { measure, type Measurement } from './measure.js';

/** The parts of selfmod's JSON report that show it did real work. */
export interface ScanSummary {
  readonly total: number;
  readonly bySeverity: Record<string, number>;
  readonly commitsScanned: number;
  readonly changesChecked: number;
  readonly rulesLoaded: number;
}

/** A selfmod run that did not produce a report: exit code 2, a signal, or an incomplete report. */
export class ScanFailedError extends Error {
  readonly code = 'scan-failed';
}

/** Times the floor, `git log -p` of the whole history (or of since..HEAD), its output thrown away. */
export async function measureFloor(root: string, since: string | null = null): Promise<Measurement> {
  const args = since === null ? [...FLOOR_ARGS] : [...FLOOR_ARGS, `^${since}`];
  const devNull = openSync('/dev/null', 'w');
  try {
    const result = await measure('git', args, { cwd: root, env: isolatedGitEnv(), stdoutFd: devNull });
    if (result.exitCode !== 0) throw new Error(`git ${FLOOR_ARGS.join(' ')} exited with ${result.exitCode ?? result.signal}:\n${result.stderr}`);
    return result;
  } finally {
    closeSync(devNull);
  }
}

/**
 * A rule file whose one rule matches no path a history holds: a scan with it alone (and
 * `--no-default-rules`) still reads, parses and builds every change, and so measures the pipeline
 * without the rules' work.
 */
export const NEVER_MATCHING_RULE = `id: never-matches
category: training
severity: low
description: Matches no real path; for measuring the scan without its rules.
message: never
match:
  path: ['never-matches-*.none']
examples:
  flag:
    - file: never-matches-1.none
`;

/**
 * Times `selfmod scan` of the history (or of since..HEAD). Its JSON report goes to `reportPath`, a
 * file rather than a pipe, so reading the output costs selfmod no more than /dev/null would.
 */
export async function measureSelfmod(
  selfmodBin: string,
  root: string,
  reportPath: string,
  { since = null, traceGc = false, ruleArgs = [] }: { since?: string | null; traceGc?: boolean; ruleArgs?: readonly string[] } = {},
): Promise<{ measurement: Measurement; summary: ScanSummary; liveHeapKb: number | null }> {
  const args = [selfmodBin, 'scan', root, '--no-working-tree', '--format', 'json', '--fail-on', 'critical', ...ruleArgs];
  if (since !== null) args.push('--since', since);
  // V8's trace goes to stdout, so the report goes to its file through --output instead.
  if (traceGc) args.unshift('--trace-gc');
  if (traceGc) args.push('--output', reportPath);
  const stdoutPath = traceGc ? `${reportPath}.gc-trace` : reportPath;
  const reportFd = openSync(stdoutPath, 'w');
  let measurement: Measurement;
  try {
    measurement = await measure(process.execPath, args, {
      cwd: root,
      env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: tmpdir(), NO_COLOR: '1' },
      stdoutFd: reportFd,
    });
  } finally {
    closeSync(reportFd);
  }
  // 1 only means incidents at or above --fail-on were found.
  if (measurement.exitCode !== 0 && measurement.exitCode !== 1) {
    throw new ScanFailedError(`selfmod scan exited with ${measurement.exitCode ?? measurement.signal}:\n${measurement.stderr.trim()}`);
  }
  const report = JSON.parse(readFileSync(reportPath, 'utf8')) as { complete: boolean; summary: ScanSummary };
  if (!report.complete) throw new ScanFailedError(`selfmod's report is incomplete:\n${measurement.stderr.trim()}`);
  return { measurement, summary: report.summary, liveHeapKb: traceGc ? largestLiveHeapKb(readFileSync(stdoutPath, 'utf8')) : null };
}

/**
 * The most heap V8 found still in use after any full collection (`Mark-Compact a (b) -> c (d) MB`
 * in its `--trace-gc` lines): what the scan holds, without the garbage V8 lets accumulate between
 * collections, which peak RSS counts too. null when no full collection ran.
 */
export function largestLiveHeapKb(trace: string): number | null {
  let largest: number | null = null;
  for (const match of trace.matchAll(/^\[\d+:0x[0-9a-f]+\]\s+\d+ ms: Mark-Compact(?: \(reduce\))? [\d.]+ \([\d.]+\) -> ([\d.]+) \(/gm)) {
    const kb = Math.round(Number(match[1]) * 1024);
    largest = largest === null ? kb : Math.max(largest, kb);
  }
  return largest;
}
