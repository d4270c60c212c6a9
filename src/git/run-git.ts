import { spawn } from 'node:child_process';
import { GitError } from '../errors.js';
import { splitLines } from '../util/split-lines.js';

/** The environment and directory of one hardened git invocation (see hardening.ts). */
export interface GitInvocation {
  readonly cwd: string;
  readonly env: Record<string, string>;
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
  options: { okExitCodes?: readonly number[]; input?: string } = {},
): Promise<GitResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', [...GLOBAL_FLAGS, ...args], {
      cwd: invocation.cwd,
      env: invocation.env,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    child.on('error', (error) => reject(new GitError(args, `cannot run git: ${error.message}`, null)));
    child.on('close', (code) => {
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
export async function* streamGitLines(invocation: GitInvocation, args: readonly string[]): AsyncGenerator<string> {
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
  let isComplete = false;
  try {
    yield* splitLines(child.stdout);
    isComplete = true;
  } finally {
    if (!isComplete) child.kill('SIGTERM');
  }
  const exitCode = await exited;
  if (spawnError) throw new GitError(args, `cannot run git: ${(spawnError as Error).message}`, null);
  if (exitCode !== 0) throw new GitError(args, Buffer.concat(stderr).toString('utf8'), exitCode);
}
