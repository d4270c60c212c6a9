import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { GitError } from '../../src/errors.js';
import { BlobReader } from '../../src/git/blob-reader.js';
import { configOverrides, hardenedEnvironment } from '../../src/git/hardening.js';
import { runGit, streamGitLineBatches, streamGitLines } from '../../src/git/run-git.js';
import { createTestRepo, type TestRepo } from '../helpers/git-repo.js';

const execFileAsync = promisify(execFile);

let repo: TestRepo;
afterEach(async () => {
  await repo?.cleanup();
});

/** A repository whose config includes a FIFO: git blocks opening it, before doing anything else. */
async function blockingRepository() {
  repo = await createTestRepo();
  await repo.commitFiles('init', { 'a.txt': 'a\n' });
  await repo.git(['config', 'include.path', 'blocking.config']);
  await execFileAsync('mkfifo', [join(repo.root, '.git', 'blocking.config')]);
  const gitDir = join(repo.root, '.git');
  return { cwd: gitDir, env: hardenedEnvironment({ gitDir, workTree: null }, configOverrides([])) };
}

describe('git calls that stop making progress', () => {
  it('a short call is killed after its time limit, with a message that says why', async () => {
    const invocation = await blockingRepository();
    const error = await runGit(invocation, ['rev-parse', 'HEAD'], { timeoutMs: 300 }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(GitError);
    expect((error as Error).message).toMatch(/^git rev-parse failed: no progress for 0.3 s, stopped \(is a FIFO or device planted/);
  });

  it('a streaming call is killed when no output comes for its stall limit', async () => {
    const invocation = await blockingRepository();
    const lines: string[] = [];
    const error = await (async () => {
      for await (const line of streamGitLines(invocation, ['log', '--format=%H'], 300)) lines.push(line);
    })().catch((caught: unknown) => caught);
    expect(lines).toEqual([]);
    expect(error).toBeInstanceOf(GitError);
    expect((error as Error).message).toMatch(/^git log failed: no progress for 0.3 s, stopped/);
  });

  it('a slow consumer does not count as git stalling', async () => {
    repo = await createTestRepo();
    for (let i = 0; i < 3; i++) await repo.commitFiles(`c${i}`, { 'a.txt': `${i}\n` });
    const gitDir = join(repo.root, '.git');
    const invocation = { cwd: gitDir, env: hardenedEnvironment({ gitDir, workTree: null }, configOverrides([])) };
    const lines: string[] = [];
    for await (const line of streamGitLines(invocation, ['log', '--format=%s'], 200)) {
      await new Promise((resolve) => setTimeout(resolve, 300));
      lines.push(line);
    }
    expect(lines).toEqual(['c2', 'c1', 'c0']);
  });
});

describe('streamGitLineBatches', () => {
  it('yields the same lines as streamGitLines, a chunk of output at a time', async () => {
    repo = await createTestRepo();
    // Long messages, so the output spans several pipe chunks and lines cross chunk boundaries.
    for (let i = 0; i < 40; i++) await repo.commitFiles(`c${i} ${'x'.repeat(4000 + i)}`, { 'a.txt': `${i}\n` });
    const gitDir = join(repo.root, '.git');
    const invocation = { cwd: gitDir, env: hardenedEnvironment({ gitDir, workTree: null }, configOverrides([])) };
    const lines: string[] = [];
    for await (const line of streamGitLines(invocation, ['log', '--format=%s%n%H'])) lines.push(line);
    const batches: string[][] = [];
    for await (const batch of streamGitLineBatches(invocation, ['log', '--format=%s%n%H'])) batches.push(batch.lines());
    expect(lines).toHaveLength(80);
    expect(batches.flat()).toEqual(lines);
    expect(batches.every((batch) => batch.length > 0)).toBe(true);
  });
});

describe('git cat-file answering nothing', () => {
  it('fails the pending reads after the stall limit instead of waiting forever', async () => {
    repo = await createTestRepo();
    await repo.commitFiles('init', { 'a.txt': 'hello\n' });
    const sha = (await repo.git(['rev-parse', 'HEAD:a.txt'])).trim();
    const objectFile = join(repo.root, '.git', 'objects', sha.slice(0, 2), sha.slice(2));
    await execFileAsync('rm', ['-f', objectFile]);
    await execFileAsync('mkfifo', [objectFile]);
    const gitDir = join(repo.root, '.git');
    const blobs = new BlobReader({ cwd: gitDir, env: hardenedEnvironment({ gitDir, workTree: null }, configOverrides([])) }, 300);
    try {
      const error = await blobs.read(sha, 1024).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(GitError);
      expect((error as Error).message).toMatch(/^git cat-file failed: no answer for 0.3 s/);
    } finally {
      blobs.close();
    }
  });
});

describe('GitError', () => {
  it('names the line that says what failed, not a hint printed before it', () => {
    const error = new GitError(['log'], 'hint: something advisory\nwarning: lazy fetching disabled\nfatal: bad object abc\n', 128);
    expect(error.message).toBe('git log failed: fatal: bad object abc');
  });
});
