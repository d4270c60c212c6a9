import type { ClosableByteSource, WeightsDiff, WeightsSummary } from '../formats/weights/index.js';

/**
 * The change model: one file's edit, whatever produced it. Sources build these; the engine reads them.
 * Nothing here knows about git, chokidar or the file system.
 */

export type ChangeKind = 'added' | 'modified' | 'deleted' | 'renamed' | 'mode' | 'symlink';

export type LineSide = 'added' | 'removed';

export interface DiffLine {
  readonly side: LineSide | 'context';
  readonly text: string;
  /** 1-based line number in the old file, or null for an added line. */
  readonly oldLine: number | null;
  /** 1-based line number in the new file, or null for a removed line. */
  readonly newLine: number | null;
}

export interface Hunk {
  readonly oldStart: number;
  readonly oldLines: number;
  readonly newStart: number;
  readonly newLines: number;
  /** Text after the second `@@`, as the producer wrote it. Untrusted: never used to find scopes. */
  readonly header: string;
  readonly lines: readonly DiffLine[];
}

export interface CommitOrigin {
  readonly kind: 'commit';
  readonly sha: string;
  readonly parents: readonly string[];
  readonly author: string;
  readonly email: string;
  readonly date: string;
  readonly subject: string;
}

export interface WorkingTreeOrigin {
  readonly kind: 'working-tree';
  /** `index` for a staged version that differs from both HEAD and the file on disk. */
  readonly area: 'worktree' | 'index';
}

/** A change a live watcher saw happen, at the time it saw it. */
export interface LiveOrigin {
  readonly kind: 'live';
  /** ISO 8601 time the change was seen. */
  readonly at: string;
}

/** A change found by comparing the tree with a snapshot manifest taken earlier. */
export interface SnapshotOrigin {
  readonly kind: 'snapshot';
  /** ISO 8601 time the snapshot was taken. */
  readonly takenAt: string;
}

export type ChangeOrigin = CommitOrigin | WorkingTreeOrigin | LiveOrigin | SnapshotOrigin;

/** Size and digest of each side, for content that is not shown as text. */
export interface BinaryFacts {
  readonly oldSha256: string | null;
  readonly newSha256: string | null;
  readonly oldSize: number | null;
  readonly newSize: number | null;
  /** What changed inside a model weight file (tensors, metadata, imported globals, LFS oids). */
  readonly weights?: WeightsDiff;
}

/** Lazy access to whole file versions, for matchers that need more than the hunks. */
export interface ContentAccess {
  /**
   * Names for the exact content of each side (a git blob id, a sha256), or null when unknown.
   * Equal ids mean equal content, so work derived from it can be reused across changes.
   */
  readonly oldId: string | null;
  readonly newId: string | null;
  /** The old version's bytes, or null when there is none or it is not text. */
  readOld(): Promise<Buffer | null>;
  /** The new version's bytes, or null when there is none or it is not text. */
  readNew(): Promise<Buffer | null>;
  /**
   * Random access to each side's bytes whatever they hold (a weight file of many GB is read through
   * this, never whole), or null when that side is gone. The caller closes what it opens.
   */
  openOld?(): Promise<ClosableByteSource | null>;
  openNew?(): Promise<ClosableByteSource | null>;
  /** What a source remembered of the old side's weights when its bytes are no longer at hand. */
  readonly oldWeights?: WeightsSummary | null;
  /** The new side's weights summary when the source already made it (from the same read as its digest). */
  readonly newWeights?: WeightsSummary | null;
}

export interface Change {
  /** Repository-relative path with `/`; the new path for renames, the old one for deletions. */
  readonly file: string;
  /** The path before a rename, else null. */
  readonly previousFile: string | null;
  readonly kind: ChangeKind;
  /** Rename similarity in percent, when the producer computed one. */
  readonly similarity: number | null;
  /** Octal git modes such as `100644`, `100755`, `120000`; null for the missing side. */
  readonly oldMode: string | null;
  readonly newMode: string | null;
  /** Symlink targets on each side, when that side is a symlink. */
  readonly oldTarget: string | null;
  readonly newTarget: string | null;
  readonly isBinary: boolean;
  readonly hunks: readonly Hunk[];
  /** The header lines of this file's unified diff (`diff --git`, modes, `---`, `+++`, …). */
  readonly diffHeader: readonly string[];
  /** True when the producer dropped hunk lines past its size cap. */
  readonly isTruncated: boolean;
  readonly binary: BinaryFacts | null;
  readonly origin: ChangeOrigin;
  readonly content: ContentAccess;
}

export const SYMLINK_MODE = '120000';
export const GITLINK_MODE = '160000';

/** Every added or removed line of a change, in diff order. */
export function changedLines(change: Change): DiffLine[] {
  const lines: DiffLine[] = [];
  for (const hunk of change.hunks) {
    for (const line of hunk.lines) {
      if (line.side !== 'context') lines.push(line);
    }
  }
  return lines;
}
