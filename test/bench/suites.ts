import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/**
 * The benchmarks besides the scan benchmark (which is run.ts's own), each a script in this folder
 * run with its defaults, in this order, after it. A new suite is one line here.
 */
export const SCRIPT_SUITES = {
  watch: 'watch-bench.ts',
  weights: 'weights-bench.ts',
} as const satisfies Record<string, string>;

export type SuiteName = 'scan' | keyof typeof SCRIPT_SUITES;

export const SUITE_NAMES: readonly SuiteName[] = ['scan', ...(Object.keys(SCRIPT_SUITES) as Array<keyof typeof SCRIPT_SUITES>)];

/**
 * Runs one script suite in a process of its own, its output straight to the terminal, and returns
 * its exit code. It runs under the same loader as this process (tsx), so no build step is needed.
 */
export function runScriptSuite(name: keyof typeof SCRIPT_SUITES): Promise<number> {
  const script = fileURLToPath(new URL(SCRIPT_SUITES[name], import.meta.url));
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...process.execArgv, script], { stdio: 'inherit' });
    child.on('error', reject);
    child.on('close', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}
