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
    newSource = await openQuietly(content.openNew);
    const oldSummary = content.oldWeights ?? (await summarizeQuietly(oldSource, change.previousFile ?? change.file));
    const newSummary = await summarizeQuietly(newSource, change.file);
    const diff = diffWeights(oldSummary, newSummary);
    if (!diff || !oldSummary || !newSummary || !oldSource || !newSource) return diff;
    return await addElementDeltas(diff, { summary: oldSummary, source: oldSource }, { summary: newSummary, source: newSource }).catch(() => diff);
  } finally {
    await oldSource?.close().catch(() => undefined);
    await newSource?.close().catch(() => undefined);
  }
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

