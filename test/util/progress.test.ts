import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createProgressLine } from '../../src/util/progress.js';

function stream(isTTY: boolean): { out: Writable & { isTTY?: boolean }; written: () => string } {
  let text = '';
  const out = new Writable({
    write(chunk, _encoding, done) {
      text += String(chunk);
      done();
    },
  }) as Writable & { isTTY?: boolean };
  out.isTTY = isTTY;
  return { out, written: () => text };
}

describe('createProgressLine', () => {
  it('draws commits done / total on a terminal and clears the line at the end', () => {
    const { out, written } = stream(true);
    const progress = createProgressLine(out, 'scanning', 0);
    progress.update(1, 3);
    progress.update(3, 3);
    progress.clear();
    expect(written()).toContain('scanning: 1/3 commits');
    expect(written()).toContain('scanning: 3/3 commits');
    expect(written().endsWith('\r\x1b[2K')).toBe(true);
  });

  it('prints nothing when stderr is not a terminal', () => {
    const { out, written } = stream(false);
    const progress = createProgressLine(out, 'scanning', 0);
    progress.update(1, 3);
    progress.clear();
    expect(written()).toBe('');
  });
});
