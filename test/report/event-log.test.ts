import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Incident } from '../../src/engine/incident.js';
import {
  EVENT_LOG_FORMAT,
  GENESIS_PREV,
  canonicalJson,
  hmacHex,
  keyId,
  sha256Hex,
  type WatchEvent,
} from '../../src/report/event-chain.js';
import { EventLog, EventLogError, readEventLogKey, type AppendedEvent } from '../../src/report/event-log.js';
import { verifyEventLog } from '../../src/report/verify-event-log.js';

const KEY = Buffer.from('0123456789abcdef0123456789abcdef');

function incident(id: string, diffBytes = 40): Incident {
  return {
    id,
    ruleId: 'reward-function-edit',
    category: 'reward',
    severity: 'critical',
    message: `reward code changed in ${id}.py`,
    file: `src/${id}.py`,
    previousFile: null,
    change: 'modified',
    source: { kind: 'working-tree', area: 'worktree' },
    diff: `@@ -1 +1 @@\n-${'a'.repeat(diffBytes)}\n+${'b'.repeat(diffBytes)}\n`,
    diffTruncated: false,
    evidence: [{ side: 'added', line: 1, text: 'return 1.0 # ünïcode \u2028 "quoted"' }],
    binary: null,
    scopes: ['compute_reward'],
    similarity: 0.8333333333333334,
    oldMode: null,
    newMode: null,
    oldTarget: null,
    newTarget: null,
  };
}

const READY: WatchEvent = { type: 'ready', root: '/sandbox/agent', fileCount: 42, startedAt: '2025-01-02T03:04:05.000Z' };
const STOPPED: WatchEvent = {
  type: 'stopped',
  reason: 'SIGTERM',
  summary: { incidents: 1, bySeverity: { low: 0, medium: 0, high: 0, critical: 1 }, degraded: 1, rescans: 1 },
};

let directory: string;
beforeEach(async () => {
  directory = await mkdtemp(join(tmpdir(), 'selfmod-event-log-'));
});
afterEach(async () => {
  await rm(directory, { recursive: true, force: true });
});

async function readLines(path: string): Promise<string[]> {
  const text = await readFile(path, 'utf8');
  expect(text.endsWith('\n')).toBe(true);
  return text.slice(0, -1).split('\n');
}

describe('canonicalJson', () => {
  it('is the same whatever order the keys were written in, at every depth', () => {
    const a = canonicalJson({ b: 1, a: { d: [1, { y: 2, x: 'é' }], c: null } });
    const b = canonicalJson(JSON.parse('{ "a": { "c": null, "d": [1, {"x": "é", "y": 2}] }, "b": 1 }'));
    expect(a).toBe('{"a":{"c":null,"d":[1,{"x":"é","y":2}]},"b":1}');
    expect(b).toBe(a);
  });

  it('leaves out undefined properties and refuses values JSON cannot carry exactly', () => {
    expect(canonicalJson({ a: undefined, b: 2 })).toBe('{"b":2}');
    expect(() => canonicalJson({ a: Number.NaN })).toThrow(TypeError);
    expect(() => canonicalJson({ a: Infinity })).toThrow(TypeError);
    expect(() => canonicalJson([undefined])).toThrow(TypeError);
    expect(() => canonicalJson({ a: new Date(0) })).toThrow(TypeError);
    expect(() => canonicalJson({ a: 1n })).toThrow(TypeError);
  });

  it('reads back to the same text, lone surrogates and control characters included', () => {
    const text = canonicalJson({ s: 'a\ud800b\u0001\n\u2028', n: -0, f: 1e21, g: 0.1 });
    expect(canonicalJson(JSON.parse(text))).toBe(text);
  });
});

