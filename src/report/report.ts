import type { Incident } from '../engine/incident.js';
import { CATEGORIES, SEVERITIES, type Category, type Severity } from '../engine/rule.js';
import { compareIncidents } from './incident-order.js';

export const REPORT_SCHEMA_VERSION = 1;

export interface ReportTarget {
  readonly root: string;
  /** git: history and working tree; watch: a live watch; snapshot: the tree against a snapshot manifest. */
  readonly mode: 'git' | 'watch' | 'snapshot';
  /** The base revision as given, and the commit it resolved to. */
  readonly since: string | null;
  readonly sinceCommit: string | null;
  readonly head: string | null;
  readonly shallow: boolean;
  readonly history: boolean;
  readonly workingTree: boolean;
  /** For mode `snapshot`: the manifest compared with, and when it was taken. */
  readonly snapshot?: { readonly manifest: string; readonly takenAt: string };
}

/** Everything in a report except its incidents, which a scan keeps on disk until written out. */
export interface ReportHeader {
  readonly schemaVersion: typeof REPORT_SCHEMA_VERSION;
  readonly tool: { readonly name: 'selfmod'; readonly version: string };
  readonly target: ReportTarget;
  readonly startedAt: string;
  readonly finishedAt: string;
  /** False when the scan stopped early; `error` says why, and the incidents found so far are kept. */
  readonly complete: boolean;
  readonly error: { readonly code: string; readonly message: string } | null;
  readonly warnings: readonly string[];
  /** Why a watch may have missed something (a watcher error, changes no event announced); empty when it cannot have. */
  readonly degraded: readonly string[];
  readonly summary: {
    readonly total: number;
    readonly bySeverity: Record<Severity, number>;
    readonly byCategory: Record<Category, number>;
    readonly commitsScanned: number;
    readonly changesChecked: number;
    readonly rulesLoaded: number;
  };
}

export interface Report extends ReportHeader {
  readonly incidents: readonly Incident[];
}

export interface ReportInput {
  readonly version: string;
  readonly target: ReportTarget;
  readonly startedAt: Date;
  readonly finishedAt: Date;
  readonly error: { code: string; message: string } | null;
  readonly warnings: readonly string[];
  readonly degraded?: readonly string[];
  readonly commitsScanned: number;
  readonly changesChecked: number;
  readonly rulesLoaded: number;
  readonly total: number;
  readonly bySeverity: Record<Severity, number>;
  readonly byCategory: Record<Category, number>;
}

/** Assembles the report's header: counts filled in, keys always in the same order. */
export function buildReportHeader(input: ReportInput): ReportHeader {
  return {
    schemaVersion: REPORT_SCHEMA_VERSION,
    tool: { name: 'selfmod', version: input.version },
    target: input.target,
    startedAt: input.startedAt.toISOString(),
    finishedAt: input.finishedAt.toISOString(),
    complete: input.error === null,
    error: input.error,
    warnings: input.warnings,
    degraded: input.degraded ?? [],
    summary: {
      total: input.total,
      bySeverity: { ...input.bySeverity },
      byCategory: { ...input.byCategory },
      commitsScanned: input.commitsScanned,
      changesChecked: input.changesChecked,
      rulesLoaded: input.rulesLoaded,
    },
  };
}

/** A whole report in memory, incidents sorted; for small reports and tests. */
export function assembleReport(header: ReportHeader, incidents: Iterable<Incident>): Report {
  return { ...header, incidents: [...incidents].sort(compareIncidents) };
}

/** Zero counts for every severity and category. */
export function emptyCounts(): { bySeverity: Record<Severity, number>; byCategory: Record<Category, number> } {
  return {
    bySeverity: Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>,
    byCategory: Object.fromEntries(CATEGORIES.map((c) => [c, 0])) as Record<Category, number>,
  };
}
