import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { Incident } from '../engine/incident.js';
import type { Severity } from '../engine/rule.js';

/**
 * The event log's format, named in its `ready` line. A verifier that meets another value does not
 * know how that log was hashed.
 *
 * Format 1, one event per line (JSON Lines, `\n` after every line, the last included):
 *
 * - The *body* of a line is the event with its envelope (`type`, `seq`, `at`, `prev`) and without
 *   `hash` and `hmac`. Its *canonical bytes* are the UTF-8 of {@link canonicalJson}: object keys
 *   sorted by UTF-16 code units at every depth, no whitespace, strings and numbers as
 *   `JSON.stringify` writes them (RFC 8785, JCS, for the values a log holds). So the hash does not
 *   depend on the key order or spacing any producer used.
 * - `hash` is the SHA-256 of the canonical bytes, lowercase hex; `hmac`, present only when the log
 *   was written with a key, is HMAC-SHA256 with that key over the same bytes.
 * - `prev` is the previous line's `hash` ({@link GENESIS_PREV} on the first line). Each hash covers
 *   `prev`, so every line vouches for the whole log before it: an edited, removed, inserted or moved
 *   line breaks the chain at that point. Chaining over `hash` rather than `hmac` keeps a log
 *   checkable for consistency by someone who does not hold the key.
 * - The line itself is the canonical body with `,"hash":"…"` and then `,"hmac":"…"` added before
 *   its closing brace. A verifier rebuilds that text and requires the line to equal it byte for
 *   byte, so no byte of a line (spacing, a duplicate key) escapes the hash.
 */
export const EVENT_LOG_FORMAT = 'selfmod-events/1';

/** `prev` of the first line: no line came before it. */
export const GENESIS_PREV = '0'.repeat(64);

/**
 * The longest line, newline included. A verifier reads a line whole, so this bounds its memory; the
 * writer refuses a longer event rather than write a line no verifier will read.
 */
export const MAX_EVENT_LINE_BYTES = 64 * 1024 * 1024;

/** Lowercase hex of a SHA-256 or HMAC-SHA256 digest. */
export const DIGEST_PATTERN = /^[0-9a-f]{64}$/;

export const EVENT_TYPES = ['ready', 'incident', 'degraded', 'rescan', 'stopped'] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/** First line, written once the watcher has its baseline. */
export interface ReadyEvent {
  readonly type: 'ready';
  /** The watched directory, absolute. */
  readonly root: string;
  /** Files in the baseline. */
  readonly fileCount: number;
  /** When the watcher started (ISO 8601), before the baseline was taken. */
  readonly startedAt: string;
}

/** A finding, the same object as in `selfmod scan`'s report. */
export interface IncidentEvent {
  readonly type: 'incident';
  readonly incident: Incident;
}

/** The watcher can no longer promise to see everything (a watch error, a lost webhook, …). */
export interface DegradedEvent {
  readonly type: 'degraded';
  readonly reason: string;
}

/** What a periodic full rescan found; the incidents themselves follow as `incident` lines. */
export interface RescanEvent {
  readonly type: 'rescan';
  readonly fileCount: number;
  /** Changes the rescan found that live watching had not reported. */
  readonly missedChanges: number;
  /** Ids of the incidents the rescan raised. */
  readonly incidentIds: readonly string[];
}

/** What a watch run amounted to, in its `stopped` line. */
export interface StopSummary {
  readonly incidents: number;
  readonly bySeverity: Readonly<Record<Severity, number>>;
  readonly degraded: number;
  readonly rescans: number;
}

/** Last line of a log whose watcher ended on its own terms (signal, error, end of session). */
export interface StoppedEvent {
  readonly type: 'stopped';
  readonly reason: string;
  readonly summary: StopSummary;
}

/** What a caller appends; the log adds the envelope. */
export type WatchEvent = ReadyEvent | IncidentEvent | DegradedEvent | RescanEvent | StoppedEvent;

