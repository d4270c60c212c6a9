import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { deriveOldBlob } from '../../src/change/derive-old-blob.js';
import { diffTexts } from '../../src/change/text-diff.js';

function blobId(bytes: Buffer, algorithm: 'sha1' | 'sha256' = 'sha1'): string {
  return createHash(algorithm).update(`blob ${bytes.length}\0`).update(bytes).digest('hex');
}

/** The old version as deriveOldBlob rebuilds it from the new one and the hunks between them. */
function derive(before: string | Buffer, after: string | Buffer, algorithm: 'sha1' | 'sha256' = 'sha1'): Buffer | null {
  const old = Buffer.from(before);
  const hunks = diffTexts(old.toString('utf8'), Buffer.from(after).toString('utf8'));
  return deriveOldBlob(Buffer.from(after), hunks, blobId(old, algorithm));
}

const lines = (count: number, prefix = 'line') => Array.from({ length: count }, (_, i) => `${prefix} ${i + 1}\n`).join('');

describe('deriveOldBlob', () => {
  it.each([
    ['an edit in the middle', lines(40), lines(40).replace('line 20\n', 'line twenty\n')],
    ['lines added at the top and removed at the end', lines(30), `new 1\nnew 2\n${lines(25)}`],
    ['several hunks', lines(100), lines(100).replace('line 5\n', 'five\n').replace('line 50\n', '').replace('line 90\n', 'line 90\nextra\n')],
    ['a file emptied', lines(5), ''],
    ['a file written from empty', '', lines(5)],
    ['a final newline removed', lines(5), lines(5).slice(0, -1)],
    ['a final newline added', lines(5).slice(0, -1), lines(5)],
    ['a last line edited without a final newline on either side', `${lines(5)}tail`, `${lines(5)}tail edited`],
    ['Windows line ends', lines(10).replace(/\n/g, '\r\n'), lines(10).replace(/\n/g, '\r\n').replace('line 3\r\n', 'three\r\n')],
    ['lone carriage returns', 'a\rb\rc\n', 'a\rB\rc\n'],
    ['text outside ASCII', 'def récompense():\n    return "日本"\n', 'def récompense():\n    return "中文"\n'],
  ])('rebuilds the old version byte for byte: %s', (_, before, after) => {
    expect(derive(before, after)?.toString('utf8')).toBe(before);
    expect(derive(before, after, 'sha256')?.toString('utf8')).toBe(before);
  });

  it('gives up rather than guess when the old version is not valid UTF-8 (its diff lines cannot show it)', () => {
    const before = Buffer.concat([Buffer.from('x = 1\nname = "'), Buffer.from([0xff, 0xfe]), Buffer.from('"\n')]);
    expect(derive(before, 'x = 2\nname = "ok"\n')).toBeNull();
  });

  it('gives up when the hunks do not belong to the new version', () => {
    const before = lines(20);
    const after = lines(20).replace('line 10\n', 'ten\n');
    const hunks = diffTexts(before, after);
    expect(deriveOldBlob(Buffer.from(lines(3)), hunks, blobId(Buffer.from(before)))).toBeNull();
    expect(deriveOldBlob(Buffer.from(after.replace('line 1\n', 'one\n')), hunks, blobId(Buffer.from(before)))).toBeNull();
  });

  it('gives up when the hunks are incomplete, as a truncated diff is', () => {
    const before = lines(20);
    const after = lines(20).replace('line 10\n', 'ten\n');
    const hunks = diffTexts(before, after).map((hunk) => ({ ...hunk, lines: hunk.lines.filter((line) => line.side !== 'removed') }));
    expect(deriveOldBlob(Buffer.from(after), hunks, blobId(Buffer.from(before)))).toBeNull();
  });

  it('never returns bytes whose id is not the one asked for', () => {
    const before = lines(10);
    const after = lines(10).replace('line 2\n', 'two\n');
    expect(deriveOldBlob(Buffer.from(after), diffTexts(before, after), blobId(Buffer.from('something else\n')))).toBeNull();
    expect(deriveOldBlob(Buffer.from(after), diffTexts(before, after), 'not-a-blob-id')).toBeNull();
  });
});
