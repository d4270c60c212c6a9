import { Command, CommanderError, Option } from 'commander';
import type { ScanFlags } from './commands/scan.js';
import type { SnapshotFlags } from './commands/snapshot.js';
import type { WatchFlags } from './commands/watch.js';
import type { CommandIo } from './commands/io.js';
import { SEVERITIES } from './engine/rule.js';
import { SelfmodError, UsageError } from './errors.js';
import { limitHeapGrowth } from './util/heap-growth.js';
import { terminalSafe } from './util/terminal-safe.js';
import { TOOL_VERSION } from './version.js';

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/**
 * Whether to colour output: the last of `--color` and `--no-color` among selfmod's own arguments
 * (not those of a command run under `watch --`), else a non-empty NO_COLOR says no and FORCE_COLOR
 * yes (no when it is `0` or `false`, as Node and chalk read it), else whether stdout is a terminal.
 * A flag outranks the environment, as NO_COLOR asks.
 */
function wantsColor(ownArgv: readonly string[]): boolean {
  const flag = ownArgv.findLast((arg) => arg === '--color' || arg === '--no-color');
  if (flag !== undefined) return flag === '--color';
  if (process.env['NO_COLOR']) return false;
  const force = process.env['FORCE_COLOR'];
  if (force !== undefined) return force !== '0' && force !== 'false';
  return Boolean(process.stdout.isTTY);
}

/**
 * Runs a command with an AbortSignal that SIGINT and SIGTERM trigger, so a long scan stops cleanly
 * and still writes what it found instead of dying mid-way.
 */
