import { constants } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import {
  DIGEST_PATTERN,
  EVENT_LOG_FORMAT,
  EVENT_TYPES,
  GENESIS_PREV,
  MAX_EVENT_LINE_BYTES,
  canonicalJson,
  digestsEqual,
  formatSealedLine,
  hmacHex,
  keyId,
  sha256Hex,
  type EventType,
} from './event-chain.js';
import { EventLogError, describeFileError } from './event-log.js';

/** Where a log stops being trustworthy. */
export interface BrokenLine {
  /** 1-based line number in the file. */
  readonly line: number;
  /** The `seq` the line carries, or null when it has none that can be read. */
  readonly seq: number | null;
  readonly reason: string;
}

export interface EventLogVerification {
  /** Every line is whole and chained; false when firstBroken is set. */
  readonly intact: boolean;
  /** Lines in the file, a final line without its newline included. */
  readonly lines: number;
  readonly firstBroken: BrokenLine | null;
  readonly warnings: readonly string[];
  /** The log ends with a `stopped` line (the watcher was not killed mid-run). */
  readonly isStopped: boolean;
  /** A key was given, and every line's HMAC was checked up to the first broken line. */
  readonly isHmacChecked: boolean;
  /**
   * The last line before any break. A copy of it kept elsewhere (a webhook receiver) shows whether
   * whole lines were cut off the end, which the chain alone cannot.
   */
  readonly last: { readonly seq: number; readonly hash: string } | null;
}

/**
 * Checks an event log line by line, reading it as a stream so memory is bounded by the longest
 * line: every line is whole, canonical and chained to the one before (see EVENT_LOG_FORMAT), `seq`
 * counts from 0 without gaps, the first line is `ready` and nothing follows `stopped`. With a key,
 * every line must carry a matching HMAC. Throws EventLogError when the file cannot be read.
 */
export async function verifyEventLog(path: string, options: { key?: Buffer | null } = {}): Promise<EventLogVerification> {
  const checker = new ChainChecker(options.key ?? null);
  let lines = 0;
  let firstBroken: BrokenLine | null = null;
  const handle = await openLogForReading(path);
  try {
    for await (const raw of readRawLines(handle)) {
      lines += 1;
      if (firstBroken !== null) continue; // past the break nothing can be trusted; only count
      const problem = checker.check(raw);
      if (problem !== null) firstBroken = { line: lines, ...problem };
    }
  } catch (error) {
    throw new EventLogError(path, `cannot read the event log: ${describeFileError(error)}`, { cause: error });
  } finally {
    await handle.close().catch(() => undefined);
  }
  if (lines === 0) {
    firstBroken = { line: 1, seq: null, reason: 'the log is empty: the watcher never took its baseline, or the log was emptied' };
  }
  return {
    intact: firstBroken === null,
    lines,
    firstBroken,
    warnings: checker.warnings(firstBroken === null),
    isStopped: checker.isStopped,
    isHmacChecked: checker.key !== null,
    last: checker.last,
  };
}

