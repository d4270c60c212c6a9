import { spawn } from 'node:child_process';
import { GitError } from '../errors.js';
import { splitLineBatches, type LineBatch } from '../util/split-lines.js';

/** The environment and directory of one hardened git invocation (see hardening.ts). */
export interface GitInvocation {
  readonly cwd: string;
  readonly env: Record<string, string>;
}

/**
 * How long a short git call may take, and how long a streaming one may go without output, before it
 * is killed. A last resort: a FIFO or device where git reads a file makes it block forever, and a
 * scan that never ends would hide everything after it.
 */
export const GIT_CALL_TIMEOUT_MS = 120_000;
export const GIT_STALL_TIMEOUT_MS = 300_000;

/** stderr text for a git call we stopped; GitError puts "git <command> failed:" before it. */
function stalledMessage(ms: number): string {
  return `no progress for ${ms / 1000} s, stopped (is a FIFO or device planted where git reads a file?)`;
}

/** Flags that every git call gets before its sub-command. */
const GLOBAL_FLAGS = ['--no-pager', '--no-optional-locks', '--literal-pathspecs'];

export interface GitResult {
  readonly stdout: Buffer;
  readonly stderr: string;
  readonly exitCode: number;
}

/**
 * Runs git to completion and returns its output. Rejects with GitError when git exits non-zero,
 * unless `okExitCodes` lists that code (some plumbing uses 1 for "not found").
 */
export function runGit(
  invocation: GitInvocation,
  args: readonly string[],
  options: { okExitCodes?: readonly number[]; input?: string; timeoutMs?: number } = {},
): Promise<GitResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', [...GLOBAL_FLAGS, ...args], {
      cwd: invocation.cwd,
      env: invocation.env,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const timeoutMs = options.timeoutMs ?? GIT_CALL_TIMEOUT_MS;
    let isTimedOut = false;
    const timer = setTimeout(() => {
      isTimedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    child.on('error', (error) => reject(new GitError(args, `cannot run git: ${error.message}`, null)));
    child.on('close', (code) => {
      clearTimeout(timer);
      if (isTimedOut) {
        reject(new GitError(args, stalledMessage(timeoutMs), null));
        return;
      }
      const exitCode = code ?? -1;
      const stderrText = Buffer.concat(stderr).toString('utf8');
      if (exitCode !== 0 && !(options.okExitCodes ?? []).includes(exitCode)) {
        reject(new GitError(args, stderrText, exitCode));
        return;
      }
      resolve({ stdout: Buffer.concat(stdout), stderr: stderrText, exitCode });
    });
    child.stdin.on('error', () => {
      // git may exit before reading its input; its exit status tells what happened.
    });
    child.stdin.end(options.input ?? '');
  });
}

/**
 * Runs git and yields its standard output line by line as it arrives. The generator throws GitError
 * after the last line if git failed, and kills git if the consumer stops early.
 */
export async function* streamGitLines(
  invocation: GitInvocation,
  args: readonly string[],
  stallTimeoutMs = GIT_STALL_TIMEOUT_MS,
): AsyncGenerator<string> {
  for await (const batch of streamGitLineBatches(invocation, args, stallTimeoutMs)) yield* batch.lines();
}

/**
 * As streamGitLines, but yields the lines of each chunk of output together, decoded as they are read
 * (see LineBatch), for consumers of long outputs such as `git log -p`.
 */
export async function* streamGitLineBatches(
  invocation: GitInvocation,
  args: readonly string[],
  stallTimeoutMs = GIT_STALL_TIMEOUT_MS,
): AsyncGenerator<LineBatch> {
  const child = spawn('git', [...GLOBAL_FLAGS, ...args], {
    cwd: invocation.cwd,
    env: invocation.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stderr: Buffer[] = [];
  let stderrBytes = 0;
  child.stderr.on('data', (chunk: Buffer) => {
    // Keep only the start: git's first lines say what went wrong.
    if (stderrBytes < 64 * 1024) stderr.push(chunk);
    stderrBytes += chunk.length;
  });
  let spawnError: Error | null = null;
  const exited = new Promise<number>((resolve) => {
    child.on('error', (error) => {
      spawnError = error;
      resolve(-1);
    });
    child.on('close', (code) => resolve(code ?? -1));
  });
  // Only time git itself: while the consumer works on what it has, git is not expected to progress.
  let waitingSince: number | null = null;
  let isStalled = false;
  const watchdog = setInterval(() => {
    if (waitingSince !== null && Date.now() - waitingSince > stallTimeoutMs) {
      isStalled = true;
      child.kill('SIGKILL');
    }
  }, Math.min(1000, stallTimeoutMs));
  async function* timedChunks(): AsyncGenerator<Buffer> {
    const chunks = (child.stdout as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
    for (;;) {
      waitingSince = Date.now();
      const next = await chunks.next();
      waitingSince = null;
      if (next.done) return;
      yield next.value;
    }
  }
  let isComplete = false;
  try {
    yield* splitLineBatches(timedChunks());
    isComplete = true;
  } finally {
    clearInterval(watchdog);
    if (!isComplete) child.kill('SIGTERM');
  }
  const exitCode = await exited;
  if (isStalled) throw new GitError(args, stalledMessage(stallTimeoutMs), null);
  if (spawnError) throw new GitError(args, `cannot run git: ${(spawnError as Error).message}`, null);
  if (exitCode !== 0) throw new GitError(args, Buffer.concat(stderr).toString('utf8'), exitCode);
}
