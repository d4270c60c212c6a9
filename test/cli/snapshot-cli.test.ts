import { chmod, mkdir, mkdtemp, readFile, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Report } from '../../src/report/report.js';
import { runCli } from '../helpers/run-cli.js';

const REWARD = 'def compute_reward(completion):\n    return score(completion)\n';

describe('selfmod snapshot and scan --against, on a directory without git', () => {
  let sandbox: string;
  let scratch: string;
  let manifest: string;

  const write = async (path: string, content: string | Buffer) => {
    await mkdir(join(sandbox, path, '..'), { recursive: true });
    await writeFile(join(sandbox, path), content);
  };

  beforeEach(async () => {
    sandbox = await mkdtemp(join(tmpdir(), 'selfmod-sandbox-'));
    scratch = await mkdtemp(join(tmpdir(), 'selfmod-manifest-'));
    manifest = join(scratch, 'baseline.jsonl');
    await write('rl/compute_reward.py', REWARD);
    await write('tests/test_reward.py', 'def test_reward():\n    assert compute_reward("x") == 0\n');
    await write('shutdown.sh', '#!/bin/sh\nkill "$AGENT_PID"\n');
    await chmod(join(sandbox, 'shutdown.sh'), 0o755);
    await write('checkpoints/model.safetensors', Buffer.from([8, 0, 0, 0, 0, 0, 0, 0, 123, 125, 0, 1]));
    await write('notes.md', 'Notes.\n');
    const taken = await runCli(['snapshot', sandbox, '--output', manifest]);
    expect(taken.code).toBe(0);
    expect(taken.stderr).toMatch(/snapshot of 5 files/);
  });

  afterEach(async () => {
    await rm(sandbox, { recursive: true, force: true });
    await rm(scratch, { recursive: true, force: true });
  });

  it('reports every change since the snapshot, with diffs of text files', async () => {
    await write('rl/compute_reward.py', 'def compute_reward(completion):\n    return 1.0\n');
    await rm(join(sandbox, 'tests/test_reward.py'));
    await chmod(join(sandbox, 'shutdown.sh'), 0o644);
    await rm(join(sandbox, 'checkpoints/model.safetensors'));
    await symlink('/opt/reference/model.safetensors', join(sandbox, 'checkpoints/model.safetensors'));
    await write('notes.md', 'More notes.\n');
    const result = await runCli(['scan', sandbox, '--against', manifest, '--format', 'json']);
    expect(result.code).toBe(1);
    const report = JSON.parse(result.stdout) as Report;
    expect(report.target).toMatchObject({ mode: 'snapshot', root: sandbox, snapshot: { manifest } });
    const seen = new Set(report.incidents.map((incident) => `${incident.ruleId} ${incident.file} ${incident.change}`));
    expect(seen).toContain('reward-function-returns-constant rl/compute_reward.py modified');
    expect(seen).toContain('test-file-edited tests/test_reward.py deleted');
    expect(seen).toContain('shutdown-script-edited shutdown.sh mode');
    const swap = report.incidents.find((incident) => incident.file === 'checkpoints/model.safetensors');
    expect(swap).toMatchObject({ category: 'weights', change: 'symlink', newTarget: '/opt/reference/model.safetensors' });
    expect(report.incidents.some((incident) => incident.file === 'notes.md')).toBe(false);
    const reward = report.incidents.find((incident) => incident.ruleId === 'reward-function-returns-constant');
    expect(reward?.source.kind).toBe('snapshot');
    expect(reward?.diff).toContain('+    return 1.0');
  });

  it('pairs a moved file with its old path', async () => {
    await mkdir(join(sandbox, 'utils'));
    await rename(join(sandbox, 'rl/compute_reward.py'), join(sandbox, 'utils/helpers.py'));
    const result = await runCli(['scan', sandbox, '--against', manifest, '--format', 'json']);
    const report = JSON.parse(result.stdout) as Report;
    const moved = report.incidents.find((incident) => incident.file === 'utils/helpers.py');
    expect(moved).toMatchObject({ change: 'renamed', previousFile: 'rl/compute_reward.py', similarity: 100 });
  });

  it('finds nothing in an untouched tree', async () => {
    const result = await runCli(['scan', sandbox, '--against', manifest, '--format', 'json']);
    expect(result.code).toBe(0);
    expect((JSON.parse(result.stdout) as Report).incidents).toEqual([]);
  });

  it('refuses a manifest that was cut short or edited, naming the file and line', async () => {
    const lines = (await readFile(manifest, 'utf8')).trimEnd().split('\n');
    await writeFile(manifest, `${lines.slice(0, -1).join('\n')}\n`);
    const truncated = await runCli(['scan', sandbox, '--against', manifest]);
    expect(truncated.code).toBe(2);
    expect(truncated.stderr).toMatch(/truncated or edited/);
    const forged = lines.map((line) => line.replace(/"content":"[^"]+"/, '"content":"cmV0dXJuIDEuMAo="'));
    await writeFile(manifest, `${forged.join('\n')}\n`);
    const edited = await runCli(['scan', sandbox, '--against', manifest]);
    expect(edited.code).toBe(2);
    expect(edited.stderr).toMatch(new RegExp(`${manifest.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:\\d+: .*content does not match`));
    await writeFile(manifest, '{"format": "something else"}\n');
    const foreign = await runCli(['scan', sandbox, '--against', manifest]);
    expect(foreign.stderr).toMatch(/:1: not a selfmod snapshot manifest/);
    const together = await runCli(['scan', sandbox, '--against', manifest, '--since', 'HEAD']);
    expect(together.code).toBe(2);
    expect(together.stderr).toMatch(/--against and --since cannot be combined/);
  });
});
