import { lstat, readdir, realpath } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, relative, sep } from 'node:path';
import type { Change } from '../change/change.js';
import { changeFromVersions } from '../change/from-sides.js';
import { checkChange } from '../engine/check-change.js';
import type { Incident } from '../engine/incident.js';
import { RuleIndex } from '../engine/rule-index.js';
import { severityRank, type Severity } from '../engine/rule.js';
import { ScopeCache } from '../engine/scope-cache.js';
import { RepositoryError, SelfmodError } from '../errors.js';
import type { EventRecord, WatchEvent } from '../report/event-chain.js';
import type { EventLog } from '../report/event-log.js';
import { IncidentSpool } from '../report/incident-spool.js';
import { buildReportHeader, type ReportHeader } from '../report/report.js';
import { assembleRules } from '../scan/assemble-rules.js';
import { isSameState, readFileState, stateVersion, statStamp } from '../sources/file-state.js';
import { LiveWatcher } from '../sources/live-watcher.js';
import { TreeSnapshot, type SnapshotOptions } from '../sources/tree-snapshot.js';
import { walkTree } from '../sources/tree-walk.js';
import { ParentCheck } from '../sources/worktree-file.js';
import { TOOL_VERSION } from '../version.js';
import { HistoryWatch } from './history-watch.js';
import { LiveReport } from './live-report.js';
import { PathQueue } from './path-queue.js';
import { compileIgnore, isRefPath } from '../sources/tree-ignore.js';

/** readRegularFile's reason for a file whose size changed while it was read. */
const CHANGING = 'changed while being read';
/** Looks again at a file caught mid-write: after this long, at most this many times. */
const WRITE_RETRY_MS = 25;
const MAX_WRITE_RETRIES = 40;

/** Files larger than this are looked at in their own lane, at most LARGE_FILE_LANES at a time. */
const LARGE_FILE_BYTES = 64 * 1024 * 1024;
const LARGE_FILE_LANES = 2;

/** A change a rescan finds counts as missed by the events when none named its path this recently. */
const EVENT_GRACE_MS = 2_000;

export interface WatchOptions {
  readonly root: string;
  readonly ruleFiles: readonly string[];
  readonly useDefaultRules: boolean;
  readonly configFile: string | null;
  /** null: from the config, else `low`. */
  readonly failOn: Severity | null;
  readonly ignore: readonly string[];
  readonly useDefaultIgnores: boolean;
  /** Seconds between full rescans against the baseline; 0 turns them off. */
  readonly rescanSeconds: number;
  readonly maxCopyBytes: number;
  readonly copyBudgetBytes: number;
  /** Files selfmod writes (report, event log), absolute; left out of the watch when inside it. */
  readonly ownFiles: readonly string[];
}

/** Where a watch sends what it sees; every method must return quickly and never throw. */
export interface WatchListener {
  onReady?(info: { root: string; fileCount: number; isGit: boolean }): void;
  onIncident?(incident: Incident): void;
  onDegraded?(reason: string): void;
  /** A log line that could not be written, and the like: reported, never fatal to the watch. */
  onProblem?(message: string): void;
}

export interface WatchSinks {
  readonly eventLog: EventLog | null;
  /** Gets every line appended to the event log (a webhook). */
  readonly shipEvent: ((record: EventRecord) => void) | null;
  readonly reportFile: string | null;
}

type Reason = 'event' | 'rescan' | 'final';

/**
 * One watch of a directory: a baseline, then every hint from the file system (and every periodic
 * rescan) turned into changes against the last state seen, checked by the rules like a scan's, and
 * recorded in the event log, the report and the listener as they happen.
 */
