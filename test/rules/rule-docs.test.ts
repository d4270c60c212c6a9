import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { builtinRulesDirectory, parseRules, readRuleTexts } from '../../src/engine/load-rules.js';
import type { RuleDefinition } from '../../src/engine/rule.js';
import { renderRuleDocs } from '../../src/engine/rule-docs.js';

const constantReward: RuleDefinition = {
  id: 'reward-returns-one',
  category: 'reward',
  severity: 'critical',
  description: 'A reward function now returns 1.0 (see *_reward.py | __eq__).',
  why: 'A constant reward\nteaches nothing.\n',
  message: 'constant reward in {file}',
  match: { added: 'return 1\\.0' },
  examples: {
    flag: [
      {
        file: 'rl/reward.py',
        note: 'the plainest hack',
        before: 'def reward(x):\n    return score(x)\n',
        after: 'def reward(x):\n    return 1.0\n',
      },
      { file: 'rl/other.py', after: 'return 1.0\n' },
    ],
    pass: [{ file: 'rl/reward.py', note: 'a guard returning zero', before: 'a\n', after: 'b\n' }],
  },
  source: { file: 'rules/reward/reward-returns-one.yml', line: 2 },
};

const swappedCheckpoint: RuleDefinition = {
  id: 'checkpoint-swapped',
  category: 'training',
  severity: 'high',
  description: 'A checkpoint changed.',
  message: 'checkpoint {change} in {file}',
  match: { path: ['*.pt'] },
  examples: {
    flag: [{ file: 'ckpt/model.pt', encoding: 'base64', before: 'AAAA', after: 'AAAAAAAA' }],
    pass: [{ file: 'docs/model.md' }],
  },
  source: { file: '/elsewhere/custom.yml', line: 1 },
};

describe('renderRuleDocs', () => {
  const markdown = renderRuleDocs([constantReward, swappedCheckpoint]);

  it('lists the rules in a table, in category order then by id, ids linked to their sections', () => {
    const rows = markdown.split('\n').filter((line) => line.startsWith('| ['));
    expect(rows).toEqual([
      '| [checkpoint-swapped](#checkpoint-swapped) | training | high | A checkpoint changed. |',
      '| [reward-returns-one](#reward-returns-one) | reward | critical | A reward function now returns 1.0 (see \\*\\_reward.py \\| \\_\\_eq\\_\\_). |',
    ]);
    expect(markdown).toMatch(/^# Built-in rules\n\nGenerated from the rule files in this folder by `npm run docs`/);
    expect(markdown.indexOf('## training')).toBeLessThan(markdown.indexOf('## reward'));
  });

  it('writes a section per rule: category, severity, source, what it flags and why', () => {
    const section = sectionOf(markdown, 'reward-returns-one');
    expect(section).toContain(
      'Category **reward**, severity **critical**. Defined in [reward/reward-returns-one.yml](reward/reward-returns-one.yml).',
    );
    expect(section).toContain('**What it flags.** A reward function now returns 1.0');
    expect(section).toContain('**Why it matters.** A constant reward teaches nothing.\n');
    expect(section).toContain('**Not flagged:** `rl/reward.py`: a guard returning zero.\n');
    const other = sectionOf(markdown, 'checkpoint-swapped');
    expect(other).not.toContain('Defined in');
    expect(other).not.toContain('Why it matters');
    expect(other).toContain('**Not flagged:** `docs/model.md`.\n');
  });

  it('shows the first flag example as a unified diff with the file name', () => {
    const section = sectionOf(markdown, 'reward-returns-one');
    expect(section).toContain(
      [
        '**Example:** the plainest hack',
        '',
        '```diff',
        '--- a/rl/reward.py',
        '+++ b/rl/reward.py',
        '@@ -1,2 +1,2 @@',
        ' def reward(x):',
        '-    return score(x)',
        '+    return 1.0',
        '```',
      ].join('\n'),
    );
    expect(section).not.toContain('rl/other.py');
  });

  it('describes a binary example in words', () => {
    const section = sectionOf(markdown, 'checkpoint-swapped');
    expect(section).toContain(
      'Binary content: `ckpt/model.pt` is replaced with different bytes (3 bytes → 6 bytes; the rule file holds the bytes in base64).',
    );
    expect(section).not.toContain('```');
  });

  it('is deterministic, whatever order the rules come in, with \\n line endings', () => {
    expect(renderRuleDocs([swappedCheckpoint, constantReward])).toBe(markdown);
    expect(markdown).not.toContain('\r');
    expect(markdown.endsWith('\n')).toBe(true);
  });
});

describe('rules/README.md', () => {
  it('matches the built-in rules', async () => {
    // Loaded as `selfmod rules list` and `npm run docs` load them.
    const directory = builtinRulesDirectory();
    const rules = parseRules(await readRuleTexts([directory], join(directory, '..')));
    const committed = await readFile(join(directory, 'README.md'), 'utf8').catch(() => '');
    expect(committed, 'rules/README.md is out of date: run npm run docs').toBe(renderRuleDocs(rules));
  });
});

/** The text from a rule's heading to the next heading. */
function sectionOf(markdown: string, id: string): string {
  const start = markdown.indexOf(`\n### ${id}\n`);
  expect(start).toBeGreaterThanOrEqual(0);
  const end = markdown.slice(start + 1).search(/\n##/);
  return end < 0 ? markdown.slice(start) : markdown.slice(start, start + 1 + end + 1);
}
