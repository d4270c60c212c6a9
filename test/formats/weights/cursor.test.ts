import { describe, expect, it } from 'vitest';
import { bufferSource } from '../../../src/formats/weights/byte-source.js';
import { SourceCursor, TruncatedInput } from '../../../src/formats/weights/cursor.js';
import { scanPickle } from '../../../src/formats/weights/pickle/scan.js';
import { op, pickle } from './builders/pickle.js';

describe('SourceCursor', () => {
  it('finds a byte several windows ahead and still reads from where it stands', async () => {
    const bytes = Buffer.alloc(3 * 1024 * 1024 + 10, 0x61);
    bytes[3 * 1024 * 1024 + 5] = 0x0a;
    bytes.write('head', 0);
    const cursor = new SourceCursor(bufferSource(bytes));
    expect(await cursor.indexOf(0x0a)).toBe(3 * 1024 * 1024 + 5);
    expect(cursor.position).toBe(0);
    await cursor.need(4);
    expect(cursor.take(4).toString()).toBe('head');
    expect(await cursor.indexOf(0x0b)).toBe(-1);
  });

  it('throws TruncatedInput past its end, which parsers turn into problems', async () => {
    const cursor = new SourceCursor(bufferSource(Buffer.from([1, 2, 3])), 0, 2);
    await expect(cursor.need(3)).rejects.toBeInstanceOf(TruncatedInput);
    await cursor.need(2);
    expect(cursor.u16()).toBe(0x0201);
    expect(() => cursor.u8()).toThrow(TruncatedInput);
  });
});

describe('pickle arguments across window boundaries', () => {
  it('reads a protocol 0 line that straddles the 1 MiB window', async () => {
    // BINBYTES is stepped over inside the first window; POP sits 10 bytes and GLOBAL 9 bytes before
    // its end, so GLOBAL's module line starts in the first window and ends in the second.
    const filler = op.binBytes(Buffer.alloc(1024 * 1024 - 15));
    const bytes = pickle(filler, op.pop, op.global('subprocess', 'Popen'), op.stop);
    expect(bytes.indexOf('subprocess')).toBe(1024 * 1024 - 8);
    const result = await scanPickle(bufferSource(bytes));
    expect(result.unsafeGlobals).toEqual(['subprocess.Popen']);
    expect(result.problems).toEqual([]);
  });
});
