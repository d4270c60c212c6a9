import { describe, expect, it } from 'vitest';
import { SelfmodError } from '../../src/errors.js';
import { splitLines } from '../../src/util/split-lines.js';

async function collect(chunks: Array<string | Buffer>, max?: number): Promise<string[]> {
  async function* source() {
    yield* chunks;
  }
  const lines: string[] = [];
  for await (const line of splitLines(source(), max)) lines.push(line);
  return lines;
}

describe('splitLines', () => {
  it('splits across chunk boundaries, keeps empty lines and a last line without newline', async () => {
    expect(await collect(['ab', 'c\n\nd', 'e\nf'])).toEqual(['abc', '', 'de', 'f']);
  });

  it('decodes a UTF-8 character split between chunks', async () => {
    const bytes = Buffer.from('naïve\n');
    expect(await collect([bytes.subarray(0, 3), bytes.subarray(3)])).toEqual(['naïve']);
  });

  it('fails on a line longer than the limit instead of cutting it', async () => {
    const error = await collect(['x'.repeat(10), 'y'.repeat(10), '\n'], 15).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(SelfmodError);
    expect((error as SelfmodError).code).toBe('limit');
  });
});