export class WatchRun {
  readonly startedAt = new Date();
  readonly spool = new IncidentSpool();
  failOn: Severity = 'low';
  private readonly options: WatchOptions;
  private readonly sinks: WatchSinks;
  private readonly listener: WatchListener;
  private readonly degraded: string[] = [];
  private readonly warnings: string[] = [];
  private readonly lastHintAt = new Map<string, number>();
  private readonly scopeCache = new ScopeCache();
  private readonly queue: PathQueue<Reason>;
  private readonly largeQueue: PathQueue<Reason>;
  private ruleIndex: RuleIndex | null = null;
  private rulesLoaded = 0;
  private snapshot: TreeSnapshot | null = null;
  private history: HistoryWatch | null = null;
  private watcher: LiveWatcher | null = null;
  private report: LiveReport | null = null;
  private isIgnored: (path: string, isDirectory: boolean) => boolean = () => false;
  private rescanTimer: NodeJS.Timeout | null = null;
  private rescanning: Promise<void> | null = null;
  private rescans = 0;
  private unannounced: string[] = [];
  private rescanIncidentIds: string[] = [];
  private readonly retries = new Map<string, number>();
  private pendingRetries = 0;
  private hasReportedCopyBudget = false;
  private hasWrittenReady = false;
  private isStopped = false;
  private changesChecked = 0;
  private failure: SelfmodError | null = null;
  private readonly incidentListeners: Array<(incident: Incident) => void> = [];

  constructor(options: WatchOptions, sinks: WatchSinks, listener: WatchListener) {
    this.options = options;
    this.sinks = sinks;
    this.listener = listener;
    const onError = (path: string, error: unknown) => this.problem(`${path}: ${error instanceof Error ? error.message : String(error)}`);
    // A path an event named while a rescan had it queued was announced: it was not missed.
    const merge = (waiting: Reason, next: Reason): Reason => (waiting === 'event' || next === 'event' ? 'event' : waiting);
    this.queue = new PathQueue<Reason>((path, reason) => this.reconcile(path, reason, false), onError, merge);
    // Large files are hashed in a lane of their own, so a few huge (or sparse) files cannot hold
    // every slot while a small edit waits, and is reverted, behind them.
    this.largeQueue = new PathQueue<Reason>((path, reason) => this.reconcile(path, reason, true), onError, merge, LARGE_FILE_LANES);
  }

  /** Resolves once neither lane has work and no file caught mid-write waits for another look. */
  private async settle(): Promise<void> {
    while (this.pendingRetries > 0 || this.queue.pending > 0 || this.largeQueue.pending > 0) {
      await this.queue.idle();
      await this.largeQueue.idle();
      if (this.pendingRetries > 0) await new Promise((resolve) => setTimeout(resolve, WRITE_RETRY_MS));
    }
  }

  /** Calls back on every incident, after it is on disk; for --kill-on. */
  onIncident(callback: (incident: Incident) => void): void {
    this.incidentListeners.push(callback);
  }

  /**
   * Loads the rules, starts the file watcher, takes the baseline and writes the `ready` event.
   * Errors here are the user's to fix (bad rules, a path that is not a directory) and are thrown.
   */
  async start(): Promise<void> {
    try {
      await this.begin();
    } catch (error) {
      // A watcher left running would keep the process alive after the error is printed.
      await this.watcher?.close().catch(() => undefined);
      throw error;
    }
  }

