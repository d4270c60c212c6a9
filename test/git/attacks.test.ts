import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SelfmodError } from '../../src/errors.js';
import type { ScanOptions } from '../../src/scan/run-scan.js';
import { createTestRepo, type TestRepo } from '../helpers/git-repo.js';
import { scan } from '../helpers/scan.js';
import {
  buildHistory,
  createTraps,
  editWorkingTree,
  expectEditReported,
  FLAG_EVERYTHING,
  HISTORY_LINE,
  SECRET_EDIT_RULE,
  type Traps,
  withProcessEnv,
  WORKTREE_LINE,
} from './traps.js';

/**
 * Attacks an agent can make on its own repository, one per row: each builds the attack, shows with
 * plain git that it works where git lets it, and says what selfmod must still do: report the edit
 * with its text, or refuse to scan. No program the repository names may run either way.
 */

let repo: TestRepo;
let traps: Traps;

beforeEach(async () => {
  repo = await createTestRepo();
  traps = await createTraps();
});

afterEach(async () => {
  await repo.cleanup();
  await traps.cleanup();
});

/** An edit that must be reported: file, where from (a commit's subject, `worktree` or `index`), added line. */
type Edit = readonly [file: string, source: string, line: string];

type Outcome =
  | { readonly reported: readonly Edit[]; readonly options?: Partial<ScanOptions>; readonly env?: Record<string, string> }
  | { readonly refused: string; readonly message: RegExp; readonly options?: Partial<ScanOptions> };

interface Attack {
  readonly name: string;
  arm(): Promise<Outcome>;
}

const HISTORY_EDIT: Edit = ['train.py', 'tune', HISTORY_LINE];
const WORKTREE_EDIT: Edit = ['train.py', 'worktree', WORKTREE_LINE];
const UNTRACKED_LINE = 'bonus = 1  # SECRET_EDIT untracked';

const ATTACKS: Attack[] = [
  {
    name: 'a `git` program in the top and git directories, found through relative entries of the caller\'s PATH',
    async arm() {
      await buildHistory(repo);
      await editWorkingTree(repo);
      for (const directory of ['', 'bin', '.git', '.git/bin']) {
        await mkdir(join(repo.root, directory), { recursive: true });
        await traps.programAt(join(repo.root, directory, 'git'), `git-in-${directory.replace(/\W/g, '') || 'top'}`);
      }
      return { reported: [HISTORY_EDIT, WORKTREE_EDIT], env: { PATH: `.::bin:${process.env['PATH'] ?? '/usr/bin:/bin'}` } };
    },
  },
  ...[
    ['a tag called origin/main', 'origin/main', 'refs/tags/origin/main'],
    ['a file .git/origin/main', 'origin/main', 'origin/main'],
    ['a branch named after the base\'s abbreviated id', 'abbreviated', 'refs/heads/abbreviated'],
  ].map(([name, since, planted]): Attack => ({
    name: `--since naming the base, when ${name} points at the agent's last commit`,
    async arm() {
      const shas = await buildHistory(repo);
      await repo.git(['update-ref', 'refs/remotes/origin/main', shas.init]);
      const revision = since === 'abbreviated' ? shas.init.slice(0, 12) : since;
      await repo.git(['config', 'core.warnAmbiguousRefs', 'false']);
      await repo.git(['update-ref', '--no-deref', planted === 'refs/heads/abbreviated' ? `refs/heads/${revision}` : planted, shas.tune]);
      expect((await repo.git(['rev-parse', revision])).trim()).toBe(shas.tune);
      return { refused: 'revision', message: /more than one ref .* is called/, options: { since: revision } };
    },
  })),
  {
    name: 'a gitlink staged over a directory of new files, which git then treats as a submodule\'s checkout',
    async arm() {
      const { init } = await buildHistory(repo);
      await repo.write({ 'tools/extra/reward.py': `${UNTRACKED_LINE}\n` });
      await repo.git(['update-index', '--add', '--cacheinfo', `160000,${init},tools/extra`]);
      expect(await repo.git(['status', '--porcelain', '--untracked-files=all'])).toBe('A  tools/extra\n');
      return { reported: [HISTORY_EDIT, ['tools/extra/reward.py', 'worktree', UNTRACKED_LINE]] };
    },
  },
];

describe('attacks on the scanned repository', () => {
  it.each(ATTACKS.map((attack) => [attack.name, attack] as const))('%s', async (_, attack) => {
    const outcome = await attack.arm();
    await traps.reset();
    const env = 'env' in outcome ? (outcome.env ?? {}) : {};
    const options = { useDefaultRules: false, ruleFiles: [FLAG_EVERYTHING, SECRET_EDIT_RULE], ...outcome.options };
    // An error before the first change is thrown; one after it ends the scan with a partial report.
    const { report, thrown } = await withProcessEnv(env, () =>
      scan(repo.root, options).then(
        (result) => ({ report: result.report, thrown: null }),
        (error: unknown) => ({ report: null, thrown: error as SelfmodError }),
      ),
    );
    expect(await traps.fired()).toEqual([]);
    if ('refused' in outcome) {
      const error = thrown ?? report?.error;
      expect(error?.code).toBe(outcome.refused);
      expect(error?.message).toMatch(outcome.message);
      return;
    }
    expect(thrown).toBeNull();
    if (!report) return;
    expect(report.error).toBeNull();
    for (const [file, source, line] of outcome.reported) expectEditReported(report, file, source, line);
  });
});
