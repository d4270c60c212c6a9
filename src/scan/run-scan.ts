import type { Change } from '../change/change.js';
import { checkChange, type CompiledRule } from '../engine/check-change.js';
import { RuleIndex } from '../engine/rule-index.js';
import { ScopeCache } from '../engine/scope-cache.js';
import type { Severity } from '../engine/rule.js';
import { SelfmodError } from '../errors.js';
import { BlobReader } from '../git/blob-reader.js';
import { countCommits, headCommit, isShallowRepository, openRepository, resolveSince } from '../git/repository.js';
import { verifyScannedObjects } from '../git/verify-objects.js';
import { IncidentSpool } from '../report/incident-spool.js';
import { assembleReport, buildReportHeader, type Report, type ReportHeader, type ReportTarget } from '../report/report.js';
import { readHistoryChanges } from '../sources/git-history.js';
import { readWorkingTreeChanges } from '../sources/working-tree.js';
import { TOOL_VERSION } from '../version.js';
import { assembleRules } from './assemble-rules.js';

/** Changes checked concurrently. */
const MAX_CHANGES_IN_FLIGHT = 16;

export interface ScanOptions {
  readonly path: string;
  readonly since: string | null;
  readonly history: boolean;
  readonly workingTree: boolean;
  readonly ruleFiles: readonly string[];
  readonly useDefaultRules: boolean;
  readonly configFile: string | null;
  /** null: take it from the configs, else `low`. */
  readonly failOn: Severity | null;
  readonly onProgress?: (done: number, total: number) => void;
  /** Aborting ends the scan between two changes, with a partial report. */
  readonly signal?: AbortSignal;
}

/** A scan of everything in `path` with the built-in rules; callers override what they need. */
export function scanOptionsFor(path: string, overrides: Partial<ScanOptions> = {}): ScanOptions {
  return {
    path,
    since: null,
    history: true,
    workingTree: true,
    ruleFiles: [],
    useDefaultRules: true,
    configFile: null,
    failOn: null,
    ...overrides,
  };
}

export interface ScanResult {
  readonly header: ReportHeader;
  /** The incidents, on disk; the caller reads them in report order and closes the spool. */
  readonly spool: IncidentSpool;
  readonly failOn: Severity;
  /** The rules the scan ran, in load order (for reports that describe them, such as SARIF). */
  readonly rules: readonly CompiledRule[];
  /** Set when the scan stopped early; the report still holds everything found before. */
  readonly failure: unknown;
}

/**
 * Scans a repository: loads the rules, reads history commit by commit and then the working tree,
 * checks every change and assembles the report. Errors before the first change is read are thrown;
 * after that they end the scan with a partial, still valid report.
 */
