import type { Change, ChangeOrigin } from './change.js';
import { changeFromVersions, type FileVersion } from './from-sides.js';
import { lineSimilarity, RENAME_THRESHOLD } from './similarity.js';

/** Delete/add pairs compared as possible renames; past this, they stay separate changes. */
export const MAX_RENAME_COMPARISONS = 10_000;

/**
 * Pairs deleted and added files into renames: identical content first, then the most similar text
 * above git's 50% threshold. Whatever stays unpaired is a deletion or an addition.
 */
export function pairRenames(deleted: readonly FileVersion[], added: readonly FileVersion[], origin: ChangeOrigin): Change[] {
  const changes: Change[] = [];
  const remainingAdded = new Set(added);
  const addedByContent = new Map<string, FileVersion[]>();
  for (const after of added) {
    if (after.sha256 === null) continue;
    const key = `${after.mode}:${after.sha256}`;
    const list = addedByContent.get(key);
    if (list) list.push(after);
    else addedByContent.set(key, [after]);
  }
  const unpaired: FileVersion[] = [];
  for (const before of deleted) {
    const twin = before.sha256 === null ? undefined : addedByContent.get(`${before.mode}:${before.sha256}`)?.shift();
    if (twin) {
      remainingAdded.delete(twin);
      changes.push(changeFromVersions({ before, after: twin, origin, similarity: 100 }));
    } else {
      unpaired.push(before);
    }
  }
  let budget = MAX_RENAME_COMPARISONS;
  for (const before of unpaired) {
    let best: { after: FileVersion; score: number } | null = null;
    if (before.bytes) {
      for (const after of remainingAdded) {
        if (budget-- <= 0 || !after.bytes) continue;
        const score = lineSimilarity(before.bytes.toString('utf8'), after.bytes.toString('utf8'));
        if (score >= RENAME_THRESHOLD && (!best || score > best.score)) best = { after, score };
      }
    }
    if (best) {
      remainingAdded.delete(best.after);
      changes.push(changeFromVersions({ before, after: best.after, origin, similarity: best.score }));
    } else {
      changes.push(changeFromVersions({ before, after: null, origin }));
    }
  }
  for (const after of remainingAdded) changes.push(changeFromVersions({ before: null, after, origin }));
  return changes;
}
