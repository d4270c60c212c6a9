import { compileGlob, GlobSyntaxError } from '../engine/glob.js';
import { UsageError } from '../errors.js';
import { isInsideGitInternals } from './tree-walk.js';

/**
 * Ignored unless `--no-default-ignores`: package and tool caches that churn by the thousand and hold
 * nothing an agent runs as its own. `__pycache__` and virtual environments (`.venv`, `.tox`, `.nox`)
 * are watched on purpose: a planted `.pyc` or `.pth` file changes what Python runs.
 */
export const DEFAULT_IGNORES: readonly string[] = ['node_modules/', '.pytest_cache/', '.mypy_cache/', '.ruff_cache/'];

/** The refs (and HEAD's reflog) a history watch follows; inside `.git`, but their events are wanted. */
export function isRefPath(path: string): boolean {
  return (
    path === '.git/HEAD' ||
    path === '.git/packed-refs' ||
    path === '.git/refs' ||
    path.startsWith('.git/refs/') ||
    path === '.git/logs' ||
    path === '.git/logs/HEAD'
  );
}

export interface IgnoreSpec {
  /** Globs from `--ignore`, in the syntax of rule paths (a trailing `/`: a directory and all in it). */
  readonly patterns: readonly string[];
  readonly useDefaults: boolean;
  /** Files selfmod writes inside the tree (its report, its event log): watching them would loop. */
  readonly ownFiles: readonly string[];
}

/** What a watch and a snapshot leave out, as one predicate over relative paths. */
export function compileIgnore(spec: IgnoreSpec): (path: string, isDirectory: boolean) => boolean {
  const patterns = [...(spec.useDefaults ? DEFAULT_IGNORES : []), ...spec.patterns];
  const matchers = patterns.map((pattern) => {
    try {
      return compileGlob(pattern);
    } catch (error) {
      if (error instanceof GlobSyntaxError) throw new UsageError(`--ignore ${pattern}: ${error.message}`, { cause: error });
      throw error;
    }
  });
  const own = new Set(spec.ownFiles);
  return (path, isDirectory) => {
    if (own.has(path) || isInsideGitInternals(path)) return true;
    // `dir/` patterns match what is inside; asking with a trailing `/` lets them skip the directory itself.
    return matchers.some((matches) => matches(path) || (isDirectory && matches(`${path}/`)));
  };
}
