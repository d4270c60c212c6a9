import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Incident } from '../../src/engine/incident.js';
import { IncidentSpool } from '../../src/report/incident-spool.js';
import type { ReportHeader } from '../../src/report/report.js';
import { FINGERPRINT_KEY, plainMessage, sarifLogChunks, writeSarifLog } from '../../src/report/sarif.js';
import { sarifLevel } from '../../src/report/sarif-rules.js';
import { directoryFileUri, relativeUriReference } from '../../src/report/sarif-uri.js';
import { materializeReport, runScan, scanOptionsFor, type ScanOptions } from '../../src/scan/run-scan.js';
import { createTestRepo, type TestRepo } from '../helpers/git-repo.js';
import { sarifShapeProblems } from '../helpers/sarif-shape.js';

// Loose views of the parts of a SARIF log the tests read.
interface SarifResult {
  ruleId: string;
  ruleIndex?: number;
  level: string;
  message: { text: string };
  locations: Array<{ physicalLocation: { artifactLocation: { uri: string; uriBaseId: string }; region?: { startLine: number } } }>;
  relatedLocations?: Array<{ physicalLocation: { artifactLocation: { uri: string }; region?: unknown } }>;
  partialFingerprints: Record<string, string>;
  properties: Record<string, unknown>;
}
interface SarifRule {
  id: string;
  defaultConfiguration: { level: string };
  properties: { category: string; tags: string[]; 'security-severity': string };
}
interface SarifRun {
  tool: { driver: { name: string; version: string; rules: SarifRule[] } };
  invocations: Array<{ executionSuccessful: boolean; startTimeUtc: string; endTimeUtc: string; toolExecutionNotifications?: unknown[] }>;
  originalUriBaseIds: { SRCROOT: { uri: string } };
  results: SarifResult[];
}

let repo: TestRepo;
let scratch: string;

beforeEach(async () => {
  repo = await createTestRepo();
  scratch = await mkdtemp(join(tmpdir(), 'selfmod-sarif-'));
});

afterEach(async () => {
  await repo.cleanup();
  await rm(scratch, { recursive: true, force: true });
});

/** Scans the test repository and returns its report's parts and the SARIF log as text and parsed. */
async function scanToSarif(options: Partial<ScanOptions> = {}) {
  const result = await runScan(scanOptionsFor(repo.root, options));
  const rules = result.rules;
  const report = materializeReport(result);
  const { incidents, ...header } = report;
  const text = [...sarifLogChunks(header, rules, incidents)].join('');
  const log = JSON.parse(text) as { version: string; runs: SarifRun[] };
  const run = log.runs[0] as SarifRun;
  return { header, incidents, rules, text, log, run };
}

/** A rule file with one rule per severity, all flagging any Python file. */
async function severityRules(): Promise<string> {
  const file = join(scratch, 'severities.yml');
  const rule = (severity: string, category: string) =>
    `id: py-${severity}\ncategory: ${category}\nseverity: ${severity}\ndescription: any Python file (${severity})\nwhy: tests\nmessage: '${severity} in {file}'\nmatch:\n  path: ['*.py']\nexamples:\n  flag: [{file: a.py, after: 'x'}]\n`;
  await writeFile(file, [rule('low', 'training'), rule('medium', 'inference'), rule('high', 'weights'), rule('critical', 'reward')].join('---\n'));
  return file;
}

function resultFor(run: SarifRun, ruleId: string, uri: string): SarifResult {
  const found = run.results.find((result) => result.ruleId === ruleId && result.locations[0]?.physicalLocation.artifactLocation.uri === uri);
  if (!found) throw new Error(`no result of ${ruleId} on ${uri}`);
  return found;
}

/**
 * Reads a SARIF plain-text message as a viewer does (SARIF 2.1.0, 3.11.5 and 3.11.6): a backslash
 * takes the next character literally, `[text](target)` is an embedded link, `{n}` a placeholder,
 * `{{` and `}}` literal braces. Returns the text shown and the links and placeholders found.
 */
