import { randomBytes } from 'node:crypto';
import type { BinaryFacts, Change, CommitOrigin, ContentAccess, Hunk } from '../change/change.js';
import { SYMLINK_MODE } from '../change/change.js';
import { classifyChange } from '../change/classify.js';
import { deriveOldBlob } from '../change/derive-old-blob.js';
import { diffTexts, reconstructOldText } from '../change/text-diff.js';
import { bufferSource } from '../formats/weights/index.js';
import { looksLikeText } from '../formats/text-detect.js';
import type { BlobReader } from '../git/blob-reader.js';
import type { Repository } from '../git/repository.js';
import { streamGitLineBatches } from '../git/run-git.js';
import { logFormat, parseGitLog, type PatchSection, type RawEntry } from './git-log-parser.js';
import { pathsIntroducedByOctopus } from './octopus-merges.js';
import { RecentBlobs } from './recent-blobs.js';

/** Largest blob read whole: for scopes, symlink targets and files git wrongly calls binary. */
export const MAX_TEXT_BLOB_BYTES = 16 * 1024 * 1024;

const ZERO_SHA = /^0+$/;

export interface HistoryRange {
  /** Commit shas to exclude with their ancestors (the base of `--since`). */
  readonly exclude: readonly string[];
  readonly head: string;
}

/**
 * git log's arguments: every commit, renames found, merges shown as what the merge itself changed
 * (or, with `only`, that one commit against its first parent, limited to `paths`).
 */
export function historyLogArgs(
  range: HistoryRange,
  marker: string,
  only?: { readonly commit: string; readonly paths: readonly string[] },
): string[] {
  return [
    'log',
    '--raw',
    '--patch',
    '--no-abbrev',
    '--find-renames',
    only ? '--diff-merges=first-parent' : '--diff-merges=remerge',
    '--no-color',
    '--no-ext-diff',
    '--no-textconv',
    '--no-notes',
    '--no-decorate',
    '--no-relative',
    '--ignore-submodules=none',
    '--src-prefix=a/',
    '--dst-prefix=b/',
    '--unified=3',
    '--inter-hunk-context=0',
    '--encoding=UTF-8',
    `--format=${logFormat(marker).slice('format:'.length)}`,
    ...(only
      ? ['--no-walk', '--end-of-options', only.commit, '--', ...only.paths]
      : ['--end-of-options', range.head, ...range.exclude.map((sha) => `^${sha}`)]),
  ];
}

/**
 * Yields one Change per file per commit in the range, commit by commit: an edit that a later commit
 * reverts is still seen. Reads `git log` as a stream, so memory does not grow with history.
 */
export async function* readHistoryChanges(
  repo: Repository,
  blobs: BlobReader,
  range: HistoryRange,
  onCommit?: (commit: CommitOrigin) => void,
): AsyncGenerator<Change> {
  const marker = `\x1e${randomBytes(12).toString('hex')}`;
  const lines = streamGitLineBatches(repo.invocation, historyLogArgs(range, marker));
  const recent = new RecentBlobs();
  for await (const event of parseGitLog(lines, marker)) {
    if (event.kind === 'file') {
      yield await buildCommitChange(event.commit, event.entry, event.sections, blobs, recent);
      continue;
    }
    if (event.commit.parents.length > 2) yield* readOctopusChanges(repo, blobs, recent, event.commit, marker);
    onCommit?.(event.commit);
  }
}

/** An octopus merge's own edits, shown against its first parent (see pathsIntroducedByOctopus). */
async function* readOctopusChanges(
  repo: Repository,
  blobs: BlobReader,
  recent: RecentBlobs,
  commit: CommitOrigin,
  marker: string,
): AsyncGenerator<Change> {
  const paths = await pathsIntroducedByOctopus(repo, commit.sha, commit.parents);
  if (paths.length === 0) return;
  const lines = streamGitLineBatches(repo.invocation, historyLogArgs({ head: commit.sha, exclude: [] }, marker, { commit: commit.sha, paths }));
  for await (const event of parseGitLog(lines, marker)) {
    if (event.kind === 'file') yield await buildCommitChange(event.commit, event.entry, event.sections, blobs, recent);
  }
}

