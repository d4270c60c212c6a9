import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const HEAP_GROWTH_MODULE = pathToFileURL(fileURLToPath(new URL('../../dist/util/heap-growth.js', import.meta.url))).href;

/**
 * A history scan's heap in small: a live set of 30 MB kept throughout, under a stream of objects
 * that outlive a few young collections before they die (as a change's lines do while it is checked).
 * Prints the largest heap V8 held.
 */
const PROBE = `
if (process.argv[2] === 'capped') (await import(${JSON.stringify(HEAP_GROWTH_MODULE)})).limitHeapGrowth();
globalThis.live = [];
for (let i = 0; i < 300; i++) globalThis.live.push('x'.repeat(100_000) + i);
const recent = new Array(60_000);
let peak = 0;
for (let i = 0; i < 1_500_000; i++) {
  recent[i % recent.length] = { line: '+ line ' + i + ' ' + 'y'.repeat(100) };
  if (i % 10_000 === 0) peak = Math.max(peak, process.memoryUsage().heapTotal);
}
process.stdout.write(String(peak));
`;

describe('limitHeapGrowth', () => {
  let scratch = '';
  beforeAll(async () => {
    scratch = await mkdtemp(join(tmpdir(), 'selfmod-heap-'));
    await writeFile(join(scratch, 'probe.mjs'), PROBE);
  });
  afterAll(async () => {
    await rm(scratch, { recursive: true, force: true });
  });

  const peakHeap = async (mode: 'capped' | 'default') => {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [join(scratch, 'probe.mjs'), mode]);
    return { peak: Number(stdout), stderr };
  };

  it('keeps the heap well below what V8 lets it reach by default, and V8 knows the setting', async () => {
    const [capped, uncapped] = await Promise.all([peakHeap('capped'), peakHeap('default')]);
    // An unknown flag would be printed on stderr and change nothing.
    expect(capped.stderr).toBe('');
    expect(uncapped.peak).toBeGreaterThan(0);
    expect(capped.peak).toBeLessThan(uncapped.peak * 0.85);
  });
});
