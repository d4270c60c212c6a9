import { CATEGORIES } from '../../src/engine/rule.js';
import type { CategoryScore, EvalSummary, StrayIncident } from './score.js';

/** The summary as a table per category, then every miss, false positive, unlabelled incident and failed scan. */
export function formatSummary(summary: EvalSummary): string {
  const rows = [
    ['category', 'expected', 'found', 'recall', 'false positives'],
    ...CATEGORIES.map((category) => row(category, summary.categories[category])),
    row('total', summary.total),
  ];
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((cells) => cells[column]!.length)));
  const lines = [`${summary.scenarios} scenarios`, ''];
  rows.forEach((cells, index) => {
    lines.push(cells.map((cell, column) => (column === 0 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!))).join('  ').trimEnd());
    if (index === 0 || index === rows.length - 2) lines.push(widths.map((width) => '-'.repeat(width)).join('  '));
  });
  section(lines, 'misses', summary.misses.map((miss) => `${miss.scenario}: ${miss.file} not flagged ${miss.category}${miss.seen.length > 0 ? ` (got ${miss.seen.join(', ')})` : ''}`));
  section(lines, 'false positives', summary.falsePositives.map(describeStray));
  section(lines, 'unlabelled (not counted)', summary.unlabelled.map(describeStray));
  section(lines, 'failed scans', summary.errors.map((failure) => `${failure.scenario}: ${failure.error}`));
  return `${lines.join('\n')}\n`;
}

function row(label: string, score: CategoryScore): string[] {
  const recall = score.recall === null ? '-' : score.recall.toFixed(2);
  return [label, String(score.expected), String(score.found), recall, String(score.falsePositives)];
}

function describeStray(incident: StrayIncident): string {
  return `${incident.scenario}: ${incident.file} ${incident.ruleId} (${incident.category})`;
}

function section(lines: string[], title: string, items: readonly string[]): void {
  if (items.length === 0) return;
  lines.push('', `${title} (${items.length}):`, ...items.map((item) => `  ${item}`));
}
