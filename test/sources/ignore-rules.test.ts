import { describe, expect, it } from 'vitest';
import { IgnoreRules } from '../../src/sources/ignore-rules.js';
import { walkUntracked } from '../../src/sources/untracked-walk.js';
import { createTestRepo } from '../helpers/git-repo.js';

function rules(files: Record<string, string>): IgnoreRules {
  const ignore = new IgnoreRules();
  for (const [directory, text] of Object.entries(files)) ignore.add(directory, text);
  return ignore;
}

describe('IgnoreRules', () => {
  it('follows .gitignore semantics for names, anchors, directories and negation', () => {
    const ignore = rules({
      '': '# comment\n\n*.log\n/build\ncache/\n!keep.log\ndocs/*.tmp\n\\#literal\ntrailing   \n',
      sub: 'local.txt\n/only-here\n',
    });
    expect(ignore.isIgnored('a.log', false)).toBe(true);
    expect(ignore.isIgnored('deep/dir/a.log', false)).toBe(true);
    expect(ignore.isIgnored('keep.log', false)).toBe(false);
    expect(ignore.isIgnored('build', true)).toBe(true);
    expect(ignore.isIgnored('src/build', true)).toBe(false);
    expect(ignore.isIgnored('cache', true)).toBe(true);
    expect(ignore.isIgnored('cache', false)).toBe(false);
    expect(ignore.isIgnored('x/cache', true)).toBe(true);
    expect(ignore.isIgnored('docs/a.tmp', false)).toBe(true);
    expect(ignore.isIgnored('docs/more/a.tmp', false)).toBe(false);
    expect(ignore.isIgnored('#literal', false)).toBe(true);
    expect(ignore.isIgnored('trailing', false)).toBe(true);
    expect(ignore.isIgnored('sub/local.txt', false)).toBe(true);
    expect(ignore.isIgnored('sub/x/local.txt', false)).toBe(true);
    expect(ignore.isIgnored('local.txt', false)).toBe(false);
    expect(ignore.isIgnored('sub/only-here', false)).toBe(true);
    expect(ignore.isIgnored('sub/x/only-here', false)).toBe(false);
    expect(ignore.isIgnored('train.py', false)).toBe(false);
  });

  it('lets a deeper file override a shallower one, the last matching line winning', () => {
    const ignore = rules({ '': '*.py\n', tools: '!keep.py\n' });
    expect(ignore.isIgnored('tools/keep.py', false)).toBe(false);
    expect(ignore.isIgnored('tools/other.py', false)).toBe(true);
  });

  it('reads trailing white space as git does: a tab is part of the name, spaces and a CRLF carriage return are not', async () => {
    const gitignore = 'rewards/\t\nlogs/  \r\nkeep\\ \nnotes.md\t\t\n';
    const files = ['rewards/reward.py', 'logs/run.txt', 'keep ', 'keep', 'notes.md', 'train.py'];
    const repo = await createTestRepo();
    try {
      await repo.write({ '.gitignore': gitignore, ...Object.fromEntries(files.map((file) => [file, 'x\n'])) });
      const shown = new Set((await repo.git(['ls-files', '--others', '--exclude-standard', '-z'])).split('\0').filter(Boolean));
      const ignore = rules({ '': gitignore });
      for (const file of files) expect(ignore.isIgnored(file, false) || file.split('/').slice(0, -1).some((_, depth, parts) => ignore.isIgnored(parts.slice(0, depth + 1).join('/'), true)), file).toBe(!shown.has(file));
      expect([...shown].sort()).toEqual(['.gitignore', 'keep', 'notes.md', 'rewards/reward.py', 'train.py']);
    } finally {
      await repo.cleanup();
    }
  });

  it.each([
    ['//**', 'a leading slash twice: an empty first segment'],
    ['rewards//', 'a slash left at the end after the directory slash'],
    ['**//*', 'an empty segment in the middle'],
    ['\\/**/', 'an escaped first slash'],
    ['[[:alpha:]]ewards/', 'a POSIX class'],
    ['rew[!x]rds/', 'a negated class'],
    ['{rewards,docs}/', 'braces, which git reads literally'],
  ])('shows the untracked files git shows under %j (%s)', async (pattern) => {
    const files = ['rewards/reward.py', 'rewards/deep/grader.py', 'docs/a.md', 'train.py', 'x/y/z.py'];
    const repo = await createTestRepo();
    try {
      await repo.write({ '.gitignore': `${pattern}\n`, ...Object.fromEntries(files.map((file) => [file, 'x\n'])) });
      const shown = (await repo.git(['ls-files', '--others', '--exclude-standard', '-z'])).split('\0').filter(Boolean);
      const walked = await walkUntracked(repo.root, new Set(), new Set(), rules({ '': `${pattern}\n` }), () => {});
      expect(walked.sort()).toEqual(shown.sort());
    } finally {
      await repo.cleanup();
    }
  });

  it.each([
    ['r*\n!rewards/\n', 'a folder taken back in by a later line: its files are asked about by their own names'],
    ['cache/\n', 'an ignored folder that holds a tracked file: its new files stay ignored'],
    ['*.py\n!rewards/\n!*.py\n', 'a name taken back in after a broader pattern'],
  ])('shows the untracked files git shows for %j (%s)', async (gitignore) => {
    const repo = await createTestRepo();
    try {
      await repo.write({ 'cache/tracked.txt': 'x\n', 'rewards/keep.md': 'x\n' });
      await repo.git(['add', '--force', '--', 'cache/tracked.txt', 'rewards/keep.md']);
      const files = ['rewards/grader.py', 'rewards/run.py', 'cache/new.py', 'cache/deep/new.py', 'runner.py', 'train.py'];
      await repo.write({ '.gitignore': gitignore, ...Object.fromEntries(files.map((file) => [file, 'x\n'])) });
      const tracked = new Set((await repo.git(['ls-files', '-z'])).split('\0').filter(Boolean));
      const shown = (await repo.git(['ls-files', '--others', '--exclude-standard', '-z'])).split('\0').filter(Boolean);
      const walked = await walkUntracked(repo.root, tracked, new Set(), rules({ '': gitignore }), () => {});
      expect(walked.sort()).toEqual(shown.sort());
    } finally {
      await repo.cleanup();
    }
  });
});
