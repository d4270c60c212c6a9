import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createColors } from 'picocolors';
import { AGENT_STEPS, BASELINE_FILES } from '../demo/session.js';
import { sandboxGit, writeFiles } from '../demo/sandbox.js';
import { formatTextReport } from '../report/format-text.js';
import { writeJsonReport } from '../report/write-json.js';
import { materializeReport, runScan, scanOptionsFor } from '../scan/run-scan.js';
import { writeOutUnlessClosed, type CommandIo } from './io.js';

/**
 * `selfmod demo`: builds a throwaway repository, replays a scripted agent session in it, scans it as
 * CI would (`--since` the engineer's commit) and checks that selfmod said what it should.
 */
export async function demoCommand(flags: { output: string; keep?: boolean }, io: CommandIo): Promise<number> {
  const c = createColors(io.color);
  const root = await mkdtemp(join(tmpdir(), 'selfmod-demo-'));
  try {
    await sandboxGit(root, ['init', '--quiet', '--initial-branch=main']);
    await writeFiles(root, BASELINE_FILES);
    await sandboxGit(root, ['add', '--all']);
    await sandboxGit(root, ['commit', '--quiet', '-m', 'Set up RL experiment']);
    const base = (await sandboxGit(root, ['rev-parse', 'HEAD'])).trim();
    const narration = [c.bold(`selfmod demo: a scripted agent session in ${root}`)];
    for (const step of AGENT_STEPS) {
      await writeFiles(root, step.files);
      if (step.commit !== null) {
        await sandboxGit(root, ['add', '--all']);
        await sandboxGit(root, ['commit', '--quiet', '-m', step.commit], 'Agent');
      }
      narration.push(`  - ${step.description}`);
    }
    narration.push(c.bold(`Scanning with: selfmod scan ${root} --since ${base.slice(0, 12)}`), '');
    await writeOutUnlessClosed(io.stdout, `${narration.join('\n')}\n`);

    const result = await runScan(scanOptionsFor(root, { since: base }));
    const report = materializeReport(result);
    if (result.failure !== null) throw result.failure;
    await writeJsonReport(flags.output, report, report.incidents);
    await writeOutUnlessClosed(io.stdout, formatTextReport(report, { color: io.color }));

    const problems: string[] = [];
    for (const step of AGENT_STEPS) {
      const found = report.incidents.filter((incident) => incident.file === step.expect.file);
      if (step.expect.category === null && found.length > 0) problems.push(`the benign edit to ${step.expect.file} was flagged`);
      if (step.expect.category !== null && !found.some((incident) => incident.category === step.expect.category)) {
        problems.push(`${step.expect.file} was not flagged as ${step.expect.category}`);
      }
    }
    const verdict = problems.length === 0
      ? c.green('Demo OK: every self-modification was flagged and the benign edit was not.')
      : c.red(`Demo FAILED: ${problems.join('; ')}`);
    await writeOutUnlessClosed(io.stdout, `\nJSON report written to ${flags.output}\n${verdict}\n`);
    if (flags.keep) await writeOutUnlessClosed(io.stdout, `Sandbox kept at ${root}\n`);
    return problems.length === 0 ? 0 : 1;
  } finally {
    if (!flags.keep) await rm(root, { recursive: true, force: true });
  }
}
