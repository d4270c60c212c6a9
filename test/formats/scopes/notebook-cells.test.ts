import { describe, expect, it } from 'vitest';
import { findPythonScopes } from '../../../src/formats/python-scopes.js';
import { findNotebookScopes, readNotebookCode } from '../../../src/formats/scopes/notebook-cells.js';
import { MALFORMED_SAMPLES, namesByLine } from './expect-scopes.js';

/**
 * A notebook as Jupyter writes it (one-space indent, `source` as an array of lines): a markdown cell,
 * two code cells, and outputs and markdown whose text looks like code.
 */
const NOTEBOOK_LINES = [
  '{', //                                                     1
  ' "cells": [', //                                           2
  '  {', //                                                   3
  '   "cell_type": "markdown",', //                           4
  '   "metadata": {},', //                                    5
  '   "source": [', //                                        6
  '    "# Reward shaping\\n",', //                            7
  '    "def not_code():\\n"', //                              8
  '   ]', //                                                  9
  '  },', //                                                  10
  '  {', //                                                   11
  '   "cell_type": "code",', //                               12
  '   "execution_count": 1,', //                              13
  '   "metadata": {},', //                                    14
  '   "outputs": [', //                                       15
  '    {', //                                                 16
  '     "name": "stdout",', //                                17
  '     "output_type": "stream",', //                         18
  '     "text": [', //                                        19
  '      "def compute_reward(x):\\n",', //                    20
  '      "    return 1.0\\n"', //                             21
  '     ]', //                                                22
  '    }', //                                                 23
  '   ],', //                                                 24
  '   "source": [', //                                        25
  '    "import torch\\n",', //                                26
  '    "\\n",', //                                            27
  '    "def compute_reward(completions):\\n",', //            28
  '    "    \\"\\"\\"Scores {completions}.\\"\\"\\"\\n",', //   29
  '    "    return [1.0 for _ in completions]"', //           30
  '   ]', //                                                  31
  '  },', //                                                  32
  '  {', //                                                   33
  '   "metadata": {},', //                                    34
  '   "outputs": [],', //                                     35
  '   "source": "class Grader:\\n    def score(self):\\n        return 0",', // 36
  '   "cell_type": "code",', //                               37
  '   "execution_count": null', //                            38
  '  }', //                                                   39
  ' ],', //                                                   40
  ' "metadata": {"kernelspec": {"name": "python3"}},', //     41
  ' "nbformat": 4,', //                                       42
  ' "nbformat_minor": 5', //                                  43
  '}', //                                                     44
];
const NOTEBOOK = NOTEBOOK_LINES.join('\n') + '\n';

