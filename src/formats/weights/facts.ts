import type { WeightsSummary } from './summary.js';

/** What a format's summariser contributes; the entry point adds path, format, detection and size. */
export type WeightsFacts = Omit<
  WeightsSummary,
  'summaryVersion' | 'path' | 'format' | 'byExtension' | 'byContent' | 'isAdapter' | 'size'
>;

/** Options every summariser understands. */
export interface SummarizeOptions {
  /** Also compute the sha256 of the whole file in the same pass (costs a second hash of every byte). */
  readonly fileSha256?: boolean;
}
