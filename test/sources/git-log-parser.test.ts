import { describe, expect, it } from 'vitest';
import { parseGitLog, sectionPath, type LogEvent } from '../../src/sources/git-log-parser.js';
import { splitLineBatches } from '../../src/util/split-lines.js';

describe('sectionPath', () => {
  it.each([
    [['diff --git a/src/train.py b/src/train.py'], 'src/train.py'],
    [['diff --git a/dir with space/a b/c.py b/dir with space/a b/c.py'], 'dir with space/a b/c.py'],
    [['diff --git "a/tab\\there.py" "b/tab\\there.py"'], 'tab\there.py'],
    [['diff --git "a/q \\"x\\".py" "b/q \\"x\\".py"'], 'q "x".py'],
    [['diff --git a/old.py b/new.py', 'similarity index 90%', 'rename from old.py', 'rename to new.py'], 'new.py'],
    [['diff --git a/a.bin b/a.bin', 'remerge CONFLICT (content): Merge conflict in a.bin'], 'a.bin'],
  ])('%j', (headerLines, expected) => {
    expect(sectionPath(headerLines)).toBe(expected);
  });
});

describe('parseGitLog', () => {
  const marker = '\x1eMARK';
  const old = 'a'.repeat(40);
  const neu = 'b'.repeat(40);
  const log = [
    `${marker} ${'1'.repeat(40)} ${'2'.repeat(40)}`,
    '2024-01-02T03:04:05+00:00',
    'Ann Author',
    'ann@example.com',
    'tune the learning rate',
    `:100644 100644 ${old} ${neu} M\tsrc/train.py`,
    '',
    'diff --git a/src/train.py b/src/train.py',
    `index ${old.slice(0, 7)}..${neu.slice(0, 7)} 100644`,
    '--- a/src/train.py',
    '+++ b/src/train.py',
    '@@ -1,3 +1,4 @@ def main():',
    ' import os',
    '-lr = 1',
    '+lr = 2',
    '+',
    ' é = 3',
    '@@ -10,2 +11,2 @@',
    '',
    '-x = "naïve"',
    '+ü',
    '\\ No newline at end of file',
    '',
  ].join('\n');

  async function parse(chunkBytes: number): Promise<LogEvent[]> {
    const bytes = Buffer.from(log);
    async function* chunks() {
      for (let start = 0; start < bytes.length; start += chunkBytes) yield bytes.subarray(start, start + chunkBytes);
    }
    const events: LogEvent[] = [];
    for await (const event of parseGitLog(splitLineBatches(chunks()), marker)) events.push(event);
    return events;
  }

  it('reads hunk lines whatever chunks the output comes in, split characters included', async () => {
    const whole = await parse(1 << 20);
    expect(whole.map((event) => event.kind)).toEqual(['file', 'commit']);
    const file = whole[0] as Extract<LogEvent, { kind: 'file' }>;
    expect(file.commit.subject).toBe('tune the learning rate');
    expect(file.entry.newPath).toBe('src/train.py');
    expect(file.sections[0]?.headerLines).toEqual([
      'diff --git a/src/train.py b/src/train.py',
      `index ${old.slice(0, 7)}..${neu.slice(0, 7)} 100644`,
      '--- a/src/train.py',
      '+++ b/src/train.py',
    ]);
    expect(file.sections[0]?.hunks.map((hunk) => hunk.lines)).toEqual([
      [
        { side: 'context', text: 'import os', oldLine: 1, newLine: 1 },
        { side: 'removed', text: 'lr = 1', oldLine: 2, newLine: null },
        { side: 'added', text: 'lr = 2', oldLine: null, newLine: 2 },
        { side: 'added', text: '', oldLine: null, newLine: 3 },
        { side: 'context', text: 'é = 3', oldLine: 3, newLine: 4 },
      ],
      [
        { side: 'context', text: '', oldLine: 10, newLine: 11 },
        { side: 'removed', text: 'x = "naïve"', oldLine: 11, newLine: null },
        { side: 'added', text: 'ü', oldLine: null, newLine: 12 },
      ],
    ]);
    for (const size of [1, 2, 3, 7, 64]) expect(await parse(size)).toEqual(whole);
  });
});
