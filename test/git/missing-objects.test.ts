import { execFile } from 'node:child_process';
import { mkdtemp, rm, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestRepo, type TestRepo } from '../helpers/git-repo.js';
import { scan } from '../helpers/scan.js';

const git = (cwd: string, args: readonly string[]) => promisify(execFile)('git', args, { cwd });

let repo: TestRepo;
let scratch: string;

beforeEach(async () => {
  repo = await createTestRepo();
  scratch = await mkdtemp(join(tmpdir(), 'selfmod-missing-'));
  await repo.commitFiles('init', { 'rl/compute_reward.py': 'def compute_reward(t):\n    return grade(t)\n', 'docs/a.md': 'x\n' });
  await repo.commitFiles('hack', { 'rl/compute_reward.py': 'def compute_reward(t):\n    return 1.0\n' });
  await repo.commitFiles('docs', { 'docs/a.md': 'y\n' });
});

afterEach(async () => {
  await repo.cleanup();
  await rm(scratch, { recursive: true, force: true });
});

describe('a repository that lacks objects', () => {
  it('stops a scan of a partial clone with an error that says why and what to do, fetching nothing', async () => {
    await repo.git(['config', 'uploadpack.allowFilter', 'true']);
    const clone = join(scratch, 'partial');
    await git(scratch, ['clone', '--quiet', '--filter=blob:none', '--no-checkout', `file://${repo.root}`, clone]);
    // Only what a checkout of HEAD needs arrives: the older version of the reward function stays remote.
    await git(clone, ['checkout', '--quiet', 'main']);
    const { report, failure } = await scan(clone, { since: 'HEAD~2' });
    expect(report.complete).toBe(false);
    expect(failure).toMatchObject({ code: 'git' });
    expect(String((failure as Error).message)).toMatch(/promisor remote; the repository lacks objects .* partial clone .* clone without a filter/);
    // Nothing was fetched on demand: the old version is still missing.
    const { stdout } = await git(clone, ['rev-list', '--objects', '--missing=print', 'HEAD']);
    expect(stdout).toMatch(/^\?[0-9a-f]{40}$/m);
  });

  it('names a damaged repository the same way', async () => {
    const old = (await repo.git(['rev-parse', 'HEAD~2:rl/compute_reward.py'])).trim();
    await unlink(join(repo.root, '.git', 'objects', old.slice(0, 2), old.slice(2)));
    const { report, failure } = await scan(repo.root);
    expect(report.complete).toBe(false);
    expect(String((failure as Error).message)).toMatch(/the repository lacks objects the scan must read.*git fsck/);
  });
});