async function openLogForReading(path: string): Promise<FileHandle> {
  let handle: FileHandle;
  try {
    handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (error) {
    throw new EventLogError(path, `cannot read the event log: ${describeFileError(error)}`, { cause: error });
  }
  const stats = await handle.stat().catch(async (error: unknown) => {
    await handle.close().catch(() => undefined);
    throw new EventLogError(path, `cannot read the event log: ${describeFileError(error)}`, { cause: error });
  });
  if (!stats.isFile()) {
    await handle.close().catch(() => undefined);
    throw new EventLogError(path, 'the event log is not a regular file');
  }
  return handle;
}

/** A line as read: its bytes without `\n`, or null when it was too long to hold. */
interface RawLine {
  readonly bytes: Buffer | null;
  readonly isTerminated: boolean;
}

async function* readRawLines(handle: FileHandle): AsyncGenerator<RawLine> {
  let parts: Buffer[] = [];
  let size = 0;
  let isTooLong = false;
  const finish = (last: Buffer, isTerminated: boolean): RawLine => {
    const bytes = isTooLong ? null : parts.length === 0 ? last : Buffer.concat([...parts, last]);
    parts = [];
    size = 0;
    isTooLong = false;
    return { bytes, isTerminated };
  };
  for await (const chunk of handle.createReadStream({ autoClose: false }) as AsyncIterable<Buffer>) {
    let start = 0;
    for (let end = chunk.indexOf(0x0a, start); end !== -1; end = chunk.indexOf(0x0a, start)) {
      yield finish(chunk.subarray(start, end), true);
      start = end + 1;
    }
    if (start === chunk.length || isTooLong) continue;
    size += chunk.length - start;
    if (size > MAX_EVENT_LINE_BYTES) {
      isTooLong = true;
      parts = [];
    } else {
      parts.push(Buffer.from(chunk.subarray(start))); // copied: a stream may reuse its buffers
    }
  }
  if (size > 0 || isTooLong) yield finish(Buffer.alloc(0), false);
}

const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

type LineProblem = Omit<BrokenLine, 'line'>;

/** The state carried from line to line, and the checks on each. */
class ChainChecker {
  readonly key: Buffer | null;
  isStopped = false;
  last: { seq: number; hash: string } | null = null;
  private expectedSeq = 0;
  private prevHash = GENESIS_PREV;
  /** keyId from the ready line: undefined until read, null for a log written without a key. */
  private loggedKeyId: string | null | undefined;
  private uncheckedHmacs = 0;
  private linesWithoutHmac = 0;

  constructor(key: Buffer | null) {
    this.key = key;
  }

  check(raw: RawLine): LineProblem | null {
    if (raw.bytes === null) return { seq: null, reason: `longer than ${MAX_EVENT_LINE_BYTES} bytes; not an event this tool writes` };
    if (!raw.isTerminated) return { seq: null, reason: 'cut short: no newline at its end (the log was truncated, or a write was interrupted)' };
    if (raw.bytes.length === 0) return { seq: null, reason: 'an empty line' };
    let text: string;
    let parsed: unknown;
    try {
      text = UTF8.decode(raw.bytes);
    } catch {
      return { seq: null, reason: 'not valid UTF-8' };
    }
    try {
      parsed = JSON.parse(text);
    } catch {
      return { seq: null, reason: 'not valid JSON' };
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return { seq: null, reason: 'not a JSON object' };
    const record = parsed as Record<string, unknown>;
    const seq = Number.isSafeInteger(record['seq']) && (record['seq'] as number) >= 0 ? (record['seq'] as number) : null;
    const problem = this.checkRecord(text, record, seq);
    return problem === null ? null : { seq, reason: problem };
  }

  private checkRecord(text: string, record: Record<string, unknown>, seq: number | null): string | null {
    const { hash, hmac, ...body } = record;
    if (seq === null) return 'no valid seq';
    if (typeof hash !== 'string' || !DIGEST_PATTERN.test(hash)) return 'no valid hash';
    if (hmac !== undefined && (typeof hmac !== 'string' || !DIGEST_PATTERN.test(hmac))) return 'a malformed hmac';
    if (typeof body['prev'] !== 'string' || !DIGEST_PATTERN.test(body['prev'])) return 'no valid prev';
    if (typeof body['at'] !== 'string' || Number.isNaN(Date.parse(body['at']))) return 'no valid at';
    const type = body['type'];
    if (typeof type !== 'string' || !(EVENT_TYPES as readonly string[]).includes(type)) return `an unknown event type ${JSON.stringify(type)}`;

    let canonical: string;
    try {
      canonical = canonicalJson(body);
    } catch {
      return 'a value JSON cannot carry exactly';
    }
    if (formatSealedLine(canonical, hash, hmac === undefined ? null : (hmac as string)) !== text) {
      return 'not in canonical form: bytes its hash does not cover were changed (spacing, key order, escapes or a repeated key)';
    }
    if (!digestsEqual(sha256Hex(canonical), hash)) return 'its content does not match its hash: the line was edited';
    if (type === 'ready' && this.expectedSeq === 0) this.loggedKeyId = typeof body['keyId'] === 'string' ? body['keyId'] : null;
    const hmacProblem = this.checkHmac(canonical, hmac as string | undefined);
    if (hmacProblem !== null) return hmacProblem;

    const expected = this.expectedSeq;
    if (seq > expected) {
      const missing = seq - expected;
      return `seq ${seq} where ${expected} was expected: ${missing} ${missing === 1 ? 'line' : 'lines'} missing before it (removed or moved)`;
    }
    if (seq < expected) return `seq ${seq} where ${expected} was expected: a line was inserted before it, or this one was repeated or moved`;
    if (body['prev'] !== this.prevHash) {
      return expected === 0
        ? 'the first line does not start the chain (its prev is not all zeros): the start of the log is missing'
        : 'its prev is not the previous line\'s hash: the previous line was replaced by another with a recomputed hash';
    }
    const orderProblem = this.checkEventOrder(type as EventType, body);
    if (orderProblem !== null) return orderProblem;

    this.expectedSeq += 1;
    this.prevHash = hash;
    this.last = { seq, hash };
    return null;
  }

  private checkHmac(canonical: string, hmac: string | undefined): string | null {
    if (this.key === null) {
      if (hmac === undefined) this.linesWithoutHmac += 1;
      else this.uncheckedHmacs += 1;
      return null;
    }
    if (hmac === undefined) {
      const hint = this.loggedKeyId === null ? ' (the log says it was written without a key)' : ': its hmac was stripped';
      return `no hmac, but a key was given${hint}`;
    }
    if (digestsEqual(hmacHex(this.key, canonical), hmac)) return null;
    const givenKeyId = keyId(this.key);
    if (this.expectedSeq === 0 && typeof this.loggedKeyId === 'string' && !digestsEqual(this.loggedKeyId, givenKeyId)) {
      return `its hmac does not match: the log was written with another key (key id ${this.loggedKeyId}; the key given has ${givenKeyId})`;
    }
    return 'its hmac does not match: the line was written or rewritten without the key';
  }

  private checkEventOrder(type: EventType, body: Record<string, unknown>): string | null {
    if (this.isStopped) return 'a line after the stopped line';
    if (this.expectedSeq === 0) {
      if (type !== 'ready') return `the first line is a ${type} event, not ready: the start of the log is missing`;
      if (body['format'] !== EVENT_LOG_FORMAT) return `an unknown log format ${JSON.stringify(body['format'])} (this verifier reads ${EVENT_LOG_FORMAT})`;
    } else if (type === 'ready') {
      return 'a second ready line';
    }
    if (type === 'stopped') this.isStopped = true;
    return null;
  }

  warnings(isIntact: boolean): string[] {
    const warnings: string[] = [];
    if (this.uncheckedHmacs > 0) {
      warnings.push(`${this.uncheckedHmacs} ${this.uncheckedHmacs === 1 ? 'line carries an HMAC' : 'lines carry HMACs'} that were not checked: no key was given`);
    }
    if (this.key === null && this.linesWithoutHmac > 0 && this.uncheckedHmacs === 0) {
      warnings.push('the log has no HMACs: its hashes show the lines agree with each other, but whoever can write the file could rewrite all of it');
    }
    if (isIntact && !this.isStopped && this.last !== null) {
      warnings.push(
        `no stopped line at the end: the watcher was killed or is still running, or lines were cut off the end ` +
          `(a copy of the last line, seq ${this.last.seq}, kept elsewhere would tell)`,
      );
    }
    return warnings;
  }
}
