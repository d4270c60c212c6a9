import { realpath } from 'node:fs/promises';
import { checkChange } from '../engine/check-change.js';
import { RuleIndex } from '../engine/rule-index.js';
import { ScopeCache } from '../engine/scope-cache.js';
import { RepositoryError, SelfmodError } from '../errors.js';
import { IncidentSpool } from '../report/incident-spool.js';
import { buildReportHeader } from '../report/report.js';
import { readManifest } from '../sources/snapshot-manifest.js';
import { compareWithTree } from '../sources/tree-snapshot.js';
import { TOOL_VERSION } from '../version.js';
import { compileIgnore } from '../sources/tree-ignore.js';
import { assembleRules } from './assemble-rules.js';
import { describeFailure, type ScanOptions, type ScanResult } from './run-scan.js';

/**
 * `scan --against <manifest>`: every change in a directory since a snapshot was taken (AIDE's model,
 * for sandboxes without git), checked by the same rules and reported like a scan.
 */
export async function runSnapshotScan(options: ScanOptions, manifestFile: string): Promise<ScanResult> {
  const startedAt = new Date();
  const root = await realpath(options.path).catch(() => {
    throw new RepositoryError(`${options.path}: no such directory`);
  });
  const { header: manifest, snapshot } = await readManifest(manifestFile, root);
  const ruleSet = await assembleRules(options, null);
  const warnings: string[] = [];
  if (manifest.root !== root) warnings.push(`the snapshot was taken of ${manifest.root}; compared with ${root}`);
  const isIgnored = compileIgnore({ patterns: manifest.ignore, useDefaults: manifest.useDefaultIgnores, ownFiles: [] });
  const changes = await compareWithTree(
    snapshot,
    { isIgnored, warn: (message) => warnings.push(message), maxCopyBytes: 0, copyBudgetBytes: 256 * 1024 * 1024 },
    { kind: 'snapshot', takenAt: manifest.takenAt },
  );
  const spool = new IncidentSpool();
  const index = new RuleIndex(ruleSet.rules);
  const cache = new ScopeCache();
  let failure: unknown = null;
  let changesChecked = 0;
  try {
    for (const change of changes) {
      if (options.signal?.aborted) throw new SelfmodError('interrupted', 'interrupted; the report holds what was found before');
      changesChecked++;
      const selection = index.selectionFor(change);
      for (const incident of await checkChange(change, selection.rules, cache, selection.pathAnswers)) spool.add(incident);
    }
  } catch (error) {
    failure = error;
  }
  const header = buildReportHeader({
    version: TOOL_VERSION,
    target: {
      root,
      mode: 'snapshot',
      since: null,
      sinceCommit: null,
      head: null,
      shallow: false,
      history: false,
      workingTree: true,
      snapshot: { manifest: manifestFile, takenAt: manifest.takenAt },
    },
    startedAt,
    finishedAt: new Date(),
    error: failure === null ? null : describeFailure(failure),
    warnings,
    commitsScanned: 0,
    changesChecked,
    rulesLoaded: ruleSet.rules.length,
    ...spool.counts(),
  });
  return { header, spool, failOn: options.failOn ?? ruleSet.failOn ?? 'low', rules: ruleSet.rules, failure };
}
