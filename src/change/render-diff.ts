import { formatHunkHeader } from '../formats/unified-diff.js';
import type { Change } from './change.js';

export interface RenderedDiff {
  readonly text: string;
  readonly isTruncated: boolean;
}

const PREFIX = { added: '+', removed: '-', context: ' ' } as const;

/** The change as unified diff text, cut at `maxBytes` so one huge file cannot swell the report. */
export function renderUnifiedDiff(change: Change, maxBytes: number): RenderedDiff {
  const parts: string[] = [];
  let size = 0;
  const push = (line: string): boolean => {
    if (size + line.length + 1 > maxBytes) return false;
    parts.push(line);
    size += line.length + 1;
    return true;
  };
  for (const line of change.diffHeader) if (!push(line)) return { text: parts.join('\n'), isTruncated: true };
  for (const hunk of change.hunks) {
    if (!push(formatHunkHeader(hunk))) return { text: parts.join('\n'), isTruncated: true };
    for (const line of hunk.lines) {
      if (!push(PREFIX[line.side] + line.text)) return { text: parts.join('\n'), isTruncated: true };
    }
  }
  return { text: parts.join('\n'), isTruncated: change.isTruncated };
}