  private async begin(): Promise<void> {
    const root = this.options.root;
    const info = await lstat(root).catch(() => null);
    if (!info?.isDirectory()) throw new RepositoryError(`${root}: ${info ? 'not a directory' : 'no such directory'}`);
    const inside = (file: string) => {
      const path = relative(root, file);
      return path === '' || path === '..' || path.startsWith(`..${sep}`) || isAbsolute(path) ? null : path.split(sep).join('/');
    };
    const ruleSet = await assembleRules({ ...this.options, guardRoot: root }, null);
    this.ruleIndex = new RuleIndex(ruleSet.rules);
    this.rulesLoaded = ruleSet.rules.length;
    this.failOn = this.options.failOn ?? ruleSet.failOn ?? 'low';
    const ownFiles = (await Promise.all(this.options.ownFiles.map(realFile))).flatMap((file) => inside(file) ?? []);
    for (const path of ownFiles) this.warnings.push(`${path} is inside the watched tree, where the agent can reach it; it is not watched`);
    this.isIgnored = compileIgnore({ patterns: this.options.ignore, useDefaults: this.options.useDefaultIgnores, ownFiles });
    if (this.sinks.reportFile) {
      this.report = new LiveReport(this.sinks.reportFile, () => this.header(), this.spool, (error) =>
        this.problem(`cannot write the report: ${error instanceof Error ? error.message : String(error)}`),
      );
    }

    // Events are collected from before the baseline, so nothing between the two goes unseen.
    const early = new Set<string>();
    let isBaselineReady = false;
    this.watcher = new LiveWatcher(root, {
      isIgnored: (path) => !isRefPath(path) && this.isIgnored(path, false),
      onHint: (path) => {
        this.lastHintAt.set(path, Date.now());
        if (isBaselineReady) this.queue.push(path, 'event');
        else early.add(path);
      },
      onTrouble: (reason) => {
        this.markDegraded(reason);
        this.scheduleRescan(0, true);
      },
    });
    await this.watcher.start();
    this.snapshot = await TreeSnapshot.take(root, this.snapshotOptions());
    if (await isGitTop(root)) {
      this.history = await HistoryWatch.start(root, { onChange: async (change) => void (await this.check(change)), at: () => new Date().toISOString() }).catch(
        (error: unknown) => {
          this.warnings.push(`git history is not watched: ${error instanceof Error ? error.message : String(error)}`);
          return null;
        },
      );
    }
    await this.append({ type: 'ready', root, fileCount: this.snapshot.size, startedAt: this.startedAt.toISOString() });
    this.hasWrittenReady = true;
    for (const reason of this.degraded) await this.append({ type: 'degraded', reason });
    isBaselineReady = true;
    this.noteCopyBudget();
    for (const path of early) this.queue.push(path, 'event');
    this.report?.schedule();
    this.listener.onReady?.({ root, fileCount: this.snapshot.size, isGit: this.history !== null });
    this.scheduleRescan(this.options.rescanSeconds * 1000);
  }

  /**
   * Stops watching: closes the watcher, looks at the whole tree once more (the last edits before a
   * command exits may not have raised their events yet), waits for every check, writes `stopped`
   * and the final report.
   */
  async stop(reason: string): Promise<ReportHeader> {
    this.isStopped = true;
    if (this.rescanTimer) clearTimeout(this.rescanTimer);
    this.rescanTimer = null;
    await this.watcher?.close();
    if (this.snapshot) {
      // A periodic rescan under way started before the last edits: the final look is a fresh one.
      await this.rescanning?.catch(() => undefined);
      await this.fullLook('final').catch((error: unknown) => this.problem(`final rescan failed: ${String(error)}`));
    }
    // Files caught mid-write have one more look coming; it must land before the log is closed.
    await this.settle();
    const header = this.header();
    const stopped: WatchEvent = {
      type: 'stopped',
      reason,
      summary: { incidents: this.spool.count, bySeverity: { ...this.spool.bySeverity }, degraded: this.degraded.length, rescans: this.rescans },
    };
    if (this.snapshot) await this.append(stopped);
    await this.report?.flush();
    return header;
  }

  /** Records an error that ends the watch; the report says so. */
  fail(error: SelfmodError): void {
    this.failure ??= error;
  }

  hasIncidentAtOrAbove(severity: Severity): boolean {
    return this.spool.hasAtOrAbove(severity);
  }

