import type { Repository } from './repository.js';
import { runGit } from './run-git.js';

export interface TreeEntry {
  readonly mode: string;
  readonly sha: string;
}

/** Every blob, symlink and gitlink in a commit's tree, by path. */
export async function listTree(repo: Repository, commit: string): Promise<Map<string, TreeEntry>> {
  const { stdout } = await runGit(repo.invocation, ['ls-tree', '-r', '-z', '--full-tree', '--end-of-options', commit]);
  const entries = new Map<string, TreeEntry>();
  for (const record of splitRecords(stdout)) {
    // "<mode> <type> <sha>\t<path>"
    const tab = record.indexOf('\t');
    const [mode = '', , sha = ''] = record.slice(0, tab).split(' ');
    entries.set(record.slice(tab + 1), { mode, sha });
  }
  return entries;
}

export interface IndexEntry extends TreeEntry {
  /** 0 normally; 1–3 while a merge conflict is unresolved. */
  readonly stage: number;
}

/** The index (staging area) by path; for a conflicted path, the "ours" stage. */
export async function listIndex(repo: Repository): Promise<Map<string, IndexEntry>> {
  const { stdout } = await runGit(repo.indexInvocation, ['ls-files', '--stage', '-z']);
  const entries = new Map<string, IndexEntry>();
  for (const record of splitRecords(stdout)) {
    // "<mode> <sha> <stage>\t<path>"
    const tab = record.indexOf('\t');
    const [mode = '', sha = '', stage = '0'] = record.slice(0, tab).split(' ');
    const path = record.slice(tab + 1);
    const existing = entries.get(path);
    const entry = { mode, sha, stage: Number(stage) };
    if (!existing || entry.stage === 0 || entry.stage === 2) entries.set(path, entry);
  }
  return entries;
}

/** `sha1` or `sha256`: how this repository names its objects. */
export async function objectFormat(repo: Repository): Promise<'sha1' | 'sha256'> {
  const { stdout } = await runGit(repo.invocation, ['rev-parse', '--show-object-format']);
  return stdout.toString('utf8').trim() === 'sha256' ? 'sha256' : 'sha1';
}

function splitRecords(output: Buffer): string[] {
  return output
    .toString('utf8')
    .split('\0')
    .filter((record) => record !== '');
}
