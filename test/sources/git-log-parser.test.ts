import { describe, expect, it } from 'vitest';
import { sectionPath } from '../../src/sources/git-log-parser.js';

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