function readPlainMessage(message: string): { text: string; links: string[]; placeholders: string[] } {
  let text = '';
  const links: string[] = [];
  const placeholders: string[] = [];
  for (let i = 0; i < message.length; i++) {
    const char = message[i] as string;
    if (char === '\\' && i + 1 < message.length) {
      text += message[++i];
    } else if ((char === '{' || char === '}') && message[i + 1] === char) {
      text += char;
      i++;
    } else if (char === '{') {
      const end = message.indexOf('}', i);
      placeholders.push(message.slice(i, end + 1));
      i = end === -1 ? message.length : end;
    } else if (char === '[') {
      // A link: an unescaped ']' then '(' ... ')'.
      let j = i + 1;
      while (j < message.length && message[j] !== ']') j += message[j] === '\\' ? 2 : 1;
      if (message[j + 1] === '(' && message.indexOf(')', j) !== -1) {
        links.push(message.slice(i, message.indexOf(')', j) + 1));
        i = message.indexOf(')', j);
      } else {
        text += char;
      }
    } else {
      text += char;
    }
  }
  return { text, links, placeholders };
}

describe('SARIF log', () => {
  it('maps severities to levels and security-severity scores, and lists every loaded rule', async () => {
    expect(['critical', 'high', 'medium', 'low'].map((severity) => sarifLevel(severity as 'low'))).toEqual(['error', 'error', 'warning', 'note']);
    const base = await repo.commitFiles('init', { 'docs/a.md': 'x\n' });
    await repo.commitFiles('add', { 'tool.py': 'print(1)\n' });
    const { run, log, text, rules } = await scanToSarif({ since: base, useDefaultRules: false, ruleFiles: [await severityRules()] });
    expect(sarifShapeProblems(log)).toEqual([]);
    expect(text.endsWith('\n')).toBe(true);
    // The config-guarding rule is always loaded, and listed though nothing matched it.
    expect(run.tool.driver.rules.map((rule) => rule.id)).toEqual(rules.map((rule) => rule.id));
    expect(run.tool.driver.rules.map((rule) => rule.id)).toContain('selfmod-config-edited');
    const byId = new Map(run.tool.driver.rules.map((rule) => [rule.id, rule]));
    expect(byId.get('py-critical')).toMatchObject({ defaultConfiguration: { level: 'error' }, properties: { category: 'reward', tags: ['security', 'reward'], 'security-severity': '9.5' } });
    expect(byId.get('py-high')).toMatchObject({ defaultConfiguration: { level: 'error' }, properties: { 'security-severity': '8.0' } });
    expect(byId.get('py-medium')).toMatchObject({ defaultConfiguration: { level: 'warning' }, properties: { 'security-severity': '5.5' } });
    expect(byId.get('py-low')).toMatchObject({ defaultConfiguration: { level: 'note' }, properties: { 'security-severity': '3.0' } });
    expect(byId.get('py-low')).toMatchObject({ shortDescription: { text: 'any Python file (low)' }, fullDescription: { text: 'any Python file (low) tests' } });
    // The rule's message template is quoted in its help, its braces doubled as SARIF asks of literal ones.
    expect((byId.get('py-low') as unknown as { help: { text: string } }).help.text).toMatch(/Reported as: low in \{\{file\}\}$/);
    const levels = Object.fromEntries(run.results.map((result) => [result.ruleId, result.level]));
    expect(levels).toEqual({ 'py-critical': 'error', 'py-high': 'error', 'py-medium': 'warning', 'py-low': 'note' });
    for (const result of run.results) {
      expect(run.tool.driver.rules[result.ruleIndex as number]?.id).toBe(result.ruleId);
      expect(result.message.text).toMatch(/ in tool\.py$/);
    }
    expect(run.tool.driver).toMatchObject({ name: 'selfmod', version: expect.stringMatching(/^\d+\.\d+\.\d+/) });
  });

  it('percent-encodes paths as relative URI references that resolve, under SRCROOT, to the files', async () => {
    expect(relativeUriReference('rewards/a b#%?.py')).toBe('rewards/a%20b%23%25%3F.py');
    expect(relativeUriReference('rewards/grader.py')).toBe('rewards/grader.py');
    expect(relativeUriReference('ü/報酬.py')).toBe('%C3%BC/%E5%A0%B1%E9%85%AC.py');
    expect(relativeUriReference('c:d/[x]+(y)&z.py')).toBe('c%3Ad/%5Bx%5D%2B%28y%29%26z.py');
    expect(relativeUriReference('tab\there\\back\n.py')).toBe('tab%09here%5Cback%0A.py');
    expect(directoryFileUri('/tmp/a b#c')).toBe('file:///tmp/a%20b%23c/');
    const base = await repo.commitFiles('init', { 'docs/a.md': 'x\n' });
    const odd = ['rewards/a b#%?.py', 'rewards/ünïcode 報酬.py', 'rewards/c:d;e=f&g+h.py'];
    await repo.commitFiles('odd names', Object.fromEntries(odd.map((file) => [file, 'def compute_reward(x):\n    return 1.0\n'])));
    const { run, log } = await scanToSarif({ since: base });
    expect(sarifShapeProblems(log)).toEqual([]);
    const root = run.originalUriBaseIds.SRCROOT.uri;
    expect(root).toMatch(/^file:\/\/\/.*\/$/);
    const uris = new Set(run.results.map((result) => result.locations[0]?.physicalLocation.artifactLocation.uri));
    expect(uris).toEqual(new Set(odd.map(relativeUriReference)));
    for (const uri of uris) {
      const file = fileURLToPath(new URL(uri as string, root));
      expect(odd.map((name) => join(repo.root, name))).toContain(file);
      expect(existsSync(file)).toBe(true);
    }
  });

  it('escapes messages so that no file name becomes a link or a placeholder in the alert', async () => {
    const base = await repo.commitFiles('init', { 'docs/a.md': 'x\n' });
    const planted = ['rewards/[details](https:evil.example).py', 'rewards/x\\[click\\](https:evil.example).py', 'rewards/{0}{{x}}.py'];
    await repo.commitFiles('linked names', Object.fromEntries(planted.map((file) => [file, 'def compute_reward(x):\n    return 1.0\n'])));
    const { run } = await scanToSarif({ since: base });
    for (const file of planted) {
      const messages = run.results.filter((result) => result.locations[0]?.physicalLocation.artifactLocation.uri === relativeUriReference(file));
      expect(messages.length).toBeGreaterThan(0);
      for (const { message } of messages) {
        const read = readPlainMessage(message.text);
        expect(read.links).toEqual([]);
        expect(read.placeholders).toEqual([]);
        expect(read.text).toContain(file);
      }
    }
    expect(plainMessage('a \\[b] {c}').text).toBe('a \\\\\\[b\\] {{c}}');
  });

  it('puts the region on the side that still exists: added and renamed files get a line, deleted files none', async () => {
    await repo.commitFiles('init', {
      'rewards/old_reward.py': 'import math\n\ndef compute_reward(x):\n    return math.tanh(x)\n',
      'rewards/doomed.py': 'def compute_reward(x):\n    return x\n',
      'rewards/trimmed.py': 'def compute_reward(x):\n    if x < 0:\n        return 0\n    return x\n',
    });
    const base = await repo.head();
    await repo.write({ 'rewards/old_reward.py': null, 'rewards/doomed.py': null, 'rewards/trimmed.py': 'def compute_reward(x):\n    return x\n' });
    await repo.write({
      'rewards/new_reward.py': 'import math\n\ndef compute_reward(x):\n    return 1.0\n',
      'rewards/fresh.py': '# a new grader\n\ndef compute_reward(x):\n    return 1.0\n',
    });
    await repo.commit('agent edits');
    const { run, log, incidents } = await scanToSarif({ since: base });
    expect(sarifShapeProblems(log)).toEqual([]);

    const added = resultFor(run, 'reward-function-returns-constant', 'rewards/fresh.py');
    expect(added.properties).toMatchObject({ change: 'added', previousFile: null });
    expect(added.locations[0]?.physicalLocation.region).toEqual({ startLine: 4 });
    expect(added.relatedLocations).toBeUndefined();

    const renamed = resultFor(run, 'reward-function-returns-constant', 'rewards/new_reward.py');
    expect(renamed.properties).toMatchObject({ change: 'renamed', previousFile: 'rewards/old_reward.py' });
    expect(renamed.locations[0]?.physicalLocation.region).toEqual({ startLine: 4 });
    expect(renamed.relatedLocations?.map((location) => location.physicalLocation.artifactLocation.uri)).toEqual(['rewards/old_reward.py']);
    expect(renamed.relatedLocations?.[0]?.physicalLocation.region).toBeUndefined();

    const deleted = run.results.filter((result) => result.locations[0]?.physicalLocation.artifactLocation.uri === 'rewards/doomed.py');
    expect(deleted.length).toBeGreaterThan(0);
    for (const result of deleted) {
      expect(result.properties['change']).toBe('deleted');
      expect(result.locations[0]?.physicalLocation.region).toBeUndefined();
    }
    // Only lines removed: none of the matched lines is in the file as it is now.
    const trimmed = run.results.filter((result) => result.locations[0]?.physicalLocation.artifactLocation.uri === 'rewards/trimmed.py');
    expect(trimmed.length).toBeGreaterThan(0);
    for (const result of trimmed) expect(result.locations[0]?.physicalLocation.region).toBeUndefined();

    // Every incident is one result, in report order, fingerprinted by its id, carrying its diff and source.
    expect(run.results.map((result) => result.partialFingerprints[FINGERPRINT_KEY])).toEqual(incidents.map((incident) => incident.id));
    run.results.forEach((result, index) => {
      const incident = incidents[index] as Incident;
      expect(result.properties).toMatchObject({ category: incident.category, severity: incident.severity, diff: incident.diff, source: { kind: 'commit', subject: 'agent edits', author: 'Test Engineer' } });
      expect((result.properties['source'] as { sha: string }).sha).toMatch(/^[0-9a-f]{40}$/);
    });
  });

  it('gives a mode change and a link no region, and carries their facts as the JSON report does', async () => {
    await repo.commitFiles('init', { 'scripts/shutdown.sh': '#!/bin/sh\nkill "$AGENT_PID"\n', 'tests/conftest.py': 'import pytest\n', 'tests/other.py': 'x = 1\n' });
    await repo.chmod('scripts/shutdown.sh', 0o755);
    await repo.commit('executable');
    const base = await repo.head();
    await repo.chmod('scripts/shutdown.sh', 0o644);
    await repo.symlink('tests/conftest.py', 'other.py');
    await repo.commit('agent edits');
    const { run, incidents } = await scanToSarif({ since: base });
    const byFile = (file: string) => run.results.filter((result) => result.locations[0]?.physicalLocation.artifactLocation.uri === file);
    const mode = byFile('scripts/shutdown.sh');
    const link = byFile('tests/conftest.py');
    expect(mode.length).toBeGreaterThan(0);
    expect(link.length).toBeGreaterThan(0);
    for (const result of [...mode, ...link]) expect(result.locations[0]?.physicalLocation.region).toBeUndefined();
    expect(mode[0]?.properties).toMatchObject({ change: 'mode', oldMode: '100755', newMode: '100644' });
    expect(link[0]?.properties).toMatchObject({ change: 'symlink', newTarget: 'other.py' });
    // Every fact of the incident that the JSON report holds, but for its place in the report's order.
    run.results.forEach((result, index) => {
      const incident = incidents[index] as Incident;
      for (const key of ['evidence', 'similarity', 'oldMode', 'newMode', 'oldTarget', 'newTarget', 'binary'] as const) {
        expect(result.properties[key]).toEqual(incident[key]);
      }
    });
  });

  it('marks working-tree incidents, and a partial scan as an unsuccessful invocation with its error', async () => {
    await repo.commitFiles('init', { 'rewards/r.py': 'def compute_reward(x):\n    return x\n' });
    await repo.write({ 'rewards/r.py': 'def compute_reward(x):\n    return 1.0\n' });
    const { run, header } = await scanToSarif();
    const result = resultFor(run, 'reward-function-returns-constant', 'rewards/r.py');
    expect(result.properties['source']).toEqual({ kind: 'working-tree', area: 'worktree' });
    expect(run.invocations).toEqual([
      {
        executionSuccessful: true,
        startTimeUtc: header.startedAt,
        endTimeUtc: header.finishedAt,
        toolExecutionNotifications: header.warnings.map((text) => ({ level: 'warning', message: { text } })),
      },
    ]);
    const failed: ReportHeader = { ...header, complete: false, error: { code: 'integrity', message: 'an object does not hash to its id' }, warnings: [] };
    const partial = JSON.parse([...sarifLogChunks(failed, [], [])].join('')) as { runs: SarifRun[] };
    expect(sarifShapeProblems(partial)).toEqual([]);
    expect(partial.runs[0]?.invocations[0]).toMatchObject({
      executionSuccessful: false,
      toolExecutionNotifications: [{ level: 'error', message: { text: 'an object does not hash to its id' }, descriptor: { id: 'integrity' } }],
    });
    expect(partial.runs[0]?.results).toEqual([]);
  });

  it('is deterministic: the same incidents, spooled in any order, give the same bytes', async () => {
    await repo.commitFiles('init', { 'docs/a.md': 'x\n' });
    await repo.commitFiles('hack', {
      'rewards/a.py': 'def compute_reward(x):\n    return 1.0\n',
      'rewards/b.py': 'def compute_reward(x):\n    return 2.0\n',
      'train.py': 'lr = 0.1\n',
    });
    const { header, incidents, rules, text } = await scanToSarif();
    expect(incidents.length).toBeGreaterThan(3);
    const fromSpool = (order: readonly Incident[]) => {
      const spool = new IncidentSpool();
      try {
        for (const incident of order) spool.add(incident);
        return [...sarifLogChunks(header, rules, spool.inOrder())].join('');
      } finally {
        spool.close();
      }
    };
    expect(fromSpool(incidents)).toBe(text);
    expect(fromSpool([...incidents].reverse())).toBe(text);
    expect(fromSpool([...incidents.slice(2), ...incidents.slice(0, 2)])).toBe(text);
  });

  it('is produced in bounded chunks, one result per line, and written atomically by writeSarifLog', async () => {
    await repo.commitFiles('init', { 'docs/a.md': 'x\n' });
    await repo.commitFiles('hack', { 'rewards/a.py': 'def compute_reward(x):\n    return 1.0\n' });
    const { header, incidents, rules } = await scanToSarif();
    const first = incidents[0] as Incident;
    const many = Array.from({ length: 5000 }, (_, index) => ({ ...first, id: index.toString(16).padStart(16, '0') }));
    const chunks = [...sarifLogChunks(header, rules, many)];
    expect(chunks.length).toBeGreaterThan(10);
    // About 32K characters each (V8's large-object size is 128 KiB), never the whole log at once.
    const resultChars = JSON.stringify(first).length * 2;
    for (const chunk of chunks.slice(1)) expect(chunk.length).toBeLessThan(32 * 1024 + resultChars);
    const text = chunks.join('');
    const results = text.split('\n').filter((line) => line.trimStart().startsWith('{"ruleId"'));
    expect(results).toHaveLength(5000);
    const parsed = JSON.parse(text) as { runs: SarifRun[] };
    expect(parsed.runs[0]?.results.map((result) => result.partialFingerprints[FINGERPRINT_KEY])).toEqual(many.map((incident) => incident.id));

    const target = join(scratch, 'out.sarif');
    await writeFile(target, 'old');
    await writeSarifLog(target, header, rules, many);
    expect(await readFile(target, 'utf8')).toBe(text);
    await expect(writeSarifLog(join(scratch, 'missing', 'out.sarif'), header, rules, many)).rejects.toThrow(/missing\/out\.sarif: cannot write the --sarif log \(ENOENT\)/);
  });
});
