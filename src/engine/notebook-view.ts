import type { Change, DiffLine, Hunk } from '../change/change.js';
import { readNotebookCode, type NotebookCode } from '../formats/scopes/notebook-cells.js';

const NOTEBOOK_FILE = /\.ipynb$/i;

/**
 * A Jupyter notebook's change as its code reads: each changed line that is a line of a code cell's
 * source carries that code (`    return 1.0`) instead of its JSON (`"    return 1.0\n",`), and changed
 * lines outside code cells (outputs, metadata, markdown) are left out, so rules written for Python
 * source see a notebook's code the same way and printed output that looks like code flags nothing.
 * Line numbers stay the notebook's. A side that is not a readable notebook keeps its lines as they are.
 */
export async function notebookCodeView(change: Change): Promise<Change> {
  if (change.isBinary || !(NOTEBOOK_FILE.test(change.file) || NOTEBOOK_FILE.test(change.previousFile ?? ''))) return change;
  let hasRemoved = false;
  let hasAdded = false;
  for (const hunk of change.hunks) {
    for (const line of hunk.lines) {
      if (line.side === 'removed') hasRemoved = true;
      else if (line.side === 'added') hasAdded = true;
    }
  }
  if (!hasRemoved && !hasAdded) return change;
  const [oldCode, newCode] = await Promise.all([
    hasRemoved ? change.content.readOld().then(toNotebook) : null,
    hasAdded ? change.content.readNew().then(toNotebook) : null,
  ]);
  if (oldCode === null && newCode === null) return change;
  const hunks: Hunk[] = change.hunks.map((hunk) => ({ ...hunk, lines: hunk.lines.flatMap((line) => asCode(line, oldCode, newCode)) }));
  return { ...change, hunks };
}

function toNotebook(bytes: Buffer | null): NotebookCode | null {
  return bytes === null ? null : readNotebookCode(bytes);
}

function asCode(line: DiffLine, oldCode: NotebookCode | null, newCode: NotebookCode | null): DiffLine[] {
  if (line.side === 'context') return [line];
  const notebook = line.side === 'removed' ? oldCode : newCode;
  const number = line.side === 'removed' ? line.oldLine : line.newLine;
  if (notebook === null || number === null) return [line];
  const text = notebook.codeTextAt(number);
  return text === null ? [] : [{ ...line, text }];
}
