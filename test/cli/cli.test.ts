import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestRepo, type TestRepo } from '../helpers/git-repo.js';
import { runCli, SELFMOD_BIN } from '../helpers/run-cli.js';

let repo: TestRepo;
let scratch: string;

beforeEach(async () => {
  repo = await createTestRepo();
  scratch = await mkdtemp(join(tmpdir(), 'selfmod-cli-'));
});

afterEach(async () => {
  await repo.cleanup();
  await rm(scratch, { recursive: true, force: true });
});

async function hackedRepo(): Promise<string> {
  await repo.commitFiles('init', { 'rl/compute_reward.py': 'def compute_reward(t):\n    return grade(t)\n', 'docs/a.md': 'x\n' });
  const base = await repo.head();
  await repo.commitFiles('hack', { 'rl/compute_reward.py': 'def compute_reward(t):\n    return 1.0\n' }, { author: 'Agent' });
  return base;
}

describe('selfmod scan (end to end)', () => {
  it('exits 1 with incidents, writes a valid JSON report, and prints JSON when piped', async () => {
    const base = await hackedRepo();
    const output = join(scratch, 'report.json');
    const result = await runCli(['scan', repo.root, '--since', base, '--output', output]);
    expect(result.code).toBe(1);
    const fromFile = JSON.parse(await readFile(output, 'utf8'));
    const fromStdout = JSON.parse(result.stdout);
    expect(fromFile.incidents.map((incident: { id: string }) => incident.id)).toEqual(fromStdout.incidents.map((incident: { id: string }) => incident.id));
    expect(fromFile.incidents[0]).toMatchObject({ ruleId: 'reward-function-edited', file: 'rl/compute_reward.py', source: { kind: 'commit', author: 'Agent', subject: 'hack' } });
    expect(fromFile.incidents[0].diff).toContain('+    return 1.0');
  });

  it('exits 0 when nothing reaches --fail-on, and 0 on a clean range', async () => {
    const base = await hackedRepo();
    const rule = join(scratch, 'low.yml');
    await writeFile(rule, 'id: any-python\ncategory: training\nseverity: low\ndescription: d\nmessage: m\nmatch:\n  path: ["*.py"]\nexamples:\n  flag: [{file: a.py, after: "x"}]\n');
    const args = ['scan', repo.root, '--since', base, '--no-default-rules', '--rules', rule, '--format', 'json'];
    const atMedium = await runCli([...args, '--fail-on', 'medium']);
    expect(atMedium.code).toBe(0);
    expect(JSON.parse(atMedium.stdout).summary.total).toBe(1);
    expect((await runCli([...args, '--fail-on', 'low'])).code).toBe(1);
    const clean = await runCli(['scan', repo.root, '--since', 'HEAD', '--format', 'text']);
    expect(clean.code).toBe(0);
    expect(clean.stdout).toContain('No incidents in 0 commits and the working tree');
  });

  it('prints a text report grouped by severity with the matched lines', async () => {
    const base = await hackedRepo();
    const result = await runCli(['scan', repo.root, '--since', base, '--format', 'text']);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/CRITICAL \(\d+\)/);
    expect(result.stdout).toContain('reward-function-edited');
    expect(result.stdout).toContain('+    return 1.0');
    expect(result.stdout).not.toMatch(/\x1b\[/);
  });

  it('never lets repository text drive the terminal', async () => {
    await repo.commitFiles('init', { 'rl/compute_reward.py': 'def compute_reward(t):\n    return grade(t)\n' });
    const base = await repo.head();
    await repo.commitFiles('\x1b[2Jcleared', { 'rl/compute_reward.py': 'def compute_reward(t):\n    return 1.0 # \x1b[8mhidden\u202e\n' });
    const result = await runCli(['scan', repo.root, '--since', base, '--format', 'text']);
    expect(result.stdout).not.toContain('\x1b');
    expect(result.stdout).not.toContain('\u202e');
    expect(result.stdout).toContain('\\x1b[8mhidden\\u{202e}');
  });

  it.each([
    [['scan', '/no/such/path'], /^selfmod: \/no\/such\/path: no such file or directory\n$/],
    [['scan', '--fail-on', 'urgent'], /option '--fail-on <severity>' argument 'urgent' is invalid/],
    [['scan', '--format', 'xml'], /option '--format <format>' argument 'xml' is invalid/],
    [['scan', '--bogus'], /unknown option '--bogus'/],
  ])('exits 2 with a one-line reason for bad input: %j', async (args, expected) => {
    const result = await runCli(args, { cwd: scratch });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(expected);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it('keeps its exit code when the reader of its output goes away early, and leaves nothing behind', async () => {
    await hackedRepo();
    for (let i = 0; i < 40; i++) await repo.commitFiles(`hack ${i}`, { 'rl/compute_reward.py': `def compute_reward(t):\n    return ${i}\n` });
    const child = spawn(process.execPath, [SELFMOD_BIN, 'scan', repo.root, '--format', 'json'], {
      env: { PATH: process.env['PATH'] ?? '', HOME: scratch, TMPDIR: scratch },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdout.once('data', () => child.stdout.destroy());
    const code = await new Promise((resolve) => child.on('close', resolve));
    expect(stderr).toBe('');
    expect(code).toBe(1);
    expect((await readdir(scratch)).filter((name) => name.startsWith('selfmod-'))).toEqual([]);
  });

  it('exits 2 when its output cannot be written', async () => {
    await hackedRepo();
    const result = await runCli(['scan', repo.root, '--output', '/dev/full/report.json']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^selfmod: \/dev\/full\/report\.json: cannot write the report \(/);
  });

  it('says so when the path is not a git repository', async () => {
    const result = await runCli(['scan', scratch]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/not a git repository/);
  });

  it('names the revision for an unknown --since and writes an error report instead of leaving a stale one', async () => {
    await hackedRepo();
    const output = join(scratch, 'report.json');
    await writeFile(output, '{"stale": true}');
    const result = await runCli(['scan', repo.root, '--since', 'origin/main', '--output', output]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^selfmod: --since origin\/main: unknown revision in /);
    const report = JSON.parse(await readFile(output, 'utf8'));
    expect(report).toMatchObject({ complete: false, error: { code: 'revision' }, incidents: [] });
  });

  it('names file and line for a malformed rule file', async () => {
    await hackedRepo();
    const rule = join(scratch, 'bad.yml');
    await writeFile(rule, 'id: bad-rule\ncategory: reward\nseverity: high\ndescription: d\nmessage: m\nmatch:\n  added: "(unclosed"\nexamples:\n  flag: [{file: a.py, after: "x"}]\n');
    const result = await runCli(['scan', repo.root, '--rules', rule]);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(`selfmod: ${rule}:7:10: invalid regular expression "(unclosed": Invalid regular expression: /(unclosed/u: Unterminated group\n`);
  });
});

describe('output conventions (end to end)', () => {
  const ESCAPE = '\u001b[';

  it('lets --color and --no-color outrank NO_COLOR and FORCE_COLOR, the last flag winning', async () => {
    const base = await hackedRepo();
    const args = ['scan', repo.root, '--since', base, '--format', 'text'];
    expect((await runCli([...args, '--color'], { env: { NO_COLOR: '1' } })).stdout).toContain(ESCAPE);
    expect((await runCli([...args, '--no-color'], { env: { FORCE_COLOR: '1' } })).stdout).not.toContain(ESCAPE);
    expect((await runCli([...args, '--no-color', '--color'])).stdout).toContain(ESCAPE);
    expect((await runCli(args, { env: { NO_COLOR: '1', FORCE_COLOR: '1' } })).stdout).not.toContain(ESCAPE);
    // An empty NO_COLOR asks for nothing; FORCE_COLOR=0 or false asks for no colour, as Node reads it.
    expect((await runCli(args, { env: { NO_COLOR: '', FORCE_COLOR: '1' } })).stdout).toContain(ESCAPE);
    expect((await runCli(args, { env: { NO_COLOR: '', FORCE_COLOR: '0' } })).stdout).not.toContain(ESCAPE);
    expect((await runCli(args, { env: { NO_COLOR: '', FORCE_COLOR: 'false' } })).stdout).not.toContain(ESCAPE);
  });

  it('leaves a --color that belongs to the command run under watch to that command', async () => {
    await repo.commitFiles('init', { 'rl/compute_reward.py': 'def compute_reward(t):\n    return grade(t)\n' });
    const edit = `sleep 0.5; printf 'def compute_reward(t):\\n    return 1.0\\n' > '${join(repo.root, 'rl/compute_reward.py')}'`;
    // No NO_COLOR here: only the flags decide, and the command's are not selfmod's.
    const child = spawn(process.execPath, [SELFMOD_BIN, 'watch', repo.root, '--', 'sh', '-c', edit, 'sh', '--color'], {
      env: { PATH: process.env['PATH'] ?? '', HOME: scratch },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    const code = await new Promise((resolve) => child.on('close', resolve));
    expect(code).toBe(1);
    expect(stdout).toContain('rl/compute_reward.py');
    expect(stdout).not.toContain(ESCAPE);
  });

  it('keeps the exit code of rules list, rules test and demo when their reader goes away early', async () => {
    const wrong = join(scratch, 'wrong.yml');
    await writeFile(wrong, 'id: wrong-rule\ncategory: reward\nseverity: low\ndescription: d\nmessage: m\nmatch:\n  path: ["*.py"]\nexamples:\n  flag: [{file: a.md, after: "x"}]\n');
    const cases: Array<[string[], number]> = [
      [['rules', 'list', '--format', 'json'], 0],
      [['rules', 'test'], 0],
      [['rules', 'test', wrong], 1],
      [['demo', '--output', join(scratch, 'demo.json')], 0],
    ];
    for (const [args, expected] of cases) {
      const child = spawn(process.execPath, [SELFMOD_BIN, ...args], {
        env: { PATH: process.env['PATH'] ?? '', HOME: scratch, NO_COLOR: '1' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      child.stdout.destroy();
      const code = await new Promise((resolve) => child.on('close', resolve));
      expect(stderr).toBe('');
      expect(code).toBe(expected);
    }
  });

  it('records the scanned path as an absolute one in the report of a scan that could not start', async () => {
    await hackedRepo();
    const output = join(scratch, 'failed.json');
    const result = await runCli(['scan', 'rl', '--since', 'no-such-revision', '--output', output], { cwd: repo.root });
    expect(result.code).toBe(2);
    const report = JSON.parse(await readFile(output, 'utf8'));
    expect(report.error).not.toBeNull();
    expect(report.target.root).toBe(join(repo.root, 'rl'));
  });
});

describe('selfmod rules', () => {
  it('tests the built-in rules\' examples', async () => {
    const result = await runCli(['rules', 'test']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^\d+ passed, 0 failed \(\d+ rules, \d+ examples\)$/m);
  });

  it('fails a rule whose examples it does not honour', async () => {
    const rule = join(scratch, 'wrong.yml');
    await writeFile(rule, 'id: wrong-rule\ncategory: reward\nseverity: low\ndescription: d\nmessage: m\nmatch:\n  path: ["*.py"]\nexamples:\n  flag: [{file: a.md, after: "x"}]\n  pass: [{file: b.py, after: "x"}]\n');
    const result = await runCli(['rules', 'test', rule]);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('FAIL wrong-rule');
    expect(result.stdout).toContain('0 passed, 2 failed');
  });

  it('lists rules', async () => {
    const result = await runCli(['rules', 'list']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/critical\s+oversight\s+selfmod-config-edited/);
  });
});

describe('selfmod demo', () => {
  it('replays the scripted session, flags each self-modification and not the docs edit', async () => {
    const output = join(scratch, 'demo.json');
    const result = await runCli(['demo', '--output', output]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Demo OK');
    const report = JSON.parse(await readFile(output, 'utf8'));
    const categories = new Set(report.incidents.map((incident: { category: string }) => incident.category));
    expect([...categories].sort()).toEqual(expect.arrayContaining(['oversight', 'reward', 'weights']));
    expect(report.incidents.some((incident: { file: string }) => incident.file === 'docs/usage.md')).toBe(false);
  });
});
