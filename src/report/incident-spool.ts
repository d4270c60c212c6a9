import { closeSync, mkdtempSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Incident } from '../engine/incident.js';
import { SEVERITIES, severityRank, type Category, type Severity } from '../engine/rule.js';
import { SelfmodError } from '../errors.js';
import { compareIncidentKeys, incidentSortKey, type IncidentSortKey } from './incident-order.js';
import { emptyCounts } from './report.js';
import { formatIncidentJson } from './write-json.js';

/** Size of the write buffer. */
const PENDING_BYTES = 1 << 20;
const NEWLINE = 0x0a;
/** Diffs shorter than this are simply encoded again for each incident. */
const SHARED_DIFF_CHARS = 1024;
const EMPTY_DIFF_MEMBER = '"diff":""';

/** Writes all of `bytes` at `position`: writeSync may write less than it was given. */
function writeAll(fd: number, bytes: Buffer, position: number): void {
  for (let done = 0; done < bytes.length; ) done += writeSync(fd, bytes, done, bytes.length - done, position + done);
}

/** Reads `length` bytes at `position` into `buffer`: readSync may read less than it was asked. */
function readAll(fd: number, buffer: Buffer, length: number, position: number): void {
  for (let done = 0; done < length; ) {
    const read = readSync(fd, buffer, done, length - done, position + done);
    if (read === 0) throw new SelfmodError('internal', `the incident spool ends at byte ${position + done}, before an incident it holds`);
    done += read;
  }
}

interface SpoolEntry {
  readonly key: IncidentSortKey;
  readonly offset: number;
  readonly length: number;
}

/**
 * Holds a scan's incidents on disk as they are found, keeping only a small sort key per incident in
 * memory, so a scan of a long history with thousands of incidents (each with its diff) stays within
 * a bounded heap. Incidents come back sorted.
 */
export class IncidentSpool {
  private readonly directory: string;
  private readonly fd: number;
  private readonly entries: SpoolEntry[] = [];
  private size = 0;
  /** The report is read up to three times (file, stdout, column widths): sort once. */
  private isSorted = true;
  /**
   * Bytes not yet written: incidents go to disk a megabyte at a time, not one system call each.
   * Each incident is encoded into this buffer at once, so its text dies young instead of waiting
   * in the heap (and surviving collections) until the next write.
   */
  private readonly pending = Buffer.allocUnsafe(PENDING_BYTES);
  private pendingBytes = 0;
  private isClosed = false;
  /**
   * The last long diff written and its JSON bytes: the incidents of one change share one diff string,
   * often tens of KB, which is then escaped and encoded once instead of once per rule that matched.
   */
  private lastDiff: string | null = null;
  private lastDiffJson: Buffer = Buffer.alloc(0);
  readonly bySeverity: Record<Severity, number>;
  readonly byCategory: Record<Category, number>;

  constructor() {
    ({ bySeverity: this.bySeverity, byCategory: this.byCategory } = emptyCounts());
    this.directory = mkdtempSync(join(tmpdir(), 'selfmod-incidents-'));
    this.fd = openSync(join(this.directory, 'incidents.jsonl'), 'w+', 0o600);
  }

  get count(): number {
    return this.entries.length;
  }

  /** The report summary's counts, as buildReportHeader takes them. */
  counts(): { total: number; bySeverity: Record<Severity, number>; byCategory: Record<Category, number> } {
    return { total: this.count, bySeverity: this.bySeverity, byCategory: this.byCategory };
  }

  add(incident: Incident): void {
    // Stored as it will be written, so writing the report copies text instead of re-encoding it.
    const length = this.appendIncident(incident);
    this.entries.push({ key: incidentSortKey(incident), offset: this.size, length: length - 1 });
    this.isSorted = false;
    this.size += length;
    this.bySeverity[incident.severity]++;
    this.byCategory[incident.category]++;
  }

  /**
   * Encodes an incident as formatIncidentJson does, and a newline, after the bytes already spooled;
   * returns their length in bytes.
   */
  private appendIncident(incident: Incident): number {
    if (incident.diff.length < SHARED_DIFF_CHARS) return this.append(formatIncidentJson(incident));
    // The incident with an empty diff, split where the diff's value goes. Inside JSON strings every
    // quote is escaped, and no member nested in an incident is called diff, so the first unescaped
    // `"diff":""` is the incident's own.
    const text = formatIncidentJson({ ...incident, diff: '' });
    const at = text.indexOf(EMPTY_DIFF_MEMBER);
    if (at === -1) throw new SelfmodError('internal', `an incident of ${incident.ruleId} was encoded without its diff`);
    const splitAt = at + EMPTY_DIFF_MEMBER.length - 2;
    const diffJson = this.diffJson(incident.diff);
    const room = text.length * 3 + diffJson.length + 1;
    if (room > PENDING_BYTES - this.pendingBytes) this.flush();
    if (room > PENDING_BYTES) return this.append(formatIncidentJson(incident));
    const start = this.pendingBytes;
    let end = start + this.pending.write(text.slice(0, splitAt), start, 'utf8');
    end += diffJson.copy(this.pending, end);
    end += this.pending.write(text.slice(splitAt + 2), end, 'utf8');
    this.pending[end] = NEWLINE;
    this.pendingBytes = end + 1;
    return end + 1 - start;
  }