/** Who wrote the log, in its `ready` line. */
export interface ToolInfo {
  readonly name: string;
  readonly version: string;
}

/** What the log adds to a `ready` event so a verifier knows how to read what follows. */
export interface ReadyFacts {
  readonly format: typeof EVENT_LOG_FORMAT;
  readonly tool: ToolInfo;
  /** {@link keyId} of the HMAC key, or null for a log written without one. */
  readonly keyId: string | null;
}

export interface Envelope {
  readonly seq: number;
  /** When the event was appended (ISO 8601, UTC). */
  readonly at: string;
  readonly prev: string;
}

/** One line of the log, as written. */
export type EventRecord = WatchEvent &
  Envelope & { readonly hash: string; readonly hmac?: string } & Partial<ReadyFacts>;

/**
 * The canonical JSON text of a value: keys sorted at every depth, no whitespace. Properties whose
 * value is `undefined` are left out, as `JSON.stringify` does. Throws a TypeError for what JSON
 * cannot carry exactly (NaN, Infinity, bigint, functions, class instances, `undefined` in arrays),
 * so a value is never hashed in one form and written in another.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TypeError(`${value} has no JSON form`);
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) {
    return `[${value.map((item: unknown) => {
      if (item === undefined) throw new TypeError('undefined in an array has no JSON form');
      return canonicalJson(item);
    }).join(',')}]`;
  }
  if (typeof value === 'object') {
    const prototype: unknown = Object.getPrototypeOf(value);
    if (prototype !== Object.prototype && prototype !== null) throw new TypeError('only plain objects have a canonical JSON form');
    const record = value as Record<string, unknown>;
    const members: string[] = [];
    // Default sort compares UTF-16 code units, as RFC 8785 asks.
    for (const key of Object.keys(record).sort()) {
      const member = record[key];
      if (member !== undefined) members.push(`${JSON.stringify(key)}:${canonicalJson(member)}`);
    }
    return `{${members.join(',')}}`;
  }
  throw new TypeError(`a ${typeof value} has no JSON form`);
}

/** SHA-256 of a string's UTF-8 bytes, lowercase hex: a line's `hash`. */
export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** HMAC-SHA256 of a string's UTF-8 bytes, lowercase hex: a line's `hmac`. */
export function hmacHex(key: Buffer, text: string): string {
  return createHmac('sha256', key).update(text, 'utf8').digest('hex');
}

/**
 * A short name for a key that does not reveal it, recorded in the `ready` line so that a verifier
 * given the wrong key file says so instead of reporting every line as forged.
 */
export function keyId(key: Buffer): string {
  return hmacHex(key, 'selfmod event log key id').slice(0, 16);
}

/** Compares two hex digests in time that does not depend on where they differ. */
export function digestsEqual(expected: string, actual: string): boolean {
  const a = Buffer.from(expected, 'utf8');
  const b = Buffer.from(actual, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The text of a line from its canonical body and digests (see {@link EVENT_LOG_FORMAT}). */
export function formatSealedLine(canonicalBody: string, hash: string, hmac: string | null): string {
  const open = canonicalBody.slice(0, -1);
  const separator = open === '{' ? '' : ',';
  const mac = hmac === null ? '' : `,"hmac":"${hmac}"`;
  return `${open}${separator}"hash":"${hash}"${mac}}`;
}

export interface SealedLine {
  readonly hash: string;
  readonly hmac: string | null;
  /** The line without its `\n`. */
  readonly text: string;
}

/** Hashes (and with a key, authenticates) a body and lays out its line. */
export function sealBody(body: object, key: Buffer | null): SealedLine {
  const canonical = canonicalJson(body);
  const hash = sha256Hex(canonical);
  const hmac = key === null ? null : hmacHex(key, canonical);
  return { hash, hmac, text: formatSealedLine(canonical, hash, hmac) };
}
