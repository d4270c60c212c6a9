import { execFile } from 'node:child_process';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

/**
 * Runs git in a sandbox that selfmod itself created and trusts (the demo's, or a test's); user-level
 * config (signing, hooks, templates) is kept out so it behaves the same on every machine.
 */
export async function sandboxGit(root: string, args: readonly string[], author = 'Engineer'): Promise<string> {
  const { stdout } = await execFileAsync('git', [...args], {
    cwd: root,
    maxBuffer: 256 * 1024 * 1024,
    env: {
      PATH: process.env['PATH'] ?? '/usr/bin:/bin',
      HOME: root,
      GIT_CONFIG_GLOBAL: '/dev/null',
      GIT_CONFIG_NOSYSTEM: '1',
      GIT_AUTHOR_NAME: author,
      GIT_AUTHOR_EMAIL: `${author.toLowerCase().replace(/\W+/g, '-')}@example.com`,
      GIT_COMMITTER_NAME: author,
      GIT_COMMITTER_EMAIL: `${author.toLowerCase().replace(/\W+/g, '-')}@example.com`,
    },
  });
  return stdout;
}

/** Writes (or, for null, deletes) files under `root`. */
export async function writeFiles(root: string, files: Readonly<Record<string, string | Buffer | null>>): Promise<void> {
  for (const [path, content] of Object.entries(files)) {
    const full = join(root, path);
    if (content === null) {
      await rm(full, { force: true });
      continue;
    }
    await mkdir(dirname(full), { recursive: true });
    await writeFile(full, content);
  }
}
