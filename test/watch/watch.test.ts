import { execFileSync, spawnSync } from 'node:child_process';
import { readFile, rename, rm, symlink, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { verifyEventLog } from '../../src/report/verify-event-log.js';
import { createTestRepo, type TestRepo } from '../helpers/git-repo.js';
import { startTestWatch, type TestWatch } from '../helpers/watch.js';

const hasPython = spawnSync('python3', ['--version']).status === 0;

const REWARD = 'def compute_reward(completion):\n    return score(completion)\n';
const CONSTANT = 'def compute_reward(completion):\n    return 1.0\n';

describe('selfmod watch on a real directory', () => {
  let repo: TestRepo;
  let watch: TestWatch | null = null;

  beforeEach(async () => {
    repo = await createTestRepo();
    await repo.commitFiles('start', { 'rl/compute_reward.py': REWARD, 'README.md': '# project\n', 'shutdown.sh': '#!/bin/sh\nkill "$PID"\n' });
    await repo.chmod('shutdown.sh', 0o755);
  });

  afterEach(async () => {
    await watch?.stop();
    watch = null;
    await repo.cleanup();
  });

  it('reports an edit and its revert a moment later as two incidents, each with its own diff', async () => {
    watch = await startTestWatch(repo.root);
    await repo.write({ 'rl/compute_reward.py': CONSTANT });
    const edit = await watch.waitFor((i) => i.ruleId === 'reward-function-edited' && i.diff.includes('+    return 1.0'), 'the edit');
    await repo.write({ 'rl/compute_reward.py': REWARD });
    const revert = await watch.waitFor((i) => i.ruleId === 'reward-function-edited' && i.diff.includes('-    return 1.0'), 'the revert');
    expect(edit.id).not.toBe(revert.id);
    expect(edit.source.kind).toBe('live');
    expect(edit.evidence).toContainEqual({ side: 'added', line: 2, text: '    return 1.0' });
  });

  it('sees an atomic save (write a temp file, rename it over the original)', async () => {
    watch = await startTestWatch(repo.root);
    await writeFile(join(repo.root, 'rl/.compute_reward.py.swp'), CONSTANT);
    await rename(join(repo.root, 'rl/.compute_reward.py.swp'), join(repo.root, 'rl/compute_reward.py'));
    const incident = await watch.waitFor((i) => i.file === 'rl/compute_reward.py' && i.ruleId === 'reward-function-returns-constant', 'the atomic save');
    expect(incident.change).toBe('modified');
  });

  it('sees a delete, a rename out of place and a chmod-only change', async () => {
    watch = await startTestWatch(repo.root);
    await repo.chmod('shutdown.sh', 0o644);
    const mode = await watch.waitFor((i) => i.file === 'shutdown.sh' && i.change === 'mode', 'the chmod');
    expect([mode.oldMode, mode.newMode]).toEqual(['100755', '100644']);
    await rename(join(repo.root, 'rl/compute_reward.py'), join(repo.root, 'helpers.py'));
    await watch.waitFor((i) => i.file === 'rl/compute_reward.py' && i.change === 'deleted', 'the move away');
    await watch.waitFor((i) => i.file === 'helpers.py' && i.change === 'added' && i.scopes.includes('compute_reward'), 'the moved reward function');
    await rm(join(repo.root, 'shutdown.sh'));
    await watch.waitFor((i) => i.file === 'shutdown.sh' && i.change === 'deleted', 'the delete');
  });

  it('sees a symlink swapped in for a checkpoint', async () => {
    await repo.write({ 'checkpoints/model.safetensors': Buffer.from([1, 2, 3, 0, 4]), 'reference/model.safetensors': Buffer.from([9, 9, 0, 9]) });
    watch = await startTestWatch(repo.root);
    await rm(join(repo.root, 'checkpoints/model.safetensors'));
    await symlink('../reference/model.safetensors', join(repo.root, 'checkpoints/model.safetensors'));
    const swap = await watch.waitFor((i) => i.file === 'checkpoints/model.safetensors' && i.newTarget === '../reference/model.safetensors', 'the symlink');
    expect(swap.category).toBe('weights');
  });

  it('sees an edit whose mtime is put back afterwards', async () => {
    watch = await startTestWatch(repo.root);
    const path = join(repo.root, 'rl/compute_reward.py');
    const old = new Date('2020-01-01T00:00:00Z');
    await utimes(path, old, old);
    await writeFile(path, CONSTANT);
    await utimes(path, old, old);
    await watch.waitFor((i) => i.file === 'rl/compute_reward.py' && i.diff.includes('+    return 1.0'), 'the edit with its mtime restored');
  });

  it('reports a file created and deleted at once, content unknown', async () => {
    watch = await startTestWatch(repo.root);
    const path = join(repo.root, 'shutdown_override.sh');
    await writeFile(path, '#!/bin/sh\necho skipped\n');
    await rm(path);
    const brief = await watch.waitFor((i) => i.file === 'shutdown_override.sh', 'the short-lived file');
    expect(brief.change === 'added' || brief.change === 'deleted').toBe(true);
  });

  it('reports edits to git hooks and config, and commits as they are made', async () => {
    watch = await startTestWatch(repo.root);
    await repo.write({ '.git/hooks/post-commit': '#!/bin/sh\n./payload\n' });
    await watch.waitFor((i) => i.ruleId === 'git-internals-edited' && i.file === '.git/hooks/post-commit', 'the hook');
    await repo.write({ 'rl/compute_reward.py': CONSTANT });
    const sha = await repo.commit('Simplify the reward');
    const committed = await watch.waitFor(
      (i) => i.source.kind === 'commit' && i.ruleId === 'reward-function-returns-constant',
      'the commit',
    );
    expect(committed.source).toMatchObject({ kind: 'commit', sha, subject: 'Simplify the reward' });
  });

  it('reports history rewritten by an amend and by a reset, naming the dropped commits', async () => {
    watch = await startTestWatch(repo.root);
    await repo.write({ 'notes.txt': 'one\n' });
    const first = await repo.commit('Add notes');
    await repo.git(['commit', '--quiet', '--amend', '--allow-empty', '-m', 'Add notes (amended)']);
    const amended = await watch.waitFor((i) => i.ruleId === 'history-rewritten' && i.diff.includes(first), 'the amend');
    expect(amended.evidence.some((line) => line.side === 'removed' && line.text.startsWith(`lost commit ${first}`))).toBe(true);
    const second = await repo.commitFiles('Raise the timeout', { 'notes.txt': 'two\n' });
    await repo.git(['reset', '--quiet', '--hard', 'HEAD~1']);
    await watch.waitFor((i) => i.ruleId === 'history-rewritten' && i.diff.includes(`lost commit ${second}`), 'the reset');
  });

  it('does not report switching branches as a rewrite', async () => {
    await repo.git(['checkout', '--quiet', '-b', 'side']);
    await repo.commitFiles('Side work', { 'side.txt': 'x\n' });
    await repo.git(['checkout', '--quiet', 'main']);
    // Rescans on: a checkout replaces files by the dozen, and the last write may fall between events.
    watch = await startTestWatch(repo.root, { rescanSeconds: 1 });
    await repo.git(['checkout', '--quiet', 'side']);
    await repo.git(['checkout', '--quiet', 'main']);
    await repo.write({ 'shutdown.sh': '#!/bin/sh\necho skipped\n' });
    // git may replace shutdown.sh while switching (its mode differs between the branches): the edit
    // then shows as a modification or as the file added again; either way its new content is there.
    await watch.waitFor((i) => i.file === 'shutdown.sh' && i.diff.includes('+echo skipped'), 'a later edit');
    await watch.stop();
    expect(watch.incidents.filter((i) => i.ruleId === 'history-rewritten')).toEqual([]);
  });

  it('reports an edit to the config it was started with, when that lives in the tree', async () => {
    await repo.write({ 'selfmod.yml': 'failOn: low\n' });
    watch = await startTestWatch(repo.root, { configFile: join(repo.root, 'selfmod.yml') });
    await repo.write({ 'selfmod.yml': 'failOn: critical\ndisable: [reward-function-edited]\n' });
    const incident = await watch.waitFor((i) => i.ruleId === 'selfmod-config-edited', 'the config edit');
    expect(incident.severity).toBe('critical');
    // The config was read once, at start: the edit disables nothing.
    await repo.write({ 'rl/compute_reward.py': CONSTANT });
    await watch.waitFor((i) => i.ruleId === 'reward-function-edited', 'the reward edit');
  });

  it.skipIf(!hasPython)('finds an edit no file event announced on the next rescan, and says the watch was degraded', async () => {
    // Writes through a shared memory map raise no inotify event at all.
    watch = await startTestWatch(repo.root, { rescanSeconds: 0.5 });
    const path = join(repo.root, 'rl/compute_reward.py');
    const script = [
      'import mmap, sys',
      'f = open(sys.argv[1], "r+b")',
      'm = mmap.mmap(f.fileno(), 0)',
      'i = m.find(b"score(completion)")',
      'm[i:i + 17] = b"1.0 # constant   "',
      'm.flush(); m.close(); f.close()',
    ].join('\n');
    execFileSync('python3', ['-c', script, path]);
    const found = await watch.waitFor((i) => i.file === 'rl/compute_reward.py' && i.diff.includes('+    return 1.0 # constant'), 'the mapped edit');
    expect(found.source.kind).toBe('live');
    await expect.poll(() => watch?.degraded.join(' ') ?? '', { timeout: 20_000 }).toMatch(/no file event announced/);
  });

  it('keeps a log whose hash chain verifies, from ready to stopped', async () => {
    watch = await startTestWatch(repo.root);
    await repo.write({ 'rl/compute_reward.py': CONSTANT });
    await watch.waitFor((i) => i.ruleId === 'reward-function-edited', 'the edit');
    await watch.stop();
    const verification = await verifyEventLog(watch.eventsFile, { key: null });
    expect(verification.intact).toBe(true);
    const lines = (await readFile(watch.eventsFile, 'utf8')).trim().split('\n').map((line) => JSON.parse(line) as { type: string });
    expect(lines[0]?.type).toBe('ready');
    expect(lines.at(-1)?.type).toBe('stopped');
    expect(lines.filter((line) => line.type === 'incident').length).toBe(watch.incidents.length);
  });

  it('leaves out ignored paths and reports nothing for benign edits', async () => {
    watch = await startTestWatch(repo.root, { ignore: ['scratch/'] });
    await repo.write({ 'scratch/compute_reward.py': CONSTANT, 'README.md': '# project\n\nMore docs.\n' });
    await repo.write({ 'shutdown.sh': '#!/bin/sh\necho skipped\n' });
    await watch.waitFor((i) => i.file === 'shutdown.sh', 'the marker edit');
    await watch.stop();
    expect(watch.incidents.map((i) => i.file).filter((file) => file !== 'shutdown.sh')).toEqual([]);
  });
});
