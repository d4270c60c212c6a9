import { createColors } from 'picocolors';
import type { Evidence, Incident } from '../engine/incident.js';
import type { WeightsDiff } from '../formats/weights/index.js';
import { SEVERITIES, type Severity } from '../engine/rule.js';
import { compareIncidents, incidentSortKey, type IncidentSortKey } from './incident-order.js';
import { terminalSafe } from '../util/terminal-safe.js';
import type { Report, ReportHeader } from './report.js';

/** Evidence lines shown under each incident; the JSON report has them all. */
const SHOWN_EVIDENCE = 4;
const MAX_LINE_WIDTH = 160;

type Colors = ReturnType<typeof createColors>;

/**
 * The report for a person at a terminal: incidents grouped by severity, worst first, one table row
 * each with the top matched diff lines beneath, then a summary. Produced in pieces from incidents in
 * report order; `keys` (their sort keys) size the columns before the first row is written.
 */
export function* textReportChunks(
  header: ReportHeader,
  incidents: Iterable<Incident>,
  keys: readonly IncidentSortKey[],
  options: { color: boolean },
): Generator<string> {
  const c = createColors(options.color);
  let current: Severity | null = null;
  let widths = { category: 0, rule: 0 };
  for (const incident of incidents) {
    const out: string[] = [];
    if (incident.severity !== current) {
      if (current !== null) out.push('');
      current = incident.severity;
      const group = keys.filter((key) => key.severity === current);
      widths = columnWidths(group);
      out.push(severityBadge(c, current, `${current.toUpperCase()} (${group.length})`));
    }
    out.push(...incidentLines(c, incident, widths));
    yield `${out.join('\n')}\n`;
  }
  const tail: string[] = current === null ? [] : [''];
  tail.push(summaryLine(c, header));
  for (const warning of header.warnings) tail.push(c.yellow(`warning: ${terminalSafe(warning)}`));
  for (const reason of header.degraded) tail.push(c.yellow(`degraded: ${terminalSafe(reason)}`));
  if (header.error) tail.push(c.red(`error: ${terminalSafe(header.error.message)} (the scan stopped early)`));
  yield `${tail.join('\n')}\n`;
}

/** One incident as a watch prints it the moment it is found: severity first, then the table row. */
export function formatLiveIncident(incident: Incident, options: { color: boolean }): string {
  const c = createColors(options.color);
  const badge = severityBadge(c, incident.severity, incident.severity.toUpperCase());
  const [row = '', ...rest] = incidentLines(c, incident, { category: incident.category.length, rule: incident.ruleId.length });
  return `${[`${badge}${row}`, ...rest].join('\n')}\n`;
}

function incidentLines(c: Colors, incident: Incident, widths: { category: number; rule: number }): string[] {
  const out = [
    '  ' + [c.bold(pad(incident.category, widths.category)), pad(incident.ruleId, widths.rule), c.cyan(terminalSafe(fileLabel(incident)))].join('  '),
    `    ${terminalSafe(incident.message)}  ${c.dim(terminalSafe(sourceLabel(incident)))}`,
  ];
  for (const line of incident.evidence.slice(0, SHOWN_EVIDENCE)) out.push(`      ${evidenceLine(c, line)}`);
  if (incident.evidence.length > SHOWN_EVIDENCE) out.push(c.dim(`      … ${incident.evidence.length - SHOWN_EVIDENCE} more matched lines`));
  if (incident.binary) out.push(`      ${c.dim(binaryLabel(incident))}`);
  const weights = incident.binary?.weights;
  if (weights) for (const line of describeWeightsDiff(weights)) out.push(`      ${terminalSafe(line)}`);
  return out;
}

/** The whole text report as one string (for reports already in memory). */
export function formatTextReport(report: Report, options: { color: boolean }): string {
  const { incidents, ...header } = report;
  const sorted = [...incidents].sort(compareIncidents);
  return [...textReportChunks(header, sorted, sorted.map(incidentSortKey), options)].join('');
}

function severityBadge(c: Colors, severity: Severity, text: string): string {
  if (severity === 'critical') return c.bold(c.bgRed(c.white(` ${text} `)));
  if (severity === 'high') return c.bold(c.red(text));
  if (severity === 'medium') return c.bold(c.yellow(text));
  return c.bold(c.blue(text));
}

function columnWidths(group: readonly IncidentSortKey[]): { category: number; rule: number } {
  return {
    category: Math.max(0, ...group.map((key) => key.category.length)),
    rule: Math.max(0, ...group.map((key) => key.ruleId.length)),
  };
}

function pad(text: string, width: number): string {
  return text.padEnd(width);
}

function fileLabel(incident: Incident): string {
  const moved = incident.previousFile ? `${incident.previousFile} → ` : '';
  const link = incident.newTarget !== null ? ` -> ${incident.newTarget}` : '';
  return `${moved}${incident.file}${link} [${incident.change}]`;
}

