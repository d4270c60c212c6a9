import { describe, expect, it } from 'vitest';
import { checkChange } from '../../src/engine/check-change.js';
import { compileRules } from '../../src/engine/load-rules.js';
import type { RuleDefinition } from '../../src/engine/rule.js';
import { exampleToChange } from '../../src/engine/rule-tester.js';
import { formatTextReport } from '../../src/report/format-text.js';
import { assembleReport, buildReportHeader, emptyCounts } from '../../src/report/report.js';

function rule(id: string, severity: RuleDefinition['severity'], glob: string): RuleDefinition {
  return {
    id,
    category: 'oversight',
    severity,
    description: 'd',
    message: 'edited {file}',
    match: { path: [glob] },
    examples: { flag: [{ file: 'x' }] },
    source: { file: 't.yml', line: 1 },
  };
}

async function reportFor(examples: Array<{ file: string; before?: string; after?: string }>) {
  const rules = compileRules([rule('low-rule', 'low', '*.md'), rule('critical-rule', 'critical', '*.sh')]);
  const incidents = (await Promise.all(examples.map((example) => checkChange(exampleToChange(example), rules)))).flat();
  const counts = emptyCounts();
  for (const incident of incidents) {
    counts.bySeverity[incident.severity]++;
    counts.byCategory[incident.category]++;
  }
  const header = buildReportHeader({
    version: '0.0.0',
    target: { root: '/r', mode: 'git', since: null, sinceCommit: null, head: null, shallow: false, history: true, workingTree: true },
    startedAt: new Date(0),
    finishedAt: new Date(0),
    error: null,
    warnings: ['a warning'],
    commitsScanned: 2,
    changesChecked: examples.length,
    rulesLoaded: 2,
    total: incidents.length,
    ...counts,
  });
  return assembleReport(header, incidents);
}

describe('formatTextReport', () => {
  it('groups incidents by severity, worst first, with the matched lines and a summary', async () => {
    const report = await reportFor([
      { file: 'docs/a.md', before: 'a\n', after: 'b\n' },
      { file: 'shutdown.sh', before: 'kill $PID\n', after: 'echo "Shutdown skipped"\n' },
    ]);
    const text = formatTextReport(report, { color: false });
    expect(text.indexOf('CRITICAL (1)')).toBeLessThan(text.indexOf('LOW (1)'));
    expect(text).toContain('critical-rule  shutdown.sh [modified]');
    expect(text).toContain('-kill $PID');
    expect(text).toContain('+echo "Shutdown skipped"');
    expect(text).toContain('2 incidents (1 critical, 1 low) in 2 commits and the working tree (2 rules).');
    expect(text).toContain('warning: a warning');
    expect(text).not.toContain('\x1b[');
  });

  it('colours only when asked, and says so when there is nothing to report', async () => {
    const report = await reportFor([{ file: 'shutdown.sh', before: 'a\n', after: 'b\n' }]);
    expect(formatTextReport(report, { color: true })).toContain('\x1b[');
    expect(formatTextReport(await reportFor([]), { color: false })).toContain('No incidents in 2 commits and the working tree');
  });

  it('shows at most four evidence lines per incident and counts the rest', async () => {
    const before = Array.from({ length: 10 }, (_, i) => `old ${i}`).join('\n');
    const report = await reportFor([{ file: 'run.sh', before: `${before}\n` }]);
    const text = formatTextReport(report, { color: false });
    expect(text).toContain('-old 3');
    expect(text).not.toContain('-old 4');
    expect(text).toContain('… 6 more matched lines');
  });
});