async function withInterruptSignal<T>(work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const onSignal = (name: NodeJS.Signals) => controller.abort(name);
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    return await work(controller.signal);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/** Splits `selfmod watch … -- <command…>` into selfmod's own arguments and the command to run. */
function splitCommand(argv: readonly string[]): { argv: readonly string[]; command: readonly string[] } {
  const separator = argv.indexOf('--', 2);
  if (separator === -1) return { argv, command: [] };
  return { argv: argv.slice(0, separator), command: argv.slice(separator + 1) };
}

/**
 * Parses argv and runs one command. The only place that knows about argv, the process streams and
 * exit codes: returns 0, 1 or 2 and leaves exiting to bin/.
 */
export async function run(argv: readonly string[], io?: CommandIo): Promise<number> {
  const { argv: ownArgv, command } = splitCommand(argv);
  const streams: CommandIo = io ?? { stdout: process.stdout, stderr: process.stderr, color: wantsColor(ownArgv) };
  if (!io) {
    // Run as the program (not called by a test with its own streams): the whole process is selfmod's.
    limitHeapGrowth();
    // Write errors reach each command through writeOut's callback; without a listener, the stream's
    // own 'error' event (EPIPE after `| head`) would crash the process with exit code 1.
    process.stdout.on('error', () => undefined);
    process.stderr.on('error', () => undefined);
  }
  let exitCode = 0;
  const program = new Command('selfmod')
    .description('Catches an AI agent modifying itself: flags edits to training, reward, weights, inference and oversight code.')
    .version(TOOL_VERSION)
    .option('--color', 'force coloured output')
    .option('--no-color', 'never colour output')
    .exitOverride()
    .configureOutput({
      writeOut: (text) => streams.stdout.write(text),
      writeErr: (text) => streams.stderr.write(text),
    })
    .showHelpAfterError('(run selfmod --help for usage)');

  program
    .command('scan')
    .description('scan git history and the working tree for self-modification')
    .argument('[path]', 'repository to scan', '.')
    .option('--since <rev>', 'scan only commits after <rev> (rev..HEAD); its .selfmod.yml configures the scan')
    .option('--against <manifest>', 'compare the directory with a snapshot manifest instead of reading git (no git needed)')
    .option('--no-history', 'skip git history')
    .option('--no-working-tree', 'skip staged, unstaged and untracked changes')
    .option('--rules <file|dir>', 'add rule files (repeatable)', collect, [] as string[])
    .option('--no-default-rules', 'do not load the built-in rules')
    .option('--config <file>', 'read a config file (same format as .selfmod.yml)')
    .option('--output <file>', 'write the JSON report to <file> (atomically)')
    .option('--sarif <file>', 'write a SARIF 2.1.0 log to <file> (atomically), for code scanning')
    .addOption(new Option('--format <format>', 'stdout format (default: text on a terminal, else json)').choices(['text', 'json', 'sarif']))
    .addOption(new Option('--fail-on <severity>', 'lowest severity that makes the exit code 1 (default: low)').choices([...SEVERITIES]))
    .action(async (path: string, flags: ScanFlags) => {
      // Each command's modules load when it runs: a scan does not pay at start-up for the watcher's.
      const { scanCommand } = await import('./commands/scan.js');
      exitCode = await withInterruptSignal((signal) => scanCommand(path, flags, streams, signal));
    });

  program
    .command('watch')
    .description('watch a directory live and report self-modification the moment it happens; with -- <command…>, run the agent under watch')
    .argument('[path]', 'directory to watch', '.')
    .usage('[options] [path] [-- <command…>]')
    .option('--rules <file|dir>', 'add rule files (repeatable)', collect, [] as string[])
    .option('--no-default-rules', 'do not load the built-in rules')
    .option('--config <file>', 'read a config file, once, at start (keep it outside the watched tree)')
    .option('--events <file>', 'append every event to a hash-chained JSON Lines log (a new file)')
    .option('--key-file <file>', 'HMAC every event-log line with the key in <file> (keep it outside the watched tree)')
    .option('--output <file>', 'keep an up-to-date JSON report in <file> (rewritten atomically)')
    .option('--webhook <url>', 'POST every event as JSON to <url>, with retries, never holding up detection')
    .option('--rescan <seconds>', 'seconds between full rescans that catch what file events missed (0: off)', '15')
    .option('--ignore <glob>', 'do not watch paths matching <glob> (repeatable; dir/ for a directory)', collect, [] as string[])
    .option('--no-default-ignores', 'also watch node_modules/ and tool caches')
    .option('--copy-limit <MB>', 'megabytes of text-file copies kept in memory for diffs', '64')
    .addOption(new Option('--format <format>', 'how incidents are printed on stdout').choices(['text', 'json']))
    .addOption(new Option('--fail-on <severity>', 'lowest severity that makes the exit code 1 (default: low)').choices([...SEVERITIES]))
    .addOption(new Option('--kill-on <severity>', 'stop the command (SIGTERM, then SIGKILL) on the first incident this severe').choices([...SEVERITIES]))
    .action(async (path: string, flags: WatchFlags) => {
      const { watchCommand } = await import('./commands/watch.js');
      exitCode = await withInterruptSignal((signal) => watchCommand(path, flags, command, streams, signal));
    });

  program
    .command('snapshot')
    .description('record every file of a directory (states and text copies) for a later scan --against')
    .argument('[path]', 'directory to record', '.')
    .requiredOption('--output <manifest>', 'where to write the manifest (keep it outside the directory)')
    .option('--ignore <glob>', 'leave out paths matching <glob> (repeatable; dir/ for a directory)', collect, [] as string[])
    .option('--no-default-ignores', 'also record node_modules/ and tool caches')
    .option('--copy-limit <MB>', 'megabytes of text-file copies kept for diffs', '256')
    .action(async (path: string, flags: SnapshotFlags) => {
      const { snapshotCommand } = await import('./commands/snapshot.js');
      exitCode = await snapshotCommand(path, flags, streams);
    });

  program
    .command('verify')
    .description("check a watch's event log: the hash chain, and the HMACs given the key")
    .argument('<events-file>', 'the log written by selfmod watch --events')
    .option('--key-file <file>', 'the key given to selfmod watch --key-file')
    .action(async (eventsFile: string, flags: { keyFile?: string }) => {
      const { runVerify } = await import('./commands/verify.js');
      const outcome = await runVerify({ eventsFile, keyFile: flags.keyFile ?? null });
      streams.stdout.write(`${outcome.lines.join('\n')}\n`);
      exitCode = outcome.exitCode;
    });

  const rules = program.command('rules').description('list and test rules');
  rules
    .command('list')
    .description('list the rules a scan would load')
    .option('--rules <file|dir>', 'add rule files (repeatable)', collect, [] as string[])
    .option('--no-default-rules', 'do not list the built-in rules')
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'))
    .action(async (flags: { rules: string[]; defaultRules: boolean; format: 'text' | 'json' }) => {
      const { rulesListCommand } = await import('./commands/rules.js');
      exitCode = await rulesListCommand(flags, streams);
    });
  rules
    .command('test')
    .description("run rules' own examples (the built-in rules when no path is given)")
    .argument('[paths...]', 'rule files or directories')
    .option('--default-rules', 'also test the built-in rules when paths are given', false)
    .action(async (paths: string[], flags: { defaultRules: boolean }) => {
      const { rulesTestCommand } = await import('./commands/rules.js');
      exitCode = await rulesTestCommand(paths, flags, streams);
    });

  program
    .command('demo')
    .description('replay a scripted agent session in a throwaway repository and scan it')
    .option('--output <file>', 'where to write the JSON report', 'selfmod-demo-report.json')
    .option('--keep', 'keep the sandbox repository and print its path')
    .action(async (flags: { output: string; keep?: boolean }) => {
      const { demoCommand } = await import('./commands/demo.js');
      exitCode = await demoCommand(flags, streams);
    });

  try {
    if (command.length > 0 && !ownArgv.includes('watch')) throw new UsageError('-- <command…> is only for selfmod watch');
    await program.parseAsync([...ownArgv], { from: 'node' });
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Commander has already printed its message; help and version are not errors.
      return error.exitCode === 0 ? 0 : 2;
    }
    if (error instanceof SelfmodError) {
      streams.stderr.write(`selfmod: ${terminalSafe(error.message)}\n`);
      return 2;
    }
    streams.stderr.write(`selfmod: internal error\n${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    return 2;
  }
}
