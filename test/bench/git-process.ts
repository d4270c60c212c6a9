import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { tmpdir } from 'node:os';

/** git with no user or system configuration, so the bench behaves the same on every machine. */
export function isolatedGitEnv(): Record<string, string> {
  return {
    PATH: process.env['PATH'] ?? '/usr/bin:/bin',
    HOME: tmpdir(),
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_CONFIG_NOSYSTEM: '1',
    LC_ALL: 'C',
    // A real repository given to the bench may belong to another user; git would refuse to read it.
    GIT_CONFIG_COUNT: '1',
    GIT_CONFIG_KEY_0: 'safe.directory',
    GIT_CONFIG_VALUE_0: '*',
  };
}

/**
 * Runs git in `cwd` and returns its stdout. `input`, when given, is written to git's stdin chunk by
 * chunk with backpressure, so a stream of any size passes through in bounded memory.
 */
export async function git(cwd: string, args: readonly string[], input?: Iterable<string | Buffer>): Promise<string> {
  const child = spawn('git', [...args], { cwd, env: isolatedGitEnv(), stdio: ['pipe', 'pipe', 'pipe'] });
  const stdout: Buffer[] = [];
  const stderr: Buffer[] = [];
  child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
  child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
  const closed = new Promise<number>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve(code ?? -1));
  });
  child.stdin.on('error', () => {
    // git stopped reading; its exit status and stderr say why.
  });
  if (input) {
    let pending: (string | Buffer)[] = [];
    let pendingBytes = 0;
    const flush = async () => {
      const isBelowLimit = child.stdin.write(Buffer.concat(pending.map((part) => (typeof part === 'string' ? Buffer.from(part) : part))));
      pending = [];
      pendingBytes = 0;
      if (!isBelowLimit) await Promise.race([once(child.stdin, 'drain'), closed]);
    };
    for (const part of input) {
      if (child.exitCode !== null) break;
      pending.push(part);
      pendingBytes += part.length;
      if (pendingBytes >= 256 * 1024) await flush();
    }
    await flush();
  }
  child.stdin.end();
  const code = await closed;
  if (code !== 0) {
    throw new Error(`git ${args.join(' ')} exited with ${code}: ${Buffer.concat(stderr).toString('utf8').trim()}`);
  }
  return Buffer.concat(stdout).toString('utf8');
}