describe('readNotebookCode', () => {
  it('joins the code cells\' sources, a blank line between cells, and leaves markdown and outputs out', () => {
    const notebook = readNotebookCode(NOTEBOOK);
    expect(notebook?.code).toBe(
      [
        'import torch',
        '',
        'def compute_reward(completions):',
        '    """Scores {completions}."""',
        '    return [1.0 for _ in completions]',
        '',
        'class Grader:',
        '    def score(self):',
        '        return 0',
        '',
      ].join('\n'),
    );
  });

  it('maps notebook lines holding source strings to code lines and back', () => {
    const notebook = readNotebookCode(NOTEBOOK);
    expect(notebook).not.toBeNull();
    if (notebook === null) return;
    expect([26, 27, 28, 29, 30].map((line) => notebook.toCodeLine(line))).toEqual([1, 2, 3, 4, 5]);
    expect([1, 2, 3, 4, 5].map((line) => notebook.toNotebookLine(line))).toEqual([26, 27, 28, 29, 30]);
    // The single-string form: every code line of the cell is on one notebook line.
    expect(notebook.toCodeLine(36)).toBe(7);
    expect([7, 8, 9].map((line) => notebook.toNotebookLine(line))).toEqual([36, 36, 36]);
    // The blank line between cells is in no cell.
    expect(notebook.toNotebookLine(6)).toBeNull();
    expect(notebook.toNotebookLine(0)).toBeNull();
    expect(notebook.toNotebookLine(99)).toBeNull();
  });

  it('maps nothing outside code cells\' sources: markdown, outputs, metadata, keys', () => {
    const notebook = readNotebookCode(NOTEBOOK);
    for (const line of [1, 4, 7, 8, 12, 20, 21, 25, 31, 37, 41, 44, 0, 45, -1, 1.5]) {
      expect(notebook?.toCodeLine(line), `line ${line}`).toBeNull();
      expect(notebook?.codeTextAt(line), `line ${line}`).toBeNull();
    }
  });

  it('gives the decoded text of a source line without its trailing newline', () => {
    const notebook = readNotebookCode(NOTEBOOK);
    expect(notebook?.codeTextAt(28)).toBe('def compute_reward(completions):');
    expect(notebook?.codeTextAt(29)).toBe('    """Scores {completions}."""');
    expect(notebook?.codeTextAt(30)).toBe('    return [1.0 for _ in completions]');
    expect(notebook?.codeTextAt(27)).toBe('');
  });

  it('reads bytes and CRLF line ends', () => {
    const notebook = readNotebookCode(Buffer.from(NOTEBOOK.replaceAll('\n', '\r\n')));
    expect(notebook?.toCodeLine(28)).toBe(3);
    expect(notebook?.codeTextAt(28)).toBe('def compute_reward(completions):');
  });

  it('joins a source line split over several strings, and keeps separate strings on one line apart', () => {
    const notebook = readNotebookCode(
      '{"cells": [{"cell_type": "code", "source": ["x = (\\n", "  1", ")\\n", "y = 2"]}], "nbformat": 4}',
    );
    expect(notebook?.code).toBe('x = (\n  1)\ny = 2\n');
    expect(notebook?.toCodeLine(1)).toBe(1);
    expect(notebook?.codeTextAt(1)).toBe('x = (\n  1)\ny = 2');
  });

  it('hands findPythonScopes code whose scopes map back to the notebook', () => {
    const notebook = readNotebookCode(NOTEBOOK);
    if (notebook === null) throw new Error('not read');
    const index = findPythonScopes(notebook.code);
    const codeLine = notebook.toCodeLine(30);
    expect(codeLine).toBe(5);
    expect(index.scopesAt(codeLine ?? 0).map((scope) => scope.name)).toEqual(['compute_reward']);
  });

  it('skips empty code cells, and reads a notebook without code cells as no code', () => {
    const empty = readNotebookCode('{"cells": [{"cell_type": "code", "source": []}, {"cell_type": "markdown", "source": ["x"]}]}');
    expect(empty?.code).toBe('');
    expect(empty?.toCodeLine(1)).toBeNull();
  });

  it('returns null for a file that is not a parsable notebook', () => {
    for (const text of ['', '[]', '{}', '{"cells": {}}', '{"cells": [', '{"cells": []} extra', '{"cells": [{"source": "x\n"}]}', 'not json', '{"cells": [1 2]}']) {
      expect(readNotebookCode(text), text).toBeNull();
    }
    for (const sample of MALFORMED_SAMPLES) expect(readNotebookCode(sample)).toBeNull();
  });
});

describe('findNotebookScopes', () => {
  it('gives notebook lines of code cells the Python scopes, with the notebook\'s line numbers', () => {
    const index = findNotebookScopes(NOTEBOOK);
    expect(index.lineCount).toBe(44);
    expect(index.scopesAt(29)).toEqual([{ kind: 'function', name: 'compute_reward', line: 28 }]);
    expect(index.scopesAt(36)).toEqual([{ kind: 'class', name: 'Grader', line: 36 }]);
  });

  it('gives outputs and markdown that look like code no scope', () => {
    const names = namesByLine(findNotebookScopes(NOTEBOOK));
    expect(names[20 - 1]).toBe('');
    expect(names[21 - 1]).toBe('');
    expect(names[8 - 1]).toBe('');
    expect(names.filter((name) => name !== '')).toEqual(['compute_reward', 'compute_reward', 'compute_reward', 'Grader']);
  });

  it('indexes each cell on its own, so a bracket left open in one does not swallow the next', () => {
    const text = [
      '{"cells": [',
      ' {"cell_type": "code", "source": ["def broken(x:\\n"]},',
      ' {"cell_type": "code", "source": ["def reward():\\n", "    return 1\\n"]}',
      ']}',
    ].join('\n');
    const index = findNotebookScopes(text);
    expect(index.scopesAt(3)).toEqual([{ kind: 'function', name: 'reward', line: 3 }]);
  });

  it('gives a file that is not a notebook no scopes, and never throws', () => {
    const index = findNotebookScopes('def f():\n    pass\n');
    expect(index.lineCount).toBe(2);
    expect(index.scopesAt(2)).toEqual([]);
    for (const sample of MALFORMED_SAMPLES) {
      const malformed = findNotebookScopes(sample);
      for (let line = 0; line <= malformed.lineCount + 1; line++) expect(malformed.scopesAt(line)).toEqual([]);
    }
  });
});
