import { resolve } from 'node:path';
import type { Incident } from '../engine/incident.js';
import type { Severity } from '../engine/rule.js';
import { SelfmodError, UsageError } from '../errors.js';
import { EventLog, readEventLogKey } from '../report/event-log.js';
import { formatLiveIncident } from '../report/format-text.js';
import { describeWebhookProblem, parseWebhookUrl, WebhookShipper } from '../report/webhook.js';
import { formatIncidentJson } from '../report/write-json.js';
import { terminalSafe } from '../util/terminal-safe.js';
import { AgentCommand, shellExitCode, type CommandExit } from '../watch/agent-command.js';
import { isAtOrAbove, resolveWatchRoot, WatchRun } from '../watch/run-watch.js';
import { parseMegabytes, parseSeconds } from './flag-values.js';
import type { CommandIo } from './io.js';

export interface WatchFlags {
  readonly rules: string[];
  readonly defaultRules: boolean;
  readonly config?: string;
  readonly failOn?: Severity;
  readonly killOn?: Severity;
  readonly rescan: string;
  readonly ignore: string[];
  readonly defaultIgnores: boolean;
  readonly events?: string;
  readonly keyFile?: string;
  readonly webhook?: string;
  readonly output?: string;
  readonly format?: 'text' | 'json';
  readonly copyLimit: string;
}

/** Text files up to this size keep a copy for diffs; the total is capped by --copy-limit. */
const MAX_COPY_BYTES = 1024 * 1024;
/** How long events still queued for the webhook may take to go out at exit. */
const WEBHOOK_DRAIN_MS = 5_000;

/**
 * `selfmod watch [path] [-- command…]`: watches until interrupted or until the command exits.
 * Returns 1 when an incident reached --fail-on, else the command's own exit code (0 without one).
 */
export async function watchCommand(
  path: string,
  flags: WatchFlags,
  command: readonly string[],
  io: CommandIo,
  signal: AbortSignal,
): Promise<number> {
  const rescanSeconds = parseSeconds('--rescan', flags.rescan, 'a number of seconds (0 turns rescans off)');
  const copyBudgetBytes = parseMegabytes('--copy-limit', flags.copyLimit);
  if (flags.killOn && command.length === 0) throw new UsageError('--kill-on: needs a command to stop (selfmod watch [path] -- <command…>)');
  const webhookUrl = flags.webhook === undefined ? null : parseWebhookUrl(flags.webhook);
  const root = await resolveWatchRoot(path);
  // The key is read before anything runs: the agent must not get a chance to swap it.
  const key = flags.keyFile ? await readEventLogKey(flags.keyFile) : null;
  const eventLog = flags.events ? await EventLog.open(flags.events, { key }) : null;
  let run: WatchRun | null = null;
  const reportedProblems = new Set<string>();
  const webhook = webhookUrl
    ? new WebhookShipper({
        url: webhookUrl,
        onProblem: (problem) => {
          // A lost delivery means the central log misses an event: the watch can no longer promise it.
          if (problem.kind === 'attempt-failed' || reportedProblems.has(problem.kind)) return;
          reportedProblems.add(problem.kind);
          run?.degrade(`${describeWebhookProblem(problem)}; later losses of this kind are counted at exit`);
        },
      })
    : null;
  const print = (text: string) => void io.stdout.write(text);
  const notice = (text: string) => void io.stderr.write(`selfmod: ${terminalSafe(text)}\n`);
  run = new WatchRun(
    {
      root,
      ruleFiles: flags.rules,
      useDefaultRules: flags.defaultRules,
      configFile: flags.config ?? null,
      failOn: flags.failOn ?? null,
      ignore: flags.ignore,
      useDefaultIgnores: flags.defaultIgnores,
      rescanSeconds,
      maxCopyBytes: MAX_COPY_BYTES,
      copyBudgetBytes,
      ownFiles: [flags.events, flags.output, flags.keyFile].filter((file): file is string => Boolean(file)).map((file) => resolve(file)),
    },
    { eventLog, shipEvent: webhook ? (record) => webhook.enqueue(record) : null, reportFile: flags.output ?? null },
    {
      onReady: ({ fileCount, isGit }) =>
        notice(`watching ${root}: ${fileCount} files${isGit ? ' and git history' : ''}${command.length > 0 ? `; running ${command.join(' ')}` : '; stop with Ctrl-C'}`),
      onIncident: (incident: Incident) =>
        print(flags.format === 'json' ? `${formatIncidentJson(incident)}\n` : formatLiveIncident(incident, { color: io.color })),
      onDegraded: (reason) => notice(`degraded: ${reason}`),
      onProblem: (message) => notice(`warning: ${message}`),
    },
  );
  try {
    await run.start();
  } catch (error) {
    await eventLog?.close().catch(() => undefined);
    await webhook?.close({ drainMs: 0 });
    run.spool.close();
    throw error;
  }
  const watching = run;

  let agent: AgentCommand | null = null;
  let stopReason = 'interrupted';
  try {
    // An interrupt during the baseline stops the watch before the command ever starts.
    if (command.length > 0 && !signal.aborted) {
      agent = await AgentCommand.start(command, process.cwd());
      const started = agent;
      watching.onIncident((incident) => {
        if (flags.killOn && isAtOrAbove(incident, flags.killOn) && !stopReason.startsWith('command stopped')) {
          stopReason = `command stopped: ${incident.severity} incident ${incident.ruleId} on ${incident.file}`;
          void started.stop();
        }
      });
    }
    const exit = await untilDone(agent, signal);
    if (exit === 'interrupted') stopReason = `interrupted (${String(signal.reason ?? 'signal')})`;
    else if (!stopReason.startsWith('command stopped')) stopReason = `command exited (${describeExit(exit)})`;
  } catch (error) {
    if (!(error instanceof SelfmodError)) throw error;
    watching.fail(error);
    stopReason = error.message;
  }
  const commandExit = agent ? await agent.stop() : null;
  const header = await watching.stop(stopReason);
  await eventLog?.close().catch((error: unknown) => notice(`warning: ${error instanceof Error ? error.message : String(error)}`));
  const delivery = await webhook?.close({ drainMs: WEBHOOK_DRAIN_MS });
  if (delivery && delivery.pending + delivery.dropped + delivery.failed > 0) {
    notice(`warning: webhook: ${delivery.pending} event(s) undelivered at exit, ${delivery.dropped} dropped, ${delivery.failed} failed`);
  }
  watching.spool.close();
  notice(`stopped (${stopReason}): ${header.summary.total} incident(s)${header.degraded.length > 0 ? `, degraded: ${header.degraded.join('; ')}` : ''}`);
  if (header.error) throw new SelfmodError(header.error.code, header.error.message);
  if (watching.hasIncidentAtOrAbove(watching.failOn)) return 1;
  return commandExit ? shellExitCode(commandExit) : 0;
}

/** Waits for the command to exit or for an interrupt, whichever comes first. */
function untilDone(agent: AgentCommand | null, signal: AbortSignal): Promise<CommandExit | 'interrupted'> {
  return new Promise((resolvePromise) => {
    if (signal.aborted) {
      resolvePromise('interrupted');
      return;
    }
    signal.addEventListener('abort', () => resolvePromise('interrupted'), { once: true });
    void agent?.exited.then((exit) => resolvePromise(exit));
  });
}

function describeExit(exit: CommandExit): string {
  return exit.code !== null ? `code ${exit.code}` : `signal ${exit.signal ?? 'unknown'}`;
}
