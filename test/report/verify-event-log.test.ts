import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runVerify } from '../../src/commands/verify.js';
import type { Incident } from '../../src/engine/incident.js';
import { keyId, sealBody, type WatchEvent } from '../../src/report/event-chain.js';
import { EventLog, EventLogError } from '../../src/report/event-log.js';
import { verifyEventLog } from '../../src/report/verify-event-log.js';

const KEY = Buffer.from('k'.repeat(32));
const OTHER_KEY = Buffer.from('o'.repeat(32));

function incident(id: string): Incident {
  return {
    id,
    ruleId: 'oversight-disable',
    category: 'oversight',
    severity: 'high',
    message: `monitor disabled in ${id}`,
    file: `monitor/${id}.py`,
    previousFile: null,
    change: 'modified',
    source: { kind: 'working-tree', area: 'worktree' },
    diff: '@@ -1 +1 @@\n-ENABLED = True\n+ENABLED = False\n',
    diffTruncated: false,
    evidence: [{ side: 'added', line: 1, text: 'ENABLED = False' }],
    binary: null,
    scopes: [],
    similarity: null,
    oldMode: null,
    newMode: null,
    oldTarget: null,
    newTarget: null,
  };
}

/** Eight lines: ready, five incidents and a degraded line, stopped. */
const EVENTS: readonly WatchEvent[] = [
  { type: 'ready', root: '/sandbox', fileCount: 3, startedAt: '2025-01-01T00:00:00.000Z' },
  ...['a', 'b', 'c', 'd', 'e'].map((id): WatchEvent => ({ type: 'incident', incident: incident(id) })),
  { type: 'degraded', reason: 'rescan failed: EMFILE' },
  {
    type: 'stopped',
    reason: 'SIGTERM',
    summary: { incidents: 5, bySeverity: { low: 0, medium: 0, high: 5, critical: 0 }, degraded: 1, rescans: 0 },
  },
];

let directory: string;
let path: string;
beforeEach(async () => {
  directory = await mkdtemp(join(tmpdir(), 'selfmod-verify-'));
  path = join(directory, 'events.jsonl');
});
afterEach(async () => {
  await rm(directory, { recursive: true, force: true });
});

async function writeLog(key: Buffer | null): Promise<void> {
  await rm(path, { force: true });
  const log = await EventLog.open(path, { key });
  for (const event of EVENTS) await log.append(event);
  await log.close();
}

async function readLogLines(): Promise<string[]> {
  return (await readFile(path, 'utf8')).split('\n').slice(0, -1);
}

async function writeLogLines(lines: readonly string[]): Promise<void> {
  await writeFile(path, lines.map((line) => `${line}\n`).join(''));
}

type LineObject = Record<string, unknown>;

/** What someone who edits the log without the real key can do: recompute hashes (and forge HMACs with a key of their own). */
function reseal(record: LineObject, key: Buffer | null): string {
  const { hash: _hash, hmac: _hmac, ...body } = record;
  return sealBody(body, key).text;
}

/** Recomputes prev and hash (and hmac with `key`) of every line from `from` on, as a forger would. */
function rechain(lines: readonly string[], from: number, key: Buffer | null, renumber = false): string[] {
  const out = lines.slice(0, from);
  let prev = from === 0 ? '0'.repeat(64) : (JSON.parse(out[from - 1]!) as { hash: string }).hash;
  for (let index = from; index < lines.length; index += 1) {
    const record = JSON.parse(lines[index]!) as LineObject;
    const text = reseal({ ...record, prev, ...(renumber ? { seq: index } : {}) }, key);
    out.push(text);
    prev = (JSON.parse(text) as { hash: string }).hash;
  }
  return out;
}

