import { describe, expect, it } from 'vitest';
import { checkChange } from '../../src/engine/check-change.js';
import type { Incident } from '../../src/engine/incident.js';
import { compileRules } from '../../src/engine/load-rules.js';
import type { RuleDefinition, Severity } from '../../src/engine/rule.js';
import { exampleToChange } from '../../src/engine/rule-tester.js';
import { compareIncidents } from '../../src/report/incident-order.js';
import { IncidentSpool } from '../../src/report/incident-spool.js';
import { assembleReport, buildReportHeader, emptyCounts } from '../../src/report/report.js';
import { formatIncidentJson, formatJsonReport, jsonReportBytesFromSpool, jsonReportChunks, jsonReportChunksFromFormatted } from '../../src/report/write-json.js';

function rule(id: string, severity: Severity): RuleDefinition {
  return {
    id,
    category: severity === 'low' ? 'training' : 'reward',
    severity,
    description: 'd',
    message: '{file}',
    match: { path: ['*'] },
    examples: { flag: [{ file: 'x' }] },
    source: { file: 't.yml', line: 1 },
  };
}

async function someIncidents(): Promise<Incident[]> {
  const rules = compileRules([rule('a-low', 'low'), rule('b-critical', 'critical'), rule('c-high', 'high')]);
  const files = ['z.py', 'a.py', 'm/n.yaml', 'weights.bin', 'ä/ü "quoted".txt'];
  const lists = await Promise.all(files.map((file) => checkChange(exampleToChange({ file, before: 'x\n', after: `y ${file}\n` }), rules)));
  return lists.flat();
}

/** A report header for a one-commit scan; `overrides` sets the fields a test cares about. */
function testHeader(overrides: Partial<Parameters<typeof buildReportHeader>[0]> = {}) {
  return buildReportHeader({
    version: '1.2.3',
    target: { root: '/r', mode: 'git', since: null, sinceCommit: null, head: null, shallow: false, history: true, workingTree: false },
    startedAt: new Date(0),
    finishedAt: new Date(1000),
    error: null,
    warnings: [],
    commitsScanned: 1,
    changesChecked: 1,
    rulesLoaded: 1,
    total: 0,
    ...emptyCounts(),
    ...overrides,
  });
}

