import type { Incident } from '../engine/incident.js';
import { CATEGORIES, SEVERITIES, severityRank, type Category, type Severity } from '../engine/rule.js';

export const REPORT_SCHEMA_VERSION = 1;

export interface ReportTarget {
  readonly root: string;
  readonly mode: 'git';
  /** The base revision as given, and the commit it resolved to. */
  readonly since: string | null;
  readonly sinceCommit: string | null;
  readonly head: string | null;
  readonly shallow: boolean;
  readonly history: boolean;
  readonly workingTree: boolean;
}

export interface Report {
  readonly schemaVersion: typeof REPORT_SCHEMA_VERSION;
  readonly tool: { readonly name: 'selfmod'; readonly version: string };
  readonly target: ReportTarget;
  readonly startedAt: string;
  readonly finishedAt: string;
  /** False when the scan stopped early; `error` says why, and the incidents found so far are kept. */
  readonly complete: boolean;
  readonly error: { readonly code: string; readonly message: string } | null;
  readonly warnings: readonly string[];
  readonly summary: {
    readonly total: number;
    readonly bySeverity: Record<Severity, number>;
    readonly byCategory: Record<Category, number>;
    readonly commitsScanned: number;
    readonly changesChecked: number;
    readonly rulesLoaded: number;
  };
  readonly incidents: readonly Incident[];
}

export interface ReportInput {
  readonly version: string;
  readonly target: ReportTarget;
  readonly startedAt: Date;
  readonly finishedAt: Date;
  readonly error: { code: string; message: string } | null;
  readonly warnings: readonly string[];
  readonly commitsScanned: number;
  readonly changesChecked: number;
  readonly rulesLoaded: number;
  readonly incidents: readonly Incident[];
}

/** Assembles the report: incidents sorted, counts filled in, keys always in the same order. */
export function buildReport(input: ReportInput): Report {
  const incidents = [...input.incidents].sort(compareIncidents);
  const bySeverity = Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>;
  const byCategory = Object.fromEntries(CATEGORIES.map((c) => [c, 0])) as Record<Category, number>;
  for (const incident of incidents) {
    bySeverity[incident.severity]++;
    byCategory[incident.category]++;
  }
  return {
    schemaVersion: REPORT_SCHEMA_VERSION,
    tool: { name: 'selfmod', version: input.version },
    target: input.target,
    startedAt: input.startedAt.toISOString(),
    finishedAt: input.finishedAt.toISOString(),
    complete: input.error === null,
    error: input.error,
    warnings: input.warnings,
    summary: {
      total: incidents.length,
      bySeverity,
      byCategory,
      commitsScanned: input.commitsScanned,
      changesChecked: input.changesChecked,
      rulesLoaded: input.rulesLoaded,
    },
    incidents,
  };
}

/** Worst first; then by category, file and rule; then oldest source first; id breaks ties. */
export function compareIncidents(a: Incident, b: Incident): number {
  return (
    severityRank(b.severity) - severityRank(a.severity) ||
    compareText(a.category, b.category) ||
    compareText(a.file, b.file) ||
    compareText(a.ruleId, b.ruleId) ||
    compareText(sourceKey(a), sourceKey(b)) ||
    compareText(a.id, b.id)
  );
}

function sourceKey(incident: Incident): string {
  const source = incident.source;
  // Commits sort by date; the working tree comes after every commit.
  return source.kind === 'commit' ? `0${source.date}${source.sha}` : `1${source.area}`;
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** True when any incident is at or above `threshold`. */
export function hasIncidentsAtOrAbove(report: Report, threshold: Severity): boolean {
  return report.incidents.some((incident) => severityRank(incident.severity) >= severityRank(threshold));
}
