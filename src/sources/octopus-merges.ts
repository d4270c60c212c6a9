import type { Repository } from '../git/repository.js';
import { runGit } from '../git/run-git.js';

const ABSENT = 'absent';

/**
 * Paths whose content in an octopus merge matches none of its parents: what the merge itself
 * introduced. git's remerge diff skips merges of more than two parents, so without this an octopus
 * merge could carry an edit that no scan of its parents would show.
 */
export async function pathsIntroducedByOctopus(repo: Repository, merge: string, parents: readonly string[]): Promise<string[]> {
  const [first, ...others] = parents;
  if (!first || others.length === 0) return [];
  const { stdout } = await runGit(repo.invocation, ['diff-tree', '-r', '-z', '--no-abbrev', '--no-renames', '--ignore-submodules=none', first, merge]);
  // -z raw output: ":<modes> <shas> <status>\0<path>\0" per file.
  const fields = stdout.toString('utf8').split('\0');
  const result = new Map<string, string>();
  for (let i = 0; i + 1 < fields.length; i += 2) {
    const meta = (fields[i] ?? '').split(' ');
    const path = fields[i + 1] ?? '';
    const newSha = meta[3] ?? '';
    result.set(path, /^0+$/.test(newSha) ? ABSENT : `${meta[1]}:${newSha}`);
  }
  if (result.size === 0) return [];
  const candidates = new Set(result.keys());
  for (const parent of others) {
    const states = await treeStates(repo, parent, [...candidates]);
    for (const path of [...candidates]) {
      if ((states.get(path) ?? ABSENT) === result.get(path)) candidates.delete(path);
    }
  }
  return [...candidates].sort();
}

/** `mode:sha` of each path in a commit's tree. */
async function treeStates(repo: Repository, commit: string, paths: readonly string[]): Promise<Map<string, string>> {
  const { stdout } = await runGit(repo.invocation, ['ls-tree', '-r', '-z', '--full-tree', commit, '--', ...paths]);
  const states = new Map<string, string>();
  for (const record of stdout.toString('utf8').split('\0')) {
    const tab = record.indexOf('\t');
    if (tab === -1) continue;
    const [mode = '', , sha = ''] = record.slice(0, tab).split(' ');
    states.set(record.slice(tab + 1), `${mode}:${sha}`);
  }
  return states;
}
