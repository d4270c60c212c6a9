import { createHash } from 'node:crypto';
import { looksLikeText } from '../formats/text-detect.js';
import { bufferSource, type ClosableByteSource, type WeightsSummary } from '../formats/weights/index.js';
import type { BinaryFacts, Change, ChangeOrigin, Hunk } from './change.js';
import { SYMLINK_MODE } from './change.js';
import { classifyChange } from './classify.js';
import { diffTexts } from './text-diff.js';

/** One version of a file as a content-based source sees it. */
export interface FileVersion {
  readonly path: string;
  readonly mode: string;
  /** The bytes (for a symlink: its target), or null when the file was too large to keep. */
  readonly bytes: Buffer | null;
  /** null when the bytes could not be read. */
  readonly sha256: string | null;
  readonly size: number | null;
  /** Set when the bytes could not be read at all (permissions, a file changing under us). */
  readonly unreadableReason?: string;
  /** Opens the whole content for random access (a file on disk too large to hold), when possible. */
  readonly open?: () => Promise<ClosableByteSource | null>;
  /** The weights summary kept of this version, for when its bytes are gone (a watch's baseline). */
  readonly weights?: WeightsSummary | null;
}

export interface VersionPair {
  readonly before: FileVersion | null;
  readonly after: FileVersion | null;
  readonly origin: ChangeOrigin;
  /** Rename similarity, when the pair was matched as a rename. */
  readonly similarity?: number;
}

/** Builds a FileVersion from bytes in memory. */
export function fileVersion(path: string, mode: string, bytes: Buffer): FileVersion {
  return { path, mode, bytes, sha256: createHash('sha256').update(bytes).digest('hex'), size: bytes.length };
}

function asText(version: FileVersion | null): string | null | undefined {
  if (!version) return null;
  if (!version.bytes) return undefined;
  if (version.mode !== SYMLINK_MODE && !looksLikeText(version.path, version.bytes)) return undefined;
  return version.bytes.toString('utf8');
}

/**
 * Builds a Change from two whole versions of a file (working tree, snapshots, rule examples):
 * text is diffed line by line; anything else is described by sizes and sha256 digests.
 */
export function changeFromVersions(pair: VersionPair): Change {
  const { before, after } = pair;
  const oldText = asText(before);
  const newText = asText(after);
  const isBinary = oldText === undefined || newText === undefined;
  const hunks: Hunk[] = isBinary ? [] : diffTexts(oldText ?? null, newText ?? null);
  const binary: BinaryFacts | null = isBinary
    ? {
        oldSha256: before?.sha256 ?? null,
        newSha256: after?.sha256 ?? null,
        oldSize: before?.size ?? null,
        newSize: after?.size ?? null,
      }
    : null;
  const isContentChanged =
    before === null || after === null || before.sha256 !== after.sha256 || Boolean(after.unreadableReason);
  const target = (version: FileVersion | null) =>
    version && version.mode === SYMLINK_MODE && version.bytes ? version.bytes.toString('utf8') : null;
  const file = (after ?? before)?.path ?? '';
  const previousFile = before && after && before.path !== after.path ? before.path : null;
  return {
    file,
    previousFile,
    kind: classifyChange({
      oldPath: before?.path ?? null,
      newPath: after?.path ?? null,
      oldMode: before?.mode ?? null,
      newMode: after?.mode ?? null,
      isContentChanged,
    }),
    similarity: pair.similarity ?? null,
    oldMode: before?.mode ?? null,
    newMode: after?.mode ?? null,
    oldTarget: target(before),
    newTarget: target(after),
    isBinary,
    hunks,
    diffHeader: diffHeader(before, after, pair.similarity, isBinary),
    isTruncated: false,
    binary,
    origin: pair.origin,
    content: {
      oldId: typeof oldText === 'string' && before?.sha256 ? `sha256:${before.sha256}` : null,
      newId: typeof newText === 'string' && after?.sha256 ? `sha256:${after.sha256}` : null,
      readOld: () => Promise.resolve(typeof oldText === 'string' ? before?.bytes ?? null : null),
      readNew: () => Promise.resolve(typeof newText === 'string' ? after?.bytes ?? null : null),
      openOld: () => openVersion(before),
      openNew: () => openVersion(after),
      oldWeights: before?.weights ?? null,
      newWeights: after?.weights ?? null,
    },
  };
}

/** A version's bytes for random access: from its opener, else from the bytes in memory. */
function openVersion(version: FileVersion | null): Promise<ClosableByteSource | null> {
  if (!version || version.mode === SYMLINK_MODE) return Promise.resolve(null);
  if (version.open) return version.open();
  if (!version.bytes) return Promise.resolve(null);
  return Promise.resolve({ ...bufferSource(version.bytes, version.path), close: () => Promise.resolve() });
}

function diffHeader(
  before: FileVersion | null,
  after: FileVersion | null,
  similarity: number | undefined,
  isBinary: boolean,
): string[] {
  const oldPath = (before ?? after)?.path ?? '';
  const newPath = (after ?? before)?.path ?? '';
  const lines = [`diff --git a/${oldPath} b/${newPath}`];
  if (!before && after) lines.push(`new file mode ${after.mode}`);
  else if (before && !after) lines.push(`deleted file mode ${before.mode}`);
  else if (before && after && before.mode !== after.mode) lines.push(`old mode ${before.mode}`, `new mode ${after.mode}`);
  if (before && after && before.path !== after.path) {
    if (similarity !== undefined) lines.push(`similarity index ${similarity}%`);
    lines.push(`rename from ${before.path}`, `rename to ${after.path}`);
  }
  if (after?.unreadableReason) lines.push(`(new version unreadable: ${after.unreadableReason})`);
  const from = before ? `a/${oldPath}` : '/dev/null';
  const to = after ? `b/${newPath}` : '/dev/null';
  if (isBinary) lines.push(`Binary files ${from} and ${to} differ`);
  else if (before?.sha256 !== after?.sha256) lines.push(`--- ${from}`, `+++ ${to}`);
  return lines;
}
