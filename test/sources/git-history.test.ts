import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import type { Change, CommitOrigin } from '../../src/change/change.js';
import { BlobReader } from '../../src/git/blob-reader.js';
import { openRepository } from '../../src/git/repository.js';
import { readHistoryChanges } from '../../src/sources/git-history.js';
import { createTestRepo, type TestRepo } from '../helpers/git-repo.js';

let repo: TestRepo;
let blobs: BlobReader | null = null;

afterEach(async () => {
  blobs?.close();
  blobs = null;
  await repo?.cleanup();
});

/** Reads history; the blob reader stays open until the test ends so changes can load content. */
async function history(since: string | null = null): Promise<Change[]> {
  const opened = await openRepository(repo.root);
  blobs = new BlobReader(opened.invocation);
  const changes: Change[] = [];
  const head = await repo.head();
  for await (const change of readHistoryChanges(opened, blobs, { head, exclude: since ? [since] : [] })) {
    changes.push(change);
  }
  return changes;
}

function subjectOf(change: Change): string {
  return change.origin.kind === 'commit' ? change.origin.subject : '';
}

function addedText(change: Change): string[] {
  return change.hunks.flatMap((hunk) => hunk.lines.filter((line) => line.side === 'added').map((line) => line.text));
}

function removedText(change: Change): string[] {
  return change.hunks.flatMap((hunk) => hunk.lines.filter((line) => line.side === 'removed').map((line) => line.text));
}