  /** The report header as things stand. */
  header(): ReportHeader {
    return buildReportHeader({
      version: TOOL_VERSION,
      target: {
        root: this.options.root,
        mode: 'watch',
        since: null,
        sinceCommit: null,
        head: this.history?.head ?? null,
        shallow: false,
        history: this.history !== null,
        workingTree: true,
      },
      startedAt: this.startedAt,
      finishedAt: new Date(),
      error: this.failure ? { code: this.failure.code, message: this.failure.message } : null,
      warnings: this.warnings,
      degraded: this.degraded,
      commitsScanned: 0,
      changesChecked: this.changesChecked,
      rulesLoaded: this.rulesLoaded,
      ...this.spool.counts(),
    });
  }

  private snapshotOptions(): SnapshotOptions {
    return {
      isIgnored: this.isIgnored,
      warn: (message) => this.problem(message),
      maxCopyBytes: this.options.maxCopyBytes,
      copyBudgetBytes: this.options.copyBudgetBytes,
    };
  }

  /** Looks at one path again and turns any difference from the last state seen into a change. */
  private async reconcile(path: string, reason: Reason, isLargeLane: boolean): Promise<void> {
    const snapshot = this.snapshot;
    if (!snapshot) return;
    if (isRefPath(path)) {
      await this.checkHistory();
      return;
    }
    if (this.isIgnored(path, false)) return;
    const root = this.options.root;
    const info = await lstat(join(root, path)).catch(() => null);
    if (!isLargeLane && info?.isFile() && info.size > LARGE_FILE_BYTES) {
      this.largeQueue.push(path, reason);
      return;
    }
    if (info?.isDirectory() || (!info && snapshot.hasDirectory(path))) {
      if (path !== '' && this.isIgnored(path, true)) return;
      await this.reconcileDirectory(path, info !== null, reason);
      if (!snapshot.get(path)) return;
    }
    const before = snapshot.get(path) ?? null;
    const parents = new ParentCheck(root);
    const { state, bytes } = await readFileState(root, path, {
      maxCopyBytes: this.options.maxCopyBytes,
      budget: snapshot.budget,
      parents,
      previous: before,
    });
    if (before === null && state === null && reason === 'event' && !info && (await isBrieflyPresent(root, path, parents))) {
      await this.check(briefFileChange(path, new Date().toISOString()));
      return;
    }
    if (state?.type === 'unreadable' && state.reason === CHANGING && this.retryLater(path, reason)) return;
    this.retries.delete(path);
    if (isSameState(before, state)) {
      // Same content; keep the newer stamp so the next rescan can skip it.
      if (state) snapshot.refresh(path, state);
      return;
    }
    const at = new Date().toISOString();
    const change = changeFromVersions({
      before: before ? stateVersion(path, before) : null,
      after: state ? stateVersion(path, state, bytes, root) : null,
      origin: { kind: 'live', at },
    });
    snapshot.set(path, state);
    this.noteCopyBudget();
    const incidents = await this.check(change);
    if (reason === 'rescan') {
      this.unannounced.push(path);
      for (const incident of incidents) this.rescanIncidentIds.push(incident.id);
    }
  }

  /**
   * A directory named by an event: a new one is walked whole; one that went takes everything known
   * inside it along; a known one is listed and compared with what is known directly in it (files
   * whose stat stamp is unchanged are not read again), since its children have events of their own.
   */
  private async reconcileDirectory(directory: string, exists: boolean, reason: Reason): Promise<void> {
    const snapshot = this.snapshot;
    if (!snapshot) return;
    const root = this.options.root;
    if (!exists) {
      for (const child of snapshot.pathsUnder(directory)) this.queue.push(child, reason);
      return;
    }
    if (!snapshot.hasDirectory(directory) && directory !== '') {
      for (const child of await walkTree(root, this.snapshotOptions(), directory)) this.queue.push(child, reason);
      return;
    }
    const entries = await readdir(join(root, directory), { withFileTypes: true }).catch(() => []);
    const listed = new Set<string>();
    for (const entry of entries) {
      const child = directory === '' ? entry.name : `${directory}/${entry.name}`;
      listed.add(child);
      const isDirectory = entry.isDirectory();
      if (this.isIgnored(child, isDirectory)) continue;
      if (isDirectory) {
        if (!snapshot.hasDirectory(child)) this.queue.push(child, reason);
        continue;
      }
      const state = snapshot.get(child);
      const stamp = state && state.type !== 'unreadable' ? state.stamp : null;
      if (stamp === null || (await statStamp(root, child)) !== stamp) this.queue.push(child, reason);
    }
    for (const known of [...snapshot.pathsIn(directory), ...snapshot.directoriesIn(directory)]) {
      if (!listed.has(known)) this.queue.push(known, reason);
    }
  }