function sourceLabel(incident: Incident): string {
  const source = incident.source;
  if (source.kind === 'working-tree') return source.area === 'index' ? '(staged)' : '(working tree)';
  if (source.kind === 'live') return `(seen ${source.at})`;
  if (source.kind === 'snapshot') return `(since snapshot of ${source.takenAt})`;
  return `(${source.sha.slice(0, 10)} "${truncate(source.subject, 60)}" by ${source.author})`;
}

function evidenceLine(c: Colors, evidence: Evidence): string {
  const text = truncate(terminalSafe(evidence.text), MAX_LINE_WIDTH);
  const number = c.dim(String(evidence.line).padStart(5));
  return evidence.side === 'added' ? `${number} ${c.green(`+${text}`)}` : `${number} ${c.red(`-${text}`)}`;
}

function binaryLabel(incident: Incident): string {
  const facts = incident.binary;
  if (!facts) return '';
  const side = (sha: string | null, size: number | null) => (sha ? `${sha.slice(0, 12)} (${size ?? '?'} bytes)` : 'none');
  return `binary: ${side(facts.oldSha256, facts.oldSize)} → ${side(facts.newSha256, facts.newSize)}`;
}

/** Tensors and names shown per list; the JSON report has them all. */
const SHOWN_NAMES = 5;

/** What changed inside a weight file, a few lines for a person. */
export function describeWeightsDiff(weights: WeightsDiff): string[] {
  const lines: string[] = [];
  const list = (items: readonly string[]) =>
    items.slice(0, SHOWN_NAMES).join(', ') + (items.length > SHOWN_NAMES ? `, … ${items.length - SHOWN_NAMES} more` : '');
  if (weights.unsafeGlobals?.length) lines.push(`imports when loaded: ${list(weights.unsafeGlobals)}`);
  if (weights.formatChanged) lines.push(`format ${weights.formatChanged.old} → ${weights.formatChanged.new}`);
  const tensors = weights.tensors;
  if (tensors) {
    const changed = tensors.changed.map((t) => {
      const delta = t.elementsChanged === undefined ? '' : `, ${t.elementsChanged} elements changed, max |Δ| ${String(t.maxAbsDelta)}`;
      return `${t.name} (${t.dtype} [${t.shape.join(',')}]${delta})`;
    });
    if (changed.length) lines.push(`tensors changed: ${list(changed)}`);
    if (tensors.added.length) lines.push(`tensors added: ${list(tensors.added.map((t) => t.name))}`);
    if (tensors.removed.length) lines.push(`tensors removed: ${list(tensors.removed.map((t) => t.name))}`);
    if (tensors.reshaped.length) lines.push(`tensors reshaped: ${list(tensors.reshaped.map((t) => `${t.name} [${t.oldShape.join(',')}] → [${t.newShape.join(',')}]`))}`);
    if (tensors.retyped.length) lines.push(`tensors retyped: ${list(tensors.retyped.map((t) => `${t.name} ${t.oldDtype} → ${t.newDtype}`))}`);
  }
  const metadata = weights.metadata;
  if (metadata) {
    const keys = [...metadata.changed, ...(metadata.added ?? []), ...(metadata.removed ?? [])];
    if (keys.length) lines.push(`metadata changed: ${list(keys)}`);
  }
  if (weights.shards?.moved.length) lines.push(`shards moved: ${list(weights.shards.moved.map((m) => `${m.name} ${m.oldShard} → ${m.newShard}`))}`);
  if (weights.lfs) lines.push(`LFS oid ${weights.lfs.oldOid ?? 'none'} → ${weights.lfs.newOid ?? 'none'}`);
  if (weights.headerChanged?.length) lines.push(`header changed: ${list(weights.headerChanged)}`);
  if (weights.problems?.length) lines.push(`problems: ${list(weights.problems.map((p) => `${p.code}${p.where ? ` at ${p.where}` : ''}`))}`);
  return lines.map((line) => `weights (${weights.format}): ${line}`);
}

function truncate(text: string, width: number): string {
  return text.length > width ? `${text.slice(0, width - 1)}…` : text;
}

function summaryLine(c: Colors, report: ReportHeader): string {
  const { summary } = report;
  const counts = [...SEVERITIES]
    .reverse()
    .filter((severity) => summary.bySeverity[severity] > 0)
    .map((severity) => `${summary.bySeverity[severity]} ${severity}`)
    .join(', ');
  const scanned = `${summary.commitsScanned} commit${summary.commitsScanned === 1 ? '' : 's'}${report.target.workingTree ? ' and the working tree' : ''}`;
  if (summary.total === 0) return c.green(`No incidents in ${scanned} (${summary.rulesLoaded} rules).`);
  const noun = summary.total === 1 ? 'incident' : 'incidents';
  return c.bold(`${summary.total} ${noun} (${counts}) in ${scanned} (${summary.rulesLoaded} rules).`);
}
