import { decodeJsonString, JsonTokenizer, type JsonToken } from './json-tokens.js';

/** One string of a code cell's source, where it is in the notebook file. */
export interface SourcePiece {
  /** Its decoded text, with what its reader puts after it (a newline, for the older formats). */
  readonly text: string;
  /** 1-based line of the .ipynb file that holds it. */
  readonly notebookLine: number;
}

/** A notebook's cells as far as code goes: each code cell's source pieces, in order. */
export type CodeCellSources = readonly (readonly SourcePiece[])[];

/**
 * Reads the code of a Jupyter notebook with the line each source string is on, which `JSON.parse`
 * cannot tell. Readers disagree on where a notebook's code is, and the file is written by the agent,
 * so every place one of them runs code from is read, for a code cell anywhere one of them looks:
 *
 * - `source` of the cells in `cells` (nbformat 4; VS Code also reads it when `nbformat` is missing);
 * - `input` of the cells in each of `worksheets[].cells` (nbformat 2 and 3, which Jupyter upgrades);
 * - `code` of the cells in `cells` (nbformat 1, which nbformat assumes when `nbformat` is missing).
 *
 * A key given twice counts once, with its last value, as in Python's `json` and `JSON.parse`. A
 * list of strings is joined as nbformat joins it: as is for `source`; for `input`, with a newline
 * between strings when its first has none (nbformat 3) or always (nbformat 2). Only the structure
 * down to the cells is looked into; every other value is skipped by its brackets. Returns null when
 * the text is not a JSON object holding `cells` or `worksheets`.
 */
export function readCodeCellSources(text: string): CodeCellSources | null {
  try {
    return new NotebookParser(text).read();
  } catch (error) {
    if (error instanceof NotANotebook) return null;
    throw error;
  }
}

/** Thrown inside the parser only, to give up on a text that is not a notebook. */
class NotANotebook extends Error {}

/** The last value a cell gave a field that may hold code. */
type FieldValue =
  | { readonly kind: 'string'; readonly piece: SourcePiece }
  | { readonly kind: 'list'; readonly pieces: readonly SourcePiece[] }
  | { readonly kind: 'other' };

const CODE_FIELDS = ['source', 'input', 'code'] as const;
type CodeField = (typeof CODE_FIELDS)[number];

interface ParsedCell {
  /** The last `cell_type`, or null when it was not a string. */
  type: string | null;
  readonly fields: Map<CodeField, FieldValue>;
}

/** The top level's `nbformat` as Python's `json` reads it: 2 for `2`, `2.0` or `2e0`. */
const JSON_NUMBER = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][-+]?\d+)?$/;

class NotebookParser {
  private readonly text: string;
  private readonly tokens: JsonTokenizer;

  constructor(text: string) {
    this.text = text;
    this.tokens = new JsonTokenizer(text);
  }

  read(): CodeCellSources {
    const found: { cells: ParsedCell[] | null; worksheets: ParsedCell[][] | null; major: number | null } = { cells: null, worksheets: null, major: null };
    let hasCells = false;
    this.expect('{');
    this.readMembers((key) => {
      const value = this.take();
      if (key === 'cells') {
        found.cells = value.kind === '[' ? this.readCells() : (this.skipValue(value), null);
        hasCells ||= found.cells !== null;
      } else if (key === 'worksheets') {
        found.worksheets = value.kind === '[' ? this.readWorksheets() : (this.skipValue(value), null);
        hasCells ||= found.worksheets !== null;
      } else if (key === 'nbformat') {
        found.major = value.kind === 'literal' && JSON_NUMBER.test(this.decode(value)) ? Number(this.decode(value)) : null;
        this.skipValue(value);
      } else {
        this.skipValue(value);
      }
    });
    if (this.tokens.next() !== null || !hasCells) throw new NotANotebook();
    // nbformat 2 joins an input's lines with newlines whatever they end with; 3 only when they have none.
    const joinInput = found.major === 2 ? joinWithNewlines : joinAsNbformat3;
    const sources: (readonly SourcePiece[])[] = [];
    for (const cell of found.cells ?? []) {
      if (cell.type !== 'code') continue;
      sources.push(piecesOf(cell.fields.get('source'), joinAsIs));
      sources.push(piecesOf(cell.fields.get('code'), null));
    }
    for (const worksheet of found.worksheets ?? []) {
      for (const cell of worksheet) if (cell.type === 'code') sources.push(piecesOf(cell.fields.get('input'), joinInput));
    }
    return sources.filter((pieces) => pieces.length > 0);
  }

  private readWorksheets(): ParsedCell[][] {
    const worksheets: ParsedCell[][] = [];
    this.readElements((token) => {
      if (token.kind !== '{') return this.skipValue(token);
      let cells: ParsedCell[] = [];
      this.readMembers((key) => {
        const value = this.take();
        if (key === 'cells' && value.kind === '[') cells = this.readCells();
        else if (key === 'cells') cells = (this.skipValue(value), []);
        else this.skipValue(value);
      });
      worksheets.push(cells);
    });
    return worksheets;
  }

