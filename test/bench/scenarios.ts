import { measureFloor, measureSelfmod, type ScanSummary } from './commands.js';
import { historySlices } from './history-facts.js';
import type { Measurement } from './measure.js';

export interface GrowthPoint {
  readonly commits: number;
  readonly peakRootKb: number | null;
  readonly peakTreeKb: number | null;
  /** Peak of `git log -p` alone over the same commits. */
  readonly floorPeakKb: number | null;
  /** The most heap still in use after a full collection (see largestLiveHeapKb). */
  readonly liveHeapKb: number | null;
}

export interface Comparison {
  readonly floor: readonly Measurement[];
  readonly selfmod: readonly Measurement[];
  /** From the last selfmod run's report. */
  readonly summary: ScanSummary;
}

/**
 * Measures the floor and selfmod `runs` times each over the whole history, one after the other, and
 * alternates which goes first in each round so a machine that speeds up or slows down favours neither.
 */
export async function compareWithFloor(
  selfmodBin: string,
  root: string,
  reportPath: string,
  runs: number,
  onRound: (round: number, floor: Measurement, selfmod: Measurement) => void,
): Promise<Comparison> {
  const floor: Measurement[] = [];
  const selfmod: Measurement[] = [];
  let summary: ScanSummary | null = null;
  for (let round = 0; round < runs; round++) {
    const isFloorFirst = round % 2 === 0;
    if (isFloorFirst) floor.push(await measureFloor(root));
    const scan = await measureSelfmod(selfmodBin, root, reportPath);
    selfmod.push(scan.measurement);
    summary = scan.summary;
    if (!isFloorFirst) floor.push(await measureFloor(root));
    onRound(round, floor.at(-1) as Measurement, scan.measurement);
  }
  if (summary === null) throw new Error('runs must be at least 1');
  return { floor, selfmod, summary };
}

/**
 * Peak memory of selfmod and of the floor over the newest quarter, half and all but the first
 * commit: if selfmod streams, its own line stays flat while the history quadruples.
 */
export async function measureGrowth(
  selfmodBin: string,
  root: string,
  reportPath: string,
  onSlice: (commits: number) => void,
): Promise<GrowthPoint[]> {
  const growth: GrowthPoint[] = [];
  for (const slice of await historySlices(root, [0.25, 0.5, 1])) {
    onSlice(slice.commits);
    const { measurement } = await measureSelfmod(selfmodBin, root, reportPath, { since: slice.base });
    const { liveHeapKb } = await measureSelfmod(selfmodBin, root, reportPath, { since: slice.base, traceGc: true });
    const floor = await measureFloor(root, slice.base);
    growth.push({
      commits: slice.commits,
      peakRootKb: measurement.peakRootKb,
      peakTreeKb: measurement.peakTreeKb,
      floorPeakKb: floor.peakTreeKb,
      liveHeapKb,
    });
  }
  return growth;
}
