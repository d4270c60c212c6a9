import { existsSync } from 'node:fs';
import { mkdtemp, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { git } from './git-process.js';
import { fastImportStream, type HistoryOptions } from './synthetic-history.js';

/** Bump when the generator changes, so an old cached repository is not mistaken for a new one. */
const GENERATOR_VERSION = 1;

export interface SyntheticRepo {
  readonly root: string;
  /** True when an earlier run had already built it. */
  readonly isCached: boolean;
}

/** Where the repository for these options is cached between runs. */
export function syntheticRepoPath(options: HistoryOptions): string {
  return join(tmpdir(), `selfmod-bench-${options.commits}-${options.seed}-g${GENERATOR_VERSION}`);
}

/**
 * Returns the synthetic repository for `options`, building it with `git fast-import` when it is not
 * cached yet. It is built beside its final place and renamed in whole, so a bench that is stopped
 * halfway never leaves a half-built repository to be reused.
 */
export async function ensureSyntheticRepo(options: HistoryOptions): Promise<SyntheticRepo> {
  const root = syntheticRepoPath(options);
  if (existsSync(join(root, '.git'))) return { root, isCached: true };
  const building = await mkdtemp(join(tmpdir(), 'selfmod-bench-building-'));
  try {
    await git(building, ['init', '--quiet', '--initial-branch=main']);
    await git(building, ['fast-import', '--quiet'], fastImportStream(options));
    if ((await git(building, ['for-each-ref', 'refs/heads/topic'])).trim()) {
      await git(building, ['update-ref', '-d', 'refs/heads/topic']);
    }
    // fast-import's pack is loosely deltified; a real repository has been repacked.
    await git(building, ['repack', '-a', '-d', '-q']);
    await git(building, ['reset', '--hard', '--quiet']);
    await rename(building, root);
  } catch (error) {
    await rm(building, { recursive: true, force: true });
    // Another bench may have finished the same repository first.
    if (existsSync(join(root, '.git'))) return { root, isCached: true };
    throw error;
  }
  return { root, isCached: false };
}
