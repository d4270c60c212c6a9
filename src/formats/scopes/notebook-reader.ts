import { decodeJsonString, JsonTokenizer, type JsonToken } from './json-tokens.js';

/** One string of a code cell's `source`, where it is in the notebook file. */
export interface SourcePiece {
  /** Its decoded text, the newline at its end included. */
  readonly text: string;
  /** 1-based line of the .ipynb file that holds it. */
  readonly notebookLine: number;
}

/** A notebook's cells as far as code goes: each code cell's source pieces, in order. */
export type CodeCellSources = readonly (readonly SourcePiece[])[];

/**
 * Reads the code cells of an nbformat 4 notebook with the line each `source` string is on, which
 * `JSON.parse` cannot tell. Only the structure down to `cells[].cell_type` and `cells[].source` is
 * looked into; every other value is skipped by its brackets. `cell_type` may come before or after
 * `source`. Returns null when the text is not JSON holding a `cells` array.
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

class NotebookParser {
  private readonly text: string;
  private readonly tokens: JsonTokenizer;

  constructor(text: string) {
    this.text = text;
    this.tokens = new JsonTokenizer(text);
  }

  read(): CodeCellSources {
    const found: { cells: CodeCellSources | null } = { cells: null };
    this.expect('{');
    this.readMembers((key) => {
      if (key === 'cells') found.cells = this.readCells();
      else this.skipValue(this.take());
    });
    if (this.tokens.next() !== null || found.cells === null) throw new NotANotebook();
    return found.cells;
  }

  private readCells(): CodeCellSources {
    const cells: (readonly SourcePiece[])[] = [];
    this.expect('[');
    this.readElements((token) => {
      if (token.kind !== '{') throw new NotANotebook();
      const cell: { type: string | null; source: readonly SourcePiece[] } = { type: null, source: [] };
      this.readMembers((key) => {
        const value = this.take();
        if (key === 'cell_type' && value.kind === 'string') cell.type = this.decode(value);
        else if (key === 'source') cell.source = this.readSource(value);
        else this.skipValue(value);
      });
      if (cell.type === 'code') cells.push(cell.source);
    });
    return cells;
  }

  /** A `source`: one string, or an array of strings (the usual form, a line each). */
  private readSource(value: JsonToken): readonly SourcePiece[] {
    if (value.kind === 'string') return [this.piece(value)];
    if (value.kind !== '[') {
      this.skipValue(value);
      return [];
    }
    const pieces: SourcePiece[] = [];
    this.readElements((token) => {
      if (token.kind === 'string') pieces.push(this.piece(token));
      else this.skipValue(token);
    });
    return pieces;
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