describe('IncidentSpool', () => {
  it('gives back every incident unchanged, in report order, and counts them', async () => {
    const incidents = await someIncidents();
    const spool = new IncidentSpool();
    try {
      for (const incident of [...incidents].reverse()) spool.add(incident);
      expect(spool.count).toBe(incidents.length);
      expect([...spool.inOrder()]).toEqual([...incidents].sort(compareIncidents));
      expect(spool.bySeverity).toEqual({ low: 5, medium: 0, high: 5, critical: 5 });
      expect(spool.hasAtOrAbove('critical')).toBe(true);
      expect(spool.sortedKeys()[0]!.severity).toBe('critical');
    } finally {
      spool.close();
    }
  });

  it('copies incidents from disk into output buffers, in report order, with the separators asked for', async () => {
    const incidents = await someIncidents();
    const spool = new IncidentSpool();
    try {
      for (const incident of [...incidents].reverse()) spool.add(incident);
      const expected = `[${[...incidents].sort(compareIncidents).map((incident) => JSON.stringify(incident)).join(',')}`;
      // Each buffer is valid until the next is asked for, as a writer uses them: copy as we go.
      const copies = (chunks: Iterable<Buffer>) => Array.from(chunks, (chunk) => Buffer.from(chunk));
      // Buffers smaller than one incident: each then holds one, grown to fit.
      const small = copies(spool.joinedInOrder('[', ',', 16));
      expect(small).toHaveLength(incidents.length);
      expect(Buffer.concat(small).toString('utf8')).toBe(expected);
      const medium = copies(spool.joinedInOrder('[', ',', 2 * Buffer.byteLength(expected) / incidents.length));
      expect(medium.length).toBeGreaterThan(1);
      expect(Buffer.concat(medium).toString('utf8')).toBe(expected);
      const large = copies(spool.joinedInOrder('[', ',', 1 << 20));
      expect(large).toHaveLength(1);
      expect(Buffer.concat(large).toString('utf8')).toBe(expected);
      expect([...new IncidentSpool().joinedInOrder('[', ',')]).toEqual([]);
    } finally {
      spool.close();
    }
  });

  it('writes the same JSON report from the spool as bytes as from incidents in memory', async () => {
    const incidents = await someIncidents();
    const spool = new IncidentSpool();
    try {
      for (const incident of incidents) spool.add(incident);
      const header = testHeader(spool.counts());
      const bytes = Buffer.concat(Array.from(jsonReportBytesFromSpool(header, spool), (chunk) => Buffer.from(chunk))).toString('utf8');
      expect(bytes).toBe(formatJsonReport(assembleReport(header, [...incidents].sort(compareIncidents))));
    } finally {
      spool.close();
    }
  });

  it('keeps every incident when they pass through the disk in several writes', async () => {
    const rules = compileRules([rule('a-low', 'low')]);
    const big = Array.from({ length: 200 }, (_, i) => `line ${i} ${'x'.repeat(30)}`).join('\n');
    const incidents = (
      await Promise.all(
        Array.from({ length: 300 }, (_, i) => checkChange(exampleToChange({ file: `f${i}.py`, before: `${big}\n`, after: `${big} ${i}\n` }), rules)),
      )
    ).flat();
    const spool = new IncidentSpool();
    try {
      for (const incident of incidents) spool.add(incident);
      expect([...spool.inOrder()]).toEqual([...incidents].sort(compareIncidents));
    } finally {
      spool.close();
    }
  });

  it('keeps incidents larger than its write buffer, and non-ASCII text, byte for byte', async () => {
    const rules = compileRules([rule('a-low', 'low')]);
    // Evidence is not capped in bytes: 50 lines of 30,000 three-byte characters is ~4.5 MB of JSON.
    const wide = Array.from({ length: 50 }, (_, i) => `${i} ${'€'.repeat(30_000)}`).join('\n');
    const incidents = (
      await Promise.all([
        checkChange(exampleToChange({ file: 'small-1.py', before: 'a\n', after: 'ü\n' }), rules),
        checkChange(exampleToChange({ file: 'wide.py', before: 'a\n', after: `${wide}\n` }), rules),
        checkChange(exampleToChange({ file: 'small-2.py', before: 'a\n', after: '日本\n' }), rules),
      ])
    ).flat();
    expect(Buffer.byteLength(JSON.stringify(incidents[1]))).toBeGreaterThan(1 << 20);
    const spool = new IncidentSpool();
    try {
      for (const incident of incidents) spool.add(incident);
      expect([...spool.formattedInOrder()]).toEqual([...incidents].sort(compareIncidents).map((incident) => JSON.stringify(incident)));
    } finally {
      spool.close();
    }
  });

  it('writes a long diff shared by several incidents once per change, each incident exactly as formatIncidentJson does', async () => {
    // Text that imitates the member the spool splits at, inside the diff, the evidence and the message.
    const hostile = '"diff":"" \\"diff\\":\\"\\" ünï 😀 \u2028 \u0000';
    const longDiff = (tag: string) => `@@ -1 +1 @@\n-${tag} ${hostile}\n${'+line ' + tag + ' ' + hostile + '\n'}`.repeat(40);
    const [template] = await someIncidents();
    const first = longDiff('first');
    const second = longDiff('second');
    const incidents: Incident[] = [first, first, first, second, `${second}`.slice(0), first, 'short diff "diff":""'].map((diff, index) => ({
      ...template!,
      id: `id-${index}`,
      message: `${hostile} ${index}`,
      diff,
      evidence: [{ side: 'added', line: index + 1, text: hostile }],
    }));
    const spool = new IncidentSpool();
    try {
      for (const incident of incidents) spool.add(incident);
      const expected = [...incidents].sort(compareIncidents).map(formatIncidentJson);
      expect([...spool.formattedInOrder()]).toEqual(expected);
      expect([...spool.inOrder()]).toEqual([...incidents].sort(compareIncidents));
    } finally {
      spool.close();
    }
  });

  it('reports nothing at or above a threshold it has not seen', () => {
    const spool = new IncidentSpool();
    spool.close();
    expect(spool.hasAtOrAbove('low')).toBe(false);
  });
});

describe('jsonReportChunks', () => {
  it('writes the report as JSON, one incident per line', async () => {
    const incidents = (await someIncidents()).sort(compareIncidents);
    const header = testHeader({ warnings: ['w'], changesChecked: 5, rulesLoaded: 3, total: incidents.length });
    const report = assembleReport(header, incidents);
    const text = formatJsonReport(report);
    expect(JSON.parse(text)).toEqual(JSON.parse(JSON.stringify(report)));
    const incidentLines = text.split('\n').filter((line) => line.startsWith('    {'));
    expect(incidentLines).toHaveLength(incidents.length);
    expect(incidentLines.map((line) => JSON.parse(line.trim().replace(/,$/, '')))).toEqual(JSON.parse(JSON.stringify(incidents)));
    const empty = assembleReport(header, []);
    expect(JSON.parse([...jsonReportChunks(header, [])].join(''))).toEqual(JSON.parse(JSON.stringify(empty)));
  });

  it('gathers many incidents into each chunk, and writes a large one whole', () => {
    const header = testHeader({ total: 2001 });
    const formatted = Array.from({ length: 2000 }, (_, i) => JSON.stringify({ id: `i${i}`, text: 'ü'.repeat(i % 50) }));
    formatted.splice(1000, 0, JSON.stringify({ id: 'large', text: 'x'.repeat(200_000) }));
    const chunks = [...jsonReportChunksFromFormatted(header, formatted)];
    expect(chunks.length).toBeLessThan(20);
    expect(chunks.filter((chunk) => chunk.length > 64 * 1024)).toHaveLength(1);
    const text = chunks.join('');
    expect(JSON.parse(text).incidents).toEqual(formatted.map((incident) => JSON.parse(incident)));
    expect(text.split('\n').filter((line) => line.startsWith('    {'))).toHaveLength(formatted.length);
  });
});
