import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Change } from '../../src/change/change.js';
import { BlobReader } from '../../src/git/blob-reader.js';
import { headCommit, openRepository } from '../../src/git/repository.js';
import { readWorkingTreeChanges } from '../../src/sources/working-tree.js';
import { createTestRepo, type TestRepo } from '../helpers/git-repo.js';

let repo: TestRepo;
let blobs: BlobReader | null = null;

afterEach(async () => {
  blobs?.close();
  blobs = null;
  await repo?.cleanup();
});

async function workingTree(ignoreRevision: string | null = null): Promise<{ changes: Change[]; warnings: string[] }> {
  const opened = await openRepository(repo.root);
  blobs = new BlobReader(opened.invocation);
  const warnings: string[] = [];
  const changes = await readWorkingTreeChanges(opened, blobs, await headCommit(opened), (message) => warnings.push(message), ignoreRevision);
  return { changes, warnings };
}

function find(changes: Change[], file: string, area: 'worktree' | 'index' = 'worktree'): Change | undefined {
  return changes.find((change) => change.file === file && change.origin.kind === 'working-tree' && change.origin.area === area);
}

function changedText(change: Change, side: 'added' | 'removed'): string[] {
  return change.hunks.flatMap((hunk) => hunk.lines.filter((line) => line.side === side).map((line) => line.text));
}

