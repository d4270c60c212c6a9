import type { Change, DiffLine, Hunk } from '../change/change.js';
import { readNotebookCode, type CodeLine, type NotebookCode } from '../formats/scopes/notebook-cells.js';
import { lazyModule } from '../util/lazy-module.js';

const jsdiff = lazyModule<typeof import('diff')>('diff');

const NOTEBOOK_FILE = /\.ipynb$/i;

/** Edit distance, and time, past which the code is compared whole: every line removed and added. */
const MAX_EDIT_LENGTH = 5_000;
const MAX_DIFF_MS = 1_000;

/** One version of a notebook: none (an added or deleted file), code, or something not readable as one. */
type Side = { readonly kind: 'absent' } | { readonly kind: 'notebook'; readonly code: NotebookCode } | { readonly kind: 'opaque' };

/**
 * A Jupyter notebook's change as its code reads: the changed lines are the code lines that differ
 * between the two versions' code cells (`    return 1.0`, not the JSON line `"    return 1.0\n",`),
 * each at the .ipynb line where it starts. The code is compared, not the JSON lines git compared,
 * because what runs can change where no source line does: a markdown cell turned into a code cell, a
 * `source` key renamed, a duplicate `cell_type`, a notebook reflowed onto one line. Changes outside
 * code (outputs, metadata, markdown) leave no line, so printed output that looks like code flags
 * nothing. A version that is not a readable notebook keeps its own changed lines as they are, and the
 * other version's code then counts whole, as if it were added or removed.
 */
export async function notebookCodeView(change: Change): Promise<Change> {
  if (change.isBinary || !(NOTEBOOK_FILE.test(change.file) || NOTEBOOK_FILE.test(change.previousFile ?? ''))) return change;
  if (!change.hunks.some((hunk) => hunk.lines.some((line) => line.side !== 'context'))) return change;
  const [before, after] = await Promise.all([
    change.kind === 'added' ? ABSENT : change.content.readOld().then(toSide),
    change.kind === 'deleted' ? ABSENT : change.content.readNew().then(toSide),
  ]);
  if (before.kind !== 'notebook' && after.kind !== 'notebook') return change;
  const lines = [...changedCode(before, after), ...ownLines(change, before, 'removed'), ...ownLines(change, after, 'added')];
  return { ...change, hunks: lines.length === 0 ? [] : [hunkOf(lines)] };
}

const ABSENT: Side = { kind: 'absent' };
const OPAQUE: Side = { kind: 'opaque' };

function toSide(bytes: Buffer | null): Side {
  const code = bytes === null ? null : readNotebookCode(bytes);
  return code === null ? OPAQUE : { kind: 'notebook', code };
}

/** Code lines stand for themselves; a cell boundary is a token no line can equal. */
const CELL_BOUNDARY = '\n';

function tokensOf(side: Side): { tokens: string[]; lines: (CodeLine | null)[] } {
  const tokens: string[] = [];
  const lines: (CodeLine | null)[] = [];
  if (side.kind !== 'notebook') return { tokens, lines };
  let cell = -1;
  for (const line of side.code.lines) {
    if (line.cell !== cell && cell !== -1) {
      tokens.push(CELL_BOUNDARY);
      lines.push(null);
    }
    cell = line.cell;
    tokens.push(line.text);
    lines.push(line);
  }
  return { tokens, lines };
}

/** The code lines removed from `before` and added in `after`, in diff order. */
function changedCode(before: Side, after: Side): DiffLine[] {
  const old = tokensOf(before);
  const now = tokensOf(after);
  const removed = (line: CodeLine | null | undefined): DiffLine[] =>
    line ? [{ side: 'removed', text: line.text, oldLine: line.notebookLine, newLine: null }] : [];
  const added = (line: CodeLine | null | undefined): DiffLine[] =>
    line ? [{ side: 'added', text: line.text, oldLine: null, newLine: line.notebookLine }] : [];
  const parts = jsdiff().diffArrays(old.tokens, now.tokens, { maxEditLength: MAX_EDIT_LENGTH, timeout: MAX_DIFF_MS });
  if (!parts) return [...old.lines.flatMap(removed), ...now.lines.flatMap(added)];
  const result: DiffLine[] = [];
  let oldAt = 0;
  let newAt = 0;
  for (const part of parts) {
    const count = part.value.length;
    if (part.removed) for (let index = 0; index < count; index++) result.push(...removed(old.lines[oldAt++]));
    else if (part.added) for (let index = 0; index < count; index++) result.push(...added(now.lines[newAt++]));
    else {
      oldAt += count;
      newAt += count;
    }
  }
  return result;
}

/** The changed lines of one side as the diff has them, when that side is not a readable notebook. */
function ownLines(change: Change, side: Side, lineSide: 'removed' | 'added'): DiffLine[] {
  if (side.kind !== 'opaque') return [];
  return change.hunks.flatMap((hunk) => hunk.lines.filter((line) => line.side === lineSide));
}

/** One hunk holding the view's lines; only its lines are read by rules. */
function hunkOf(lines: readonly DiffLine[]): Hunk {
  const first = (side: 'removed' | 'added') => lines.find((line) => line.side === side);
  const count = (side: 'removed' | 'added') => lines.filter((line) => line.side === side).length;
  return {
    oldStart: first('removed')?.oldLine ?? 0,
    oldLines: count('removed'),
    newStart: first('added')?.newLine ?? 0,
    newLines: count('added'),
    header: '',
    lines,
  };
}
