import type { Change } from '../change/change.js';
import {
  addElementDeltas,
  detectWeightFormat,
  diffWeights,

  summarizeWeights,
  WeightsReadError,
  type ClosableByteSource,
  type WeightsDiff,
  type WeightsSummary,
} from '../formats/weights/index.js';

/**
 * Whether a change may concern a weight file, decided without reading it: anything not shown as
 * text (a checkpoint renamed to `notes.txt` is still one), a name that says weights, or a text
 * change whose lines look like a Git LFS pointer.
 */
export function mayConcernWeights(change: Change): boolean {
  if (change.isBinary) return true;
  const empty = new Uint8Array(0);
  if (detectWeightFormat(change.file, empty) || (change.previousFile && detectWeightFormat(change.previousFile, empty))) return true;
  return change.hunks.some((hunk) => hunk.lines.some((line) => line.side !== 'context' && looksLikeWeightsLine(line.text)));
}

/** Magic a weight file starts with, as it shows in a text diff's first line. */
const WEIGHTS_MAGIC = /^(version https:\/\/git-lfs\.github\.com\/spec\/|\u0080[\u0002-\u0005]|\ufffd[\u0002-\u0005]|PK\u0003\u0004|GGUF|\u0093NUMPY|\ufffdNUMPY|\ufffdHDF)/;

/**
 * A diff line that betrays binary content diffed as text (a file whose name says text but which
 * holds a NUL or invalid UTF-8, as a renamed checkpoint does), or the first line of a weights format.
 */
function looksLikeWeightsLine(text: string): boolean {
  return text.includes('\u0000') || text.includes('\ufffd') || WEIGHTS_MAGIC.test(text);
}

/**
 * What changed inside a weight file, read through the change's own content access (streamed for
 * files on disk, never whole). Null when neither side is a weight file. A side that cannot be read
 * any more (deleted meanwhile) counts as unknown rather than failing the check.
 */
export async function describeWeights(change: Change): Promise<WeightsDiff | null> {
  if (!mayConcernWeights(change)) return null;
  const { content } = change;
  let oldSource: ClosableByteSource | null = null;
  let newSource: ClosableByteSource | null = null;
  try {
    oldSource = content.oldWeights ? null : await openQuietly(content.openOld);
    // A summary the source made with the new side's digest describes exactly that version; opening the
    // path again could read a file swapped in since.
    newSource = content.newWeights && !oldSource ? null : await openQuietly(content.openNew);
    const oldSummary = content.oldWeights ?? (await summarizeQuietly(oldSource, change.previousFile ?? change.file));
    const newSummary = content.newWeights ?? (await summarizeQuietly(newSource, change.file));
    const diff = diffQuietly(oldSummary, newSummary);
    if (!diff || !oldSummary || !newSummary || !oldSource || !newSource) return diff;
    return await addElementDeltas(diff, { summary: oldSummary, source: oldSource }, { summary: newSummary, source: newSource }).catch(() => diff);
  } finally {
    await oldSource?.close().catch(() => undefined);
    await newSource?.close().catch(() => undefined);
  }
}

/**
 * Diffs two summaries. A stored one (a snapshot manifest's) is only as sound as the manifest it came
 * from: one that does not hold together is set aside rather than ending the scan.
 */
function diffQuietly(oldSummary: WeightsSummary | null, newSummary: WeightsSummary | null): WeightsDiff | null {
  try {
    return capWeightsDiff(diffWeights(oldSummary, newSummary));
  } catch (error) {
    if (!(error instanceof TypeError)) throw error;
    return capWeightsDiff(diffWeights(null, newSummary));
  }
}

/** Names kept per list in an incident; a checkpoint of a million tensors must not make a 75 MB incident. */
const MAX_LISTED = 1000;

function capWeightsDiff(diff: WeightsDiff | null): WeightsDiff | null {
  const tensors = diff?.tensors;
  if (!diff || !tensors) return diff;
  const cap = <T>(items: readonly T[]) => items.slice(0, MAX_LISTED);
  const isLong = [tensors.added, tensors.removed, tensors.changed, tensors.reshaped, tensors.retyped].some((list) => list.length > MAX_LISTED);
  if (!isLong) return diff;
  return {
    ...diff,
    tensors: { added: cap(tensors.added), removed: cap(tensors.removed), changed: cap(tensors.changed), reshaped: cap(tensors.reshaped), retyped: cap(tensors.retyped) },
    problems: [...(diff.problems ?? []), { code: 'listing-truncated', message: `more than ${MAX_LISTED} tensors in one list; the first ${MAX_LISTED} are named` }],
  };
}

async function openQuietly(open: (() => Promise<ClosableByteSource | null>) | undefined): Promise<ClosableByteSource | null> {
  if (!open) return null;
  try {
    return await open();
  } catch (error) {
    if (error instanceof WeightsReadError) return null;
    throw error;
  }
}

async function summarizeQuietly(source: ClosableByteSource | null, path: string): Promise<WeightsSummary | null> {
  if (!source) return null;
  try {
    return await summarizeWeights(source, path);
  } catch (error) {
    if (error instanceof WeightsReadError) return null;
    throw error;
  }
}