describe('verifyEventLog on intact logs', () => {
  it('accepts a log written without a key and says what that cannot prove', async () => {
    await writeLog(null);
    const result = await verifyEventLog(path);
    const lastHash = (JSON.parse((await readLogLines())[7]!) as { hash: string }).hash;
    expect(result).toEqual({
      intact: true,
      lines: 8,
      firstBroken: null,
      warnings: [expect.stringMatching(/^the log has no HMACs: .*could rewrite all of it/)],
      isStopped: true,
      isHmacChecked: false,
      last: { seq: 7, hash: lastHash },
    });
  });

  it('accepts a log written with a key, checking every HMAC', async () => {
    await writeLog(KEY);
    expect(await verifyEventLog(path, { key: KEY })).toMatchObject({ intact: true, lines: 8, warnings: [], isHmacChecked: true });
  });

  it('says when the HMACs of a keyed log were not checked', async () => {
    await writeLog(KEY);
    const result = await verifyEventLog(path);
    expect(result.intact).toBe(true);
    expect(result.warnings).toEqual(['8 lines carry HMACs that were not checked: no key was given']);
  });

  it('warns, without calling it broken, when no stopped line ends the log', async () => {
    await writeLog(KEY);
    await writeLogLines((await readLogLines()).slice(0, 5));
    const result = await verifyEventLog(path, { key: KEY });
    expect(result).toMatchObject({ intact: true, lines: 5, isStopped: false, last: { seq: 4 } });
    expect(result.warnings).toEqual([expect.stringMatching(/^no stopped line at the end: the watcher was killed .*seq 4/)]);
  });

  it('reads a log of many read chunks, lines split across them', async () => {
    const log = await EventLog.open(path, { key: KEY });
    await log.append(EVENTS[0]!);
    for (let i = 0; i < 1500; i += 1) await log.append({ type: 'incident', incident: incident(`i${i}`) });
    await log.close();
    expect(await verifyEventLog(path, { key: KEY })).toMatchObject({ intact: true, lines: 1501, last: { seq: 1500 } });
  });
});

