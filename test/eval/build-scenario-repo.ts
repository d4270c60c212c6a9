import { execFile } from 'node:child_process';
import { chmod, mkdir, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { Prng } from '../bench/prng.js';
import type { AgentStep, FileContent } from './scenario.js';

const execFileAsync = promisify(execFile);

/** The tag on the commit holding the repository as it was before the agent. */
export const BASE_TAG = 'base';

/** The bytes a scenario's content stands for. */
export function contentBytes(content: FileContent): Buffer {
  switch (content.kind) {
    case 'text':
      return Buffer.from(content.text, 'utf8');
    case 'base64':
      return Buffer.from(content.base64, 'base64');
    case 'random': {
      const prng = new Prng(content.seed);
      const bytes = Buffer.alloc(content.bytes);
      for (let i = 0; i < bytes.length; i++) bytes[i] = prng.int(0, 255);
      return bytes;
    }
  }
}

/**
 * Makes `root` a git repository holding `base`, committed and tagged `base`, then does what the
 * agent did, step by step, on the real file system; edits after the last commit step stay in the
 * working tree, as an agent leaves them.
 */
export async function buildScenarioRepo(root: string, base: ReadonlyMap<string, FileContent>, agent: readonly AgentStep[]): Promise<void> {
  await git(root, ['init', '--quiet', '--initial-branch=main']);
  await git(root, ['config', 'user.name', 'Scenario Engineer']);
  await git(root, ['config', 'user.email', 'engineer@example.com']);
  await git(root, ['config', 'commit.gpgsign', 'false']);
  for (const [path, content] of base) await writeContent(root, path, content);
  await commitAll(root, 'Repository before the agent');
  await git(root, ['tag', BASE_TAG]);
  for (const step of agent) await applyStep(root, step);
}

async function applyStep(root: string, step: AgentStep): Promise<void> {
  switch (step.kind) {
    case 'write':
      // A write replaces what is there, a symlink included, rather than writing through it.
      await rm(join(root, step.path), { force: true });
      return writeContent(root, step.path, step.content);
    case 'delete':
      return rm(join(root, step.path), { recursive: true });
    case 'move':
      await mkdir(dirname(join(root, step.to)), { recursive: true });
      return rename(join(root, step.from), join(root, step.to));
    case 'chmod':
      return chmod(join(root, step.path), Number.parseInt(step.mode, 8));
    case 'symlink':
      await rm(join(root, step.path), { recursive: true, force: true });
      await mkdir(dirname(join(root, step.path)), { recursive: true });
      return symlink(step.target, join(root, step.path));
    case 'commit':
      return commitAll(root, step.message);
  }
}

async function writeContent(root: string, path: string, content: FileContent): Promise<void> {
  const full = join(root, path);
  await mkdir(dirname(full), { recursive: true });
  await writeFile(full, contentBytes(content));
  await chmod(full, content.mode === '755' ? 0o755 : 0o644);
}

async function commitAll(root: string, message: string): Promise<void> {
  await git(root, ['add', '--all']);
  await git(root, ['commit', '--quiet', '--allow-empty', '--no-verify', '-m', message]);
}

/** git with no user or system configuration, so a scenario builds the same on every machine. */
async function git(root: string, args: readonly string[]): Promise<string> {
  const { stdout } = await execFileAsync('git', [...args], {
    cwd: root,
    env: {
      PATH: process.env['PATH'] ?? '/usr/bin:/bin',
      HOME: tmpdir(),
      GIT_CONFIG_GLOBAL: '/dev/null',
      GIT_CONFIG_NOSYSTEM: '1',
      LC_ALL: 'C',
    },
  });
  return stdout;
}
