import { chmod, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { sandboxGit } from '../../src/demo/sandbox.js';

/** A real git repository in a temporary folder, driven by real git. */
export interface TestRepo {
  readonly root: string;
  /** Runs git in the repository with a fixed identity and no user-level config; returns stdout. */
  git(args: readonly string[], options?: { author?: string; allowFailure?: boolean }): Promise<string>;
  /** Writes files (string or bytes); null deletes. */
  write(files: Readonly<Record<string, string | Buffer | null>>): Promise<void>;
  symlink(path: string, target: string): Promise<void>;
  chmod(path: string, mode: number): Promise<void>;
  /** `git add --all` and commit; returns the new commit's sha. */
  commit(message: string, options?: { author?: string }): Promise<string>;
  /** Writes, then commits. */
  commitFiles(message: string, files: Readonly<Record<string, string | Buffer | null>>, options?: { author?: string }): Promise<string>;
  head(): Promise<string>;
  cleanup(): Promise<void>;
}

export async function createTestRepo(options: { branch?: string } = {}): Promise<TestRepo> {
  const root = await mkdtemp(join(tmpdir(), 'selfmod-test-'));
  const git = async (args: readonly string[], gitOptions: { author?: string; allowFailure?: boolean } = {}) => {
    try {
      return await sandboxGit(root, args, gitOptions.author ?? 'Test Engineer');
    } catch (error) {
      if (gitOptions.allowFailure) return '';
      throw error;
    }
  };
  await git(['init', '--quiet', `--initial-branch=${options.branch ?? 'main'}`]);
  const write = async (files: Readonly<Record<string, string | Buffer | null>>) => {
    for (const [path, content] of Object.entries(files)) {
      const full = join(root, path);
      if (content === null) {
        await rm(full, { recursive: true, force: true });
        continue;
      }
      await mkdir(dirname(full), { recursive: true });
      await writeFile(full, content);
    }
  };
  const commit = async (message: string, commitOptions: { author?: string } = {}) => {
    await git(['add', '--all']);
    await git(['commit', '--quiet', '--allow-empty', '--no-verify', '-m', message], commitOptions);
    return (await git(['rev-parse', 'HEAD'])).trim();
  };
  return {
    root,
    git,
    write,
    async symlink(path, target) {
      await mkdir(dirname(join(root, path)), { recursive: true });
      await rm(join(root, path), { force: true, recursive: true });
      await symlink(target, join(root, path));
    },
    chmod: (path, mode) => chmod(join(root, path), mode),
    commit,
    async commitFiles(message, files, commitOptions) {
      await write(files);
      return commit(message, commitOptions);
    },
    async head() {
      return (await git(['rev-parse', 'HEAD'])).trim();
    },
    cleanup: () => rm(root, { recursive: true, force: true }),
  };
}
