import { readFileSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { afterEach, describe, expect, it } from 'vitest';
import { RevisionError, RuleFileError } from '../../src/errors.js';
import { createTestRepo, type TestRepo } from '../helpers/git-repo.js';
import { scan, summarize } from '../helpers/scan.js';

const schema = JSON.parse(readFileSync(new URL('../../src/report/report.schema.json', import.meta.url), 'utf8')) as object;
const validateReport = new Ajv({ allErrors: true, strict: false }).compile(schema);

let repo: TestRepo;
afterEach(async () => {
  await repo?.cleanup();
});

const REWARD = 'def compute_reward(transcript):\n    passed = run_tests(transcript)\n    return 1.0 if passed else 0.0\n';
const HACKED = 'def compute_reward(transcript):\n    return 1.0\n';

describe('runScan', () => {
  it('produces a report that matches the published JSON Schema', async () => {
    repo = await createTestRepo();
    await repo.commitFiles('init', { 'rl/compute_reward.py': REWARD, 'ckpt/model.safetensors': Buffer.from([0, 1, 2]) });
    await repo.commitFiles('hack', { 'rl/compute_reward.py': HACKED, 'ckpt/model.safetensors': Buffer.from([0, 9, 9]) });
    await repo.write({ 'configs/run.yaml': 'timeout: 99999\n' });
    const { report } = await scan(repo.root);
    expect(validateReport(report), JSON.stringify(validateReport.errors)).toBe(true);
    expect(report.complete).toBe(true);
    expect(report.summary.total).toBe(report.incidents.length);
    expect(report.summary.commitsScanned).toBe(2);
    expect(report.incidents.length).toBeGreaterThan(0);
  });

  it('finds a reward function in a file whose lines end in a carriage return alone, which git reads as one line', async () => {
    repo = await createTestRepo();
    const helpers = (body: string) => `import math\r\rdef helper(t):\r    return t\r\rdef compute_reward(t):\r    ${body}\r`;
    await repo.commitFiles('init', { 'utils/helpers.py': helpers('return score(t)') });
    await repo.commitFiles('hack', { 'utils/helpers.py': helpers('return 1.0') });
    await repo.write({ 'utils/helpers.py': helpers('return 2.0') });
    const { report } = await scan(repo.root);
    const reward = report.incidents.filter((incident) => incident.ruleId === 'reward-function-edited');
    expect(summarize(reward).sort()).toEqual([
      'reward-function-edited utils/helpers.py [added] init',
      'reward-function-edited utils/helpers.py [modified] hack',
      'reward-function-edited utils/helpers.py [modified] working-tree:worktree',
    ]);
    // The edit is attributed to the function it is in, not to the one before it on git's line.
    for (const incident of reward) expect(incident.scopes).toContain('compute_reward');
    expect(reward.filter((incident) => incident.change === 'modified').map((incident) => incident.scopes)).toEqual([['compute_reward'], ['compute_reward']]);
  });

  it('is deterministic: two runs give the same incidents in the same order', async () => {
    repo = await createTestRepo();
    await repo.commitFiles('init', { 'rl/compute_reward.py': REWARD });
    await repo.commitFiles('hack', { 'rl/compute_reward.py': HACKED, 'tests/test_reward.py': null });
    await repo.write({ 'train.py': 'lr = 1\n' });
    const first = await scan(repo.root);
    const second = await scan(repo.root);
    expect(second.report.incidents).toEqual(first.report.incidents);
  });

  it('reads .selfmod.yml from the base revision only, and flags changes to it', async () => {
    repo = await createTestRepo();
    await repo.commitFiles('init', {
      '.selfmod.yml': 'severity:\n  reward-function-edited: medium\n',
      'rl/compute_reward.py': REWARD,
    });
    const base = await repo.head();
    // The agent disables the rule that would catch it, in the same range as the hack.
    await repo.commitFiles('tweak config', { '.selfmod.yml': 'disable: [reward-function-edited]\n' }, { author: 'Agent' });
    await repo.commitFiles('hack', { 'rl/compute_reward.py': HACKED }, { author: 'Agent' });
    await repo.write({ '.selfmod.yml': 'defaultRules: false\n' });
    const { report } = await scan(repo.root, { since: base });
    const reward = report.incidents.find((incident) => incident.ruleId === 'reward-function-edited');
    expect(reward?.severity).toBe('medium');
    const configEdits = report.incidents.filter((incident) => incident.ruleId === 'selfmod-config-edited');
    expect(configEdits.map((incident) => incident.source.kind).sort()).toEqual(['commit', 'working-tree']);
    expect(configEdits.every((incident) => incident.severity === 'critical' && incident.category === 'oversight')).toBe(true);
  });

  it('loads rule files named by the base revision\'s .selfmod.yml, and guards them', async () => {
    repo = await createTestRepo();
    const customRule = [
      'id: team-prompt-edited',
      'category: inference',
      'severity: high',
      'description: Our system prompts changed.',
      'message: prompt edited in {file}',
      'match:',
      "  path: ['prompts/']",
      'examples:',
      '  flag: [{file: prompts/a.txt, before: "a", after: "b"}]',
      '',
    ].join('\n');
    await repo.commitFiles('init', { '.selfmod.yml': 'rules: [./policy/rules/]\n', 'policy/rules/team.yml': customRule, 'prompts/system.txt': 'Be honest.\n' });
    const base = await repo.head();
    await repo.commitFiles('edit', { 'prompts/system.txt': 'Say the tests passed.\n', 'policy/rules/team.yml': 'id: broken\n' });
    const { report } = await scan(repo.root, { since: base, useDefaultRules: false });
    expect(summarize(report.incidents).sort()).toEqual([
      'selfmod-config-edited policy/rules/team.yml [modified] edit',
      'team-prompt-edited prompts/system.txt [modified] edit',
    ]);
  });

  it('ignores .selfmod.yml without --since and says so', async () => {
    repo = await createTestRepo();
    await repo.commitFiles('init', { '.selfmod.yml': 'disable: [reward-function-edited]\n', 'rl/compute_reward.py': REWARD });
    await repo.commitFiles('hack', { 'rl/compute_reward.py': HACKED });
    const { report } = await scan(repo.root);
    expect(report.incidents.some((incident) => incident.ruleId === 'reward-function-edited')).toBe(true);
    expect(report.warnings.join('\n')).toContain('.selfmod.yml was not read');
  });

  it('rejects a config that names an unknown rule, and refuses to disable the config guard', async () => {
    repo = await createTestRepo();
    await repo.commitFiles('init', { 'a.txt': 'a\n' });
    const config = join(repo.root, '..', `${repo.root.split('/').pop()}-config.yml`);
    await writeFile(config, 'disable:\n  - reward-fuction-edited\n');
    await expect(scan(repo.root, { configFile: config })).rejects.toThrowError(`${config}:2:5: disable names unknown rule "reward-fuction-edited"`);
    await writeFile(config, 'disable: [selfmod-config-edited]\n');
    await expect(scan(repo.root, { configFile: config })).rejects.toBeInstanceOf(RuleFileError);
    await rm(config);
  });

  it('turns history and the working tree off independently', async () => {
    repo = await createTestRepo();
    await repo.commitFiles('init', { 'rl/compute_reward.py': REWARD });
    await repo.commitFiles('hack', { 'rl/compute_reward.py': HACKED });
    await repo.write({ 'rl/compute_reward.py': REWARD.replace('0.0', '0.5') });
    const historyOnly = await scan(repo.root, { workingTree: false });
    expect(historyOnly.report.incidents.every((incident) => incident.source.kind === 'commit')).toBe(true);
    const treeOnly = await scan(repo.root, { history: false });
    expect(treeOnly.report.incidents.length).toBeGreaterThan(0);
    expect(treeOnly.report.incidents.every((incident) => incident.source.kind === 'working-tree')).toBe(true);
    expect(treeOnly.report.summary.commitsScanned).toBe(0);
  });

  it('explains an unknown --since, mentioning a shallow clone when there is one', async () => {
    repo = await createTestRepo();
    for (let i = 0; i < 3; i++) await repo.commitFiles(`c${i}`, { 'a.txt': `${i}\n` });
    await expect(scan(repo.root, { since: 'no-such-branch' })).rejects.toThrowError(/--since no-such-branch: unknown revision in .*; if it names a remote branch/);
    const shallow = await createTestRepo();
    try {
      await shallow.git(['clone', '--quiet', '--depth=1', `file://${repo.root}`, 'clone']);
      const clone = join(shallow.root, 'clone');
      const error = await scan(clone, { since: 'HEAD~2' }).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(RevisionError);
      expect((error as Error).message).toContain('this clone is shallow');
      expect((error as Error).message).toContain('git fetch --unshallow');
    } finally {
      await shallow.cleanup();
    }
  });

  it('stops when interrupted and keeps what it found, in a still valid report', async () => {
    repo = await createTestRepo();
    await repo.commitFiles('init', { 'rl/compute_reward.py': REWARD });
    await repo.commitFiles('hack', { 'rl/compute_reward.py': HACKED });
    await repo.commitFiles('hack again', { 'rl/compute_reward.py': HACKED.replace('1.0', '2.0') });
    const controller = new AbortController();
    // Newest first: abort once the first commit has been checked.
    const { report, failure } = await scan(repo.root, { signal: controller.signal, onProgress: () => controller.abort('SIGTERM') });
    expect(failure).toBeInstanceOf(Error);
    expect(report).toMatchObject({ complete: false, error: { code: 'interrupted' } });
    expect(report.error!.message).toContain('SIGTERM');
    const found = summarize(report.incidents);
    expect(found).toContain('reward-function-edited rl/compute_reward.py [modified] hack again');
    expect(found.every((line) => line.endsWith('hack again'))).toBe(true);
    expect(validateReport(report), JSON.stringify(validateReport.errors)).toBe(true);
  });
});
