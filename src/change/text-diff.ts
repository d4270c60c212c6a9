import type { DiffLine, Hunk } from './change.js';
import { lazyModule } from '../util/lazy-module.js';

const jsdiff = lazyModule<typeof import('diff')>('diff');

/**
 * Edit distance, and time, past which we stop looking for a minimal diff and show a whole-file
 * replacement: every line still appears, as removed and added, so nothing goes unchecked.
 */
const MAX_EDIT_LENGTH = 5_000;
const MAX_DIFF_MS = 1_000;

/**
 * Diffs two versions of a text file into hunks with line numbers, in git's conventions (three lines
 * of context, a side with no lines starts at 0). null stands for a missing side.
 */
export function diffTexts(oldText: string | null, newText: string | null): Hunk[] {
  const before = oldText ?? '';
  const after = newText ?? '';
  if (before === after) return [];
  const patch = jsdiff().structuredPatch('a', 'b', before, after, '', '', { context: 3, maxEditLength: MAX_EDIT_LENGTH, timeout: MAX_DIFF_MS });
  if (!patch) return [wholeFileHunk(before, after)];
  return patch.hunks.map((hunk) =>
    toHunk(
      hunk.oldLines === 0 ? Math.max(0, hunk.oldStart - 1) : hunk.oldStart,
      hunk.oldLines,
      hunk.newLines === 0 ? Math.max(0, hunk.newStart - 1) : hunk.newStart,
      hunk.newLines,
      hunk.lines,
    ),
  );
}

function toHunk(oldStart: number, oldLines: number, newStart: number, newLines: number, raw: string[]): Hunk {
  const lines: DiffLine[] = [];
  let oldNo = oldLines === 0 ? oldStart + 1 : oldStart;
  let newNo = newLines === 0 ? newStart + 1 : newStart;
  for (const line of raw) {
    const tag = line.charAt(0);
    const text = line.slice(1);
    if (tag === '+') lines.push({ side: 'added', text, oldLine: null, newLine: newNo++ });
    else if (tag === '-') lines.push({ side: 'removed', text, oldLine: oldNo++, newLine: null });
    else if (tag === ' ') lines.push({ side: 'context', text, oldLine: oldNo++, newLine: newNo++ });
  }
  return { oldStart, oldLines, newStart, newLines, header: '', lines };
}

function splitTextLines(text: string): string[] {
  if (text === '') return [];
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

function wholeFileHunk(before: string, after: string): Hunk {
  const removed = splitTextLines(before);
  const added = splitTextLines(after);
  return toHunk(
    removed.length === 0 ? 0 : 1,
    removed.length,
    added.length === 0 ? 0 : 1,
    added.length,
    [...removed.map((line) => `-${line}`), ...added.map((line) => `+${line}`)],
  );
}

/**
 * Rebuilds the old version of a file from its new version and the hunks between them. Used where the
 * old blob does not exist as an object (a merge's remerge diff compares against a tree git made in
 * memory) but the hunks and the new file do.
 */
export function reconstructOldText(newText: string, hunks: readonly Hunk[]): string {
  const newLines = newText.split('\n');
  const out: string[] = [];
  let nextNew = 1;
  for (const hunk of hunks) {
    const firstNew = hunk.newLines === 0 ? hunk.newStart + 1 : hunk.newStart;
    while (nextNew < firstNew && nextNew <= newLines.length) out.push(newLines[nextNew++ - 1] as string);
    for (const line of hunk.lines) {
      if (line.side !== 'added') out.push(line.text);
      if (line.side !== 'removed') nextNew++;
    }
  }
  while (nextNew <= newLines.length) out.push(newLines[nextNew++ - 1] as string);
  return out.join('\n');
}
