import { createColors } from 'picocolors';
import type { Evidence, Incident } from '../engine/incident.js';
import { SEVERITIES, type Severity } from '../engine/rule.js';
import { terminalSafe } from '../util/terminal-safe.js';
import type { Report } from './report.js';

/** Evidence lines shown under each incident; the JSON report has them all. */
const SHOWN_EVIDENCE = 4;
const MAX_LINE_WIDTH = 160;

type Colors = ReturnType<typeof createColors>;

/**
 * The report for a person at a terminal: incidents grouped by severity, worst first, one table row
 * each with the top matched diff lines beneath, then a summary.
 */
export function formatTextReport(report: Report, options: { color: boolean }): string {
  const c = createColors(options.color);
  const out: string[] = [];
  for (const severity of [...SEVERITIES].reverse()) {
    const group = report.incidents.filter((incident) => incident.severity === severity);
    if (group.length === 0) continue;
    out.push(severityBadge(c, severity, `${severity.toUpperCase()} (${group.length})`));
    const widths = columnWidths(group);
    for (const incident of group) {
      out.push(
        '  ' +
          [
            c.bold(pad(incident.category, widths.category)),
            pad(incident.ruleId, widths.rule),
            c.cyan(terminalSafe(fileLabel(incident))),
          ].join('  '),
      );
      out.push(`    ${terminalSafe(incident.message)}  ${c.dim(terminalSafe(sourceLabel(incident)))}`);
      for (const line of incident.evidence.slice(0, SHOWN_EVIDENCE)) out.push(`      ${evidenceLine(c, line)}`);
      if (incident.evidence.length > SHOWN_EVIDENCE) {
        out.push(c.dim(`      … ${incident.evidence.length - SHOWN_EVIDENCE} more matched lines`));
      }
      if (incident.binary) out.push(`      ${c.dim(binaryLabel(incident))}`);
    }
    out.push('');
  }
  out.push(summaryLine(c, report));
  for (const warning of report.warnings) out.push(c.yellow(`warning: ${terminalSafe(warning)}`));
  if (report.error) out.push(c.red(`error: ${terminalSafe(report.error.message)} (the scan stopped early)`));
  return `${out.join('\n')}\n`;
}

function severityBadge(c: Colors, severity: Severity, text: string): string {
  if (severity === 'critical') return c.bold(c.bgRed(c.white(` ${text} `)));
  if (severity === 'high') return c.bold(c.red(text));
  if (severity === 'medium') return c.bold(c.yellow(text));
  return c.bold(c.blue(text));
}

function columnWidths(group: readonly Incident[]): { category: number; rule: number } {
  return {
    category: Math.max(...group.map((incident) => incident.category.length)),
    rule: Math.max(...group.map((incident) => incident.ruleId.length)),
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

function truncate(text: string, width: number): string {
  return text.length > width ? `${text.slice(0, width - 1)}…` : text;
}

function summaryLine(c: Colors, report: Report): string {
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