describe('readHistoryChanges', () => {
  it('reads every commit, so an edit that a later commit reverts is still seen', async () => {
    repo = await createTestRepo();
    await repo.commitFiles('init', { 'reward.py': 'def compute_reward(x):\n    return x.score\n' });
    await repo.commitFiles('hack', { 'reward.py': 'def compute_reward(x):\n    return 1.0\n' }, { author: 'Agent' });
    await repo.commitFiles('revert', { 'reward.py': 'def compute_reward(x):\n    return x.score\n' }, { author: 'Agent' });
    const changes = await history();
    expect(changes.map(subjectOf).sort()).toEqual(['hack', 'init', 'revert']);
    const hack = changes.find((change) => subjectOf(change) === 'hack')!;
    expect(hack.kind).toBe('modified');
    expect(addedText(hack)).toEqual(['    return 1.0']);
    expect(removedText(hack)).toEqual(['    return x.score']);
    expect(hack.origin).toMatchObject({ kind: 'commit', author: 'Agent', email: 'agent@example.com' });
    const revert = changes.find((change) => subjectOf(change) === 'revert')!;
    expect(addedText(revert)).toEqual(['    return x.score']);
  });

  it('gives each change the exact bytes of its old version, rebuilt from the newer one or read from git', async () => {
    repo = await createTestRepo();
    const body = Array.from({ length: 30 }, (_, i) => `    total += w${i} * x`).join('\n');
    const versions = [
      `def compute_reward(x):\n    total = 0\n${body}\n    return total\n`,
      Buffer.concat([Buffer.from(`def compute_reward(x):\n    name = "`), Buffer.from([0xff]), Buffer.from(`"\n${body}\n`)]),
      `def compute_reward(x):\n    total = 1\n${body}\n    return total\n`,
      `def compute_reward(x):\n    total = 1\n${body}\n    return 1.0`,
      `def compute_reward(x):\r\n    total = 1\r\n${body}\n    return 1.0\n`,
      `def compute_reward(x):\n    return 0.5\n`,
      `def compute_reward(x):\n    return 0.5\n# end\n`,
    ];
    for (const [index, version] of versions.entries()) await repo.commitFiles(`v${index}`, { 'reward.py': version });
    const changes = await history();
    expect(changes.map(subjectOf)).toEqual(['v6', 'v5', 'v4', 'v3', 'v2', 'v1', 'v0']);
    const oldOf = async (change: Change) => change.content.readOld();
    // Newest first, as a scan reads them. The newest change's old side comes from git; after that,
    // each old side follows from the one before, down to the version git's diff cannot show exactly
    // (invalid UTF-8), which is read from git again.
    expect(Buffer.compare((await oldOf(changes[0]!))!, Buffer.from(versions[5]!))).toBe(0);
    blobs!.close();
    for (const index of [4, 3, 2]) {
      expect(Buffer.compare((await oldOf(changes[5 - index]!))!, Buffer.from(versions[index]!))).toBe(0);
    }
    await expect(oldOf(changes[4]!)).rejects.toThrow();
  });

  it('numbers hunk lines as in the files and keeps line text exactly', async () => {
    repo = await createTestRepo();
    const lines = Array.from({ length: 20 }, (_, i) => `line ${i + 1}`);
    await repo.commitFiles('init', { 'a.txt': `${lines.join('\n')}\n` });
    const edited = [...lines];
    edited[9] = '\tline 10 edited  ';
    edited.splice(15, 1);
    await repo.commitFiles('edit', { 'a.txt': `${edited.join('\n')}\n` });
    const edit = (await history()).find((change) => subjectOf(change) === 'edit')!;
    const changed = edit.hunks.flatMap((hunk) => hunk.lines.filter((line) => line.side !== 'context'));
    expect(changed).toEqual([
      { side: 'removed', text: 'line 10', oldLine: 10, newLine: null },
      { side: 'added', text: '\tline 10 edited  ', oldLine: null, newLine: 10 },
      { side: 'removed', text: 'line 16', oldLine: 16, newLine: null },
    ]);
  });

  it('reports a moved and edited file as one rename with the previous path and similarity', async () => {
    repo = await createTestRepo();
    const body = Array.from({ length: 10 }, (_, i) => `    total += weight_${i} * x`).join('\n');
    await repo.commitFiles('init', { 'rl/rewards.py': `def compute_reward(x):\n    total = 0\n${body}\n    return total\n` });
    await repo.write({ 'rl/rewards.py': null, 'utils/helpers.py': `def compute_reward(x):\n    total = 0\n${body}\n    return 1.0\n` });
    await repo.commit('move');
    const move = (await history()).filter((change) => subjectOf(change) === 'move');
    expect(move).toHaveLength(1);
    expect(move[0]).toMatchObject({ kind: 'renamed', file: 'utils/helpers.py', previousFile: 'rl/rewards.py' });
    expect(move[0]!.similarity).toBeGreaterThanOrEqual(50);
    expect(addedText(move[0]!)).toEqual(['    return 1.0']);
  });

  it('reports mode changes, added and deleted files, and symlink targets', async () => {
    repo = await createTestRepo();
    await repo.commitFiles('init', { 'shutdown.sh': '#!/bin/sh\nkill -TERM "$AGENT_PID"\n', 'old.txt': 'x\n' });
    await repo.chmod('shutdown.sh', 0o755);
    await repo.commit('make executable');
    await repo.chmod('shutdown.sh', 0o644);
    await repo.commit('remove run bit');
    await repo.symlink('model', '/reference/model');
    await repo.write({ 'old.txt': null });
    await repo.commit('link');
    await repo.symlink('model', '/other/model');
    await repo.commit('relink');
    const changes = await history();
    const bySubject = (subject: string) => changes.filter((change) => subjectOf(change) === subject);
    expect(bySubject('make executable')[0]).toMatchObject({ kind: 'mode', oldMode: '100644', newMode: '100755', hunks: [] });
    expect(bySubject('remove run bit')[0]).toMatchObject({ kind: 'mode', oldMode: '100755', newMode: '100644' });
    const link = bySubject('link');
    expect(link.find((change) => change.file === 'model')).toMatchObject({ kind: 'symlink', newMode: '120000', newTarget: '/reference/model', oldTarget: null });
    expect(link.find((change) => change.file === 'old.txt')).toMatchObject({ kind: 'deleted', newMode: null });
    expect(bySubject('relink')[0]).toMatchObject({ kind: 'symlink', oldTarget: '/reference/model', newTarget: '/other/model' });
  });

  it('reports a file replaced by a symlink (a type change) as one change with both sides', async () => {
    repo = await createTestRepo();
    await repo.commitFiles('init', { 'weights.bin': 'real weights\n' });
    await repo.symlink('weights.bin', '/mnt/reference/weights.bin');
    await repo.commit('swap');
    const swap = (await history()).filter((change) => subjectOf(change) === 'swap');
    expect(swap).toHaveLength(1);
    expect(swap[0]).toMatchObject({ kind: 'symlink', oldMode: '100644', newMode: '120000', newTarget: '/mnt/reference/weights.bin' });
    expect(removedText(swap[0]!)).toEqual(['real weights']);
    expect(addedText(swap[0]!)).toEqual(['/mnt/reference/weights.bin']);
  });

  it('describes true binaries by size and sha256', async () => {
    repo = await createTestRepo();
    const before = Buffer.from([0, 1, 2, 3, 0, 5]);
    const after = Buffer.from([0, 9, 9, 9, 0, 9, 9]);
    await repo.commitFiles('init', { 'ckpt.pt': before });
    await repo.commitFiles('replace', { 'ckpt.pt': after });
    const replace = (await history()).find((change) => subjectOf(change) === 'replace')!;
    expect(replace.isBinary).toBe(true);
    expect(replace.binary).toEqual({
      oldSha256: createHash('sha256').update(before).digest('hex'),
      newSha256: createHash('sha256').update(after).digest('hex'),
      oldSize: 6,
      newSize: 7,
    });
    expect(replace.hunks).toEqual([]);
  });

  it('shows a text file with a planted NUL byte as text, not as "binary files differ"', async () => {
    repo = await createTestRepo();
    await repo.commitFiles('init', { 'shutdown.sh': '#!/bin/sh\nkill -TERM "$PID"\n' });
    await repo.commitFiles('blind', { 'shutdown.sh': '#!/bin/sh\n\0echo "Shutdown skipped"\n' });
    const blind = (await history()).find((change) => subjectOf(change) === 'blind')!;
    expect(blind.isBinary).toBe(false);
    expect(addedText(blind)).toEqual(['\0echo "Shutdown skipped"']);
  });

  it('scans only rev..HEAD with --since', async () => {
    repo = await createTestRepo();
    await repo.commitFiles('one', { 'a.txt': '1\n' });
    const base = await repo.commitFiles('two', { 'a.txt': '2\n' });
    await repo.commitFiles('three', { 'a.txt': '3\n' });
    await repo.commitFiles('four', { 'b.txt': '4\n' });
    expect((await history(base)).map(subjectOf)).toEqual(['four', 'three']);
  });

  it('reports what a merge itself introduced, not the side branch again', async () => {
    repo = await createTestRepo();
    await repo.commitFiles('init', { 'config.yaml': 'timeout: 10\nlr: 1\n', 'notes.md': 'a\n' });
    await repo.git(['checkout', '--quiet', '-b', 'side']);
    await repo.commitFiles('side edit', { 'notes.md': 'b\n' });
    await repo.git(['checkout', '--quiet', 'main']);
    await repo.commitFiles('main edit', { 'other.md': 'c\n' });
    await repo.git(['merge', '--quiet', '--no-edit', '-m', 'clean merge', 'side']);
    // A conflicting merge whose resolution sneaks in an edit neither side made.
    await repo.git(['checkout', '--quiet', '-b', 'side2', 'HEAD~1']);
    await repo.commitFiles('side2 edit', { 'config.yaml': 'timeout: 20\nlr: 1\n' });
    await repo.git(['checkout', '--quiet', 'main']);
    await repo.commitFiles('main timeout', { 'config.yaml': 'timeout: 30\nlr: 1\n' });
    await repo.git(['merge', '--quiet', 'side2'], { allowFailure: true });
    await repo.write({ 'config.yaml': 'timeout: 99999\nlr: 1\n' });
    await repo.commit('evil merge');
    const changes = await history();
    const subjects = changes.map(subjectOf);
    expect(subjects.filter((subject) => subject === 'clean merge')).toEqual([]);
    expect(subjects.filter((subject) => subject === 'side edit')).toHaveLength(1);
    const evil = changes.filter((change) => subjectOf(change) === 'evil merge');
    expect(evil).toHaveLength(1);
    expect(evil[0]!.file).toBe('config.yaml');
    expect(addedText(evil[0]!)).toContain('timeout: 99999');
    expect(evil[0]!.origin).toMatchObject({ kind: 'commit' });
    expect((evil[0]!.origin as CommitOrigin).parents).toHaveLength(2);
    // The old side of a remerge diff is not a stored object; it is rebuilt from the hunks.
    expect(String(await evil[0]!.content.readOld())).toContain('<<<<<<<');
    expect(String(await evil[0]!.content.readNew())).toBe('timeout: 99999\nlr: 1\n');
  });

  it('keeps each file\'s own diff in a merge whose remerge diff notes a conflict on another file', async () => {
    repo = await createTestRepo();
    await repo.commitFiles('init', { 'a.bin': Buffer.from('a\0b\n'), 'src/helpers.py': 'x = 1\n', 'z.txt': 'z\n' });
    await repo.git(['checkout', '--quiet', '-b', 'side']);
    await repo.commitFiles('side', { 'a.bin': Buffer.from('side\0\n') });
    await repo.git(['checkout', '--quiet', 'main']);
    await repo.commitFiles('main', { 'a.bin': Buffer.from('main\0\n') });
    await repo.git(['merge', '--quiet', 'side'], { allowFailure: true });
    await repo.git(['checkout', '--ours', 'a.bin']);
    await repo.write({ 'src/helpers.py': 'x = 1\ntime.time = lambda: 0\n', 'z.txt': 'z\nzz\n' });
    await repo.commit('merge');
    const merge = (await history()).filter((change) => subjectOf(change) === 'merge');
    expect(merge.map((change) => change.file).sort()).toEqual(['src/helpers.py', 'z.txt']);
    expect(addedText(merge.find((change) => change.file === 'src/helpers.py')!)).toEqual(['time.time = lambda: 0']);
    expect(addedText(merge.find((change) => change.file === 'z.txt')!)).toEqual(['zz']);
  });

  it('reports what an octopus merge introduced, which git\'s remerge diff skips', async () => {
    repo = await createTestRepo();
    await repo.commitFiles('init', { 'reward.py': 'def reward():\n    return score()\n', 'a.txt': 'a\n' });
    for (const branch of ['x', 'y', 'z']) {
      await repo.git(['checkout', '--quiet', '-b', branch, 'main']);
      await repo.commitFiles(`branch ${branch}`, { [`${branch}.txt`]: `${branch}\n` });
    }
    await repo.git(['checkout', '--quiet', 'main']);
    await repo.git(['merge', '--quiet', '--no-commit', 'x', 'y', 'z']);
    await repo.write({ 'reward.py': 'def reward():\n    return 1.0\n' });
    await repo.commit('octopus');
    const octopus = (await history()).filter((change) => subjectOf(change) === 'octopus');
    expect(octopus.map((change) => change.file)).toEqual(['reward.py']);
    expect(addedText(octopus[0]!)).toEqual(['    return 1.0']);
    expect((octopus[0]!.origin as CommitOrigin).parents.length).toBeGreaterThan(2);
  });

  it('keeps unusual file names and commit subjects intact', async () => {
    repo = await createTestRepo();
    const name = 'dir with space/naïve "quoted"\ttab.py';
    await repo.commitFiles('init', { [name]: 'x = 1\n' });
    await repo.commitFiles('diff --git a/x b/x', { [name]: 'x = 2\n' }, { author: 'Name With Spaces' });
    const changes = await history();
    const edit = changes.find((change) => subjectOf(change) === 'diff --git a/x b/x')!;
    expect(edit.file).toBe(name);
    expect(edit.origin).toMatchObject({ author: 'Name With Spaces', email: 'name-with-spaces@example.com' });
    expect(addedText(edit)).toEqual(['x = 2']);
  });

  it('lets a change read whole file versions for scope lookups', async () => {
    repo = await createTestRepo();
    await repo.commitFiles('init', { 'r.py': 'def f():\n    return 1\n' });
    await repo.commitFiles('edit', { 'r.py': 'def f():\n    return 2\n' });
    const edit = (await history()).find((change) => subjectOf(change) === 'edit')!;
    expect(String(await edit.content.readOld())).toBe('def f():\n    return 1\n');
    expect(String(await edit.content.readNew())).toBe('def f():\n    return 2\n');
  });
});
