import { findPythonScopes, type CodeScope, type PythonScopeIndex } from '../python-scopes.js';
import { readCodeCellSources, type SourcePiece } from './notebook-reader.js';
import { NO_SCOPES, type Scope, type ScopeIndex } from './scope-index.js';
import { countLines, decodeSource } from './source-lines.js';

/**
 * The Python code of a Jupyter notebook, and how its lines map to the lines of the .ipynb file: an
 * edit to a notebook is a diff of its JSON, and only lines of code cells' `source` strings are code.
 */
export interface NotebookCode {
  /** Every code cell's source, one cell after another with a blank line between. */
  readonly code: string;
  /** The .ipynb line holding the source string where a 1-based line of `code` starts; null for the blank lines between cells. */
  toNotebookLine(codeLine: number): number | null;
  /** The line of `code` where the source string on a 1-based .ipynb line starts; null for lines that hold none (outputs, metadata, markdown). */
  toCodeLine(notebookLine: number): number | null;
  /** The decoded text of the source string on a 1-based .ipynb line, without its trailing newline; null where `toCodeLine` is. */
  codeTextAt(notebookLine: number): string | null;
}

/**
 * Reads the code cells of an nbformat 4 notebook (`source` as an array of strings or as one string),
 * so the code can be handed to `findPythonScopes` and its lines mapped back to the notebook's.
 * Markdown and raw cells and every output are left out: printed text that looks like code is not code.
 * Returns null when the source is not a parsable notebook.
 */
export function readNotebookCode(source: string | Buffer): NotebookCode | null {
  return readNotebook(decodeSource(source))?.code ?? null;
}

/**
 * Indexes the `def`s and `class`es of a notebook's code cells over the .ipynb file's own lines, with
 * the scopes' lines those of the notebook too. Each cell is indexed on its own, as each is run: a
 * bracket a cell leaves open does not swallow the next. Lines outside code cells' sources, and every
 * line of a file that is not a parsable notebook, are outside every scope.
 */
export function findNotebookScopes(source: string | Buffer): ScopeIndex {
  const text = decodeSource(source);
  const notebook = readNotebook(text);
  if (notebook === null) return { lineCount: countLines(text), scopesAt: () => NO_SCOPES };
  const { code, cells, lineCount } = notebook;
  const indexes = new Map<CellLines, PythonScopeIndex>();
  const mapped = new WeakMap<readonly CodeScope[], readonly Scope[]>();
  return {
    lineCount,
    scopesAt(line: number): readonly Scope[] {
      const codeLine = code.toCodeLine(line);
      const cell = codeLine === null ? undefined : cellAt(cells, codeLine);
      if (codeLine === null || cell === undefined) return NO_SCOPES;
      let index = indexes.get(cell);
      if (index === undefined) {
        index = findPythonScopes(cell.text);
        indexes.set(cell, index);
      }
      const chain = index.scopesAt(codeLine - cell.firstLine + 1);
      if (chain.length === 0) return NO_SCOPES;
      let scopes = mapped.get(chain);
      if (scopes === undefined) {
        const toNotebook = (scope: CodeScope): Scope =>
          Object.freeze({ ...scope, line: code.toNotebookLine(scope.line + cell.firstLine - 1) ?? line });
        scopes = Object.freeze(chain.map(toNotebook));
        mapped.set(chain, scopes);
      }
      return scopes;
    },
  };
}

/** One code cell's lines in `code`. */
interface CellLines {
  /** 1-based line of `code` where the cell starts. */
  readonly firstLine: number;
  readonly lineCount: number;
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
  const lineCount = countLines(text);
  const builder = new CodeBuilder(lineCount);
  for (const pieces of sources) builder.addCell(pieces);
  return builder.finish();
}

/** The cell whose lines hold `codeLine`, by binary search; undefined for a line between cells. */
function cellAt(cells: readonly CellLines[], codeLine: number): CellLines | undefined {
  let low = 0;
  let high = cells.length - 1;
  while (low <= high) {
    const middle = (low + high) >> 1;
    const cell = cells[middle] as CellLines;
    if (codeLine < cell.firstLine) high = middle - 1;
    else if (codeLine >= cell.firstLine + cell.lineCount) low = middle + 1;
    else return cell;
  }
  return undefined;
}

const TRAILING_NEWLINE = /\r?\n$/;

/** Joins cells' pieces into code lines, keeping both directions of the line mapping. */
class CodeBuilder {
  private readonly codeLines: string[] = [];
  /** Per code line (index = line - 1), the notebook line where it starts; 0 between cells. */
  private readonly notebookLineOf: number[] = [];
  /** Per notebook line (index = line), the code line its first source string starts on; 0 for none. */
  private readonly codeLineOf: Int32Array;
  private readonly pieceTexts = new Map<number, string>();
  private readonly cells: CellLines[] = [];

  constructor(notebookLineCount: number) {
    this.codeLineOf = new Int32Array(notebookLineCount + 1);
  }

  addCell(pieces: readonly SourcePiece[]): void {
    const cellText = pieces.map((piece) => piece.text).join('');
    if (cellText.length === 0) return;
    if (this.codeLines.length > 0) {
      this.codeLines.push('');
      this.notebookLineOf.push(0);
    }
    const firstLine = this.codeLines.length + 1;
    let isLineOpen = false;
    for (const piece of pieces) {
      if (piece.text.length === 0) continue;
      if (!isLineOpen) {
        this.codeLines.push('');
        this.notebookLineOf.push(piece.notebookLine);
      }
      this.notePiece(piece, this.codeLines.length);
      const parts = piece.text.split('\n');
      this.codeLines[this.codeLines.length - 1] += parts[0] as string;
      for (let index = 1; index < parts.length - 1; index++) {
        this.codeLines.push(parts[index] as string);
        this.notebookLineOf.push(piece.notebookLine);
      }
      // A piece that ends without a newline leaves its line open for the next piece to go on.
      isLineOpen = parts.length === 1 || (parts[parts.length - 1] as string).length > 0;
      if (parts.length > 1 && isLineOpen) {
        this.codeLines.push(parts[parts.length - 1] as string);
        this.notebookLineOf.push(piece.notebookLine);
      }
    }
    this.cells.push({ firstLine, lineCount: this.codeLines.length - firstLine + 1, text: this.codeLines.slice(firstLine - 1).join('\n') + '\n' });
  }

  finish(): Notebook {
    const { codeLines, notebookLineOf, codeLineOf, pieceTexts, cells } = this;
    const code: NotebookCode = {
      code: codeLines.length === 0 ? '' : codeLines.join('\n') + '\n',
      toNotebookLine: (codeLine) => (Number.isInteger(codeLine) ? notebookLineOf[codeLine - 1] || null : null),
      toCodeLine: (notebookLine) => (Number.isInteger(notebookLine) && notebookLine > 0 ? codeLineOf[notebookLine] || null : null),
      codeTextAt: (notebookLine) => pieceTexts.get(notebookLine)?.replace(TRAILING_NEWLINE, '') ?? null,
    };
    return { code, cells, lineCount: codeLineOf.length - 1 };
  }

  /** Records a piece on its notebook line; several on one line (a minified notebook) join. */
  private notePiece(piece: SourcePiece, codeLine: number): void {
    const line = piece.notebookLine;
    if (line >= this.codeLineOf.length) return;
    if (this.codeLineOf[line] === 0) this.codeLineOf[line] = codeLine;
    this.pieceTexts.set(line, (this.pieceTexts.get(line) ?? '') + piece.text);
  }
}