describe('readWorkingTreeChanges', () => {
  it('reports unstaged, staged and untracked changes against HEAD, and nothing for clean files', async () => {
    repo = await createTestRepo();
    await repo.commitFiles('init', { 'train.py': 'lr = 1e-4\n', 'clean.py': 'x = 1\n', 'staged.py': 'a = 1\n' });
    await repo.write({ 'train.py': 'lr = 1e-2\n', 'staged.py': 'a = 2\n', 'new_reward.py': 'def reward():\n    return 1\n' });
    await repo.git(['add', 'staged.py']);
    const { changes } = await workingTree();
    expect(changes.map((change) => change.file).sort()).toEqual(['new_reward.py', 'staged.py', 'train.py']);
    expect(find(changes, 'train.py')).toMatchObject({ kind: 'modified', origin: { kind: 'working-tree', area: 'worktree' } });
    expect(changedText(find(changes, 'train.py')!, 'added')).toEqual(['lr = 1e-2']);
    expect(changedText(find(changes, 'staged.py')!, 'added')).toEqual(['a = 2']);
    expect(find(changes, 'new_reward.py')).toMatchObject({ kind: 'added', oldMode: null, newMode: '100644' });
  });

  it('skips ignored files but reports an edit to .gitignore itself', async () => {
    repo = await createTestRepo();
    await repo.commitFiles('init', { '.gitignore': 'cache/\n', 'a.py': 'x\n' });
    await repo.write({ 'cache/blob.bin': 'ignored\n', '.gitignore': 'cache/\n*.py\n' });
    const { changes } = await workingTree();
    expect(changes.map((change) => change.file)).toEqual(['.gitignore']);
  });

  it('reports a staged version that was changed again on disk as a second, index change', async () => {
    repo = await createTestRepo();
    await repo.commitFiles('init', { 'reward.py': 'return score\n' });
    await repo.write({ 'reward.py': 'return 1.0\n' });
    await repo.git(['add', 'reward.py']);
    await repo.write({ 'reward.py': 'return score\n' });
    const { changes } = await workingTree();
    expect(find(changes, 'reward.py', 'worktree')).toBeUndefined();
    const staged = find(changes, 'reward.py', 'index');
    expect(staged).toBeDefined();
    expect(changedText(staged!, 'added')).toEqual(['return 1.0']);
  });

  it('sees deletions, mode changes, symlinks and renames', async () => {
    repo = await createTestRepo();
    const body = Array.from({ length: 12 }, (_, i) => `    step_${i}()`).join('\n');
    await repo.commitFiles('init', {
      'shutdown.sh': '#!/bin/sh\nkill "$PID"\n',
      'tests/test_reward.py': 'def test_guard():\n    assert reward(bad) == 0\n',
      'rl/env.py': `def step():\n${body}\n`,
      'weights/model.bin': 'weights v1\n',
    });
    await repo.chmod('shutdown.sh', 0o755);
    await repo.commit('exec');
    await repo.chmod('shutdown.sh', 0o644);
    await repo.write({ 'tests/test_reward.py': null, 'rl/env.py': null, 'lib/env_impl.py': `def step():\n${body}\n    return True\n` });
    await repo.symlink('weights/model.bin', '/reference/model.bin');
    const { changes } = await workingTree();
    expect(find(changes, 'shutdown.sh')).toMatchObject({ kind: 'mode', oldMode: '100755', newMode: '100644', hunks: [] });
    expect(find(changes, 'tests/test_reward.py')).toMatchObject({ kind: 'deleted' });
    expect(changedText(find(changes, 'tests/test_reward.py')!, 'removed')).toContain('    assert reward(bad) == 0');
    expect(find(changes, 'lib/env_impl.py')).toMatchObject({ kind: 'renamed', previousFile: 'rl/env.py' });
    expect(changedText(find(changes, 'lib/env_impl.py')!, 'added')).toEqual(['    return True']);
    expect(find(changes, 'weights/model.bin')).toMatchObject({ kind: 'symlink', newMode: '120000', newTarget: '/reference/model.bin' });
  });

  it('pairs an unchanged move as a 100% rename', async () => {
    repo = await createTestRepo();
    await repo.commitFiles('init', { 'compute_reward.py': 'def compute_reward():\n    return 0\n' });
    await repo.write({ 'compute_reward.py': null, 'hidden/util.py': 'def compute_reward():\n    return 0\n' });
    const { changes } = await workingTree();
    expect(changes).toHaveLength(1);
    expect(changes[0]).toMatchObject({ kind: 'renamed', file: 'hidden/util.py', previousFile: 'compute_reward.py', similarity: 100 });
  });

  it('diffs the file on disk even when the index claims it is unchanged', async () => {
    repo = await createTestRepo();
    await repo.commitFiles('init', { 'grader.py': 'def grade(x):\n    return check(x)\n', 'conf.py': 'a = 1\n' });
    await repo.git(['update-index', '--assume-unchanged', 'grader.py']);
    await repo.git(['update-index', '--skip-worktree', 'conf.py']);
    await repo.write({ 'grader.py': 'def grade(x):\n    return True\n', 'conf.py': 'a = 2\n' });
    const status = await repo.git(['status', '--porcelain']);
    expect(status).toBe('');
    const { changes } = await workingTree();
    expect(changedText(find(changes, 'grader.py')!, 'added')).toEqual(['    return True']);
    expect(changedText(find(changes, 'conf.py')!, 'added')).toEqual(['a = 2']);
  });

  it('lists files inside an untracked nested repository that git would not look into', async () => {
    repo = await createTestRepo();
    await repo.commitFiles('init', { 'README.md': 'x\n' });
    await mkdir(join(repo.root, 'vendor/.git'), { recursive: true });
    await writeFile(join(repo.root, 'vendor/.git/HEAD'), 'ref: refs/heads/main\n');
    await repo.write({ 'vendor/sitecustomize.py': 'import time\ntime.time = lambda: 0\n' });
    const { changes } = await workingTree();
    expect(changes.map((change) => change.file)).toContain('vendor/sitecustomize.py');
    expect(changes.map((change) => change.file).some((file) => file.includes('.git/'))).toBe(false);
  });

  it('works in a repository without commits', async () => {
    repo = await createTestRepo();
    await repo.write({ 'train.py': 'print(1)\n' });
    const { changes } = await workingTree();
    expect(changes).toHaveLength(1);
    expect(changes[0]).toMatchObject({ file: 'train.py', kind: 'added' });
  });

  it('describes large or binary files by digest and reports unreadable ones', async () => {
    repo = await createTestRepo();
    await repo.commitFiles('init', { 'model.safetensors': Buffer.from([1, 0, 2, 0, 3, 0, 4, 0]), 'secret.py': 'x = 1\n' });
    await repo.write({ 'model.safetensors': Buffer.from([9, 0, 9, 0, 9, 0, 9, 0, 9]), 'secret.py': 'x = 2\n' });
    await repo.chmod('secret.py', 0o000);
    const { changes, warnings } = await workingTree();
    const weights = find(changes, 'model.safetensors')!;
    expect(weights.isBinary).toBe(true);
    expect(weights.binary).toMatchObject({ oldSize: 8, newSize: 9 });
    if (process.getuid?.() !== 0) {
      // Root reads any file; for everyone else an unreadable file is still a change, with a warning.
      expect(find(changes, 'secret.py')).toBeDefined();
      expect(warnings.some((warning) => warning.includes('secret.py'))).toBe(true);
    }
  });

  it('reports a staged deletion that the file on disk does not show', async () => {
    repo = await createTestRepo();
    await repo.commitFiles('init', { 'kill_switch.sh': '#!/bin/sh\nkill "$PID"\n' });
    await repo.git(['rm', '--quiet', '--cached', 'kill_switch.sh']);
    const { changes } = await workingTree();
    expect(changes).toHaveLength(1);
    expect(changes[0]).toMatchObject({ file: 'kill_switch.sh', kind: 'deleted', origin: { kind: 'working-tree', area: 'index' } });
  });

  it('does not list the files of a submodule checkout as untracked', async () => {
    const inner = await createTestRepo();
    try {
      await inner.commitFiles('inner', { 'tests/test_a.py': 'def test_a():\n    assert True\n' });
      repo = await createTestRepo();
      await repo.commitFiles('init', { 'README.md': 'x\n' });
      await repo.git(['-c', 'protocol.file.allow=always', 'submodule', '--quiet', 'add', inner.root, 'sub']);
      await repo.commit('add submodule');
      const { changes } = await workingTree();
      expect(changes.map((change) => change.file)).toEqual([]);
    } finally {
      await inner.cleanup();
    }
  });

  it('applies the ignore rules of the revision it is told to, not ones committed since', async () => {
    repo = await createTestRepo();
    const base = await repo.commitFiles('init', { '.gitignore': 'cache/\n', 'a.py': 'x\n' });
    await repo.commitFiles('hide', { '.gitignore': 'cache/\n*.secret.py\n' }, { author: 'Agent' });
    await repo.write({ 'hook.secret.py': 'import os\n' });
    expect((await workingTree()).changes.map((change) => change.file)).toEqual([]);
    blobs?.close();
    expect((await workingTree(base)).changes.map((change) => change.file)).toEqual(['hook.secret.py']);
  });
});
