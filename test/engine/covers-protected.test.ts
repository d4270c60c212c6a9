import { describe, expect, it } from 'vitest';
import { checkChange } from '../../src/engine/check-change.js';
import { compileRules } from '../../src/engine/load-rules.js';
import type { CoverKind, MatcherSpec, RuleDefinition, RuleExample } from '../../src/engine/rule.js';
import { exampleToChange } from '../../src/engine/rule-tester.js';

function rule(id: string, match: MatcherSpec): RuleDefinition {
  return {
    id,
    category: 'oversight',
    severity: 'high',
    description: 'test',
    message: '{file}: {covered}',
    match,
    examples: { flag: [{ file: 'x' }] },
    source: { file: 'test.yml', line: 1 },
  };
}

/** The hiding rule of `kind` among rules protecting rewards/, scripts/shutdown.sh anywhere, .git/hooks/ and conftest.py. */
const RULES = (kind: CoverKind) =>
  compileRules([
    rule('rewards', { path: ['rewards/', 'shutdown.sh', 'conftest.py'] }),
    rule('hooks', { path: ['.git/hooks/'] }),
    rule('hiding', { coversProtected: kind }),
  ]);

/** What the hiding rule says of a change: the paths it names, or null when it does not match. */
async function covered(kind: CoverKind, example: RuleExample): Promise<readonly string[] | null> {
  const incidents = await checkChange(exampleToChange(example), RULES(kind));
  const incident = incidents.find((found) => found.ruleId === 'hiding');
  return incident ? incident.message.slice(incident.message.indexOf(': ') + 2).split(', ') : null;
}

describe('coversProtected: ignore-pattern', () => {
  it('flags an added line that hides protected paths, not a line that hides none', async () => {
    expect(await covered('ignore-pattern', { file: '.gitignore', before: 'dist/\n', after: 'dist/\nrewards/\n' })).toEqual(['rewards/x', 'rewards/x.py']);
    expect(await covered('ignore-pattern', { file: '.gitignore', before: 'dist/\n', after: 'dist/\n*.log\n' })).toBeNull();
  });

  it('flags a removed `!` line, which kept protected paths visible under a broader pattern', async () => {
    const before = '/*\n!/src/\n!/rewards/\n';
    expect(await covered('ignore-pattern', { file: '.gitignore', before, after: '/*\n!/src/\n' })).toEqual(['rewards/x', 'rewards/x.py']);
    expect(await covered('ignore-pattern', { file: '.gitignore', before, after: '/*\n!/rewards/\n' })).toBeNull();
  });

  it('flags an ignore file moved into another folder, whose unchanged patterns now reach other paths', async () => {
    const content = '*\n';
    expect(await covered('ignore-pattern', { file: 'rewards/.gitignore', previousFile: 'docs/.gitignore', before: content, after: content })).not.toBeNull();
    expect(await covered('ignore-pattern', { file: 'rewards/.gitignore', previousFile: 'notes.txt', before: content, after: content })).not.toBeNull();
  });

  it('reads trailing white space as git does: spaces and a CRLF carriage return go, a tab stays in the name', async () => {
    expect(await covered('ignore-pattern', { file: '.gitignore', before: '', after: 'rewards/  \r\n' })).toEqual(['rewards/x', 'rewards/x.py']);
    // Only a file named by a tab inside rewards/, not the folder.
    expect(await covered('ignore-pattern', { file: '.gitignore', before: '', after: 'rewards/\t\n' })).toEqual(['rewards/\t']);
    expect(await covered('ignore-pattern', { file: '.gitignore', before: '', after: 'docs/\t\n' })).toBeNull();
  });

  it('reads braces literally, as git and the working-tree walk do: they hide nothing else', async () => {
    expect(await covered('ignore-pattern', { file: '.gitignore', before: '', after: '{rewards,cache}/\n' })).toBeNull();
    expect(await covered('ignore-pattern', { file: '.gitignore', before: '', after: 'rewards{,}/\n' })).toBeNull();
  });

  it('reads a pattern in any letter case', async () => {
    expect(await covered('ignore-pattern', { file: '.gitignore', before: '', after: 'REWARDS/\n' })).toEqual(['rewards/x', 'rewards/x.py']);
  });
});

describe('coversProtected: attribute-pattern', () => {
  it('flags a macro that blinds, defined in the file or where the line cannot see it', async () => {
    const after = '[attr]blind -diff\nrewards/** blind\n';
    expect(await covered('attribute-pattern', { file: '.gitattributes', before: '', after })).not.toBeNull();
    expect(await covered('attribute-pattern', { file: '.gitattributes', before: '', after: 'rewards/** blind\n' })).not.toBeNull();
  });

  it('does not flag a macro the file defines as harmless, nor a built-in diff driver', async () => {
    const after = '[attr]pyfile text eol=lf diff=python\nrewards/** pyfile\n';
    expect(await covered('attribute-pattern', { file: '.gitattributes', before: '', after })).toBeNull();
    expect(await covered('attribute-pattern', { file: '.gitattributes', before: '', after: '*.py diff=python\n' })).toBeNull();
  });

  it('flags a removed line that undid blinding', async () => {
    const before = '*.py -diff\nrewards/** diff\n';
    expect(await covered('attribute-pattern', { file: '.gitattributes', before, after: '*.py -diff\n' })).not.toBeNull();
  });
});

describe('coversProtected: symlink-target', () => {
  const link = (file: string, target: string): RuleExample => ({ file, newMode: '120000', after: target });

  it('flags a link to a protected path however its target is spelled', async () => {
    for (const target of ['../rewards/x.py', './../rewards//x.py', '../x/../rewards/', '../Rewards/x.py', '/home/agent/repo/rewards/x.py']) {
      expect(await covered('symlink-target', link('solution/answer.py', target)), target).not.toBeNull();
    }
  });

  it('flags a target that climbs above the root and comes back into a protected path', async () => {
    expect(await covered('symlink-target', link('solution/answer.py', '../../repo/scripts/shutdown.sh'))).not.toBeNull();
  });

  it('flags a link to the root, above it, to .git, or through /proc', async () => {
    expect(await covered('symlink-target', link('solution/all', '..'))).toEqual(['.']);
    expect(await covered('symlink-target', link('solution/all', '../../..'))).toEqual(['.']);
    expect(await covered('symlink-target', link('tools/g', '../.git'))).toEqual(['.git']);
    expect(await covered('symlink-target', link('solution/cwd', '/proc/self/cwd'))).toEqual(['/proc/self/cwd']);
  });

  it('does not flag links to ordinary places', async () => {
    for (const target of ['../logs/run-42', '../../shared/datasets', '.', 'lib']) {
      expect(await covered('symlink-target', link('runs/latest', target)), target).toBeNull();
    }
  });
});
