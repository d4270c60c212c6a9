import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { LogFollower } from './log-follower.js';

/**
 * The follower's own share of a measured latency: this process appends a line and times how long
 * the follower takes to see it (inotify wake-up, the event loop's turn, the read and the parse).
 * The watcher's lines come from another process, which this cannot include, but the path from the
 * kernel to the follower is the same.
 */
export async function measureFollowerDelay(directory: string, count: number): Promise<number[]> {
  mkdirSync(directory, { recursive: true });
  const path = join(directory, 'calibration.jsonl');
  appendFileSync(path, '');
  const follower = new LogFollower(path);
  follower.start();
  const delays: number[] = [];
  try {
    for (let seq = 0; seq < count; seq++) {
      const from = follower.records.length;
      const writtenAt = performance.now();
      appendFileSync(path, `${JSON.stringify({ type: 'calibration', seq })}\n`);
      const seen = await follower.waitFor((record) => record.seq === seq, { from, timeoutMs: 10_000, what: `calibration line ${seq}` });
      delays.push(seen.seenAt - writtenAt);
      // Let the loop go idle between lines, as it is while the bench waits for the watcher.
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
  } finally {
    follower.close();
  }
  return delays;
}
