import type { CommitOrigin, DiffLine, Hunk } from '../change/change.js';
import { unquoteGitPath } from '../formats/git-quoted-path.js';
import { parseHunkHeader } from '../formats/unified-diff.js';
import type { LineBatch } from '../util/split-lines.js';

/** One line of `git log --raw`: a file pair as git's diff machinery sees it. */
export interface RawEntry {
  readonly oldMode: string;
  readonly newMode: string;
  readonly oldSha: string;
  readonly newSha: string;
  /** A, C, D, M, R, T, U or X. */
  readonly status: string;
  readonly score: number | null;
  readonly oldPath: string;
  readonly newPath: string;
}

/** One `diff --git` section of the patch. */
export interface PatchSection {
  readonly headerLines: string[];
  readonly hunks: Hunk[];
  isBinary: boolean;
  /** True when hunk lines past the size cap were read and dropped. */
  isTruncated: boolean;
}

/**
 * What parseGitLog yields: each file pair of a commit with the patch sections git printed for it,
 * as soon as they are complete, then the commit itself once all its files are out.
 */
export type LogEvent =
  | { readonly kind: 'file'; readonly commit: CommitOrigin; readonly entry: RawEntry; readonly sections: PatchSection[] }
  | { readonly kind: 'commit'; readonly commit: CommitOrigin };

/** Hunk lines kept per file; past this the change is evaluated on what was kept and marked truncated. */
export const MAX_HUNK_BYTES_PER_FILE = 64 * 1024 * 1024;

const HEX = /^[0-9a-f]+$/;
const PLUS = 0x2b;
const MINUS = 0x2d;
const BACKSLASH = 0x5c;

/**
 * The `--format` that pairs with parseGitLog. Every commit starts with a line holding a per-run
 * random marker, so no file name or message an agent wrote can pass for a commit boundary; the
 * agent-controlled fields each sit alone on a line, where no separator can shift them.
 */
export function logFormat(marker: string): string {
  return `format:${marker} %H %P%n%aI%n%an%n%ae%n%s`;
}

/**
 * Parses the output of `git log --raw -p` (with logFormat), one file at a time, from its lines in
 * batches (see streamGitLineBatches). Memory is bounded by the largest file's diff (and a commit's
 * list of file pairs), not by the commit or the history.
 */