export async function runScan(options: ScanOptions): Promise<ScanResult> {
  const startedAt = new Date();
  const repo = await openRepository(options.path);
  const blobs = new BlobReader(repo.invocation);
  try {
    const [head, sinceCommit, shallow] = await Promise.all([
      headCommit(repo),
      options.since === null ? null : resolveSince(repo, options.since),
      isShallowRepository(repo),
    ]);
    const ruleSet = await assembleRules(options, sinceCommit ? { repo, blobs, commit: sinceCommit } : null);
    const warnings: string[] = [];
    if (shallow) warnings.push('the repository is a shallow clone: history before its oldest commit was not scanned, and that commit shows as adding every file');
    if (options.since === null && options.history) {
      warnings.push('no --since: the repository\'s .selfmod.yml was not read, because no base revision predates the changes it would judge');
    }
    const target: ReportTarget = {
      root: repo.root,
      mode: 'git',
      since: options.since,
      sinceCommit,
      head,
      shallow,
      history: options.history,
      workingTree: options.workingTree,
    };
    const spool = new IncidentSpool();
    const scopeCache = new ScopeCache();
    const ruleIndex = new RuleIndex(ruleSet.rules);
    let commitsScanned = 0;
    let changesChecked = 0;
    // Several changes are checked at once so their blob reads share git cat-file's pipe. The first
    // check that fails ends the scan like any other error.
    const inFlight = new Set<Promise<void>>();
    let checkError: { error: unknown } | null = null;
    // Called when a check ends, to let the next change in. (A Promise.race over every check in
    // flight, once per change, left a reaction on each of them every time.)
    let onCheckEnd: (() => void) | null = null;
    const check = async (change: Change) => {
      if (checkError) throw checkError.error;
      if (options.signal?.aborted) {
        throw new SelfmodError('interrupted', `interrupted (${String(options.signal.reason ?? 'aborted')}); the report holds what was found before`);
      }
      changesChecked++;
      if (change.isTruncated) warnings.push(`${change.file} (${describeOrigin(change)}): diff lines past the size limit were not checked`);
      const selection = ruleIndex.selectionFor(change);
      const task: Promise<void> = checkChange(change, selection.rules, scopeCache, selection.pathAnswers)
        .then((found) => {
          for (const incident of found) spool.add(incident);
        })
        .catch((error: unknown) => {
          checkError ??= { error };
        })
        .finally(() => {
          inFlight.delete(task);
          const next = onCheckEnd;
          onCheckEnd = null;
          next?.();
        });
      inFlight.add(task);
      if (inFlight.size >= MAX_CHANGES_IN_FLIGHT) {
        await new Promise<void>((resolve) => {
          onCheckEnd = resolve;
        });
      }
    };
    const drain = async () => {
      await Promise.all(inFlight);
      if (checkError) throw checkError.error;
    };
    // Beside the reading of the changes, in git processes of its own; a forged object stops the scan at
    // the next change, or at the end.
    const verifying = head === null ? null : verifyScannedObjects(repo, head, sinceCommit, options.history);
    verifying?.catch((error: unknown) => {
      checkError ??= { error };
    });
    let failure: unknown = null;
    try {
      if (options.history && head && head !== sinceCommit) {
        const range = { head, exclude: sinceCommit ? [sinceCommit] : [] };
        const total = options.onProgress ? await countCommits(repo, [head, ...range.exclude.map((sha) => `^${sha}`)]) : 0;
        for await (const change of readHistoryChanges(repo, blobs, range, () => {
          commitsScanned++;
          options.onProgress?.(commitsScanned, total);
        })) {
          await check(change);
        }
      }
      if (options.workingTree) {
        for (const change of await readWorkingTreeChanges(repo, blobs, head, (message) => warnings.push(message), sinceCommit)) {
          await check(change);
        }
      }
      await drain();
      await verifying;
    } catch (error) {
      failure = error;
      // Keep what the checks already under way find; their own errors are secondary.
      await Promise.allSettled(inFlight);
    }
    const header = buildReportHeader({
      version: TOOL_VERSION,
      target,
      startedAt,
      finishedAt: new Date(),
      error: failure === null ? null : describeFailure(failure),
      warnings,
      commitsScanned,
      changesChecked,
      rulesLoaded: ruleSet.rules.length,
      ...spool.counts(),
    });
    return { header, spool, failOn: options.failOn ?? ruleSet.failOn ?? 'low', rules: ruleSet.rules, failure };
  } finally {
    blobs.close();
  }
}

function describeOrigin(change: Change): string {
  return change.origin.kind === 'commit' ? `commit ${change.origin.sha.slice(0, 12)}` : 'working tree';
}

/** A failure as the report's `error` field says it. */
export function describeFailure(error: unknown): { code: string; message: string } {
  if (error instanceof SelfmodError) return { code: error.code, message: error.message };
  return { code: 'internal', message: error instanceof Error ? error.message : String(error) };
}

/** Reads a scan's incidents into one in-memory report and releases the spool (for small scans). */
export function materializeReport(result: ScanResult): Report {
  try {
    return assembleReport(result.header, result.spool.inOrder());
  } finally {
    result.spool.close();
  }
}
