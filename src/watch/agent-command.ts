import { spawn, type ChildProcess } from 'node:child_process';
import { constants } from 'node:os';
import { SelfmodError } from '../errors.js';

/** How long a command has to exit after SIGTERM before it gets SIGKILL. */
export const KILL_GRACE_MS = 5_000;

export interface CommandExit {
  /** The exit code, or null when a signal ended it. */
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/**
 * The command a watch runs (`selfmod watch -- <command…>`), in a process group of its own so that
 * stopping it reaches every process it started, not just the first.
 */
export class AgentCommand {
  readonly exited: Promise<CommandExit>;
  private readonly child: ChildProcess;
  private hasExited = false;

  private constructor(child: ChildProcess, exited: Promise<CommandExit>) {
    this.child = child;
    this.exited = exited;
    void exited.finally(() => {
      this.hasExited = true;
    });
  }

  /** Starts the command; rejects with a one-line error when it cannot be started at all. */
  static start(argv: readonly string[], cwd: string): Promise<AgentCommand> {
    const [file, ...args] = argv;
    if (file === undefined) return Promise.reject(new SelfmodError('usage', 'watch: nothing to run after --'));
    return new Promise((resolve, reject) => {
      const child = spawn(file, args, { cwd, stdio: 'inherit', detached: true });
      const exited = new Promise<CommandExit>((resolveExit) => {
        child.once('exit', (code, signal) => resolveExit({ code, signal }));
      });
      child.once('error', (error: NodeJS.ErrnoException) => {
        reject(new SelfmodError('command', `cannot run ${file}: ${error.code === 'ENOENT' ? 'command not found' : (error.code ?? error.message)}`, { cause: error }));
      });
      child.once('spawn', () => resolve(new AgentCommand(child, exited)));
    });
  }

  /** SIGTERM to the whole group, then SIGKILL if it is still there after the grace period. */
  async stop(graceMs = KILL_GRACE_MS): Promise<CommandExit> {
    if (!this.hasExited) {
      this.signalGroup('SIGTERM');
      const timer = setTimeout(() => this.signalGroup('SIGKILL'), graceMs);
      try {
        await this.exited;
      } finally {
        clearTimeout(timer);
      }
    }
    // Children the command left behind are stopped too; they are still in its group.
    this.signalGroup('SIGKILL');
    return this.exited;
  }

  private signalGroup(signal: NodeJS.Signals): void {
    const pid = this.child.pid;
    if (pid === undefined) return;
    try {
      process.kill(-pid, signal);
    } catch {
      // ESRCH: the group is already gone.
    }
  }
}

/** The exit code a shell would give for a command's exit: 128 + the signal's number when a signal ended it. */
export function shellExitCode(exit: CommandExit): number {
  if (exit.code !== null) return exit.code;
  return 128 + (exit.signal ? (constants.signals[exit.signal] ?? 1) : 1);
}
