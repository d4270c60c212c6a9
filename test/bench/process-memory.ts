import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename } from 'node:path';

/** Linux's per-process memory figures, read from /proc; every function returns null off Linux. */
export const CAN_READ_PROC = existsSync('/proc/self/status');
const HAS_CHILDREN_FILES = existsSync(`/proc/${process.pid}/task/${process.pid}/children`);

/** A field of /proc/<pid>/status in kB (VmHWM: peak resident set; VmRSS: current), or null if gone. */
export function readStatusKb(pid: number, field: 'VmHWM' | 'VmRSS'): number | null {
  let status: string;
  try {
    status = readFileSync(`/proc/${pid}/status`, 'latin1');
  } catch {
    return null; // It exited between two looks; nothing to read.
  }
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
  return match ? Number(match[1]) : null;
}

/** `root` and every process below it. */
export function processTree(root: number): number[] {
  const tree = [root];
  const childrenOf = HAS_CHILDREN_FILES ? childrenFromTasks : childrenFromTable(parentTable());
  for (let index = 0; index < tree.length; index++) tree.push(...childrenOf(tree[index] as number));
  return tree;
}

/** Children as the kernel lists them per thread (needs CONFIG_PROC_CHILDREN). */
function childrenFromTasks(pid: number): number[] {
  const children: number[] = [];
  let tasks: string[];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return children;
  }
  for (const task of tasks) {
    try {
      for (const child of readFileSync(`/proc/${pid}/task/${task}/children`, 'latin1').split(' ')) {
        if (child.trim()) children.push(Number(child));
      }
    } catch {
      // The thread ended meanwhile.
    }
  }
  return children;
}

/** Every process's parent, from /proc/<pid>/stat, for kernels without the children files. */
function parentTable(): Map<number, number[]> {
  const table = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'latin1');
    } catch {
      continue;
    }
    // The command name is in parentheses and may itself hold spaces or parentheses.
    const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    table.set(parent, [...(table.get(parent) ?? []), Number(entry)]);
  }
  return table;
}

function childrenFromTable(table: Map<number, number[]>): (pid: number) => number[] {
  return (pid) => table.get(pid) ?? [];
}

/** What a process is, in a word or two: `node`, `git log`, `git cat-file`. */
function processLabel(pid: number): string {
  let argv: string[];
  try {
    argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
  } catch {
    return `pid ${pid}`;
  }
  const program = basename(argv[0] ?? `pid ${pid}`);
  const subcommand = program === 'git' ? argv.slice(1).find((arg) => !arg.startsWith('-')) : undefined;
  return subcommand ? `${program} ${subcommand}` : program;
}

export interface MemoryPart {
  readonly label: string;
  readonly kb: number;
}

/**
 * Follows a process while it runs: the peak of its own resident set (the kernel's high-water mark)
 * and the peak of the summed resident sets of it and all its descendants, as sampled, with what
 * each process held at that moment.
 */
export class MemorySampler {
  /** kB; null when /proc could not be read. */
  rootPeakKb: number | null = null;
  treePeakKb: number | null = null;
  treePeakParts: readonly MemoryPart[] = [];
  /** Looks taken; a process gone before the second look ran too briefly for its figures to mean much. */
  samples = 0;
  private readonly labels = new Map<number, string>();

  constructor(private readonly root: number) {}

  sample(): void {
    if (!CAN_READ_PROC) return;
    this.samples++;
    const rootPeak = readStatusKb(this.root, 'VmHWM');
    if (rootPeak !== null) this.rootPeakKb = Math.max(this.rootPeakKb ?? 0, rootPeak);
    const parts = new Map<string, number>();
    let treeKb = 0;
    for (const pid of processTree(this.root)) {
      const kb = readStatusKb(pid, 'VmRSS');
      if (kb === null) continue;
      let label = this.labels.get(pid);
      if (label === undefined) {
        label = processLabel(pid);
        // A process just forked by node still shows node's command line until it execs git, and
        // none at all while it execs: ask again next time.
        if (pid === this.root || (label !== 'node' && !label.startsWith('pid '))) this.labels.set(pid, label);
      }
      parts.set(label, (parts.get(label) ?? 0) + kb);
      treeKb += kb;
    }
    if (treeKb > (this.treePeakKb ?? 0)) {
      this.treePeakKb = treeKb;
      this.treePeakParts = [...parts].map(([partLabel, kb]) => ({ label: partLabel, kb }));
    }
  }
}
