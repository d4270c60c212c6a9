import { appendFile, mkdir, stat, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { compileIgnore } from '../../src/sources/tree-ignore.js';
import { walkTree } from '../../src/sources/tree-walk.js';
import { createTestRepo, type TestRepo } from '../helpers/git-repo.js';
import { startTestWatch, type TestWatch } from '../helpers/watch.js';

const REWARD = 'def compute_reward(completion):\n    return score(completion)\n';
const CONSTANT = 'def compute_reward(completion):\n    return 1.0\n';

describe('selfmod watch against an agent that knows how it works', () => {
  let repo: TestRepo;
  let watch: TestWatch | null = null;

  beforeEach(async () => {
    repo = await createTestRepo();
    await repo.commitFiles('start', { 'rl/compute_reward.py': REWARD, 'README.md': '# x\n' });
  });

  afterEach(async () => {
    await watch?.stop();
    watch = null;
    await repo.cleanup();
  });

  it('watches a directory called .git that is not the repository', async () => {
    watch = await startTestWatch(repo.root);
    await mkdir(join(repo.root, 'lib/.git'), { recursive: true });
    await writeFile(join(repo.root, 'lib/.git/compute_reward.py'), CONSTANT);
    await watch.waitFor((i) => i.file === 'lib/.git/compute_reward.py', 'the file hidden in lib/.git');
  });

  it('watches names that start with two dots', async () => {
    watch = await startTestWatch(repo.root);
    await mkdir(join(repo.root, '..hidden'));
    await writeFile(join(repo.root, '..hidden/compute_reward.py'), CONSTANT);
    await watch.waitFor((i) => i.file === '..hidden/compute_reward.py', 'the file under ..hidden');
  });

  it('guards the rule files a config in the tree names, not only the config', async () => {
    await repo.write({ 'cfg/selfmod.yml': 'rules: [rules]\n', 'cfg/rules/extra.yml': extraRule });
    watch = await startTestWatch(repo.root, { configFile: join(repo.root, 'cfg/selfmod.yml') });
    await appendFile(join(repo.root, 'cfg/rules/extra.yml'), '# weakened\n');
    const incident = await watch.waitFor((i) => i.ruleId === 'selfmod-config-edited', 'the rule file edit');
    expect(incident.file).toBe('cfg/rules/extra.yml');
  });

  it('keeps the copy of a file looked at again after the copy budget ran out, so its next edit still has lines', async () => {
    // A budget that holds the baseline's text and a few bytes more.
    const isIgnored = compileIgnore({ patterns: [], useDefaults: true, ownFiles: [] });
    const paths = await walkTree(repo.root, { isIgnored, warn: () => undefined });
    const sizes = await Promise.all(paths.map(async (path) => (await stat(join(repo.root, path))).size));
    watch = await startTestWatch(repo.root, { copyBudgetBytes: sizes.reduce((sum, size) => sum + size, 0) + 10 });
    await writeFile(join(repo.root, 'junk.txt'), 'x'.repeat(4096));
    await expect.poll(() => watch?.degraded.join(' ') ?? '', { timeout: 20_000 }).toMatch(/--copy-limit/);
    // Looked at again with its content unchanged: its copy must survive the full budget.
    const now = new Date();
    await utimes(join(repo.root, 'rl/compute_reward.py'), now, now);
    await new Promise((resolve) => setTimeout(resolve, 500));
    await writeFile(join(repo.root, 'rl/compute_reward.py'), CONSTANT);
    const incident = await watch.waitFor((i) => i.ruleId === 'reward-function-returns-constant', 'the constant reward');
    expect(incident.evidence).toContainEqual({ side: 'added', line: 2, text: '    return 1.0' });
  });

  it('does not call a stash and its pop a rewrite', async () => {
    watch = await startTestWatch(repo.root, { rescanSeconds: 1 });
    await repo.write({ 'README.md': '# x\n\nwork in progress\n' });
    await repo.git(['stash', '--quiet']);
    await repo.git(['stash', 'pop', '--quiet']);
    await repo.write({ 'rl/compute_reward.py': CONSTANT });
    await watch.waitFor((i) => i.ruleId === 'reward-function-returns-constant', 'a later edit');
    await watch.stop();
    expect(watch.incidents.filter((i) => i.ruleId === 'history-rewritten')).toEqual([]);
  });
});

const extraRule = `id: extra-rule
category: oversight
severity: low
description: A rule loaded from a config in the watched tree.
message: extra {file}
match:
  path: ['never-matches.txt']
examples:
  flag:
    - file: never-matches.txt
      after: "x\\n"
`;
