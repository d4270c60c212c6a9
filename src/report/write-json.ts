import { randomBytes } from 'node:crypto';
import { open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Incident } from '../engine/incident.js';
import { chunkedText, mapIterable } from './chunked-text.js';
import type { IncidentSpool } from './incident-spool.js';
import { OutputError } from '../errors.js';
import type { Report, ReportHeader } from './report.js';

const INCIDENTS_TAIL = '"incidents": []\n}';

/**
 * The report as JSON text in pieces: the header pretty-printed, then one incident per line, produced
 * one incident at a time so a report of any size is written without building one string.
 */
export function* jsonReportChunks(header: ReportHeader, incidents: Iterable<Incident>): Generator<string> {
  yield* jsonReportChunksFromFormatted(header, mapIterable(incidents, formatIncidentJson));
}

/**
 * An incident as it stands in the report's `incidents` array: one line each, so a report of
 * thousands of incidents stays quick to write and easy to grep (`jq` pretty-prints it when wanted).
 */
export function formatIncidentJson(incident: Incident): string {
  return JSON.stringify(incident);
}

/** As jsonReportChunks, from incidents already formatted by formatIncidentJson. */
export function jsonReportChunksFromFormatted(header: ReportHeader, incidents: Iterable<string>): Generator<string> {
  return chunkedText({ head: reportHead(header), beforeFirst: BEFORE_FIRST_INCIDENT, between: BETWEEN_INCIDENTS, tail: reportTail }, incidents);
}

/** The pretty-printed header, up to the opening of the incidents array; one incident per line follows. */
function reportHead(header: ReportHeader): string {
  const skeleton = JSON.stringify({ ...header, incidents: [] }, null, 2);
  return `${skeleton.slice(0, skeleton.length - INCIDENTS_TAIL.length)}"incidents": [`;
}

const BEFORE_FIRST_INCIDENT = '\n    ';
const BETWEEN_INCIDENTS = ',\n    ';

function reportTail(isEmpty: boolean): string {
  return isEmpty ? ']\n}\n' : '\n  ]\n}\n';
}

/**
 * As jsonReportChunksFromFormatted, from the spool, as bytes: the incidents go from the spool file to
 * the output without being decoded (see IncidentSpool.joinedInOrder).
 */
export function* jsonReportBytesFromSpool(header: ReportHeader, spool: IncidentSpool): Generator<Buffer> {
  yield Buffer.from(reportHead(header), 'utf8');
  yield* spool.joinedInOrder(BEFORE_FIRST_INCIDENT, BETWEEN_INCIDENTS);
  yield Buffer.from(reportTail(spool.count === 0), 'utf8');
}

/** The whole report as one JSON string (for reports already in memory). */
export function formatJsonReport(report: Report): string {
  const { incidents, ...header } = report;
  return [...jsonReportChunks(header, incidents)].join('');
}

/**
 * Writes a file so that readers see the old content or the new, never half of either: the text goes
 * to a temporary file in the same directory, is flushed to disk, then renamed over the target.
 */
export async function writeFileAtomic(path: string, chunks: Iterable<string | Uint8Array>, what = 'the report'): Promise<void> {
  const temporary = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    const handle = await open(temporary, 'wx', 0o644);
    try {
      let pending: string[] = [];
      let pendingLength = 0;
      for (const chunk of chunks) {
        if (typeof chunk !== 'string') {
          if (pending.length > 0) await handle.write(pending.join(''));
          pending = [];
          pendingLength = 0;
          await handle.write(chunk);
          continue;
        }
        pending.push(chunk);
        pendingLength += chunk.length;
        if (pendingLength >= 1 << 20) {
          await handle.write(pending.join(''));
          pending = [];
          pendingLength = 0;
        }
      }
      await handle.write(pending.join(''));
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true }).catch(() => undefined);
    const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new OutputError(path, `cannot write ${what} (${reason})`, { cause: error });
  }
}

export function writeJsonReport(path: string, header: ReportHeader, incidents: Iterable<Incident>): Promise<void> {
  return writeFileAtomic(path, jsonReportChunks(header, incidents));
}

/** As writeJsonReport, from the incidents in a spool. */
export function writeSpooledJsonReport(path: string, header: ReportHeader, spool: IncidentSpool): Promise<void> {
  return writeFileAtomic(path, jsonReportBytesFromSpool(header, spool));
}