describe('verifyEventLog on tampered logs', () => {
  async function verifyAfter(edit: (lines: string[]) => string[], key: Buffer | null = null) {
    await writeLog(key);
    await writeLogLines(edit(await readLogLines()));
    return verifyEventLog(path, { key });
  }

  it('finds an edited line', async () => {
    const result = await verifyAfter((lines) => lines.map((line, i) => (i === 3 ? line.replace('ENABLED = False', 'ENABLED = True ') : line)));
    expect(result).toMatchObject({ intact: false, lines: 8, firstBroken: { line: 4, seq: 3, reason: 'its content does not match its hash: the line was edited' } });
  });

  it('finds a change outside what the hash covers (spacing, a repeated key)', async () => {
    const spaced = await verifyAfter((lines) => lines.map((line, i) => (i === 2 ? line.replace('"seq":', '"seq": ') : line)));
    expect(spaced.firstBroken).toMatchObject({ line: 3, seq: 2, reason: expect.stringMatching(/^not in canonical form/) });
    const repeated = await verifyAfter((lines) => lines.map((line, i) => (i === 2 ? line.replace('{', '{"type":"degraded",') : line)));
    expect(repeated.firstBroken).toMatchObject({ line: 3, reason: expect.stringMatching(/^not in canonical form/) });
  });

  it('finds a removed line, and counts how many are missing', async () => {
    const one = await verifyAfter((lines) => lines.filter((_, i) => i !== 3));
    expect(one.firstBroken).toEqual({ line: 4, seq: 4, reason: 'seq 4 where 3 was expected: 1 line missing before it (removed or moved)' });
    expect(one.lines).toBe(7);
    const two = await verifyAfter((lines) => lines.filter((_, i) => i !== 3 && i !== 4));
    expect(two.firstBroken).toEqual({ line: 4, seq: 5, reason: 'seq 5 where 3 was expected: 2 lines missing before it (removed or moved)' });
  });

  it('finds a removed first line', async () => {
    const result = await verifyAfter((lines) => lines.slice(1));
    expect(result.firstBroken).toMatchObject({ line: 1, seq: 1, reason: expect.stringMatching(/^seq 1 where 0 was expected/) });
  });

  it('finds two lines swapped', async () => {
    const result = await verifyAfter((lines) => [lines[0]!, lines[1]!, lines[3]!, lines[2]!, ...lines.slice(4)]);
    expect(result.firstBroken).toMatchObject({ line: 3, seq: 3, reason: expect.stringMatching(/^seq 3 where 2 was expected/) });
  });

  it('finds a repeated line', async () => {
    const result = await verifyAfter((lines) => [...lines.slice(0, 3), lines[2]!, ...lines.slice(3)]);
    expect(result.firstBroken).toEqual({
      line: 4,
      seq: 2,
      reason: 'seq 2 where 3 was expected: a line was inserted before it, or this one was repeated or moved',
    });
  });

  it('finds a forged line inserted with a valid hash, seq and prev', async () => {
    const result = await verifyAfter((lines) => {
      const before = JSON.parse(lines[2]!) as LineObject;
      const forged = reseal({ type: 'degraded', reason: 'all quiet', seq: 3, at: before['at'], prev: before['hash'] }, null);
      return [...lines.slice(0, 3), forged, ...lines.slice(3)];
    });
    expect(result.firstBroken).toMatchObject({ line: 5, seq: 3, reason: expect.stringMatching(/^seq 3 where 4 was expected: a line was inserted/) });
  });

  it('finds a replaced line whose hash was recomputed by the line after it', async () => {
    const result = await verifyAfter((lines) => {
      const replaced = reseal({ ...(JSON.parse(lines[3]!) as LineObject), type: 'degraded', reason: 'nothing', incident: undefined }, null);
      return [...lines.slice(0, 3), replaced, ...lines.slice(4)];
    });
    expect(result.firstBroken).toEqual({ line: 5, seq: 4, reason: "its prev is not the previous line's hash: the previous line was replaced by another with a recomputed hash" });
  });

  it('cannot tell a whole keyless log rewritten by a forger, and says so', async () => {
    const result = await verifyAfter((lines) => rechain(lines.filter((_, i) => i !== 3), 3, null, true));
    expect(result.intact).toBe(true);
    expect(result.warnings[0]).toMatch(/could rewrite all of it/);
  });

  it('finds a line inserted into a keyed log and rechained by someone without the key', async () => {
    const result = await verifyAfter((lines) => {
      const before = JSON.parse(lines[2]!) as LineObject;
      const forged = reseal({ type: 'degraded', reason: 'all quiet', seq: 3, at: before['at'], prev: before['hash'] }, OTHER_KEY);
      return rechain([...lines.slice(0, 3), forged, ...lines.slice(3)], 4, OTHER_KEY, true);
    }, KEY);
    expect(result.firstBroken).toEqual({ line: 4, seq: 3, reason: 'its hmac does not match: the line was written or rewritten without the key' });
  });

  it('finds an edit whose hash and chain were recomputed but whose HMAC could not be', async () => {
    const keptHmac = await verifyAfter((lines) => {
      const edited = lines.map((line, i) => (i === 3 ? line.replace('ENABLED = False', 'ENABLED = True ') : line));
      // Recompute every hash from the edit on, keeping the old HMACs.
      const rehashed = rechain(edited, 3, null).map((line, i) => (i < 3 ? line : line.replace(/}$/, `,"hmac":"${String((JSON.parse(lines[i]!) as LineObject)['hmac'])}"}`)));
      return rehashed;
    }, KEY);
    expect(keptHmac.firstBroken).toEqual({ line: 4, seq: 3, reason: 'its hmac does not match: the line was written or rewritten without the key' });
    const otherKey = await verifyAfter((lines) => rechain(lines.map((line, i) => (i === 3 ? line.replace('monitor', 'm0nitor') : line)), 3, OTHER_KEY), KEY);
    expect(otherKey.firstBroken).toMatchObject({ line: 4, seq: 3, reason: expect.stringMatching(/hmac does not match/) });
  });

  it('names the wrong key file as such', async () => {
    await writeLog(KEY);
    const result = await verifyEventLog(path, { key: OTHER_KEY });
    expect(result.firstBroken).toEqual({
      line: 1,
      seq: 0,
      reason: `its hmac does not match: the log was written with another key (key id ${keyId(KEY)}; the key given has ${keyId(OTHER_KEY)})`,
    });
  });

  it('fails lines without an HMAC when a key is given', async () => {
    await writeLog(null);
    expect((await verifyEventLog(path, { key: KEY })).firstBroken).toEqual({
      line: 1,
      seq: 0,
      reason: 'no hmac, but a key was given (the log says it was written without a key)',
    });
    const stripped = await verifyAfter((lines) => lines.map((line, i) => (i === 5 ? line.replace(/,"hmac":"[0-9a-f]{64}"}$/, '}') : line)), KEY);
    expect(stripped.firstBroken).toEqual({ line: 6, seq: 5, reason: 'no hmac, but a key was given: its hmac was stripped' });
  });

  it('finds a cut last line', async () => {
    await writeLog(KEY);
    const text = await readFile(path, 'utf8');
    await writeFile(path, text.slice(0, text.length - 40));
    const cut = await verifyEventLog(path, { key: KEY });
    expect(cut).toMatchObject({ intact: false, lines: 8, isStopped: false });
    expect(cut.firstBroken).toEqual({ line: 8, seq: null, reason: 'cut short: no newline at its end (the log was truncated, or a write was interrupted)' });
    await writeFile(path, text.slice(0, -1));
    expect((await verifyEventLog(path, { key: KEY })).firstBroken).toMatchObject({ line: 8, reason: expect.stringMatching(/^cut short/) });
  });

  it('finds a line added after the stopped line', async () => {
    const result = await verifyAfter((lines) => {
      const last = JSON.parse(lines[7]!) as LineObject;
      return [...lines, reseal({ type: 'degraded', reason: 'late', seq: 8, at: last['at'], prev: last['hash'] }, null)];
    });
    expect(result.firstBroken).toEqual({ line: 9, seq: 8, reason: 'a line after the stopped line' });
  });

  it('finds lines that are not JSON objects, or not UTF-8', async () => {
    const notJson = await verifyAfter((lines) => [...lines.slice(0, 2), 'garbage', ...lines.slice(2)]);
    expect(notJson.firstBroken).toEqual({ line: 3, seq: null, reason: 'not valid JSON' });
    const blank = await verifyAfter((lines) => [...lines.slice(0, 2), '', ...lines.slice(2)]);
    expect(blank.firstBroken).toEqual({ line: 3, seq: null, reason: 'an empty line' });
    await writeLog(null);
    const bytes = await readFile(path);
    bytes[bytes.indexOf('ENABLED = False')] = 0xff;
    await writeFile(path, bytes);
    expect((await verifyEventLog(path)).firstBroken).toMatchObject({ line: 2, reason: 'not valid UTF-8' });
  });

  it('calls an empty log broken', async () => {
    await writeFile(path, '');
    expect(await verifyEventLog(path)).toMatchObject({ intact: false, lines: 0, firstBroken: { line: 1, seq: null, reason: expect.stringMatching(/^the log is empty/) } });
  });

  it('throws EventLogError naming a log that cannot be read', async () => {
    await expect(verifyEventLog(join(directory, 'missing.jsonl'))).rejects.toThrow(`${join(directory, 'missing.jsonl')}: cannot read the event log: no such file or directory (ENOENT)`);
    await expect(verifyEventLog(directory)).rejects.toBeInstanceOf(EventLogError);
  });
});