export async function* parseGitLog(batches: AsyncIterable<LineBatch>, marker: string): AsyncGenerator<LogEvent> {
  const commitPrefix = `${marker} `;
  let current: {
    commit: CommitOrigin;
    entries: RawEntry[];
    /** The entry now collecting sections, and the sections it has. */
    next: number;
    attached: PatchSection[];
    /** Sections read but not yet handed to an entry. */
    sections: PatchSection[];
  } | null = null;
  let headerLinesLeft = 0;
  let headerFields: string[] = [];
  let section: PatchSection | null = null;
  let hunk: { lines: DiffLine[]; oldLeft: number; newLeft: number; oldNo: number; newNo: number } | null = null;
  let keptBytes = 0;

  /**
   * Hands over the sections read so far. git prints a file's sections in the order of the raw
   * entries (a type change, file to symlink, as a deletion and then an addition), but a remerge diff
   * adds sections of its own with only a note ("remerge CONFLICT …") for files the merge left as a
   * parent had them, which have no raw entry: each section goes to the entry whose path it names.
   */
  function* completeFiles(isCommitEnd: boolean): Generator<LogEvent> {
    if (!current) return;
    for (const done of current.sections.splice(0)) {
      const path = sectionPath(done.headerLines);
      const index = current.entries.findIndex(
        (entry, position) => position >= current!.next && (entry.newPath === path || entry.oldPath === path),
      );
      if (index === -1) continue;
      while (current.next < index) yield emitEntry();
      current.attached.push(done);
    }
    if (isCommitEnd) while (current.next < current.entries.length) yield emitEntry();
  }
  function emitEntry(): LogEvent {
    const state = current!;
    const entry = state.entries[state.next] as RawEntry;
    const event: LogEvent = { kind: 'file', commit: state.commit, entry, sections: state.attached };
    state.attached = [];
    state.next++;
    return event;
  }
  function* finishCommit(): Generator<LogEvent> {
    if (!current) return;
    yield* completeFiles(true);
    yield { kind: 'commit', commit: current.commit };
    current = null;
  }

  for await (const batch of batches) {
    for (let index = 0; index < batch.length; index++) {
      if (hunk && (hunk.oldLeft > 0 || hunk.newLeft > 0)) {
        // A hunk line's text is decoded without its tag: one string per line rather than two.
        const tag = batch.firstByte(index);
        if (tag === BACKSLASH) continue;
        const text = tag === -1 ? '' : tag < 0x80 ? batch.text(index, 1) : batch.text(index).slice(1);
        let diffLine: DiffLine;
        if (tag === PLUS) {
          diffLine = { side: 'added', text, oldLine: null, newLine: hunk.newNo++ };
          hunk.newLeft--;
        } else if (tag === MINUS) {
          diffLine = { side: 'removed', text, oldLine: hunk.oldNo++, newLine: null };
          hunk.oldLeft--;
        } else {
          diffLine = { side: 'context', text, oldLine: hunk.oldNo++, newLine: hunk.newNo++ };
          hunk.oldLeft--;
          hunk.newLeft--;
        }
        // The line's length in characters, tag included.
        keptBytes += tag === -1 ? 0 : text.length + 1;
        if (keptBytes <= MAX_HUNK_BYTES_PER_FILE) hunk.lines.push(diffLine);
        else if (section) section.isTruncated = true;
        continue;
      }
      const line = batch.text(index);
      if (headerLinesLeft > 0) {
        headerFields.push(line);
        headerLinesLeft--;
        if (headerLinesLeft === 0 && current) {
          const [date = '', author = '', email = '', subject = ''] = headerFields;
          current.commit = { ...current.commit, date, author, email, subject };
        }
        continue;
      }
      if (line.startsWith(commitPrefix)) {
        yield* finishCommit();
        const [sha = '', ...parents] = line.slice(commitPrefix.length).split(' ').filter(Boolean);
        current = {
          commit: { kind: 'commit', sha, parents, author: '', email: '', date: '', subject: '' },
          entries: [],
          next: 0,
          attached: [],
          sections: [],
        };
        headerFields = [];
        headerLinesLeft = 4;
        section = null;
        hunk = null;
        continue;
      }
      if (!current) continue;
      if (line.startsWith(':') && !section) {
        const entry = parseRawEntry(line);
        if (entry) current.entries.push(entry);
        continue;
      }
      if (line.startsWith('diff --git ') || line.startsWith('diff --cc ') || line.startsWith('diff --combined ')) {
        // The sections so far are complete: hand over the files they finish before reading more.
        yield* completeFiles(false);
        section = { headerLines: [line], hunks: [], isBinary: false, isTruncated: false };
        current.sections.push(section);
        hunk = null;
        keptBytes = 0;
        continue;
      }
      if (!section) continue;
      const header = line.startsWith('@@ ') ? parseHunkHeader(line) : null;
      if (header) {
        const lines: DiffLine[] = [];
        // Spelled out: V8 copies a spread object the slow, generic way, and this runs for every hunk.
        const { oldStart, oldLines, newStart, newLines } = header;
        section.hunks.push({ oldStart, oldLines, newStart, newLines, header: header.header, lines });
        hunk = { lines, oldLeft: oldLines, newLeft: newLines, oldNo: oldStart, newNo: newStart };
        continue;
      }
      if (line.startsWith('\\')) continue;
      if (section.hunks.length === 0) {
        section.headerLines.push(line);
        if (line.startsWith('Binary files ') || line === 'GIT binary patch') section.isBinary = true;
      }
    }
  }
  yield* finishCommit();
}

/** Parses `:100644 100644 <sha> <sha> R087\told\tnew`. */
export function parseRawEntry(line: string): RawEntry | null {
  const tab = line.indexOf('\t');
  if (tab === -1) return null;
  const fields = line.slice(1, tab).split(' ');
  if (fields.length < 5) return null;
  const [oldMode = '', newMode = '', oldSha = '', newSha = '', statusField = ''] = fields;
  if (!HEX.test(oldSha) || !HEX.test(newSha)) return null;
  const paths = splitRawPaths(line.slice(tab + 1));
  const status = statusField.charAt(0);
  const score = statusField.length > 1 ? Number(statusField.slice(1)) : null;
  const oldPath = paths[0] ?? '';
  const newPath = status === 'R' || status === 'C' ? (paths[1] ?? oldPath) : oldPath;
  return { oldMode, newMode, oldSha, newSha, status, score, oldPath, newPath };
}

/**
 * The path a section is about: the `rename to`/`copy to` line when there is one, else the path in the
 * `diff --git a/P b/P` line, which names the same path twice (quoted when it holds odd characters).
 */
export function sectionPath(headerLines: readonly string[]): string | null {
  for (const line of headerLines) {
    if (line.startsWith('rename to ')) return unquoteGitPath(line.slice('rename to '.length));
    if (line.startsWith('copy to ')) return unquoteGitPath(line.slice('copy to '.length));
  }
  const rest = (headerLines[0] ?? '').replace(/^diff --(git|cc|combined) /, '');
  if (rest.startsWith('"')) {
    const second = rest.lastIndexOf(' "');
    return second > 0 ? unquoteGitPath(rest.slice(second + 1)).replace(/^b\//, '') : null;
  }
  if (rest.startsWith('a/') && (rest.length - 5) % 2 === 0) {
    const path = rest.slice(2, 2 + (rest.length - 5) / 2);
    if (rest === `a/${path} b/${path}`) return path;
  }
  const space = rest.indexOf(' b/');
  return space === -1 ? null : rest.slice(space + 3);
}

/** Raw paths are tab-separated; a path holding a tab is always C-quoted, so splitting is safe. */
function splitRawPaths(text: string): string[] {
  return text.split('\t').map(unquoteGitPath);
}
