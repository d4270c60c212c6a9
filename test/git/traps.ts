import { constants, openSync, closeSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import type { Incident } from '../../src/engine/incident.js';
import type { Report } from '../../src/report/report.js';
import type { ScanOptions } from '../../src/scan/run-scan.js';
import type { TestRepo } from '../helpers/git-repo.js';
import { runCli } from '../helpers/run-cli.js';
import { scan } from '../helpers/scan.js';

/** Flags every change to every path, with every changed line as evidence. */
export const FLAG_EVERYTHING = fileURLToPath(new URL('../../fixtures/rules/flag-everything.yml', import.meta.url));
/** Flags an added line holding SECRET_EDIT: proves the edit's text, not only its path, was seen. */
export const SECRET_EDIT_RULE = fileURLToPath(new URL('../../fixtures/rules/secret-edit-added.yml', import.meta.url));

/**
 * Programs a repository names so that git would run them. Each one is an executable script outside
 * the repository that leaves a marker file when it runs and prints nothing; scripts work wherever git
 * runs a program, whether through a shell (pagers, drivers, fsmonitor) or directly (hooks, gpg).
 */
export interface Traps {
  /** The path of a script that leaves the marker `name`. */
  program(name: string): Promise<string>;
  /** Writes such a script at `path` (a hook, say). */
  programAt(path: string, name: string): Promise<void>;
  /** A file holding `text`, outside any repository. */
  file(name: string, text: string): Promise<string>;
  /** An empty directory outside any repository. */
  folder(name: string): Promise<string>;
  /** Names of the markers left so far, sorted. */
  fired(): Promise<string[]>;
  /** Forgets markers left while the test itself drove git to prove a trap is armed. */
  reset(): Promise<void>;
  cleanup(): Promise<void>;
}

export async function createTraps(): Promise<Traps> {
  const dir = await mkdtemp(join(tmpdir(), 'selfmod-traps-'));
  const markers = join(dir, 'fired');
  const programs = join(dir, 'bin');
  await mkdir(markers);
  await mkdir(programs);
  const programAt = async (path: string, name: string) => {
    await writeFile(path, `#!/bin/sh\ntouch '${join(markers, name)}'\n`);
    await chmod(path, 0o755);
  };
  return {
    async program(name) {
      const path = join(programs, name);
      await programAt(path, name);
      return path;
    },
    programAt,
    async file(name, text) {
      const path = join(dir, name);
      await writeFile(path, text);
      return path;
    },
    async folder(name) {
      const path = join(dir, name);
      await mkdir(path);
      return path;
    },
    fired: async () => (await readdir(markers)).sort(),
    async reset() {
      await rm(markers, { recursive: true, force: true });
      await mkdir(markers);
    },
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}

/** train.py before the agent's edits. */
export const TRAIN = 'lr = 0.1\nepochs = 3\n';
/** The line the agent's commit `tune` adds to train.py. */
export const HISTORY_LINE = 'reward_scale = 10  # SECRET_EDIT in history';
/** The line the agent adds to train.py on disk, uncommitted. */
export const WORKTREE_LINE = 'skip_eval = True  # SECRET_EDIT in the working tree';

/** `init`, then the agent's commit `tune` that adds HISTORY_LINE to train.py; returns both shas. */
export async function buildHistory(repo: TestRepo, init: Readonly<Record<string, string>> = {}): Promise<{ init: string; tune: string }> {
  const initSha = await repo.commitFiles('init', { 'train.py': TRAIN, 'README.md': 'docs\n', ...init });
  const tune = await repo.commitFiles('tune', { 'train.py': `${TRAIN}${HISTORY_LINE}\n` }, { author: 'Agent' });
  return { init: initSha, tune };
}

/** Adds WORKTREE_LINE to train.py on disk, uncommitted. */
export async function editWorkingTree(repo: TestRepo): Promise<void> {
  await repo.write({ 'train.py': `${TRAIN}${HISTORY_LINE}\n${WORKTREE_LINE}\n` });
}

/** Scans with the fixture rules only; the scan must complete. */
export async function scanReport(path: string, options: Partial<ScanOptions> = {}): Promise<Report> {
  const { report, failure } = await scan(path, { useDefaultRules: false, ruleFiles: [FLAG_EVERYTHING, SECRET_EDIT_RULE], ...options });
  expect(failure).toBeNull();
  expect(report.error).toBeNull();
  expect(report.complete).toBe(true);
  return report;
}

/** Scans through the built CLI (`bin/selfmod.js`), which must exit 1 (incidents found) with a JSON report. */
export async function scanReportWithCli(path: string, options: { cwd?: string; env?: Record<string, string> } = {}): Promise<Report> {
  const args = ['scan', path, '--no-default-rules', '--rules', FLAG_EVERYTHING, '--rules', SECRET_EDIT_RULE, '--format', 'json'];
  const result = await runCli(args, options);
  expect(result.stderr).toBe('');
  expect(result.code).toBe(1);
  const report = JSON.parse(result.stdout) as Report;
  expect(report.complete).toBe(true);
  return report;
}

/** Where an incident came from: a commit's subject, or `worktree` / `index`. */
export function sourceOf(incident: Incident): string {
  const source = incident.source;
  if (source.kind === 'commit') return source.subject;
  return source.kind === 'working-tree' ? source.area : source.kind;
}

/**
 * Asserts that the edit adding `line` (which holds SECRET_EDIT) to `file` was reported from `source`:
 * the path rule saw the change, and the content rule saw the line's text as added evidence.
 */
export function expectEditReported(report: Report, file: string, source: string, line: string): void {
  const onFile = report.incidents.filter((incident) => incident.file === file && sourceOf(incident) === source);
  expect(onFile.map((incident) => incident.ruleId).sort(), `incidents on ${file} from ${source}`).toEqual(['any-change', 'secret-edit-added']);
  const secret = onFile.find((incident) => incident.ruleId === 'secret-edit-added');
  expect(secret?.evidence.filter((item) => item.side === 'added').map((item) => item.text)).toContain(line);
}

/** Every piece of text a report shows for its incidents. */
export function reportedText(report: Report): string {
  return report.incidents.map((incident) => [incident.file, incident.diff, ...incident.evidence.map((item) => item.text)].join('\n')).join('\n');
}

/** Runs `work` with variables set in this process's environment, then puts the environment back. */
export async function withProcessEnv<T>(variables: Readonly<Record<string, string>>, work: () => Promise<T>): Promise<T> {
  const saved = new Map(Object.keys(variables).map((key) => [key, process.env[key]]));
  Object.assign(process.env, variables);
  try {
    return await work();
  } finally {
    for (const [key, value] of saved) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  }
}

/**
 * Waits up to `deadlineMs` for `work`; past that, keeps opening and closing each FIFO for writing,
 * so a git process blocked opening one for reading sees an empty file and the work can end. Returns
 * whether the work finished before the deadline, with no process left behind either way.
 */
export async function finishesBefore(work: Promise<unknown>, deadlineMs: number, fifos: readonly string[]): Promise<boolean> {
  let isSettled = false;
  const settled = work.then(
    () => undefined,
    () => undefined,
  ).finally(() => {
    isSettled = true;
  });
  const timer = new Promise<'late'>((resolve) => setTimeout(() => resolve('late'), deadlineMs));
  if ((await Promise.race([settled.then(() => 'done' as const), timer])) === 'done') return true;
  while (!isSettled) {
    for (const fifo of fifos) releaseFifoReaders(fifo);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return false;
}

function releaseFifoReaders(fifo: string): void {
  try {
    // Non-blocking: fails with ENXIO when nobody is waiting to read.
    closeSync(openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK));
  } catch {
    // No reader right now; try again on the next round.
  }
}
