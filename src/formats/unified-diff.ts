export interface HunkHeader {
  readonly oldStart: number;
  readonly oldLines: number;
  readonly newStart: number;
  readonly newLines: number;
  readonly header: string;
}

const HUNK_HEADER = /^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@ ?(.*)$/;

/** Parses `@@ -a,b +c,d @@ text`; a missing count means 1, as in the unified diff format. */
export function parseHunkHeader(line: string): HunkHeader | null {
  const match = HUNK_HEADER.exec(line);
  if (!match) return null;
  return {
    oldStart: Number(match[1]),
    oldLines: match[2] === undefined ? 1 : Number(match[2]),
    newStart: Number(match[3]),
    newLines: match[4] === undefined ? 1 : Number(match[4]),
    header: match[5] ?? '',
  };
}

/** Formats the range part of a hunk header the way diff tools do. */
export function formatHunkHeader(hunk: HunkHeader): string {
  const range = (start: number, count: number) => (count === 1 ? `${start}` : `${start},${count}`);
  const tail = hunk.header ? ` ${hunk.header}` : '';
  return `@@ -${range(hunk.oldStart, hunk.oldLines)} +${range(hunk.newStart, hunk.newLines)} @@${tail}`;
}
