import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { bufferSource, openFileSource, sliceSource } from '../../../src/formats/weights/byte-source.js';
import { WeightsReadError } from '../../../src/formats/weights/errors.js';
import { hashFileStreaming, hashRange, hashRanges, hashSource } from '../../../src/formats/weights/range-hasher.js';

const sha = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');
const dir = mkdtempSync(join(tmpdir(), 'selfmod-hash-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Deterministic bytes that differ at every position, so an off-by-one shows in the digest. */
function pattern(length: number): Buffer {
  const bytes = Buffer.alloc(length);
  for (let index = 0; index < length; index++) bytes[index] = (index * 31 + (index >> 8)) & 0xff;
  return bytes;
}

describe('hashRanges', () => {
  const bytes = pattern(10_000);
  const ranges = [
    { offset: 5000, length: 3000 },
    { offset: 0, length: 10 },
    { offset: 10, length: 4990 },
    { offset: 9990, length: 10 },
    { offset: 100, length: 0 },
    { offset: 4000, length: 2000 }, // overlaps two others, as a hostile file may declare
  ];

  it.each([7, 64, 4096, 1 << 20])('hashes each range exactly with %i-byte chunks', async (chunkBytes) => {
    const { rangeSha256, sourceSha256 } = await hashRanges(bufferSource(bytes), ranges, { chunkBytes, wholeSource: true });
    expect(rangeSha256).toEqual(ranges.map((range) => sha(bytes.subarray(range.offset, range.offset + range.length))));
    expect(sourceSha256).toBe(sha(bytes));
  });

  it('jumps over large gaps between ranges and still hashes both', async () => {
    const big = pattern(300_000);
    const far = [{ offset: 10, length: 5 }, { offset: 250_000, length: 100 }];
    const { rangeSha256 } = await hashRanges(bufferSource(big), far, { chunkBytes: 1000 });
    expect(rangeSha256).toEqual(far.map((range) => sha(big.subarray(range.offset, range.offset + range.length))));
  });

  it('refuses a range outside the source', async () => {
    await expect(hashRanges(bufferSource(bytes), [{ offset: 9999, length: 2 }])).rejects.toThrow(RangeError);
  });

  it('works over a slice of another source', async () => {
    const slice = sliceSource(bufferSource(bytes), 1000, 500);
    expect(slice.size).toBe(500);
    expect(await hashSource(slice)).toBe(sha(bytes.subarray(1000, 1500)));
    expect(await hashRange(slice, { offset: 100, length: 50 })).toBe(sha(bytes.subarray(1100, 1150)));
  });
});

describe('file sources', () => {
  it('stream a file larger than one chunk to the same digest as hashing it whole', async () => {
    const bytes = pattern(9 * 1024 * 1024 + 123);
    const path = join(dir, 'big.bin');
    writeFileSync(path, bytes);
    expect(await hashFileStreaming(path)).toBe(sha(bytes));
    const source = await openFileSource(path);
    try {
      expect(Buffer.from(await source.read(bytes.length - 5, 100))).toEqual(bytes.subarray(bytes.length - 5));
    } finally {
      await source.close();
    }
  });

  it('report a missing file as a WeightsReadError naming it', async () => {
    await expect(hashFileStreaming(join(dir, 'missing.bin'))).rejects.toThrow(WeightsReadError);
  });

  it('report a file that shrank after it was opened', async () => {
    const path = join(dir, 'shrinks.bin');
    writeFileSync(path, pattern(10_000));
    const source = await openFileSource(path);
    try {
      writeFileSync(path, pattern(10));
      await expect(hashSource(source)).rejects.toThrow(/file ended/);
    } finally {
      await source.close();
    }
  });
});