describe('runVerify', () => {
  it('exits 0 with a summary for an intact log', async () => {
    await writeLog(KEY);
    const keyFile = join(directory, 'key');
    await writeFile(keyFile, `${KEY.toString('utf8')}\n`);
    const outcome = await runVerify({ eventsFile: path, keyFile });
    expect(outcome.exitCode).toBe(0);
    expect(outcome.lines[0]).toBe(`${path}: intact, 8 lines (hashes and HMACs checked)`);
    expect(outcome.lines).toContain('ends with a stopped line');
    expect(outcome.lines).toContainEqual(expect.stringMatching(/^last intact line: seq 7, hash [0-9a-f]{64}$/));
  });

  it('exits 1 naming the first broken line', async () => {
    await writeLog(null);
    await writeLogLines((await readLogLines()).filter((_, i) => i !== 3));
    const outcome = await runVerify({ eventsFile: path, keyFile: null });
    expect(outcome.exitCode).toBe(1);
    expect(outcome.lines.slice(0, 2)).toEqual([
      `${path}: BROKEN at line 4 (seq 4): seq 4 where 3 was expected: 1 line missing before it (removed or moved)`,
      '3 lines before it intact (hashes checked, no key); 3 lines after it not checked',
    ]);
  });

  it('throws a user error naming a missing log or key file', async () => {
    await expect(runVerify({ eventsFile: path, keyFile: null })).rejects.toThrow(new RegExp(`^${path}: cannot read the event log`));
    await writeLog(null);
    const keyFile = join(directory, 'nokey');
    await expect(runVerify({ eventsFile: path, keyFile })).rejects.toThrow(`${keyFile}: cannot read the key file`);
    await expect(runVerify({ eventsFile: path, keyFile })).rejects.toBeInstanceOf(EventLogError);
  });
});