async function buildCommitChange(
  commit: CommitOrigin,
  entry: RawEntry,
  sections: readonly PatchSection[],
  blobs: BlobReader,
  recent: RecentBlobs,
): Promise<Change> {
  const hasOld = entry.status !== 'A' && !ZERO_SHA.test(entry.oldSha);
  const hasNew = entry.status !== 'D' && !ZERO_SHA.test(entry.newSha);
  let hunks: Hunk[] = sections.flatMap((section) => section.hunks);
  // No section at all for a changed file should not happen; if it does, look at the blobs ourselves.
  const hasNoPatch = sections.length === 0 && (entry.oldSha !== entry.newSha || entry.status === 'A' || entry.status === 'D');
  let isBinary = hasNoPatch || sections.some((section) => section.isBinary);
  let binary: BinaryFacts | null = null;
  const oldName = hasOld ? await objectName(blobs, commit, entry.oldSha, entry.oldPath) : null;
  const newName = hasNew ? entry.newSha : null;

  if (isBinary) {
    const resolved = await resolveBinary(
      blobs,
      oldName ? { name: oldName, path: entry.oldPath } : null,
      newName ? { name: newName, path: entry.newPath } : null,
    );
    if (resolved.hunks) {
      hunks = resolved.hunks;
      isBinary = false;
    } else {
      binary = resolved.facts;
    }
  }
  const oldTarget = entry.oldMode === SYMLINK_MODE && oldName ? await readText(blobs, oldName) : null;
  const newTarget = entry.newMode === SYMLINK_MODE && newName ? await readText(blobs, newName) : null;
  const isContentChanged = entry.oldSha !== entry.newSha || hunks.length > 0;
  return {
    file: hasNew ? entry.newPath : entry.oldPath,
    previousFile: hasOld && hasNew && entry.oldPath !== entry.newPath ? entry.oldPath : null,
    kind: classifyChange({
      oldPath: hasOld ? entry.oldPath : null,
      newPath: hasNew ? entry.newPath : null,
      oldMode: hasOld ? entry.oldMode : null,
      newMode: hasNew ? entry.newMode : null,
      isContentChanged,
    }),
    similarity: entry.status === 'R' || entry.status === 'C' ? entry.score : null,
    oldMode: hasOld ? entry.oldMode : null,
    newMode: hasNew ? entry.newMode : null,
    oldTarget,
    newTarget,
    isBinary,
    hunks,
    diffHeader: sections.flatMap((section) => section.headerLines),
    isTruncated: sections.some((section) => section.isTruncated),
    binary,
    origin: commit,
    content: blobContent(blobs, recent, oldName, newName, hunks, isBinary),
  };
}

/**
 * The name to read a change's old side by. A merge's remerge diff compares against a tree that git
 * built in memory, whose blobs are not in the object store; the first parent's version is then the
 * closest real object (used only for binary facts; text is rebuilt from the hunks instead).
 */
async function objectName(blobs: BlobReader, commit: CommitOrigin, sha: string, path: string): Promise<string> {
  if (commit.parents.length < 2) return sha;
  const exists = await blobs.head(sha, 0);
  return exists ? sha : `${commit.parents[0]}:${path}`;
}

/**
 * git prints "Binary files differ" for real binaries, but also for text that `.gitattributes`
 * (`-diff`, `binary`, a diff driver with `binary = true`) or a planted NUL told it to hide. We look
 * at the bytes ourselves: text gets a real diff, true binaries get sizes and digests.
 */
async function resolveBinary(
  blobs: BlobReader,
  oldSide: { name: string; path: string } | null,
  newSide: { name: string; path: string } | null,
): Promise<{ hunks: Hunk[] | null; facts: BinaryFacts }> {
  const oldText = oldSide ? await readIfText(blobs, oldSide) : null;
  const newText = newSide ? await readIfText(blobs, newSide) : null;
  if (oldText !== undefined && newText !== undefined) return { hunks: diffTexts(oldText, newText), facts: emptyFacts() };
  const oldDigest = oldSide ? await blobs.digest(oldSide.name) : null;
  const newDigest = newSide ? await blobs.digest(newSide.name) : null;
  return {
    hunks: null,
    facts: {
      oldSha256: oldDigest?.sha256 ?? null,
      newSha256: newDigest?.sha256 ?? null,
      oldSize: oldDigest?.size ?? null,
      newSize: newDigest?.size ?? null,
    },
  };
}