  /** Looks at git's refs; a look that fails leaves commits unread, so the watch says it is degraded. */
  private async checkHistory(): Promise<void> {
    try {
      await this.history?.check();
    } catch (error) {
      this.markDegraded(`git history could not be read (${error instanceof Error ? error.message.split('\n')[0] : String(error)}); new commits may be unscanned until a later look succeeds`);
    }
  }

  /** Says once, as a degradation, that text copies no longer fit (diffs of some files are lost). */
  private noteCopyBudget(): void {
    if (!this.snapshot?.budget.hasRunOut || this.hasReportedCopyBudget) return;
    this.hasReportedCopyBudget = true;
    this.markDegraded('text copies reached --copy-limit: edits of files without a copy are compared by digest and reported without their lines');
  }

  /**
   * A file caught in the middle of a write is looked at again shortly instead of being recorded as
   * unreadable, so the change is diffed against the last whole version seen. Gives up (and records
   * it unreadable) only for a file that keeps changing.
   */
  private retryLater(path: string, reason: Reason): boolean {
    const count = this.retries.get(path) ?? 0;
    if (count >= MAX_WRITE_RETRIES || this.isStopped) return false;
    this.retries.set(path, count + 1);
    this.pendingRetries++;
    setTimeout(() => {
      this.pendingRetries--;
      this.queue.push(path, reason);
    }, WRITE_RETRY_MS).unref();
    return true;
  }

  private async check(change: Change): Promise<Incident[]> {
    if (!this.ruleIndex) return [];
    this.changesChecked++;
    const selection = this.ruleIndex.selectionFor(change);
    const incidents = await checkChange(change, selection.rules, this.scopeCache, selection.pathAnswers);
    for (const incident of incidents) await this.record(incident);
    return incidents;
  }

  private async record(incident: Incident): Promise<void> {
    this.spool.add(incident);
    await this.append({ type: 'incident', incident });
    this.listener.onIncident?.(incident);
    for (const callback of this.incidentListeners) callback(incident);
    this.report?.schedule();
  }

  /** Marks the watch degraded from outside (a webhook that lost events). */
  degrade(reason: string): void {
    this.markDegraded(reason);
  }

  private markDegraded(reason: string): void {
    if (this.degraded.includes(reason)) return;
    this.degraded.push(reason);
    this.listener.onDegraded?.(reason);
    // The log's first line must be `ready`; a degradation before it is written right after it.
    if (this.hasWrittenReady) void this.append({ type: 'degraded', reason });
    this.report?.schedule();
  }

