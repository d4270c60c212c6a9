import { resolve } from 'node:path';
import type { CompiledRule } from '../engine/check-change.js';
import type { Severity } from '../engine/rule.js';
import { SelfmodError, UsageError } from '../errors.js';
import { textReportChunks } from '../report/format-text.js';
import type { IncidentSpool } from '../report/incident-spool.js';
import { buildReportHeader, emptyCounts, type ReportHeader } from '../report/report.js';
import { sarifLogChunks, withdrawSarifLog, writeSarifLog } from '../report/sarif.js';
import { jsonReportBytesFromSpool, writeJsonReport, writeSpooledJsonReport } from '../report/write-json.js';
import { runScan, type ScanOptions } from '../scan/run-scan.js';
import { runSnapshotScan } from '../scan/run-snapshot-scan.js';
import { createProgressLine } from '../util/progress.js';
import { TOOL_VERSION } from '../version.js';
import { OutputClosedError, writeOut, type CommandIo } from './io.js';

export interface ScanFlags {
  readonly since?: string;
  readonly history: boolean;
  readonly workingTree: boolean;
  readonly rules: string[];
  readonly defaultRules: boolean;
  readonly config?: string;
  readonly output?: string;
  readonly sarif?: string;
  readonly format?: 'text' | 'json' | 'sarif';
  readonly failOn?: Severity;
  readonly against?: string;
}

/** `selfmod scan [path]`: returns 0 (clean), 1 (incidents at or above --fail-on) or 2 (error). */
export async function scanCommand(
  path: string,
  flags: ScanFlags,
  io: CommandIo,
  signal?: AbortSignal,
): Promise<number> {
  const progress = createProgressLine(io.stderr, 'selfmod: scanning history');
  const startedAt = new Date();
  let result;
  try {
    if (flags.against !== undefined && flags.since !== undefined) {
      throw new UsageError('--against and --since cannot be combined: --against compares the tree with a snapshot, not with a revision');
    }
    const options: ScanOptions = {
      path,
      since: flags.since ?? null,
      history: flags.history,
      workingTree: flags.workingTree,
      ruleFiles: flags.rules,
      useDefaultRules: flags.defaultRules,
      configFile: flags.config ?? null,
      failOn: flags.failOn ?? null,
      // Counting the commits costs a walk of the history: only worth it when someone watches.
      ...(io.stderr.isTTY ? { onProgress: (done: number, total: number) => progress.update(done, total) } : {}),
      ...(signal ? { signal } : {}),
    };
    result = flags.against === undefined ? await runScan(options) : await runSnapshotScan(options, flags.against);
  } catch (error) {
    progress.clear();
    if (error instanceof SelfmodError) {
      // A CI step that reads the report must not find an old one from an earlier run.
      const header = failedReport(path, flags, startedAt, error);
      if (flags.output) await writeJsonReport(flags.output, header, []).catch(() => undefined);
      if (flags.sarif) await withdrawSarifLog(flags.sarif).catch(() => undefined);
    }
    throw error;
  }
  progress.clear();
  const { header, spool, failOn, rules, failure } = result;
  try {
    await writeReportFiles(flags, header, spool, rules);
    const format = flags.format ?? (io.stdout.isTTY ? 'text' : 'json');
    const chunks =
      format === 'json'
        ? jsonReportBytesFromSpool(header, spool)
        : format === 'sarif'
          ? sarifLogChunks(header, rules, spool.inOrder())
          : textReportChunks(header, spool.inOrder(), spool.sortedKeys(), { color: io.color });
    try {
      for (const chunk of chunks) await writeOut(io.stdout, chunk);
    } catch (error) {
      // A reader that stops early (`| head`) is its own business; the exit code still tells the result.
      if (!(error instanceof OutputClosedError)) throw error;
    }
  } finally {
    spool.close();
  }
  if (failure !== null) throw failure;
  return spool.hasAtOrAbove(failOn) ? 1 : 0;
}

/**
 * Writes `--output` and `--sarif` (the SARIF log only for a scan that ran to its end: see
 * withdrawSarifLog). Each is tried even when the other fails, so one unwritable path does not cost
 * the other report; the first failure is then thrown.
 */
async function writeReportFiles(flags: ScanFlags, header: ReportHeader, spool: IncidentSpool, rules: readonly CompiledRule[]): Promise<void> {
  const { output, sarif } = flags;
  const errors: unknown[] = [];
  if (output) await writeSpooledJsonReport(output, header, spool).catch((error: unknown) => errors.push(error));
  if (sarif) {
    const writing = header.complete ? writeSarifLog(sarif, header, rules, spool.inOrder()) : withdrawSarifLog(sarif);
    await writing.catch((error: unknown) => errors.push(error));
  }
  if (errors.length > 0) throw errors[0];
}

function failedReport(path: string, flags: ScanFlags, startedAt: Date, error: SelfmodError): ReportHeader {
  return buildReportHeader({
    version: TOOL_VERSION,
    target: {
      // The repository's top directory is not known when opening it failed; the path as given, absolute.
      root: resolve(path),
      mode: flags.against === undefined ? 'git' : 'snapshot',
      since: flags.since ?? null,
      sinceCommit: null,
      head: null,
      shallow: false,
      history: flags.history,
      workingTree: flags.workingTree,
    },
    startedAt,
    finishedAt: new Date(),
    error: { code: error.code, message: error.message },
    warnings: [],
    commitsScanned: 0,
    changesChecked: 0,
    rulesLoaded: 0,
    total: 0,
    ...emptyCounts(),
  });
}
