import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { deflateSync, inflateSync } from 'node:zlib';
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
  sourceOf,
  TRAIN,
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

/**
 * An edit that must be reported: file, where from (a commit's subject, `worktree` or `index`), and the
 * line it adds, or null for a change whose content cannot be read (its path must still be flagged).
 */
type Edit = readonly [file: string, source: string, line: string | null];

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
  ].map(([name = '', since = '', planted = '']): Attack => ({
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
  {
    name: 'a blob\'s object file rewritten to hold other lines, so the commit shows a harmless edit and the file on disk looks unchanged',
    async arm() {
      const { tune } = await buildRevertedHistory();
      await forgeObject(`${tune}:train.py`, 'blob', `${TRAIN}harmless = 1\n`);
      await repo.git(['checkout', '--quiet', tune, '--', 'train.py']);
      expect(await repo.git(['log', '-p'])).toContain('+harmless = 1');
      expect(await repo.git(['log', '-p'])).not.toContain('SECRET_EDIT');
      return { refused: 'integrity', message: /train\.py\) does not hold the content its id names/ };
    },
  },
  {
    name: 'a commit\'s object file rewritten to skip the commit before it, which made an edit and a later one took back',
    async arm() {
      const { init, later } = await buildRevertedHistory();
      await forgeObject(later, 'commit', (await repo.git(['cat-file', 'commit', later])).replace(/^parent \w+$/m, `parent ${init}`));
      expect(await repo.git(['log', '--format=%s'])).toBe('tip\nlater\ninit\n');
      return { refused: 'integrity', message: new RegExp(`object ${later} does not hold`) };
    },
  },
  {
    name: 'a commit\'s tree object rewritten to the tree before it, so the commit shows no edit',
    async arm() {
      const { init, tune } = await buildRevertedHistory();
      await forgeObject(`${tune}^{tree}`, 'tree', (await looseObject(`${init}^{tree}`)).content);
      expect(await repo.git(['log', '-p'])).not.toContain('SECRET_EDIT');
      return { refused: 'integrity', message: /does not hold the content its id names/ };
    },
  },
  {
    name: 'a directory\'s tree object in --since rewritten to name a staged edit, so the index and working tree match it',
    async arm() {
      const { tune } = await buildHistory(repo, { 'src/reward.py': 'return score\n' });
      await repo.write({ 'src/reward.py': `return 1.0\n${UNTRACKED_LINE}\n` });
      await repo.git(['add', 'src/reward.py']);
      const tree = (await looseObject(`${tune}:src`)).content;
      const committed = Buffer.from((await repo.git(['rev-parse', `${tune}:src/reward.py`])).trim(), 'hex');
      Buffer.from((await repo.git(['rev-parse', ':src/reward.py'])).trim(), 'hex').copy(tree, tree.indexOf(committed));
      await forgeObject(`${tune}:src`, 'tree', tree);
      expect(await repo.git(['status', '--porcelain'])).toBe('');
      return { refused: 'integrity', message: /\(src\) does not hold the content its id names/, options: { since: tune } };
    },
  },
  {
    name: 'HEAD\'s commit object rewritten, which git then reads as no commit at all (as if the repository were empty)',
    async arm() {
      const { tune } = await buildHistory(repo);
      await forgeObject(tune, 'commit', (await repo.git(['cat-file', 'commit', tune])).replace('\ntune\n', '\ntidy\n'));
      expect(await repo.git(['log', '--format=%s'])).toBe('tidy\ninit\n');
      return { refused: 'repository', message: /HEAD names \w+, which git cannot read as a commit/ };
    },
  },
  {
    name: 'committed ignore files that git reads literally but a glob would not: braces, and a directory named like a character class',
    async arm() {
      await buildHistory(repo, { '.gitignore': '{tools,docs}/*_new.py\n', 'lib[1]/.gitignore': 'reward.py\n' });
      await repo.write({ 'tools/reward_new.py': `${UNTRACKED_LINE}\n`, 'lib1/reward.py': `${UNTRACKED_LINE}\n` });
      expect(await repo.git(['status', '--porcelain', '--untracked-files=all'])).toBe('?? lib1/reward.py\n?? tools/reward_new.py\n');
      return { reported: [['tools/reward_new.py', 'worktree', UNTRACKED_LINE], ['lib1/reward.py', 'worktree', UNTRACKED_LINE]] };
    },
  },
  {
    name: 'new files whose names are not valid UTF-8, which git shows quoted and a directory listing shows with U+FFFD',
    async arm() {
      await buildHistory(repo);
      const inTools = (...name: number[][]) => Buffer.concat([Buffer.from(`${repo.root}/tools/`), ...name.map((bytes) => Buffer.from(bytes))]);
      await mkdir(inTools([0xff]), { recursive: true });
      await writeFile(inTools([0xff], [...Buffer.from('/reward.py')]), `${UNTRACKED_LINE}\n`);
      await writeFile(inTools([...Buffer.from('evil')], [0xfe], [...Buffer.from('.py')]), `${UNTRACKED_LINE}\n`);
      expect(await repo.git(['status', '--porcelain', '--untracked-files=all'])).toBe('?? "tools/evil\\376.py"\n?? "tools/\\377/reward.py"\n');
      return { reported: [HISTORY_EDIT, ['tools/\uFFFD', 'worktree', null], ['tools/evil\uFFFD.py', 'worktree', null]] };
    },
  },
];

/** `buildHistory`, then `later`, which takes the edit back out, and `tip`: only `tune` shows the edit. */
async function buildRevertedHistory(): Promise<{ init: string; tune: string; later: string }> {
  const shas = await buildHistory(repo);
  const later = await repo.commitFiles('later', { 'train.py': TRAIN, 'README.md': 'more docs\n' }, { author: 'Agent' });
  await repo.commitFiles('tip', { 'notes.md': 'notes\n' });
  return { ...shas, later };
}

/** Where the loose object of `revision` is, and what it holds (without its header). */
async function looseObject(revision: string): Promise<{ file: string; content: Buffer }> {
  const id = (await repo.git(['rev-parse', revision])).trim();
  const file = join(repo.root, '.git', 'objects', id.slice(0, 2), id.slice(2));
  const stored = inflateSync(await readFile(file));
  return { file, content: stored.subarray(stored.indexOf(0) + 1) };
}

/** Rewrites the loose object file of `revision` to hold `content`: git reads it without checking it against its name. */
async function forgeObject(revision: string, type: string, content: string | Buffer): Promise<void> {
  const { file } = await looseObject(revision);
  const bytes = Buffer.from(content);
  await chmod(file, 0o644);
  await writeFile(file, deflateSync(Buffer.concat([Buffer.from(`${type} ${bytes.length}\0`), bytes])));
}

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
    for (const [file, source, line] of outcome.reported) {
      if (line !== null) expectEditReported(report, file, source, line);
      else expect(report.incidents.filter((incident) => incident.file === file && sourceOf(incident) === source).map((incident) => incident.ruleId)).toEqual(['any-change']);
    }
  });
});
