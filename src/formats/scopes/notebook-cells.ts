import { findPythonScopes, type CodeScope, type PythonScopeIndex } from '../python-scopes.js';
import { cleanUpCell } from './ipython-cleanup.js';
import { readCodeCellSources, type SourcePiece } from './notebook-reader.js';
import { NO_SCOPES, type Scope, type ScopeIndex } from './scope-index.js';
import { countLines, decodeSource } from './source-lines.js';

/** One line of a code cell, as the kernel runs it. */
export interface CodeLine {
  /** Its text, without a line end. */
  readonly text: string;
  /** The 1-based .ipynb line holding the source string where it starts. */
  readonly notebookLine: number;
  /** Which code cell it is in, counting from 0. */
  readonly cell: number;
  /** Its 1-based line within that cell. */
  readonly lineInCell: number;
}

/**
 * The Python code of a Jupyter notebook, and how its lines map to the lines of the .ipynb file: an
 * edit to a notebook is a diff of its JSON, and only the source strings of code cells are code.
 */
export interface NotebookCode {
  /** Every code cell's source, one cell after another with a blank line between. */
  readonly code: string;
  /** Every line of every code cell, in order. */
  readonly lines: readonly CodeLine[];
  /**
   * The code lines that start on a 1-based .ipynb line: one for a line of a notebook as Jupyter writes
   * it, several for a source string that holds newlines or a notebook written on one line, none for
   * lines outside code cells' sources (outputs, metadata, markdown).
   */
  codeLinesAt(notebookLine: number): readonly CodeLine[];
}

/**
 * Reads the code cells of a notebook (see readCodeCellSources for where code is looked for), as the
 * IPython kernel runs them: a `\r` alone ends a line as in Python, and a cell is cleaned up as IPython
 * does before running it (its common indent and `>>>` or `In [1]:` prompts taken off). Markdown and
 * raw cells and every output are left out: printed text that looks like code is not code. Returns null
 * when the source is not a parsable notebook.
 */
export function readNotebookCode(source: string | Buffer): NotebookCode | null {
  return readNotebook(decodeSource(source))?.code ?? null;
}

/**
 * Indexes the `def`s and `class`es of a notebook's code cells over the .ipynb file's own lines. Each
 * cell is indexed on its own, as each is run: a bracket a cell leaves open does not swallow the next.
 * A notebook line gets the scopes of every code line that starts on it, so in a notebook written on
 * one line, or a cell written as one string, no function can hide behind another on the same line.
 * Lines outside code cells' sources, and every line of a file that is not a parsable notebook, are
 * outside every scope.
 */
export function findNotebookScopes(source: string | Buffer): ScopeIndex {
  const text = decodeSource(source);
  const notebook = readNotebook(text);
  if (notebook === null) return { lineCount: countLines(text), scopesAt: () => NO_SCOPES };
  const { code, cells, lineCount } = notebook;
  const indexes = new Map<number, PythonScopeIndex>();
  const chainsByLine = new Map<number, readonly Scope[]>();
  const indexOf = (cell: number): PythonScopeIndex => {
    let index = indexes.get(cell);
    if (index === undefined) {
      index = findPythonScopes((cells[cell] as CellLines).text);
      indexes.set(cell, index);
    }
    return index;
  };
  return {
    lineCount,
    scopesAt(notebookLine: number): readonly Scope[] {
      const cached = chainsByLine.get(notebookLine);
      if (cached !== undefined) return cached;
      const scopes: Scope[] = [];
      const seen = new Set<string>();
      for (const line of code.codeLinesAt(notebookLine)) {
        for (const scope of indexOf(line.cell).scopesAt(line.lineInCell)) {
          const key = `${line.cell}\0${scope.line}\0${scope.name}`;
          if (seen.has(key)) continue;
          seen.add(key);
          const start = code.lines[(cells[line.cell] as CellLines).first + scope.line - 1];
          scopes.push(Object.freeze({ ...scope, line: start?.notebookLine ?? notebookLine }));
        }
      }
      const chain = scopes.length === 0 ? NO_SCOPES : Object.freeze(scopes);
      chainsByLine.set(notebookLine, chain);
      return chain;
    },
  };
}

/** One code cell in `NotebookCode.lines`. */
interface CellLines {
  /** Index of its first line. */
  readonly first: number;
  /** Its lines as the kernel runs them, each ended by `\n`. */
  readonly text: string;
}

interface Notebook {
  readonly code: NotebookCode;
  readonly cells: readonly CellLines[];
  /** Lines of the .ipynb file. */
  readonly lineCount: number;
}

function readNotebook(text: string): Notebook | null {
  const sources = readCodeCellSources(text);
  if (sources === null) return null;
  const lines: CodeLine[] = [];
  const cells: CellLines[] = [];
  const startingOn = new Map<number, CodeLine[]>();
  for (const pieces of sources) {
    const { texts, notebookLines } = splitCell(pieces);
    if (texts.length === 0) continue;
    const cell = cells.length;
    const cleaned = cleanUpCell(texts);
    cells.push({ first: lines.length, text: cleaned.join('\n') + '\n' });
    cleaned.forEach((lineText, offset) => {
      const line: CodeLine = { text: lineText, notebookLine: notebookLines[offset] as number, cell, lineInCell: offset + 1 };
      lines.push(line);
      const onLine = startingOn.get(line.notebookLine);
      if (onLine === undefined) startingOn.set(line.notebookLine, [line]);
      else onLine.push(line);
    });
  }
  const code: NotebookCode = {
    code: cells.map((cell) => cell.text).join('\n'),
    lines,
    codeLinesAt: (notebookLine) => startingOn.get(notebookLine) ?? [],
  };
  return { code, cells, lineCount: countLines(text) };
}

/** `\r\n`, `\r` and `\n` each end a line of Python. */
const LINE_END = /\r\n|\r|\n/g;

/**
 * Joins a cell's pieces and splits the text into lines, each with the notebook line of the piece it
 * starts in. A final line end ends the last line rather than starting another.
 */
function splitCell(pieces: readonly SourcePiece[]): { texts: string[]; notebookLines: number[] } {
  const text = pieces.map((piece) => piece.text).join('');
  const texts: string[] = [];
  const notebookLines: number[] = [];
  // The piece holding a position: pieces are walked forward as lines are, so this is linear.
  let piece = 0;
  let pieceEnd = pieces[0]?.text.length ?? 0;
  const addLine = (start: number, end: number): void => {
    while (piece < pieces.length - 1 && pieceEnd <= start) pieceEnd += (pieces[++piece] as SourcePiece).text.length;
    texts.push(text.slice(start, end));
    notebookLines.push((pieces[piece] as SourcePiece).notebookLine);
  };
  let start = 0;
  LINE_END.lastIndex = 0;
  for (let match = LINE_END.exec(text); match !== null; match = LINE_END.exec(text)) {
    addLine(start, match.index);
    start = match.index + match[0].length;
  }
  if (start < text.length) addLine(start, text.length);
  return { texts, notebookLines };
}
