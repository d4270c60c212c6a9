import type { Incident } from '../engine/incident.js';
import { severityRank, type Category, type Severity } from '../engine/rule.js';

/** What report order depends on, kept in memory per incident while the incidents themselves are not. */
export interface IncidentSortKey {
  readonly severity: Severity;
  readonly category: Category;
  readonly file: string;
  readonly ruleId: string;
  readonly source: string;
  readonly id: string;
}

export function incidentSortKey(incident: Incident): IncidentSortKey {
  const source = incident.source;
  return {
    severity: incident.severity,
    category: incident.category,
    file: incident.file,
    ruleId: incident.ruleId,
    source: sourceOrder(source),
    id: incident.id,
  };
}

/**
 * Commits sort by time (dates carry their author's time zone, so compare instants); the working tree
 * comes after every commit; live and snapshot changes sort by when they were seen.
 */
function sourceOrder(source: Incident['source']): string {
  if (source.kind === 'commit') return `0${instant(source.date)}${source.sha}`;
  if (source.kind === 'working-tree') return `1${source.area}`;
  return `2${instant(source.kind === 'live' ? source.at : source.takenAt)}`;
}

function instant(date: string): string {
  return String(Date.parse(date) || 0).padStart(16, '0');
}

/** Worst first; then by category, file and rule; then oldest source first; id breaks ties. */
export function compareIncidentKeys(a: IncidentSortKey, b: IncidentSortKey): number {
  return (
    severityRank(b.severity) - severityRank(a.severity) ||
    compareText(a.category, b.category) ||
    compareText(a.file, b.file) ||
    compareText(a.ruleId, b.ruleId) ||
    compareText(a.source, b.source) ||
    compareText(a.id, b.id)
  );
}

export function compareIncidents(a: Incident, b: Incident): number {
  return compareIncidentKeys(incidentSortKey(a), incidentSortKey(b));
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