describe('EventLog', () => {
  it('writes one chained line per event, each hashing its canonical body', async () => {
    const path = join(directory, 'events.jsonl');
    const log = await EventLog.open(path, { tool: { name: 'selfmod', version: '9.9.9' } });
    const found = incident('i1');
    const results: AppendedEvent[] = [];
    for (const event of [
      READY,
      { type: 'incident', incident: found },
      { type: 'degraded', reason: 'webhook unreachable' },
      { type: 'rescan', fileCount: 42, missedChanges: 0, incidentIds: [] },
      STOPPED,
    ] satisfies WatchEvent[]) {
      results.push(await log.append(event));
    }
    await log.close();

    const lines = await readLines(path);
    expect(lines).toHaveLength(5);
    let prev = GENESIS_PREV;
    lines.forEach((line, index) => {
      const record = JSON.parse(line) as Record<string, unknown>;
      const { hash, ...body } = record;
      expect(record['seq']).toBe(index);
      expect(record['prev']).toBe(prev);
      expect(record['hmac']).toBeUndefined();
      expect(hash).toBe(sha256Hex(canonicalJson(body)));
      expect(line).toBe(`${canonicalJson(body).slice(0, -1)},"hash":"${String(hash)}"}`);
      expect(results[index]).toMatchObject({ seq: index, hash });
      prev = hash as string;
    });
    const ready = JSON.parse(lines[0]!) as Record<string, unknown>;
    expect(ready).toMatchObject({ type: 'ready', format: EVENT_LOG_FORMAT, tool: { name: 'selfmod', version: '9.9.9' }, keyId: null, root: '/sandbox/agent' });
    expect((JSON.parse(lines[1]!) as { incident: unknown }).incident).toEqual(found);
    expect(results[1]!.record).toMatchObject({ type: 'incident', seq: 1, incident: found });
    await expect(verifyEventLog(path)).resolves.toMatchObject({ intact: true, lines: 5, isStopped: true });
  });

  it('with a key, authenticates every line over the same canonical bytes', async () => {
    const path = join(directory, 'events.jsonl');
    const log = await EventLog.open(path, { key: KEY });
    await log.append(READY);
    await log.append({ type: 'incident', incident: incident('i1') });
    await log.close();
    const lines = await readLines(path);
    for (const line of lines) {
      const { hash, hmac, ...body } = JSON.parse(line) as Record<string, unknown>;
      expect(hmac).toBe(hmacHex(KEY, canonicalJson(body)));
      expect(hash).toBe(sha256Hex(canonicalJson(body)));
      expect(line.endsWith(`,"hmac":"${String(hmac)}"}`)).toBe(true);
    }
    expect(JSON.parse(lines[0]!)).toMatchObject({ keyId: keyId(KEY) });
  });

  it('has each line on disk when its append resolves', async () => {
    const path = join(directory, 'events.jsonl');
    const log = await EventLog.open(path);
    await log.append(READY);
    expect(await readLines(path)).toHaveLength(1);
    await log.append({ type: 'degraded', reason: 'x' });
    expect(await readLines(path)).toHaveLength(2);
    await log.close();
  });

  it('keeps call order and the chain when many callers append at once', async () => {
    const path = join(directory, 'events.jsonl');
    const log = await EventLog.open(path, { key: KEY });
    // Large lines make unserialised writes finish out of order in the thread pool.
    const appends = [log.append(READY), ...Array.from({ length: 60 }, (_, i) => log.append({ type: 'incident', incident: incident(`i${i}`, 50_000) }))];
    const results = await Promise.all(appends);
    await log.close();
    expect(results.map((result) => result.seq)).toEqual(Array.from({ length: 61 }, (_, i) => i));
    const lines = await readLines(path);
    expect(lines.map((line) => (JSON.parse(line) as { seq: number }).seq)).toEqual(results.map((result) => result.seq));
    expect(lines.slice(1).map((line) => (JSON.parse(line) as { incident: Incident }).incident.id)).toEqual(Array.from({ length: 60 }, (_, i) => `i${i}`));
    await expect(verifyEventLog(path, { key: KEY })).resolves.toMatchObject({ intact: true, lines: 61 });
  });

  it('starts with ready, allows one ready, and nothing after stopped', async () => {
    const log = await EventLog.open(join(directory, 'events.jsonl'));
    await expect(log.append({ type: 'degraded', reason: 'x' })).rejects.toThrow(/first event must be ready/);
    await log.append(READY);
    await expect(log.append(READY)).rejects.toThrow(/second ready/);
    await log.append(STOPPED);
    await expect(log.append({ type: 'degraded', reason: 'x' })).rejects.toThrow(/after the stopped event/);
    await log.close();
    await expect(log.append({ type: 'degraded', reason: 'x' })).rejects.toBeInstanceOf(EventLogError);
  });

  it('does not advance the chain for an event it cannot serialise', async () => {
    const path = join(directory, 'events.jsonl');
    const log = await EventLog.open(path);
    await log.append(READY);
    const bad = { type: 'rescan', fileCount: Number.NaN, missedChanges: 0, incidentIds: [] } as const;
    await expect(log.append(bad)).rejects.toThrow(TypeError);
    await expect(log.append({ type: 'degraded', reason: 'x' })).resolves.toMatchObject({ seq: 1 });
    await log.close();
    await expect(verifyEventLog(path)).resolves.toMatchObject({ intact: true, lines: 2 });
  });

  it('refuses a file that is not empty, a symbolic link and a missing directory, naming the file', async () => {
    const used = join(directory, 'used.jsonl');
    await writeFile(used, 'something\n');
    await expect(EventLog.open(used)).rejects.toThrow(`${used}: already exists and is not empty`);
    expect(await readFile(used, 'utf8')).toBe('something\n');

    const link = join(directory, 'link.jsonl');
    await symlink(join(directory, 'elsewhere.jsonl'), link);
    await expect(EventLog.open(link)).rejects.toThrow(/is a symbolic link/);

    const missing = join(directory, 'no', 'such', 'events.jsonl');
    await expect(EventLog.open(missing)).rejects.toThrow(`${missing}: cannot create the event log: no such file or directory (ENOENT)`);
    await expect(EventLog.open(directory)).rejects.toBeInstanceOf(EventLogError);
  });

  it('accepts an existing empty file', async () => {
    const path = join(directory, 'empty.jsonl');
    await writeFile(path, '');
    const log = await EventLog.open(path);
    await log.append(READY);
    await log.close();
    await expect(verifyEventLog(path)).resolves.toMatchObject({ intact: true, lines: 1 });
  });

  it('rejects appends once its file is removed, and every append after', async () => {
    const path = join(directory, 'events.jsonl');
    const log = await EventLog.open(path);
    await log.append(READY);
    await rm(path);
    await expect(log.append({ type: 'degraded', reason: 'x' })).rejects.toThrow(/removed or replaced/);
    await expect(log.append({ type: 'degraded', reason: 'y' })).rejects.toThrow(/earlier write failed/);
    await log.close();
  });

  it('rejects appends once its file is renamed over', async () => {
    const path = join(directory, 'events.jsonl');
    const log = await EventLog.open(path);
    await log.append(READY);
    const impostor = join(directory, 'impostor.jsonl');
    await writeFile(impostor, '');
    await rename(impostor, path);
    const failed = log.append({ type: 'degraded', reason: 'x' });
    await expect(failed).rejects.toBeInstanceOf(EventLogError);
    await expect(failed).rejects.toThrow(/removed or replaced/);
    await log.close();
  });

  it('reports a full disk as a rejected append and leaves no half line behind', async () => {
    // A file size limit makes the kernel refuse the write as a full disk would (EFBIG, not ENOSPC).
    const path = join(directory, 'events.jsonl');
    const script = join(directory, 'fill.mts');
    const logModule = fileURLToPath(new URL('../../src/report/event-log.ts', import.meta.url));
    await writeFile(
      script,
      `import { EventLog } from ${JSON.stringify(logModule)};
const log = await EventLog.open(${JSON.stringify(path)});
await log.append(${JSON.stringify(READY)});
// Both at once: the second is queued behind the first and must not be written after it failed.
const outcomes = await Promise.all(
  ['r'.repeat(20000), 'short'].map((reason) =>
    log.append({ type: 'degraded', reason }).then(() => 'written', (error) => error.name + ': ' + error.message),
  ),
);
await log.close();
console.log(JSON.stringify(outcomes));
`,
    );
    const output = await runWithFileSizeLimit(16, [process.execPath, '--import', 'tsx', script]);
    const outcomes = JSON.parse(output) as string[];
    expect(outcomes[0]).toMatch(/^EventLogError: .*cannot write the event log: file too large \(EFBIG\)/);
    expect(outcomes[1]).toMatch(/earlier write failed/);
    await expect(verifyEventLog(path)).resolves.toMatchObject({ intact: true, lines: 1 });
  });
});