  private diffJson(diff: string): Buffer {
    if (diff !== this.lastDiff) {
      this.lastDiff = diff;
      this.lastDiffJson = Buffer.from(JSON.stringify(diff), 'utf8');
    }
    return this.lastDiffJson;
  }

  /** Encodes `text` and a newline after the bytes already spooled; returns their length in bytes. */
  private append(text: string): number {
    // The newline is appended as a byte: adding it to the text would copy the whole text again.
    // A UTF-16 code unit never takes more than 3 bytes in UTF-8, so this much room always suffices.
    const room = text.length * 3 + 1;
    if (room > PENDING_BYTES - this.pendingBytes) this.flush();
    if (room > PENDING_BYTES) {
      const bytes = Buffer.from(`${text}\n`, 'utf8');
      writeAll(this.fd, bytes, this.size);
      return bytes.length;
    }
    const length = this.pending.write(text, this.pendingBytes, 'utf8');
    this.pending[this.pendingBytes + length] = NEWLINE;
    this.pendingBytes += length + 1;
    return length + 1;
  }

  private flush(): void {
    if (this.pendingBytes === 0) return;
    writeAll(this.fd, this.pending.subarray(0, this.pendingBytes), this.size - this.pendingBytes);
    this.pendingBytes = 0;
  }

  /** True when an incident at or above `threshold` was added. */
  hasAtOrAbove(threshold: Severity): boolean {
    return SEVERITIES.some((severity) => severityRank(severity) >= severityRank(threshold) && this.bySeverity[severity] > 0);
  }

  /** Sort keys in report order, for callers that lay out a table before reading incidents. */
  sortedKeys(): IncidentSortKey[] {
    return this.sorted().map((entry) => entry.key);
  }

  /** The incidents in report order, read back one at a time. */
  *inOrder(): Generator<Incident> {
    for (const text of this.formattedInOrder()) yield JSON.parse(text) as Incident;
  }

  /** The incidents in report order as formatIncidentJson wrote them. */
  *formattedInOrder(): Generator<string> {
    this.flush();
    // One buffer for all reads, grown to the largest incident: each one only lives until decoded.
    let buffer = Buffer.allocUnsafe(64 * 1024);
    for (const entry of this.sorted()) {
      if (entry.length > buffer.length) buffer = Buffer.allocUnsafe(entry.length);
      readAll(this.fd, buffer, entry.length, entry.offset);
      yield buffer.toString('utf8', 0, entry.length);
    }
  }

  /**
   * The incidents in report order as formatIncidentJson wrote them, `first` before the first and
   * `between` between two, in buffers of about `chunkBytes`: read from the spool file straight into
   * the buffer that is written out, never decoded to text and encoded again (a long history's report
   * runs to tens of MB). Each buffer is valid until the next one is asked for: one buffer serves the
   * whole report, where a fresh one each time left tens of MB for the collector at the end of a scan.
   */
  *joinedInOrder(first: string, between: string, chunkBytes = PENDING_BYTES): Generator<Buffer> {
    this.flush();
    const opening = Buffer.from(first, 'utf8');
    const separator = Buffer.from(between, 'utf8');
    let chunk = Buffer.allocUnsafe(chunkBytes);
    let used = 0;
    let isFirst = true;
    for (const entry of this.sorted()) {
      const lead = isFirst ? opening : separator;
      isFirst = false;
      const needed = lead.length + entry.length;
      if (used > 0 && used + needed > chunk.length) {
        yield chunk.subarray(0, used);
        used = 0;
      }
      if (needed > chunk.length) chunk = Buffer.allocUnsafe(needed);
      lead.copy(chunk, used);
      readAll(this.fd, chunk.subarray(used + lead.length), entry.length, entry.offset);
      used += needed;
    }
    if (used > 0) yield chunk.subarray(0, used);
  }

  /** Removes the spool file; the spool cannot be read afterwards. */
  close(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    closeSync(this.fd);
    rmSync(this.directory, { recursive: true, force: true });
  }

  private sorted(): SpoolEntry[] {
    if (!this.isSorted) this.entries.sort((a, b) => compareIncidentKeys(a.key, b.key));
    this.isSorted = true;
    return this.entries;
  }
}