/** The blob as text if it is text (see looksLikeText), else undefined. A cheap look at its head comes first. */
async function readIfText(blobs: BlobReader, side: { name: string; path: string }): Promise<string | undefined> {
  const head = await blobs.head(side.name, 64 * 1024);
  if (!head || head.size > MAX_TEXT_BLOB_BYTES) return undefined;
  if (!looksLikeText(side.path, head.bytes)) return undefined;
  const bytes = await blobs.read(side.name, MAX_TEXT_BLOB_BYTES);
  if (!bytes || !looksLikeText(side.path, bytes)) return undefined;
  return bytes.toString('utf8');
}

function emptyFacts(): BinaryFacts {
  return { oldSha256: null, newSha256: null, oldSize: null, newSize: null };
}

async function readText(blobs: BlobReader, name: string): Promise<string | null> {
  const bytes = await blobs.read(name, MAX_TEXT_BLOB_BYTES);
  return bytes ? bytes.toString('utf8') : null;
}

function blobContent(
  blobs: BlobReader,
  recent: RecentBlobs,
  oldName: string | null,
  newName: string | null,
  hunks: readonly Hunk[],
  isBinary: boolean,
): ContentAccess {
  let newBytes: Promise<Buffer | null> | null = null;
  let oldBytes: Promise<Buffer | null> | null = null;
  // Held for the old side until it is read, and only that long: the engine's scope cache keeps a
  // content access long after its change was checked, and kept hunks (the text of every diff line)
  // were up to a quarter of the live heap late in a long history.
  let hunksForOld: readonly Hunk[] | null = isBinary || !oldName ? null : hunks;
  const readBlob = (name: string) => {
    let bytes = recent.get(name);
    if (!bytes) {
      bytes = blobs.read(name, MAX_TEXT_BLOB_BYTES);
      recent.remember(name, bytes);
    }
    return bytes;
  };
  const readNew = () => (newBytes ??= isBinary || !newName ? Promise.resolve(null) : readBlob(newName));
  const readOld = () =>
    (oldBytes ??= (async () => {
      if (isBinary || !oldName) return null;
      if (!oldName.includes(':')) {
        const held = await recent.get(oldName);
        if (held) return held;
        // The new side was just seen (as the old side of the next newer commit): rebuild this one
        // from it rather than ask git.
        const hunksNow = hunksForOld;
        const newSide = newName === null || hunksNow === null ? null : await recent.get(newName);
        const derived = newSide && hunksNow ? deriveOldBlob(newSide, hunksNow, oldName) : null;
        if (derived) {
          recent.remember(oldName, Promise.resolve(derived));
          return derived;
        }
        const bytes = await readBlob(oldName);
        if (bytes !== null) return bytes;
      }
      // Remerge blobs are not stored; the hunks and the new file say exactly what the old one was.
      const current = await readNew();
      return current === null || hunksForOld === null ? null : Buffer.from(reconstructOldText(current.toString('utf8'), hunksForOld));
    })().finally(() => {
      hunksForOld = null;
    }));
  // A remerge diff's old side is rebuilt from the hunks and has no stored identity.
  const oldId = isBinary || !oldName || oldName.includes(':') ? null : oldName;
  // Weight files are read whole from git, up to a cap: checkpoints of many GB belong in LFS, whose
  // pointers are small, and a blob past the cap is still described by its digest.
  const openBlob = async (name: string | null, text: () => Promise<Buffer | null>) => {
    const bytes = isBinary ? (name ? await blobs.read(name, MAX_WEIGHTS_BLOB_BYTES) : null) : await text();
    return bytes ? { ...bufferSource(bytes, name ?? ''), close: () => Promise.resolve() } : null;
  };
  return {
    oldId,
    newId: isBinary ? null : newName,
    readOld,
    readNew,
    openOld: () => openBlob(oldName, readOld),
    openNew: () => openBlob(newName, readNew),
  };
}

/** Largest binary blob read from git to look inside it as a weight file. */
const MAX_WEIGHTS_BLOB_BYTES = 256 * 1024 * 1024;
