import { spawn } from 'node:child_process';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { verifyEventLog } from '../../src/report/verify-event-log.js';
import { createTestRepo, type TestRepo } from '../helpers/git-repo.js';
import { runCli, SELFMOD_BIN, type CliResult } from '../helpers/run-cli.js';

interface LogLine {
  readonly type: string;
  readonly reason?: string;
  readonly incident?: { ruleId: string; file: string };
}

/** Starts `selfmod watch` and returns its exit once it ends; `signal` sends it a signal. */
function startWatch(args: readonly string[], cwd: string): { done: Promise<CliResult>; signal: (name: NodeJS.Signals) => void } {
  const child = spawn(process.execPath, [SELFMOD_BIN, 'watch', ...args], {
    cwd,
    env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: process.env['HOME'] ?? '/tmp', NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const done = new Promise<CliResult>((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
  return { done, signal: (name) => child.kill(name) };
}

async function readLog(path: string): Promise<LogLine[]> {
  const text = await readFile(path, 'utf8').catch(() => '');
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as LogLine);
}

async function waitForLog(path: string, predicate: (lines: LogLine[]) => boolean): Promise<LogLine[]> {
  for (;;) {
    const lines = await readLog(path);
    if (predicate(lines)) return lines;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('selfmod watch, end to end', () => {
  let repo: TestRepo;
  let scratch: string;

  beforeEach(async () => {
    repo = await createTestRepo();
    await repo.commitFiles('start', { 'rl/compute_reward.py': 'def compute_reward(c):\n    return score(c)\n', 'README.md': '# x\n' });
    scratch = await mkdtemp(join(tmpdir(), 'selfmod-watch-cli-'));
  });

  afterEach(async () => {
    await repo.cleanup();
    await rm(scratch, { recursive: true, force: true });
  });

  it('runs a command under watch, stops it on the first high incident and exits 1 with the report and log written', async () => {
    const events = join(scratch, 'events.jsonl');
    const report = join(scratch, 'report.json');
    // Written beside and moved into place, so the first look sees the whole new content: an in-place
    // write can be seen truncated, and --kill-on would rightly stop the command before it finished.
    const agent = "sleep 0.3; printf 'def compute_reward(c):\\n    return 1.0\\n' > next.tmp; mv next.tmp rl/compute_reward.py; sleep 120";
    const result = await startWatch([repo.root, '--events', events, '--output', report, '--kill-on', 'high', '--', 'sh', '-c', agent], repo.root).done;
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/command stopped: (high|critical) incident/);
    const parsed = JSON.parse(await readFile(report, 'utf8')) as { target: { mode: string }; incidents: Array<{ ruleId: string }> };
    expect(parsed.target.mode).toBe('watch');
    expect(parsed.incidents.map((incident) => incident.ruleId)).toContain('reward-function-returns-constant');
    const lines = await readLog(events);
    expect(lines[0]?.type).toBe('ready');
    expect(lines.at(-1)).toMatchObject({ type: 'stopped', reason: expect.stringMatching(/^command stopped/) as unknown });
    expect((await verifyEventLog(events, { key: null })).intact).toBe(true);
  }, 60_000);

  it("exits with the command's own code when nothing was flagged", async () => {
    const result = await startWatch([repo.root, '--', 'sh', '-c', 'echo notes >> README.md; exit 3'], repo.root).done;
    expect(result.stderr).toMatch(/command exited \(code 3\)/);
    expect(result.code).toBe(3);
  }, 60_000);

  it('stops cleanly on SIGTERM in the middle of a burst: the report is valid JSON and the log ends with stopped', async () => {
    const events = join(scratch, 'events.jsonl');
    const report = join(scratch, 'report.json');
    const watch = startWatch([repo.root, '--events', events, '--output', report], repo.root);
    await waitForLog(events, (lines) => lines.some((line) => line.type === 'ready'));
    const burst = (async () => {
      for (let i = 0; i < 400; i++) await writeFile(join(repo.root, `train_${i % 40}.py`), `lr = ${i}\nfor step in range(10):\n    optimizer.step()\n`);
    })();
    await waitForLog(events, (lines) => lines.some((line) => line.type === 'incident'));
    watch.signal('SIGTERM');
    await burst;
    const result = await watch.done;
    expect(result.code).toBe(1);
    const parsed = JSON.parse(await readFile(report, 'utf8')) as { incidents: unknown[]; summary: { total: number } };
    expect(parsed.incidents.length).toBe(parsed.summary.total);
    const lines = await readLog(events);
    expect(lines.at(-1)).toMatchObject({ type: 'stopped', reason: 'interrupted (SIGTERM)' });
    expect(lines.filter((line) => line.type === 'incident').length).toBe(parsed.summary.total);
    expect((await verifyEventLog(events, { key: null })).intact).toBe(true);
  }, 60_000);

  it('ships every event to a webhook', async () => {
    const received: Array<{ type: string }> = [];
    const server = createServer((request: IncomingMessage, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      request.on('end', () => {
        received.push(JSON.parse(body) as { type: string });
        response.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const events = join(scratch, 'events.jsonl');
      const result = await startWatch(
        [repo.root, '--events', events, '--webhook', `http://127.0.0.1:${port}/hook`, '--', 'sh', '-c', 'sleep 0.3; echo "x = 1" >> rl/compute_reward.py; sleep 0.5'],
        repo.root,
      ).done;
      expect(result.code).toBe(1);
      const logged = await readLog(events);
      expect(received.map((event) => event.type)).toEqual(logged.map((line) => line.type));
    } finally {
      server.close();
    }
  }, 60_000);

  it.each([
    [['--rescan', 'soon'], /--rescan soon: expected a number of seconds/],
    [['--kill-on', 'high'], /--kill-on: needs a command/],
    [['--webhook', 'ftp://example.invalid/x'], /--webhook/],
    [['--ignore', 'a/[z-a]'], /--ignore a\/\[z-a\]/],
  ])('rejects %j with one line and exit 2', async (flags, message) => {
    const result = await runCli(['watch', repo.root, ...flags]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('refuses an event log that already has lines, and a directory that does not exist', async () => {
    const events = join(scratch, 'events.jsonl');
    await writeFile(events, '{"old":true}\n');
    const existing = await runCli(['watch', repo.root, '--events', events]);
    expect(existing.code).toBe(2);
    expect(existing.stderr).toContain(events);
    const missing = await runCli(['watch', join(scratch, 'nope')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/no such directory/);
  });
});
