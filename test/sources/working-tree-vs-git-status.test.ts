import { chmod, mkdir, rename, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BlobReader } from '../../src/git/blob-reader.js';
import { headCommit, openRepository } from '../../src/git/repository.js';
import { readWorkingTreeChanges } from '../../src/sources/working-tree.js';
import { createTestRepo, type TestRepo } from '../helpers/git-repo.js';
import { seededRandom } from '../helpers/seeded-random.js';

const PATHS = ['train.py', 'reward.py', 'a/b.py', 'a/c.txt', 'rewards/x.py', 'docs/r.md', 'stop.sh', 'a/d/e.py', 'logs/l.txt', 'cfg.yaml'];
const IGNORE_FILES = ['logs/\n', '*.txt\n', 'rewards/\n!rewards/x.py\n', 'a/*\n!a/d/\n', 'r*\n!rewards/\n', ''];

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

/** A few random edits of every kind a working tree sees: writes, deletions, modes, links, moves, staging. */
async function editAtRandom(repo: TestRepo, random: () => number, options: { ignoreFile: boolean }): Promise<void> {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  for (let step = 0; step < 6; step++) {
    const path = pick(PATHS);
    const full = join(repo.root, path);
    const choice = random();
    if (choice < 0.35) {
      await rm(full, { recursive: true, force: true });
      await repo.write({ [path]: `v${Math.floor(random() * 3)}\n` });
    } else if (choice < 0.5) {
      await rm(full, { recursive: true, force: true });
    } else if (choice < 0.6) {
      if (await exists(full)) await chmod(full, random() < 0.5 ? 0o755 : 0o644);
    } else if (choice < 0.7) {
      await rm(full, { recursive: true, force: true });
      await mkdir(dirname(full), { recursive: true });
      await symlink(pick(PATHS), full);
    } else if (choice < 0.8) {
      const target = join(repo.root, pick(PATHS));
      if ((await exists(full)) && !(await exists(target)) && !target.startsWith(`${full}/`)) {
        await mkdir(dirname(target), { recursive: true });
        await rename(full, target);
      }
    } else if (choice < 0.9) {
      if (options.ignoreFile) await repo.write({ '.gitignore': pick(IGNORE_FILES) });
    } else {
      await repo.git(['add', '--all', '--', path], { allowFailure: true });
    }
  }
}

/*
 * What git status lists (staged, unstaged, untracked and not ignored) is what an agent's edits look
 * like to anyone who looks: the working-tree source must report every one of those paths, and no
 * other, for working trees built at random, under committed ignore files (those the scan applies).
 */
describe('the working tree against git status', () => {
  it('reports exactly the paths git status lists, on random working trees', async () => {
    const random = seededRandom(20261124);
    for (let sample = 0; sample < 24; sample++) {
      const repo = await createTestRepo();
      const opened = await openRepository(repo.root);
      const blobs = new BlobReader(opened.invocation);
      try {
        await editAtRandom(repo, random, { ignoreFile: true });
        await repo.commit('base');
        await editAtRandom(repo, random, { ignoreFile: false });
        await editAtRandom(repo, random, { ignoreFile: false });
        const status = (await repo.git(['status', '--porcelain=v1', '-z', '--untracked-files=all', '--no-renames'])).split('\0').filter(Boolean);
        const listed = [...new Set(status.map((entry) => entry.slice(3)))].sort();
        const changes = await readWorkingTreeChanges(opened, blobs, await headCommit(opened), () => {});
        const reported = [...new Set(changes.flatMap((change) => [change.file, ...(change.previousFile === null ? [] : [change.previousFile])]))].sort();
        expect(reported, `sample ${sample}: git status ${JSON.stringify(status)}`).toEqual(listed);
      } finally {
        blobs.close();
        await repo.cleanup();
      }
    }
  });
});
