import { describe, expect, it } from 'vitest';
import { largestLiveHeapKb } from './commands.js';

describe('largestLiveHeapKb', () => {
  it('takes the largest heap left after a full collection from a --trace-gc transcript', () => {
    const trace = [
      '[20040:0x13042ec0]       39 ms: Scavenge 4.1 (5.8) -> 3.6 (6.8) MB, 0.51 / 0.00 ms  (average mu = 1.000, current mu = 1.000) allocation failure;',
      '[20040:0x13042ec0]      139 ms: Mark-Compact 58.2 (88.6) -> 49.7 (83.1) MB, 4.85 / 0.00 ms  (+ 3.1 ms in 56 steps) finalize incremental marking',
      '{"incidents": "Mark-Compact 1.0 (2.0) -> 900.0 (3.0) MB, in a report line"}',
      '[20040:0x13042ec0]     2139 ms: Mark-Compact (reduce) 70.0 (90.0) -> 51.5 (60.0) MB, 2.00 / 0.00 ms  (average mu = 0.9)',
      '[20040:0x13042ec0]     3139 ms: Mark-Compact 80.0 (99.0) -> 30.0 (60.0) MB, 2.00 / 0.00 ms',
    ].join('\n');
    expect(largestLiveHeapKb(trace)).toBe(Math.round(51.5 * 1024));
  });

  it('says null when no full collection ran', () => {
    expect(largestLiveHeapKb('[1:0x1]  5 ms: Scavenge 1.0 (2.0) -> 0.5 (2.0) MB\n')).toBeNull();
  });
});