function runWithFileSizeLimit(kilobytes: number, command: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const quoted = command.map((part) => `'${part.replace(/'/g, `'\\''`)}'`).join(' ');
    const child = spawn('sh', ['-c', `ulimit -f ${kilobytes} && exec ${quoted}`], {
      cwd: fileURLToPath(new URL('../..', import.meta.url)),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(stdout) : reject(new Error(`exit ${code}: ${stderr}`))));
  });
}

describe('readEventLogKey', () => {
  it('reads the key without its trailing newline', async () => {
    const path = join(directory, 'key');
    await writeFile(path, `${KEY.toString('utf8')}\r\n`);
    expect(await readEventLogKey(path)).toEqual(KEY);
  });

  it('refuses a missing file, a directory and a short key, naming the file', async () => {
    const missing = join(directory, 'missing-key');
    await expect(readEventLogKey(missing)).rejects.toThrow(`${missing}: cannot read the key file: no such file or directory (ENOENT)`);
    await expect(readEventLogKey(directory)).rejects.toThrow(`${directory}: the key file is not a regular file`);
    const short = join(directory, 'short-key');
    await writeFile(short, 'secret\n');
    await expect(readEventLogKey(short)).rejects.toThrow(`${short}: the key is 6 bytes; use at least 16`);
  });
});