  private readCells(): ParsedCell[] {
    const cells: ParsedCell[] = [];
    this.readElements((token) => {
      if (token.kind !== '{') return this.skipValue(token);
      const cell: ParsedCell = { type: null, fields: new Map() };
      this.readMembers((key) => {
        const value = this.take();
        if (key === 'cell_type') {
          cell.type = value.kind === 'string' ? this.decode(value) : null;
          this.skipValue(value);
        } else if ((CODE_FIELDS as readonly string[]).includes(key)) {
          cell.fields.set(key as CodeField, this.readField(value));
        } else {
          this.skipValue(value);
        }
      });
      cells.push(cell);
    });
    return cells;
  }

  /** A field that may hold code: one string, a list of strings (the usual form, a line each), or anything else. */
  private readField(value: JsonToken): FieldValue {
    if (value.kind === 'string') return { kind: 'string', piece: this.piece(value) };
    if (value.kind !== '[') {
      this.skipValue(value);
      return { kind: 'other' };
    }
    const pieces: SourcePiece[] = [];
    this.readElements((token) => {
      // nbformat cannot join a list holding anything else, and VS Code skips it: the strings are what may run.
      if (token.kind === 'string') pieces.push(this.piece(token));
      else this.skipValue(token);
    });
    return { kind: 'list', pieces };
  }

  private piece(token: JsonToken): SourcePiece {
    return { text: this.decode(token), notebookLine: token.line };
  }

  /** Reads `"key": value` members up to the closing brace, after its opening brace was taken. */
  private readMembers(readValue: (key: string) => void): void {
    let token = this.take();
    if (token.kind === '}') return;
    for (;;) {
      if (token.kind !== 'string') throw new NotANotebook();
      const key = this.decode(token);
      this.expect(':');
      readValue(key);
      token = this.take();
      if (token.kind === '}') return;
      if (token.kind !== ',') throw new NotANotebook();
      token = this.take();
    }
  }

  /** Reads array elements up to the closing bracket, after its opening bracket was taken. */
  private readElements(readElement: (token: JsonToken) => void): void {
    let token = this.take();
    if (token.kind === ']') return;
    for (;;) {
      readElement(token);
      token = this.take();
      if (token.kind === ']') return;
      if (token.kind !== ',') throw new NotANotebook();
      token = this.take();
    }
  }

  /** Skips a value whose first token is `first`, brackets matched without recursion. */
  private skipValue(first: JsonToken): void {
    if (first.kind === 'string' || first.kind === 'literal') return;
    if (first.kind !== '{' && first.kind !== '[') throw new NotANotebook();
    const open: string[] = [first.kind];
    while (open.length > 0) {
      const token = this.take();
      if (token.kind === '{' || token.kind === '[') open.push(token.kind);
      else if (token.kind === '}' || token.kind === ']') {
        if (open.pop() !== (token.kind === '}' ? '{' : '[')) throw new NotANotebook();
      }
    }
  }

  private expect(kind: JsonToken['kind']): void {
    if (this.take().kind !== kind) throw new NotANotebook();
  }

  /** The next token; a notebook that ends early, or holds a broken string, is not one. */
  private take(): JsonToken {
    const token = this.tokens.next();
    if (token === null || token.isUnterminated) throw new NotANotebook();
    return token;
  }

  private decode(token: JsonToken): string {
    return decodeJsonString(this.text, token);
  }
}

type JoinLines = (pieces: readonly SourcePiece[]) => readonly SourcePiece[];

/** nbformat 4: `"".join(source)`. */
const joinAsIs: JoinLines = (pieces) => pieces;

/** nbformat 2: `"\n".join(input)`. */
const joinWithNewlines: JoinLines = (pieces) =>
  pieces.map((piece, index) => (index === pieces.length - 1 ? piece : { ...piece, text: `${piece.text}\n` }));

/** nbformat 3: as is when the first line ends with a line break (`splitlines(True)` wrote it), else with newlines. */
const joinAsNbformat3: JoinLines = (pieces) => (/[\r\n]$/.test(pieces[0]?.text ?? '') ? pieces : joinWithNewlines(pieces));

/**
 * The pieces of a field's value: a string is one piece, a list is joined by `join` (null: a list is
 * not code there, as nbformat 1 turns it into its Python repr, a list expression that runs nothing).
 */
function piecesOf(value: FieldValue | undefined, join: JoinLines | null): readonly SourcePiece[] {
  if (value === undefined || value.kind === 'other') return [];
  if (value.kind === 'string') return [value.piece];
  return join === null ? [] : join(value.pieces);
}
