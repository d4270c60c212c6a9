import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestRepo, type TestRepo } from '../helpers/git-repo.js';
import { runCli } from '../helpers/run-cli.js';
import { sarifShapeProblems } from '../helpers/sarif-shape.js';

interface SarifLog {
  version: string;
  runs: Array<{
    tool: { driver: { name: string; rules: Array<{ id: string }> } };
    invocations: Array<{ executionSuccessful: boolean }>;
    results: Array<{
      ruleId: string;
      ruleIndex: number;
      level: string;
      locations: Array<{ physicalLocation: { artifactLocation: { uri: string }; region?: { startLine: number } } }>;
      partialFingerprints: Record<string, string>;
      properties: { source: { kind: string; author?: string; subject?: string } };
    }>;
  }>;
}

let repo: TestRepo;
let scratch: string;

beforeEach(async () => {
  repo = await createTestRepo();
  scratch = await mkdtemp(join(tmpdir(), 'selfmod-sarif-cli-'));
});

afterEach(async () => {
  await repo.cleanup();
  await rm(scratch, { recursive: true, force: true });
});

/** A repository whose agent rewrote its reward function to return a constant; returns the base commit. */
async function rewardRewritten(): Promise<string> {
  await repo.commitFiles('init', { 'rl/compute_reward.py': 'def compute_reward(t):\n    return grade(t)\n', 'docs/a.md': 'x\n' });
  const base = await repo.head();
  await repo.commitFiles('hack', { 'rl/compute_reward.py': 'def compute_reward(t):\n    return 1.0\n' }, { author: 'Agent' });
  return base;
}

function rewardResult(log: SarifLog) {
  const run = log.runs[0];
  const result = run?.results.find((item) => item.ruleId === 'reward-function-edited');
  expect(result).toBeDefined();
  expect(run?.tool.driver.rules[result?.ruleIndex ?? -1]?.id).toBe('reward-function-edited');
  return result;
}

describe('selfmod scan with SARIF output (end to end)', () => {
  it('--format sarif prints a SARIF 2.1.0 log on stdout and exits 1', async () => {
    const base = await rewardRewritten();
    const result = await runCli(['scan', repo.root, '--since', base, '--format', 'sarif']);
    expect(result.code).toBe(1);
    const log = JSON.parse(result.stdout) as SarifLog;
    expect(sarifShapeProblems(log)).toEqual([]);
    expect(log.version).toBe('2.1.0');
    expect(log.runs).toHaveLength(1);
    expect(log.runs[0]?.tool.driver.name).toBe('selfmod');
    expect(log.runs[0]?.invocations).toMatchObject([{ executionSuccessful: true }]);
    expect(rewardResult(log)).toMatchObject({
      level: 'error',
      locations: [{ physicalLocation: { artifactLocation: { uri: 'rl/compute_reward.py', uriBaseId: 'SRCROOT' }, region: { startLine: 2 } } }],
      properties: { source: { kind: 'commit', author: 'Agent', subject: 'hack' } },
    });
    // A clean range: an empty but valid log, exit 0.
    const clean = await runCli(['scan', repo.root, '--since', 'HEAD', '--format', 'sarif']);
    expect(clean.code).toBe(0);
    const empty = JSON.parse(clean.stdout) as SarifLog;
    expect(sarifShapeProblems(empty)).toEqual([]);
    expect(empty.runs[0]?.results).toEqual([]);
    expect(empty.runs[0]?.tool.driver.rules.length).toBeGreaterThan(40);
  });

  it('--sarif and --output together write both files; the SARIF fingerprints are the report ids', async () => {
    const base = await rewardRewritten();
    const sarif = join(scratch, 'selfmod.sarif');
    const output = join(scratch, 'report.json');
    const result = await runCli(['scan', repo.root, '--since', base, '--sarif', sarif, '--output', output, '--format', 'text']);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/CRITICAL/);
    const log = JSON.parse(await readFile(sarif, 'utf8')) as SarifLog;
    const report = JSON.parse(await readFile(output, 'utf8')) as { incidents: Array<{ id: string }> };
    expect(sarifShapeProblems(log)).toEqual([]);
    rewardResult(log);
    expect(log.runs[0]?.results.map((item) => item.partialFingerprints['selfmod/v1'])).toEqual(report.incidents.map((incident) => incident.id));
    expect((await readdir(scratch)).sort()).toEqual(['report.json', 'selfmod.sarif']);
  });

  it('an unwritable --sarif path is a one-line error naming the flag and file, exit 2, and --output is still written whole', async () => {
    const base = await rewardRewritten();
    const sarif = join(scratch, 'no-such-dir', 'selfmod.sarif');
    const output = join(scratch, 'report.json');
    const result = await runCli(['scan', repo.root, '--since', base, '--sarif', sarif, '--output', output]);
    expect(result.code).toBe(2);
    const lines = result.stderr.split('\n').filter((line) => line !== '');
    expect(lines).toEqual([`selfmod: ${sarif}: cannot write the --sarif log (ENOENT)`]);
    const report = JSON.parse(await readFile(output, 'utf8')) as { complete: boolean; incidents: Array<{ ruleId: string }> };
    expect(report.complete).toBe(true);
    expect(report.incidents.map((incident) => incident.ruleId)).toContain('reward-function-edited');
    expect(await readdir(scratch)).toEqual(['report.json']);
  });

  it('a scan that cannot start removes an old --sarif log and writes none, so no upload closes standing alerts', async () => {
    await rewardRewritten();
    const sarif = join(scratch, 'selfmod.sarif');
    await writeFile(sarif, '{"version": "2.1.0", "runs": []}\n');
    const result = await runCli(['scan', repo.root, '--since', 'no-such-revision', '--sarif', sarif]);
    expect(result.code).toBe(2);
    expect(existsSync(sarif)).toBe(false);
  });

  it('a scan that stops part-way writes no --sarif log, while --output keeps what it found', async () => {
    await repo.commitFiles('init', { 'docs/a.md': 'x\n', 'rl/old.py': 'def compute_reward(t):\n    return grade(t)\n' });
    await repo.commitFiles('hack', { 'rl/compute_reward.py': 'def compute_reward(t):\n    return 1.0\n' }, { author: 'Agent' });
    // The oldest commit's file is gone from the object store: the history cannot be read to its end.
    const lost = (await repo.git(['rev-parse', 'HEAD~1:rl/old.py'])).trim();
    await unlink(join(repo.root, '.git', 'objects', lost.slice(0, 2), lost.slice(2)));
    const sarif = join(scratch, 'selfmod.sarif');
    const output = join(scratch, 'report.json');
    await writeFile(sarif, '{"version": "2.1.0", "runs": []}\n');
    const result = await runCli(['scan', repo.root, '--sarif', sarif, '--output', output]);
    expect(result.code).toBe(2);
    expect(existsSync(sarif)).toBe(false);
    const report = JSON.parse(await readFile(output, 'utf8')) as { complete: boolean; incidents: Array<{ ruleId: string }> };
    expect(report.complete).toBe(false);
    expect(report.incidents.map((incident) => incident.ruleId)).toContain('reward-function-edited');
  });
});
