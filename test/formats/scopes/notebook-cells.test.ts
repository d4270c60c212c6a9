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

  it('places each code line at the notebook line where it starts', () => {
    const notebook = readNotebookCode(NOTEBOOK);
    expect(notebook).not.toBeNull();
    if (notebook === null) return;
    expect(notebook.lines.slice(0, 5).map((line) => [line.notebookLine, line.cell, line.lineInCell])).toEqual([
      [26, 0, 1],
      [27, 0, 2],
      [28, 0, 3],
      [29, 0, 4],
      [30, 0, 5],
    ]);
    expect(notebook.codeLinesAt(28).map((line) => line.text)).toEqual(['def compute_reward(completions):']);
    expect(notebook.codeLinesAt(29).map((line) => line.text)).toEqual(['    """Scores {completions}."""']);
    // The single-string form: every code line of the cell starts on one notebook line.
    expect(notebook.codeLinesAt(36).map((line) => line.text)).toEqual(['class Grader:', '    def score(self):', '        return 0']);
  });

  it('holds nothing outside code cells\' sources: markdown, outputs, metadata, keys', () => {
    const notebook = readNotebookCode(NOTEBOOK);
    for (const line of [1, 4, 7, 8, 12, 20, 21, 25, 31, 37, 41, 44, 0, 45, -1, 1.5]) {
      expect(notebook?.codeLinesAt(line), `line ${line}`).toEqual([]);
    }
  });

  it('reads bytes and CRLF line ends', () => {
    const notebook = readNotebookCode(Buffer.from(NOTEBOOK.replaceAll('\n', '\r\n')));
    expect(notebook?.codeLinesAt(28).map((line) => line.text)).toEqual(['def compute_reward(completions):']);
  });

  it('joins a source line split over several strings, at the line where it starts', () => {
    const notebook = readNotebookCode(
      ['{"cells": [{"cell_type": "code", "source": [', '"x = (\\n", "  1",', '")\\n",', '"y = 2"]}], "nbformat": 4}'].join('\n'),
    );
    expect(notebook?.code).toBe('x = (\n  1)\ny = 2\n');
    expect(notebook?.lines.map((line) => [line.text, line.notebookLine])).toEqual([
      ['x = (', 2],
      ['  1)', 2],
      ['y = 2', 4],
    ]);
  });

  it('ends a line at a carriage return alone, as Python does', () => {
    const notebook = readNotebookCode('{"cells": [{"cell_type": "code", "source": "def reward():\\r    return 1.0\\r"}], "nbformat": 4}');
    expect(notebook?.lines.map((line) => line.text)).toEqual(['def reward():', '    return 1.0']);
  });

  it('hands findPythonScopes code whose scopes map back to the notebook', () => {
    const notebook = readNotebookCode(NOTEBOOK);
    if (notebook === null) throw new Error('not read');
    const index = findPythonScopes(notebook.code);
    expect(notebook.lines[4]?.notebookLine).toBe(30);
    expect(index.scopesAt(5).map((scope) => scope.name)).toEqual(['compute_reward']);
  });

  it('skips empty code cells, and reads a notebook without code cells as no code', () => {
    const empty = readNotebookCode('{"cells": [{"cell_type": "code", "source": []}, {"cell_type": "markdown", "source": ["x"]}]}');
    expect(empty?.code).toBe('');
    expect(empty?.lines).toEqual([]);
    expect(empty?.codeLinesAt(1)).toEqual([]);
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
    // A cell written as one string: its line holds the scopes of every code line on it.
    expect(index.scopesAt(36)).toEqual([
      { kind: 'class', name: 'Grader', line: 36 },
      { kind: 'function', name: 'score', line: 36 },
    ]);
  });

  it('gives outputs and markdown that look like code no scope', () => {
    const names = namesByLine(findNotebookScopes(NOTEBOOK));
    expect(names[20 - 1]).toBe('');
    expect(names[21 - 1]).toBe('');
    expect(names[8 - 1]).toBe('');
    expect(names.filter((name) => name !== '')).toEqual(['compute_reward', 'compute_reward', 'compute_reward', 'Grader.score']);
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

/** The code lines of a notebook given as a JavaScript value, written as Jupyter writes it. */
function codeOf(notebook: unknown): string[] | undefined {
  return readNotebookCode(JSON.stringify(notebook, null, 1))?.lines.map((line) => line.text);
}

describe('readNotebookCode on notebooks written to hide code', () => {
  const hack = ['def compute_reward(x):\n', '    return 1.0\n'];

  it('reads cell_type wherever it is among a cell\'s keys, and the last of two', () => {
    expect(codeOf({ cells: [{ source: hack, metadata: {}, cell_type: 'code' }], nbformat: 4 })).toEqual(['def compute_reward(x):', '    return 1.0']);
    const twice = '{"cells": [{"cell_type": "markdown", "cell_type": "code", "source": ["x = 1"]}], "nbformat": 4}';
    expect(readNotebookCode(twice)?.lines.map((line) => line.text)).toEqual(['x = 1']);
    const undone = '{"cells": [{"cell_type": "code", "cell_type": "markdown", "source": ["x = 1"]}], "nbformat": 4}';
    expect(readNotebookCode(undone)?.lines).toEqual([]);
    const notAString = '{"cells": [{"cell_type": "code", "cell_type": 1, "source": ["x = 1"]}], "nbformat": 4}';
    expect(readNotebookCode(notAString)?.lines).toEqual([]);
  });

  it('reads the last of two sources, as Python and JSON.parse do', () => {
    const twice = '{"cells": [{"cell_type": "code", "source": ["benign = 1"], "source": ["x = 2"]}], "nbformat": 4}';
    expect(readNotebookCode(twice)?.lines.map((line) => line.text)).toEqual(['x = 2']);
  });

  it('leaves raw and markdown cells out, whatever they hold', () => {
    expect(codeOf({ cells: [{ cell_type: 'raw', source: hack }, { cell_type: 'markdown', source: hack }], nbformat: 4 })).toEqual([]);
  });

  it('reads the inputs of nbformat 3 worksheets, which Jupyter upgrades and runs, whatever `cells` says', () => {
    const v3 = { nbformat: 3, nbformat_minor: 0, cells: [], worksheets: [{ cells: [{ cell_type: 'code', input: hack, outputs: [] }] }] };
    expect(codeOf(v3)).toEqual(['def compute_reward(x):', '    return 1.0']);
    // Lines written by splitlines() without their ends are joined with newlines.
    const bare = { nbformat: 3, worksheets: [{ cells: [{ cell_type: 'code', input: ['def f():', '    return 1.0'] }] }] };
    expect(codeOf(bare)).toEqual(['def f():', '    return 1.0']);
  });

  it('joins nbformat 2 inputs with newlines whatever their strings end with', () => {
    const v2 = { nbformat: 2, worksheets: [{ cells: [{ cell_type: 'code', input: ['\n', 'if x == 1:', '    return 1.0'] }] }] };
    expect(codeOf(v2)).toEqual(['', '', 'if x == 1:', '    return 1.0']);
  });

  it('reads the code of nbformat 1 cells, which nbformat assumes when `nbformat` is missing, and `source`, which VS Code reads then', () => {
    const v1 = { cells: [{ cell_type: 'code', code: 'def f():\n    return 1.0\n', source: ['g = 2\n'] }] };
    expect(codeOf(v1)).toEqual(['g = 2', 'def f():', '    return 1.0']);
  });

  it('reads a cell as IPython runs it: a common indent and prompts taken off', () => {
    expect(codeOf({ cells: [{ cell_type: 'code', source: ['\n', '    def compute_reward(x):\n', '        return 1.0\n'] }], nbformat: 4 })).toEqual([
      '',
      'def compute_reward(x):',
      '    return 1.0',
    ]);
    expect(codeOf({ cells: [{ cell_type: 'code', source: ['>>> def compute_reward(x):\n', '...     return 1.0\n'] }], nbformat: 4 })).toEqual([
      'def compute_reward(x):',
      '    return 1.0',
    ]);
    expect(codeOf({ cells: [{ cell_type: 'code', source: ['In [3]: def compute_reward(x):\n', '   ...:     return 1.0\n'] }], nbformat: 4 })).toEqual([
      'def compute_reward(x):',
      '    return 1.0',
    ]);
  });

  it('gives the functions of a notebook written on one line to that line', () => {
    const oneLine = JSON.stringify({ cells: [{ cell_type: 'code', source: ['import os\n'] }, { cell_type: 'code', source: hack }], nbformat: 4 });
    const index = findNotebookScopes(oneLine);
    expect(index.lineCount).toBe(1);
    expect(index.scopesAt(1).map((scope) => scope.name)).toEqual(['compute_reward']);
  });
});
