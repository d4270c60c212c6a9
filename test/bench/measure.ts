import { spawn } from 'node:child_process';
import { MemorySampler, type MemoryPart } from './process-memory.js';

/** How often memory is sampled while a measured process runs. */
const SAMPLE_INTERVAL_MS = 20;

export interface Measurement {
  readonly seconds: number;
  readonly exitCode: number | null;
  readonly signal: NodeJS.Signals | null;
  /** Peak resident set of the process itself, kB; null when it could not be sampled. */
  readonly peakRootKb: number | null;
  /** Peak summed resident set of the process and its children (selfmod's git processes), kB. */
  readonly peakTreeKb: number | null;
  /** Which processes made up the tree's peak. */
  readonly peakTreeParts: readonly MemoryPart[];
  /** The start of stderr, to explain a failure. */
  readonly stderr: string;
}

export interface MeasureOptions {
  readonly cwd: string;
  readonly env: Record<string, string>;
  /** A file descriptor that takes stdout: /dev/null, or a file to read the output from later. */
  readonly stdoutFd: number;
}

/** Runs one command to completion, timing it from spawn to exit and sampling its memory meanwhile. */
export function measure(command: string, args: readonly string[], options: MeasureOptions): Promise<Measurement> {
  return new Promise((resolve, reject) => {
    const startedAt = performance.now();
    const child = spawn(command, [...args], { cwd: options.cwd, env: options.env, stdio: ['ignore', options.stdoutFd, 'pipe'] });
    const pid = child.pid;
    const sampler = pid === undefined ? null : new MemorySampler(pid);
    const timer = setInterval(() => sampler?.sample(), SAMPLE_INTERVAL_MS);
    setImmediate(() => sampler?.sample());
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      if (stderr.length < 64 * 1024) stderr += chunk.toString('utf8');
    });
    let seconds = 0;
    child.on('exit', () => {
      seconds = (performance.now() - startedAt) / 1000;
      clearInterval(timer);
    });
    child.on('error', (error) => {
      clearInterval(timer);
      reject(error);
    });
    child.on('close', (exitCode, signal) => {
      const isSampled = sampler !== null && sampler.samples > 1;
      resolve({
        seconds,
        exitCode,
        signal,
        peakRootKb: isSampled ? sampler.rootPeakKb : null,
        peakTreeKb: isSampled ? sampler.treePeakKb : null,
        peakTreeParts: isSampled ? sampler.treePeakParts : [],
        stderr,
      });
    });
  });
}
