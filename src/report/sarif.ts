import { rm } from 'node:fs/promises';
import type { Invocation, Log, Notification, PhysicalLocation, Result } from 'sarif';
import type { Incident } from '../engine/incident.js';
import { OutputError } from '../errors.js';
import { chunkedText, mapIterable, type ChunkedLayout } from './chunked-text.js';
import type { ReportHeader } from './report.js';
import { reportingDescriptor, sarifLevel, type SarifRuleSource } from './sarif-rules.js';
import { plainMessage } from './sarif-text.js';
import { directoryFileUri, relativeUriReference } from './sarif-uri.js';
import { writeFileAtomic } from './write-json.js';

export { plainMessage } from './sarif-text.js';

export const SARIF_SCHEMA = 'https://json.schemastore.org/sarif-2.1.0.json';
export const SARIF_VERSION = '2.1.0';
/** The key of an incident's id among a result's partialFingerprints; a new scheme gets a new key. */
export const FINGERPRINT_KEY = 'selfmod/v1';
/** The base that results' paths are relative to: the scanned repository's top directory. */
const SOURCE_ROOT = 'SRCROOT';
const RESULTS_MEMBER = '"results": []';

/**
 * A SARIF 2.1.0 log of a scan in pieces: one run, the rules it loaded as the driver's rules, then
 * one result per incident on a line of its own, produced one incident at a time so a log of any size
 * is written without building one string. The same header, rules and incidents give the same bytes.
 */
export function sarifLogChunks(header: ReportHeader, rules: readonly SarifRuleSource[], incidents: Iterable<Incident>): Generator<string> {
  const ruleIndexes = new Map(rules.map((rule, index) => [rule.id, index]));
  const results = mapIterable(incidents, (incident) => JSON.stringify(sarifResult(incident, ruleIndexes.get(incident.ruleId))));
  return chunkedText(logLayout(header, rules), results);
}

/**
 * Removes the SARIF log at `path`, for a scan that did not run to its end. Code scanning takes each
 * uploaded log as the whole analysis and closes every alert that it lacks, so a partial log, or an old
 * one left from an earlier run, would close alerts that still stand; no log fails the upload instead.
 */
export async function withdrawSarifLog(path: string): Promise<void> {
  await rm(path, { force: true }).catch((error: NodeJS.ErrnoException) => {
    throw new OutputError(path, `cannot remove the --sarif log of an earlier run (${error.code ?? error.message})`, { cause: error });
  });
}

/** Writes a scan's SARIF log to `path` atomically, as `--sarif` asks. */
export function writeSarifLog(path: string, header: ReportHeader, rules: readonly SarifRuleSource[], incidents: Iterable<Incident>): Promise<void> {
  return writeFileAtomic(path, sarifLogChunks(header, rules, incidents), 'the --sarif log');
}

/** The log pretty-printed around an empty results array, which is then filled one result per line. */
function logLayout(header: ReportHeader, rules: readonly SarifRuleSource[]): ChunkedLayout {
  const log: Log = {
    $schema: SARIF_SCHEMA,
    version: SARIF_VERSION,
    runs: [
      {
        tool: {
          driver: {
            name: header.tool.name,
            version: header.tool.version,
            semanticVersion: header.tool.version,
            rules: rules.map(reportingDescriptor),
          },
        },
        invocations: [invocation(header)],
        originalUriBaseIds: {
          [SOURCE_ROOT]: { uri: directoryFileUri(header.target.root), description: { text: 'The top directory of the scanned repository.' } },
        },
        // Last, so that everything after it is the closing of the log.
        results: [],
      },
    ],
  };
  const skeleton = JSON.stringify(log, null, 2);
  const at = skeleton.lastIndexOf(RESULTS_MEMBER);
  const indent = skeleton.slice(skeleton.lastIndexOf('\n', at) + 1, at);
  const closing = `${skeleton.slice(at + RESULTS_MEMBER.length)}\n`;
  return {
    head: `${skeleton.slice(0, at)}"results": [`,
    beforeFirst: `\n${indent}  `,
    between: `,\n${indent}  `,
    tail: (isEmpty) => (isEmpty ? `]${closing}` : `\n${indent}]${closing}`),
  };
}

/** The scan as one invocation: whether it ran to the end, when, and what it warned about. */
function invocation(header: ReportHeader): Invocation {
  const notifications: Notification[] = [];
  if (header.error !== null) notifications.push({ level: 'error', message: plainMessage(header.error.message), descriptor: { id: header.error.code } });
  for (const text of [...header.warnings, ...header.degraded]) notifications.push({ level: 'warning', message: plainMessage(text) });
  return {
    executionSuccessful: header.complete,
    startTimeUtc: header.startedAt,
    endTimeUtc: header.finishedAt,
    ...(notifications.length > 0 ? { toolExecutionNotifications: notifications } : {}),
  };
}

/**
 * An incident as a SARIF result. Its location is the file as it is now, with the line of the first
 * added line that matched. A deleted file has no line now, a mode change, a link or a binary has no
 * lines at all, and a change that matched only removed lines has none in the file as it is: those
 * point at the file alone.
 */
export function sarifResult(incident: Incident, ruleIndex: number | undefined): Result {
  const hasLines = (incident.change === 'added' || incident.change === 'modified' || incident.change === 'renamed') && incident.binary === null;
  const startLine = hasLines ? incident.evidence.find((item) => item.side === 'added' && item.line > 0)?.line : undefined;
  const hasPreviousFile = incident.previousFile !== null && incident.previousFile !== incident.file;
  return {
    ruleId: incident.ruleId,
    ...(ruleIndex === undefined ? {} : { ruleIndex }),
    level: sarifLevel(incident.severity),
    message: plainMessage(incident.message),
    locations: [{ physicalLocation: physicalLocation(incident.file, startLine) }],
    ...(hasPreviousFile
      ? { relatedLocations: [{ id: 1, physicalLocation: physicalLocation(incident.previousFile, undefined), message: { text: 'The path before the rename.' } }] }
      : {}),
    partialFingerprints: { [FINGERPRINT_KEY]: incident.id },
    properties: {
      category: incident.category,
      severity: incident.severity,
      change: incident.change,
      previousFile: incident.previousFile,
      source: incident.source,
      scopes: incident.scopes,
      evidence: incident.evidence,
      similarity: incident.similarity,
      oldMode: incident.oldMode,
      newMode: incident.newMode,
      oldTarget: incident.oldTarget,
      newTarget: incident.newTarget,
      // What a weight file holds (unsafe pickle imports, tensors changed), which messages point to.
      binary: incident.binary,
      diff: incident.diff,
      diffTruncated: incident.diffTruncated,
    },
  };
}

function physicalLocation(file: string, startLine: number | undefined): PhysicalLocation {
  return {
    artifactLocation: { uri: relativeUriReference(file), uriBaseId: SOURCE_ROOT },
    ...(startLine === undefined ? {} : { region: { startLine } }),
  };
}
