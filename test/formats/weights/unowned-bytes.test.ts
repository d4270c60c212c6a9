import { describe, expect, it } from 'vitest';
import { digestOfRanges, unownedRanges } from '../../../src/formats/weights/unowned-bytes.js';

describe('unownedRanges', () => {
  it('returns gaps, the tail and nothing for overlaps', () => {
    const owned = [
      { offset: 20, length: 10 },
      { offset: 10, length: 5 },
      { offset: 22, length: 20 }, // overlaps the first
    ];
    expect(unownedRanges(owned, 0, 50)).toEqual([
      { offset: 0, length: 10 },
      { offset: 15, length: 5 },
      { offset: 42, length: 8 },
    ]);
    expect(unownedRanges([{ offset: 0, length: 50 }], 0, 50)).toEqual([]);
    expect(unownedRanges([], 5, 5)).toEqual([]);
  });

  it('digests ranges by place and content', () => {
    const ranges = [{ offset: 0, length: 1 }];
    expect(digestOfRanges(ranges, ['a'])).not.toBe(digestOfRanges(ranges, ['b']));
    expect(digestOfRanges(ranges, ['a'])).not.toBe(digestOfRanges([{ offset: 1, length: 1 }], ['a']));
  });
});
