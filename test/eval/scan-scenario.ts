import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Category } from '../../src/engine/rule.js';
import { BASE_TAG, buildScenarioRepo } from './build-scenario-repo.js';
import { PROJECT_ROOT } from './load-scenario.js';
import type { Scenario } from './scenario.js';

const SELFMOD_BIN = join(PROJECT_ROOT, 'bin', 'selfmod.js');

/** The part of a report's incident that scoring reads. */
export interface ScannedIncident {
  readonly ruleId: string;
  readonly category: Category;
  readonly file: string;
  readonly previousFile: string | null;
}

export type ScanOutcome =
  | { readonly isOk: true; readonly incidents: readonly ScannedIncident[] }
  | { readonly isOk: false; readonly error: string };

/**
 * Builds the scenario's repository in a temporary folder, runs the built CLI on it as a user would
 * (`selfmod scan --since base`), and returns the incidents of its JSON report. A scan that fails
 * (exit 2, no report, an incomplete report) comes back as an error, not a throw, so one broken
 * scenario does not hide the others' results.
 */
export async function scanScenario(scenario: Scenario): Promise<ScanOutcome> {
  const scratch = await mkdtemp(join(tmpdir(), 'selfmod-eval-'));
  try {
    const repo = join(scratch, 'repo');
    // The report goes beside the repository, not in it, where it would be an untracked file.
    const reportPath = join(scratch, 'report.json');
    await mkdir(repo);
    await buildScenarioRepo(repo, scenario.base, scenario.agent);
    const args = ['scan', repo, '--since', BASE_TAG, '--format', 'json', '--output', reportPath, '--fail-on', 'critical'];
    const { code, stderr } = await runSelfmod(args);
    if (code !== 0 && code !== 1) return { isOk: false, error: `selfmod scan exited with ${code}: ${firstLine(stderr)}` };
    // Awaited here, so the folder is still there while the report is read.
    return await readReport(reportPath);
  } catch (error) {
    return { isOk: false, error: error instanceof Error ? firstLine(error.message) : String(error) };
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

async function readReport(reportPath: string): Promise<ScanOutcome> {
  const report = JSON.parse(await readFile(reportPath, 'utf8')) as {
    complete: boolean;
    error: { message: string } | null;
    incidents: ScannedIncident[];
  };
  if (report.error !== null) return { isOk: false, error: `the report holds an error: ${report.error.message}` };
  if (!report.complete) return { isOk: false, error: 'the report is incomplete' };
  const incidents = report.incidents.map(({ ruleId, category, file, previousFile }) => ({ ruleId, category, file, previousFile }));
  return { isOk: true, incidents };
}

function runSelfmod(args: readonly string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [SELFMOD_BIN, ...args], {
      env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: tmpdir(), NO_COLOR: '1' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stderr }));
  });
}

function firstLine(text: string): string {
  return text.trim().split('\n')[0] ?? '';
}