  /** Appends to the event log and ships the line; a failure is reported, never thrown. */
  private async append(event: WatchEvent): Promise<void> {
    const log = this.sinks.eventLog;
    if (!log) return;
    try {
      const appended = await log.append(event);
      this.sinks.shipEvent?.(appended.record);
    } catch (error) {
      this.problem(`event log: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  private problem(message: string): void {
    if (!this.warnings.includes(message)) this.warnings.push(message);
    this.listener.onProblem?.(message);
  }

  /** Schedules the next periodic rescan, or with `isOnce` a single one (after a watcher error). */
  private scheduleRescan(delayMs: number, isOnce = false): void {
    const isPeriodic = this.options.rescanSeconds > 0;
    if (!isPeriodic && !isOnce) return;
    if (this.rescanTimer) clearTimeout(this.rescanTimer);
    this.rescanTimer = setTimeout(() => {
      this.rescanTimer = null;
      void this.rescan('rescan')
        .catch((error: unknown) => this.problem(`rescan failed: ${error instanceof Error ? error.message : String(error)}`))
        .finally(() => {
          if (!this.isStopped && isPeriodic) this.scheduleRescan(this.options.rescanSeconds * 1000);
        });
    }, delayMs);
    this.rescanTimer.unref();
  }

  /**
   * Compares the whole tree with the states last seen. Paths whose stat stamp is unchanged are not
   * read again; anything else goes through the same queue as events do.
   */
  private rescan(reason: 'rescan' | 'final'): Promise<void> {
    this.rescanning ??= this.fullLook(reason).finally(() => {
      this.rescanning = null;
    });
    return this.rescanning;
  }

  private async fullLook(reason: 'rescan' | 'final'): Promise<void> {
    const snapshot = this.snapshot;
    if (!snapshot) return;
    const root = this.options.root;
    const startedAt = Date.now();
    this.unannounced = [];
    this.rescanIncidentIds = [];
    const current = await walkTree(root, this.snapshotOptions());
    const known = snapshot.paths();
    for (const path of new Set([...current, ...known])) {
      const state = snapshot.get(path);
      const stamp = state && state.type !== 'unreadable' ? state.stamp : null;
      if (stamp !== null && (await statStamp(root, path)) === stamp) continue;
      this.queue.push(path, reason);
    }
    await this.settle();
    await this.checkHistory();
    if (reason === 'final') return;
    this.rescans++;
    // A change the rescan found counts as missed only if no event named it around that time.
    const missed = this.unannounced.filter((path) => (this.lastHintAt.get(path) ?? 0) < startedAt - EVENT_GRACE_MS);
    await this.append({ type: 'rescan', fileCount: snapshot.size, missedChanges: missed.length, incidentIds: this.rescanIncidentIds });
    if (missed.length > 0) {
      this.markDegraded(`a rescan found ${missed.length} change(s) no file event announced (first: ${missed[0]})`);
    }
  }
}

/**
 * Whether an event named a file that is gone before it could be read: its directory is there, the
 * name is not. A file created and deleted at once is still an edit that happened (a script run and
 * removed, a hook planted for one commit); what it held is unknown.
 */
async function isBrieflyPresent(root: string, path: string, parents: ParentCheck): Promise<boolean> {
  if (!(await parents.isRealDirectoryChain(dirname(path)))) return false;
  const error = await lstat(join(root, path)).then(
    () => null,
    (failure: NodeJS.ErrnoException) => failure.code,
  );
  return error === 'ENOENT';
}

function briefFileChange(path: string, at: string): Change {
  return changeFromVersions({
    before: null,
    after: { path, mode: '100644', bytes: null, sha256: null, size: null, unreadableReason: 'created and removed before it could be read' },
    origin: { kind: 'live', at },
  });
}

/** A file's path with symlinks resolved; for one that does not exist yet, its directory's. */
async function realFile(file: string): Promise<string> {
  const real = await realpath(file).catch(() => null);
  if (real) return real;
  const directory = await realpath(dirname(file)).catch(() => dirname(file));
  return join(directory, basename(file));
}

/** Whether `root` is the top of a git repository (history is watched only then). */
async function isGitTop(root: string): Promise<boolean> {
  const info = await lstat(join(root, '.git')).catch(() => null);
  return info !== null && (info.isDirectory() || info.isFile());
}

/** The directory a watch runs on, absolute and with symlinks resolved. */
export async function resolveWatchRoot(path: string): Promise<string> {
  try {
    return await realpath(path);
  } catch {
    throw new RepositoryError(`${path}: no such directory`);
  }
}

/** Whether an incident is at or above a severity. */
export function isAtOrAbove(incident: Incident, severity: Severity): boolean {
  return severityRank(incident.severity) >= severityRank(severity);
}
