import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { SelfmodError } from '../errors.js';
import { WEIGHTS_SUMMARY_VERSION, type WeightsSummary } from '../formats/weights/index.js';
import type { FileState } from './file-state.js';
import { TreeSnapshot } from './tree-snapshot.js';

export const MANIFEST_FORMAT = 'selfmod-snapshot/1';

/** The first line of a manifest: what was snapshotted, when, and how. */
export interface ManifestHeader {
  readonly format: typeof MANIFEST_FORMAT;
  readonly tool: { readonly name: string; readonly version: string };
  readonly root: string;
  readonly takenAt: string;
  readonly fileCount: number;
  /** The --ignore patterns and default ignores the snapshot used; a comparison uses the same. */
  readonly ignore: readonly string[];
  readonly useDefaultIgnores: boolean;
}

/** A manifest that cannot be read: names the file and the line. */
export class ManifestError extends SelfmodError {
  constructor(file: string, line: number | null, problem: string, options?: { cause?: unknown }) {
    super('manifest', `${line === null ? file : `${file}:${line}`}: ${problem}`, options);
  }
}

/**
 * A snapshot as JSON Lines: the header, then one line per path in sorted order, each with its type,
 * mode, size and sha256 (a symlink: its target), and for text files within the copy budget the
 * content in base64, so a later comparison can show the diff and not only that something changed.
 */
export function* manifestLines(header: ManifestHeader, snapshot: TreeSnapshot): Generator<string> {
  yield `${JSON.stringify(header)}\n`;
  for (const path of snapshot.paths()) {
    const state = snapshot.get(path);
    if (state) yield `${JSON.stringify(entryOf(path, state))}\n`;
  }
}

function entryOf(path: string, state: FileState): Record<string, unknown> {
  switch (state.type) {
    case 'file':
      return {
        path,
        type: 'file',
        mode: state.mode,
        size: state.size,
        sha256: state.sha256,
        ...(state.content ? { content: state.content.toString('base64') } : {}),
        ...(state.weights ? { weights: state.weights } : {}),
      };
    case 'symlink':
      return { path, type: 'symlink', target: state.target };
    case 'unreadable':
      return { path, type: 'unreadable', mode: state.mode, reason: state.reason };
  }
}

/** Reads a manifest line by line (it may be large); every line is checked. */
export async function readManifest(file: string, root: string): Promise<{ header: ManifestHeader; snapshot: TreeSnapshot }> {
  let header: ManifestHeader | null = null;
  let snapshot: TreeSnapshot | null = null;
  let lineNumber = 0;
  const stream = createReadStream(file);
  const opened = new Promise<void>((resolve, reject) => {
    stream.once('open', () => resolve());
    stream.once('error', (error: NodeJS.ErrnoException) => reject(new ManifestError(file, null, `cannot read (${error.code ?? error.message})`, { cause: error })));
  });
  await opened;
  for await (const line of createInterface({ input: stream, crlfDelay: Infinity })) {
    lineNumber++;
    if (line.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (error) {
      throw new ManifestError(file, lineNumber, `not valid JSON (${error instanceof Error ? error.message : String(error)})`, { cause: error });
    }
    if (header === null) {
      header = parseHeader(value, file, lineNumber);
      snapshot = new TreeSnapshot(root, Number.MAX_SAFE_INTEGER);
      continue;
    }
    const { path, state } = parseEntry(value, file, lineNumber);
    if (snapshot?.get(path)) throw new ManifestError(file, lineNumber, `${path} is listed twice`);
    snapshot?.set(path, state);
  }
  if (header === null || snapshot === null) throw new ManifestError(file, null, 'empty: not a selfmod snapshot manifest');
  if (snapshot.size !== header.fileCount) {
    throw new ManifestError(file, null, `lists ${snapshot.size} files where its header says ${header.fileCount}: truncated or edited`);
  }
  return { header, snapshot };
}

function parseHeader(value: unknown, file: string, line: number): ManifestHeader {
  const header = value as Partial<ManifestHeader> | null;
  if (typeof header !== 'object' || header === null || header.format !== MANIFEST_FORMAT) {
    throw new ManifestError(file, line, `not a selfmod snapshot manifest (expected "format": "${MANIFEST_FORMAT}" on the first line)`);
  }
  const isValid =
    typeof header.root === 'string' &&
    typeof header.takenAt === 'string' &&
    !Number.isNaN(Date.parse(header.takenAt)) &&
    Number.isSafeInteger(header.fileCount) &&
    Array.isArray(header.ignore) &&
    header.ignore.every((pattern) => typeof pattern === 'string') &&
    typeof header.useDefaultIgnores === 'boolean';
  if (!isValid) throw new ManifestError(file, line, 'header needs root, takenAt, fileCount, ignore and useDefaultIgnores');
  return header as ManifestHeader;
}

const SHA256 = /^[0-9a-f]{64}$/;

/** Enough of a stored weights summary's shape to diff against (its producer wrote the rest). */
function isWeightsSummary(value: unknown): value is WeightsSummary {
  const summary = value as Partial<WeightsSummary> | null;
  return typeof summary === 'object' && summary !== null && summary.summaryVersion === WEIGHTS_SUMMARY_VERSION && typeof summary.format === 'string';
}
const FILE_MODE = /^100(644|755)$/;

function parseEntry(value: unknown, file: string, line: number): { path: string; state: FileState } {
  const entry = value as Record<string, unknown> | null;
  const fail = (problem: string): never => {
    throw new ManifestError(file, line, problem);
  };
  if (typeof entry !== 'object' || entry === null) return fail('expected an object');
  const path = entry['path'];
  if (typeof path !== 'string' || path === '' || path.startsWith('/') || path.split('/').some((part) => part === '..' || part === '')) {
    return fail('path must be a relative path with / and no .. parts');
  }
  switch (entry['type']) {
    case 'file': {
      const { mode, size, sha256, content } = entry;
      if (typeof mode !== 'string' || !FILE_MODE.test(mode)) return fail(`${path}: mode must be 100644 or 100755`);
      if (!Number.isSafeInteger(size) || (size as number) < 0) return fail(`${path}: size must be a whole number`);
      if (typeof sha256 !== 'string' || !SHA256.test(sha256)) return fail(`${path}: sha256 must be 64 hex digits`);
      if (content !== undefined && typeof content !== 'string') return fail(`${path}: content must be base64 text`);
      const bytes = typeof content === 'string' ? Buffer.from(content, 'base64') : null;
      if (bytes && (bytes.length !== size || createHash('sha256').update(bytes).digest('hex') !== sha256)) {
        return fail(`${path}: content does not match its size and sha256`);
      }
      const weights = entry['weights'];
      if (weights !== undefined && !isWeightsSummary(weights)) return fail(`${path}: weights is not a weights summary of version ${WEIGHTS_SUMMARY_VERSION}`);
      return { path, state: { type: 'file', mode, size: size as number, sha256, content: bytes, stamp: null, ...(weights ? { weights } : {}) } };
    }
    case 'symlink':
      if (typeof entry['target'] !== 'string') return fail(`${path}: a symlink needs its target`);
      return { path, state: { type: 'symlink', target: entry['target'], stamp: null } };
    case 'unreadable':
      if (typeof entry['mode'] !== 'string' || typeof entry['reason'] !== 'string') return fail(`${path}: needs mode and reason`);
      return { path, state: { type: 'unreadable', mode: entry['mode'], reason: entry['reason'] } };
    default:
      return fail(`${path}: type must be file, symlink or unreadable`);
  }
}
