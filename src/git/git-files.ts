import { readFile, stat } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import { RepositoryError } from '../errors.js';

/** Files in the git directory that git opens with a blocking read whenever it starts or diffs. */
const READ_BY_GIT = ['config', 'config.worktree', 'commondir', 'HEAD', 'info/attributes', 'objects/info/alternates'];

/**
 * Refuses a git directory whose config, attributes or alternates file is a FIFO, socket or device:
 * git would block opening it and the scan would never end. Files that `include.path` names are
 * checked too. Missing files are fine.
 */
export async function assertRegularGitFiles(gitDir: string): Promise<void> {
  const directories = [gitDir];
  const common = await readRegular(gitDir, 'commondir');
  if (common !== null) directories.push(resolve(gitDir, common.trim()));
  for (const directory of directories) {
    for (const name of READ_BY_GIT) await readRegular(directory, name);
    const config = await readRegular(directory, 'config');
    for (const included of includedPaths(config ?? '')) {
      await readRegular(directory, isAbsolute(included) ? included : join(directory, included));
    }
  }
}

/** The file's text, null when it does not exist; throws when it exists but is not a regular file. */
async function readRegular(directory: string, name: string): Promise<string | null> {
  const path = isAbsolute(name) ? name : join(directory, name);
  const info = await stat(path).catch(() => null);
  if (!info) return null;
  if (!info.isFile()) {
    throw new RepositoryError(`${path} is not a regular file (git would block reading it); refusing to scan this repository`);
  }
  return name === 'config' || name === 'commondir' ? readFile(path, 'utf8') : '';
}

/** `path = …` values in a config's [include] and [includeIf …] sections, as git would resolve them. */
export function includedPaths(config: string): string[] {
  const paths: string[] = [];
  let isInclude = false;
  for (const raw of config.split('\n')) {
    const line = raw.trim();
    const section = /^\[\s*([A-Za-z0-9.-]+)/.exec(line);
    if (section) isInclude = /^include(if)?$/i.test(section[1] ?? '');
    const value = /^path\s*=\s*(.*?)\s*$/i.exec(line.replace(/^\[[^\]]*\]\s*/, ''));
    if (isInclude && value?.[1]) paths.push(value[1].replace(/^"(.*)"$/, '$1').replace(/^~(?=\/)/, process.env['HOME'] ?? '~'));
  }
  return paths;
}
