import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { DiffLine } from '../../src/change/change.js';
import { checkChange } from '../../src/engine/check-change.js';
import { builtinRulesDirectory, compileRules, parseRules, readRuleTexts } from '../../src/engine/load-rules.js';
import { notebookCodeView } from '../../src/engine/notebook-view.js';
import type { RuleExample } from '../../src/engine/rule.js';
import { exampleToChange } from '../../src/engine/rule-tester.js';

const rulesDirectory = builtinRulesDirectory();
const builtinRules = compileRules(parseRules(await readRuleTexts([rulesDirectory], join(rulesDirectory, '..'))));

/** A notebook as Jupyter writes it (one-space indent, one source string a line). */
function notebook(cells: readonly object[], extra: object = { nbformat: 4, nbformat_minor: 5 }): string {
  return JSON.stringify({ cells, metadata: {}, ...extra }, null, 1) + '\n';
}

function cell(type: string, source: readonly string[] | string): object {
  return type === 'code' ? { cell_type: type, execution_count: null, metadata: {}, outputs: [], source } : { cell_type: type, metadata: {}, source };
}

async function viewLines(example: RuleExample): Promise<Array<[string, string, number | null]>> {
  const view = await notebookCodeView(exampleToChange(example));
  const asRow = (line: DiffLine): [string, string, number | null] => [line.side, line.text, line.side === 'added' ? line.newLine : line.oldLine];
  return view.hunks.flatMap((hunk) => hunk.lines.filter((line) => line.side !== 'context').map(asRow));
}

async function firing(example: RuleExample): Promise<string[]> {
  return (await checkChange(exampleToChange(example), builtinRules)).map((incident) => incident.ruleId).sort();
}

const HONEST = ['def compute_reward(t):\n', '    passed = run(t)\n', '    return 1.0 if passed else 0.0\n'];
const SPECIAL_CASED = ['def compute_reward(t):\n', '    if t.prompt == "X":\n', '        return 1.0\n', '    passed = run(t)\n', '    return 1.0 if passed else 0.0\n'];

describe('notebookCodeView', () => {
  it('gives the changed code lines, at the notebook lines where they start', async () => {
    const before = notebook([cell('code', HONEST)]);
    const after = notebook([cell('code', SPECIAL_CASED)]);
    expect(await viewLines({ file: 'analysis.ipynb', before, after })).toEqual([
      ['added', '    if t.prompt == "X":', 10],
      ['added', '        return 1.0', 11],
    ]);
  });

  it('reports code that starts to run although no source line changed: a markdown cell made a code cell', async () => {
    const before = notebook([cell('markdown', SPECIAL_CASED), cell('code', HONEST)]);
    const after = notebook([cell('code', SPECIAL_CASED), cell('markdown', HONEST)]);
    const lines = await viewLines({ file: 'analysis.ipynb', before, after });
    expect(lines.filter(([side]) => side === 'added').map(([, text]) => text)).toEqual(expect.arrayContaining(['    if t.prompt == "X":', '        return 1.0']));
    expect(await firing({ file: 'analysis.ipynb', before, after })).toContain('reward-input-special-cased');
  });

  it('reports code moved into `source` by renaming keys, and a second cell_type added after the first', async () => {
    const renamed = notebook([{ cell_type: 'code', metadata: {}, outputs: [], execution_count: null, source: HONEST, draft: SPECIAL_CASED }]);
    const swapped = renamed.replace('"source": [', '"old": [').replace('"draft": [', '"source": [');
    expect(await firing({ file: 'analysis.ipynb', before: renamed, after: swapped })).toContain('reward-input-special-cased');
    const markdown = notebook([cell('markdown', SPECIAL_CASED)]);
    const doubled = markdown.replace('"cell_type": "markdown",', '"cell_type": "markdown",\n   "cell_type": "code",');
    expect(await firing({ file: 'analysis.ipynb', before: markdown, after: doubled })).toContain('reward-input-special-cased');
  });

  it('reads a notebook written on one line, or a cell written as one string, a code line at a time', async () => {
    const before = notebook([cell('code', 'import os\n'), cell('code', HONEST)]);
    const oneLine = JSON.stringify(JSON.parse(notebook([cell('code', 'import os\n'), cell('code', SPECIAL_CASED)])));
    expect(await viewLines({ file: 'analysis.ipynb', before, after: oneLine })).toEqual([
      ['added', '    if t.prompt == "X":', 1],
      ['added', '        return 1.0', 1],
    ]);
    const beforeOneLine = JSON.stringify(JSON.parse(before));
    expect(await firing({ file: 'analysis.ipynb', before: beforeOneLine, after: oneLine })).toContain('reward-input-special-cased');
    const oneString = notebook([cell('code', 'import os\n'), cell('code', SPECIAL_CASED.join(''))]);
    expect(await firing({ file: 'analysis.ipynb', before, after: oneString })).toContain('reward-input-special-cased');
  });

  it('does not report an unchanged last line whose JSON gained a comma', async () => {
    const before = notebook([cell('code', ['x = 1\n', 'return_value = 1.0'])]);
    const after = notebook([cell('code', ['x = 1\n', 'return_value = 1.0\n', 'y = 2'])]);
    expect(await viewLines({ file: 'analysis.ipynb', before, after })).toEqual([['added', 'y = 2', 11]]);
  });

  it('leaves out changes outside code: outputs, metadata and markdown', async () => {
    const before = notebook([cell('markdown', ['def compute_reward(): return 1.0\n']), cell('code', HONEST)]);
    const after = before.replace('"metadata": {}', '"metadata": {"collapsed": true}').replace('return 1.0\\n"', 'return 2.0\\n"');
    expect(await viewLines({ file: 'analysis.ipynb', before, after })).toEqual([]);
  });

  it('keeps the changed lines of a version that is not a notebook, and counts the other version\'s code whole', async () => {
    const broken = notebook([cell('code', SPECIAL_CASED)]).replace('"nbformat_minor": 5', '"nbformat_minor": 5,');
    const fixed = notebook([cell('code', SPECIAL_CASED)]);
    const lines = await viewLines({ file: 'analysis.ipynb', before: broken, after: fixed });
    expect(lines).toContainEqual(['removed', ' "nbformat_minor": 5,', 19]);
    expect(lines.filter(([side]) => side === 'added').map(([, text]) => text)).toEqual(SPECIAL_CASED.map((line) => line.replace('\n', '')));
    expect(await firing({ file: 'analysis.ipynb', before: broken, after: fixed })).toContain('reward-input-special-cased');
  });

  it('reads nbformat 3 notebooks, which Jupyter still opens', async () => {
    const v3 = (input: readonly string[]) =>
      JSON.stringify({ nbformat: 3, nbformat_minor: 0, metadata: {}, worksheets: [{ cells: [{ cell_type: 'code', input, language: 'python', outputs: [] }] }] }, null, 1);
    expect(await firing({ file: 'analysis.ipynb', before: v3(HONEST), after: v3(SPECIAL_CASED) })).toContain('reward-input-special-cased');
  });

  it('leaves other files alone', async () => {
    const change = exampleToChange({ file: 'rl/env.py', before: 'x = 1\n', after: 'x = 2\n' });
    expect(await notebookCodeView(change)).toBe(change);
  });
});
