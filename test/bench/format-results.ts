import type { ScanSummary } from './commands.js';
import type { HistoryFacts } from './history-facts.js';
import type { Measurement } from './measure.js';
import type { GrowthPoint } from './scenarios.js';

/** The issue's targets, printed next to the figures; the bench reports them, it never fails on them. */
export const TARGET_TIME_RATIO = 1.5;
export const TARGET_PEAK_MB = 200;

export interface BenchResults {
  readonly facts: HistoryFacts;
  readonly floor: readonly Measurement[];
  readonly selfmod: readonly Measurement[];
  readonly summary: ScanSummary;
  /** One run with a single rule that matches nothing: the history read, parsed and built, no rule work. */
  readonly pipeline?: Measurement;
  /** Peak memory for ever longer stretches of the same history, shortest first. */
  readonly growth: readonly GrowthPoint[];
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

/** The highest peak over all runs: a memory limit has to hold on the worst run, not the typical one. */
export function highestPeak(values: readonly (number | null)[]): number | null {
  const known = values.filter((value): value is number => value !== null);
  return known.length ? Math.max(...known) : null;
}

/** kB (as /proc gives them) to MB of 2^20 bytes, as ps and top count. */
function megabytes(kb: number | null): string {
  return kb === null ? '—' : `${Math.round(kb / 1024)} MB`;
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

function describeSeverities(bySeverity: Record<string, number>): string {
  const counts = Object.entries(bySeverity).filter(([, count]) => count > 0);
  return counts.map(([severity, count]) => `${count} ${severity}`).join(', ') || 'none';
}

function seconds(value: number): string {
  return `${value.toFixed(2)} s`;
}

const MAIN_COLUMNS = [15, 14, 24, 18, 16];
const GROWTH_COLUMNS = [10, 15, 15, 12, 10];

function row(cells: readonly string[], widths = MAIN_COLUMNS): string {
  return cells.map((cell, index) => cell.padEnd(widths[index] ?? 0)).join('').trimEnd();
}

/** The bench's report: one table of times and memory against the floor, then what selfmod found. */
export function formatResults(results: BenchResults): string {
  const { facts, floor, selfmod, summary } = results;
  const floorTime = median(floor.map((run) => run.seconds));
  const selfmodTime = median(selfmod.map((run) => run.seconds));
  const ratio = selfmodTime / floorTime;
  const nodePeak = highestPeak(selfmod.map((run) => run.peakRootKb));
  const treePeak = highestPeak(selfmod.map((run) => run.peakTreeKb));
  const isTimeMet = ratio <= TARGET_TIME_RATIO;
  const isWithinPeak = (kb: number | null) => (kb === null ? 'unknown' : kb / 1024 <= TARGET_PEAK_MB ? 'yes' : 'no');
  const peakRun = selfmod.reduce((worst, run) => ((run.peakTreeKb ?? 0) > (worst.peakTreeKb ?? 0) ? run : worst));
  const runTimes = (runs: readonly Measurement[]) => runs.map((run) => run.seconds.toFixed(2)).join(' ');
  const lines = [
    `history: ${facts.commits} commits (${facts.merges} merges), ${facts.files} files, ${(facts.patchBytes / 1e6).toFixed(1)} MB of git log -p output`,
    `${plural(floor.length, 'run')} each, alternating; time is the median run, peak RSS the highest run (sampled every 20 ms)`,
    '',
    row(['', 'median time', 'runs (s)', 'peak RSS (node)', 'peak RSS (tree)']),
    row(['git log -p', seconds(floorTime), runTimes(floor), '—', megabytes(highestPeak(floor.map((run) => run.peakTreeKb)))]),
    row(['selfmod scan', seconds(selfmodTime), runTimes(selfmod), megabytes(nodePeak), megabytes(treePeak)]),
    row([
      'ratio',
      `${ratio.toFixed(2)}×`,
      `target ≤ ${TARGET_TIME_RATIO}×: ${isTimeMet ? 'yes' : 'no'}`,
      `peak ≤ ${TARGET_PEAK_MB} MB: node ${isWithinPeak(nodePeak)}, tree ${isWithinPeak(treePeak)}`,
    ]),
    `selfmod's tree at its peak: ${peakRun.peakTreeParts.map((part) => `${part.label} ${megabytes(part.kb)}`).join(' + ') || 'unknown'}`,
    '',
    `selfmod checked ${plural(summary.changesChecked, 'change')} in ${plural(summary.commitsScanned, 'commit')} with ` +
      `${plural(summary.rulesLoaded, 'rule')}: ${plural(summary.total, 'incident')} (${describeSeverities(summary.bySeverity)})`,
  ];
  if (results.pipeline) {
    const pipelineRatio = results.pipeline.seconds / floorTime;
    lines.push(
      `with one rule that matches nothing (history read, parsed and checked, no rule work; one run): ` +
        `${seconds(results.pipeline.seconds)}, ${pipelineRatio.toFixed(2)}× the floor, node peak RSS ${megabytes(results.pipeline.peakRootKb)}`,
    );
  }
  if (results.growth.length > 1) {
    lines.push('', 'peak RSS vs history length (the newest commits, scanned with --since; one run each):');
    lines.push(`  ${row(['commits', 'selfmod node', 'selfmod tree', 'git log -p', 'live heap'], GROWTH_COLUMNS)}`);
    for (const point of results.growth) {
      lines.push(
        `  ${row(
          [String(point.commits), megabytes(point.peakRootKb), megabytes(point.peakTreeKb), megabytes(point.floorPeakKb), megabytes(point.liveHeapKb)],
          GROWTH_COLUMNS,
        )}`,
      );
    }
    lines.push('  live heap: the most the V8 heap still held after any full collection, in a run of its own with --trace-gc');
  }
  return `${lines.join('\n')}\n`;
}
