import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

export interface BuildResult {
  /** False when tsc failed and an earlier dist/ is benchmarked instead. */
  readonly isFresh: boolean;
  /** tsc's output when it failed. */
  readonly output: string;
}

/**
 * Compiles src/ to dist/, which bin/selfmod.js runs. When the compile fails (src/ is mid-edit) but an
 * earlier dist/ exists, the bench goes on with that one and says so; without any dist/ it cannot.
 */
export function buildDist(projectRoot: string): BuildResult {
  const tsc = join(projectRoot, 'node_modules', 'typescript', 'bin', 'tsc');
  const result = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: projectRoot, encoding: 'utf8' });
  if (result.status === 0) return { isFresh: true, output: '' };
  const output = `${result.stdout ?? ''}${result.stderr ?? ''}${result.error ? String(result.error) : ''}`.trim();
  if (!existsSync(join(projectRoot, 'dist', 'cli.js'))) throw new Error(`tsc -p tsconfig.json failed and there is no dist/ to run:\n${output}`);
  return { isFresh: false, output };
}
