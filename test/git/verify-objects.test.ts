import { spawnSync } from 'node:child_process';
import { chmod, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { deflateSync, inflateSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openRepository } from '../../src/git/repository.js';
import { objectListings, verifyObjects, verifyScannedObjects } from '../../src/git/verify-objects.js';
import { createTestRepo, type TestRepo } from '../helpers/git-repo.js';

let repo: TestRepo;

beforeEach(async () => {
  repo = await createTestRepo();
});

afterEach(async () => {
  await repo.cleanup();
});

describe('objectListings', () => {
  it('reads the range and the snapshot of --since, which HEAD shares where the range left it alone', () => {
    expect(objectListings('h', 's', true)).toEqual([
      ['--end-of-options', 'h', '^s'],
      ['--no-walk', '--end-of-options', 's'],
    ]);
  });

  it('reads the snapshots of the range\'s other boundaries, which the first commits of a branch forked before --since are compared with', () => {
    expect(objectListings('h', 's', true, ['s', 'p'])).toEqual([
      ['--end-of-options', 'h', '^s'],
      ['--no-walk', '--end-of-options', 's', 'p'],
    ]);
  });

  it('reads the whole history alone when there is no --since: it holds every snapshot', () => {
    expect(objectListings('h', null, true)).toEqual([['--end-of-options', 'h']]);
  });

  it('reads the snapshots of --since and HEAD when the history is not read, or is empty', () => {
    expect(objectListings('h', 's', false)).toEqual([['--no-walk', '--end-of-options', 's', 'h']]);
    expect(objectListings('h', null, false)).toEqual([['--no-walk', '--end-of-options', 'h']]);
    expect(objectListings('h', 'h', true)).toEqual([['--no-walk', '--end-of-options', 'h']]);
  });
});

describe('verifyObjects', () => {
  /** Many more objects than are ever asked of git at once, so the listing waits for the hashing. */
  const FILES = 12_000;

  /** Two ordinary commits of loose objects, then one of FILES files packed by fast-import. */
  async function buildLargeHistory(): Promise<{ base: string; head: string }> {
    await commitOne('train.py', 'lr = 3e-4\n');
    const base = await commitOne('notes.md', 'notes\n');
    const stream = ['commit refs/heads/main\ncommitter Test <test@example.com> 0 +0000\ndata 10\nmany files\n', `from ${base}\n`];
    for (let index = 0; index < FILES; index++) {
      const content = `row ${index}\n`;
      stream.push(`M 100644 inline data/${index % 50}/f${index}.txt\ndata ${content.length}\n${content}\n`);
    }
    const imported = spawnSync('git', ['fast-import', '--quiet'], { cwd: repo.root, input: stream.join('') });
    expect(imported.status).toBe(0);
    return { base, head: await repo.head() };
  }

  async function commitOne(path: string, content: string): Promise<string> {
    await repo.write({ [path]: content });
    await repo.git(['add', '--', path]);
    await repo.git(['commit', '--quiet', '--no-verify', '-m', path]);
    return repo.head();
  }

  /** Rewrites the loose object file of `revision` to hold `content`, under its old name. */
  async function forgeBlob(revision: string, content: string): Promise<void> {
    const id = (await repo.git(['rev-parse', revision])).trim();
    const file = join(repo.root, '.git', 'objects', id.slice(0, 2), id.slice(2));
    expect(inflateSync(await readFile(file)).toString('utf8')).toMatch(/^blob \d+\0/);
    await chmod(file, 0o644);
    await writeFile(file, deflateSync(Buffer.from(`blob ${content.length}\0${content}`)));
  }

  it('hashes every object of a long listing and finds nothing wrong in an intact repository', async () => {
    const { head } = await buildLargeHistory();
    const opened = await openRepository(repo.root);
    await expect(verifyObjects(opened, objectListings(head, null, true))).resolves.toBeUndefined();
  });

  it('names a rewritten blob listed after thousands of others, with its path', async () => {
    const { head } = await buildLargeHistory();
    await forgeBlob(`${head}:notes.md`, 'other notes\n');
    const opened = await openRepository(repo.root);
    await expect(verifyObjects(opened, objectListings(head, null, true))).rejects.toMatchObject({
      code: 'integrity',
      message: expect.stringMatching(/^object [0-9a-f]{40} \(notes\.md\) does not hold the content its id names/),
    });
  });

  it('finds a rewritten blob of the --since snapshot that the range never touched', async () => {
    const { base, head } = await buildLargeHistory();
    await forgeBlob(`${base}:train.py`, 'lr = 1\n');
    const opened = await openRepository(repo.root);
    await expect(verifyObjects(opened, [objectListings(head, base, true)[0] ?? []])).resolves.toBeUndefined();
    await expect(verifyObjects(opened, objectListings(head, base, true))).rejects.toMatchObject({
      code: 'integrity',
      message: expect.stringContaining('(train.py) does not hold'),
    });
  });

  it('finds a rewritten tree of a parent outside the range, which hid the edit of a branch forked before --since', async () => {
    // A branch that forked before the base moved on, scanned from the base: its first commit is compared
    // with the fork point, which is no ancestor of the range and not the base.
    const fork = await repo.commitFiles('fork point', { 'reward.py': 'return score\n', 'notes.md': 'notes\n' });
    await repo.git(['checkout', '--quiet', '-b', 'side']);
    const edit = await repo.commitFiles('side edit', { 'reward.py': 'return 1.0  # SECRET\n' });
    await repo.git(['checkout', '--quiet', 'main']);
    const since = await repo.commitFiles('docs', { 'notes.md': 'more notes\n' });
    await repo.git(['checkout', '--quiet', 'side']);
    const head = await repo.head();
    const opened = await openRepository(repo.root);
    await expect(verifyScannedObjects(opened, head, since, true)).resolves.toBeUndefined();

    // The fork point's tree made to name the edited blob: the side commit then shows no change.
    const treeId = (await repo.git(['rev-parse', `${fork}^{tree}`])).trim();
    const file = join(repo.root, '.git', 'objects', treeId.slice(0, 2), treeId.slice(2));
    const stored = inflateSync(await readFile(file));
    const tree = stored.subarray(stored.indexOf(0) + 1);
    const committed = Buffer.from((await repo.git(['rev-parse', `${fork}:reward.py`])).trim(), 'hex');
    Buffer.from((await repo.git(['rev-parse', `${edit}:reward.py`])).trim(), 'hex').copy(tree, tree.indexOf(committed));
    await chmod(file, 0o644);
    await writeFile(file, deflateSync(Buffer.concat([Buffer.from(`tree ${tree.length}\0`), tree])));
    expect(await repo.git(['log', '-p', `${since}..${head}`])).not.toContain('SECRET');

    await expect(verifyScannedObjects(opened, head, since, true)).rejects.toMatchObject({
      code: 'integrity',
      message: expect.stringContaining(`object ${treeId} does not hold`),
    });
  });
});
