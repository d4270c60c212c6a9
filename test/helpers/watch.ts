import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Incident } from '../../src/engine/incident.js';
import { EventLog } from '../../src/report/event-log.js';
import type { ReportHeader } from '../../src/report/report.js';
import { WatchRun, type WatchOptions } from '../../src/watch/run-watch.js';

/** A real watch on a real directory, in this process, with its incidents collected as they come. */
export interface TestWatch {
  readonly run: WatchRun;
  readonly incidents: Incident[];
  readonly degraded: string[];
  readonly eventsFile: string;
  /** Resolves once an incident passes `predicate`; rejects after `waitMs` listing what was seen. */
  waitFor(predicate: (incident: Incident) => boolean, what: string, waitMs?: number): Promise<Incident>;
  stop(): Promise<ReportHeader>;
}

/** Generous: this bounds a hang, it measures nothing. */
const WAIT_MS = 20_000;

export async function startTestWatch(root: string, overrides: Partial<WatchOptions> = {}): Promise<TestWatch> {
  const scratch = await mkdtemp(join(tmpdir(), 'selfmod-watch-test-'));
  const eventsFile = join(scratch, 'events.jsonl');
  const eventLog = await EventLog.open(eventsFile);
  const incidents: Incident[] = [];
  const degraded: string[] = [];
  const waiters = new Set<() => void>();
  const run = new WatchRun(
    {
      root,
      ruleFiles: [],
      useDefaultRules: true,
      configFile: null,
      failOn: null,
      ignore: [],
      useDefaultIgnores: true,
      rescanSeconds: 0,
      maxCopyBytes: 1024 * 1024,
      copyBudgetBytes: 64 * 1024 * 1024,
      ownFiles: [],
      ...overrides,
    },
    { eventLog, shipEvent: null, reportFile: null },
    {
      onIncident: (incident) => {
        incidents.push(incident);
        for (const wake of waiters) wake();
      },
      onDegraded: (reason) => degraded.push(reason),
    },
  );
  await run.start();
  let stopped: Promise<ReportHeader> | null = null;
  return {
    run,
    incidents,
    degraded,
    eventsFile,
    waitFor(predicate, what, waitMs = WAIT_MS) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = incidents.find(predicate);
          if (!found) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve(found);
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          const seen = incidents.map((incident) => `${incident.ruleId} ${incident.file} ${incident.change}`).join('; ');
          reject(new Error(`no incident for ${what}; seen: ${seen || 'none'}`));
        }, waitMs);
        waiters.add(check);
        check();
      });
    },
    stop() {
      stopped ??= (async () => {
        const header = await run.stop('test finished');
        await eventLog.close();
        run.spool.close();
        return header;
      })();
      return stopped;
    },
  };
}

export async function removeScratch(path: string): Promise<void> {
  await rm(path, { recursive: true, force: true });
}
