/**
 * How alike two texts are, in percent: the share of lines they have in common (as multisets), in
 * the spirit of git's rename score. Order-insensitive and linear, so pairing candidates stays cheap.
 */
export function lineSimilarity(a: string, b: string): number {
  const left = a.split('\n');
  const right = b.split('\n');
  if (left.length + right.length === 0) return 100;
  const counts = new Map<string, number>();
  for (const line of left) counts.set(line, (counts.get(line) ?? 0) + 1);
  let common = 0;
  for (const line of right) {
    const count = counts.get(line) ?? 0;
    if (count > 0) {
      common++;
      counts.set(line, count - 1);
    }
  }
  return Math.floor((200 * common) / (left.length + right.length));
}

/** git's default: below this, a delete and an add stay two changes. */
export const RENAME_THRESHOLD = 50;
