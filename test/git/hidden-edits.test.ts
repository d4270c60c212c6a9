import { execFile } from 'node:child_process';
import { chmod, mkdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Report } from '../../src/report/report.js';
import { createTestRepo, type TestRepo } from '../helpers/git-repo.js';
import { scan } from '../helpers/scan.js';
import {
  buildHistory,
  createTraps,
  editWorkingTree,
  expectEditReported,
  finishesBefore,
  FLAG_EVERYTHING,
  HISTORY_LINE,
  reportedText,
  scanReport,
  scanReportWithCli,
  SECRET_EDIT_RULE,
  sourceOf,
  TRAIN,
  type Traps,
  WORKTREE_LINE,
} from './traps.js';

/**
 * Each test makes plain git hide or reshape an edit (attributes, config, replace refs, grafts, a
 * forged commit-graph, index bits, odd files in the tree) and checks that selfmod still reports the
 * edit, with its text, from the right commit or working-tree area.
 */

const execFileAsync = promisify(execFile);

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

/** Then `later`, which takes the edit back out and changes something else: only `tune` shows the edit. */
async function buildRevertedHistory(): Promise<{ init: string; tune: string; later: string }> {
  const shas = await buildHistory(repo);
  const later = await repo.commitFiles('later', { 'train.py': TRAIN, 'README.md': 'more docs\n' }, { author: 'Agent' });
  return { ...shas, later };
}

async function plainLog(args: readonly string[] = []): Promise<string> {
  return repo.git(['log', '-p', '--format=commit %s', ...args]);
}

describe('attributes and config that make git call a text edit binary', () => {
  const cases: Array<[string, { attributes?: string; config?: Array<[string, string]> }]> = [
    ['train.py -diff', { attributes: 'train.py -diff\n' }],
    ['train.py binary', { attributes: 'train.py binary\n' }],
    ['diff=drv with diff.drv.binary', { attributes: 'train.py diff=drv\n', config: [['diff.drv.binary', 'true']] }],
    ['core.bigFileThreshold=1', { config: [['core.bigFileThreshold', '1']] }],
  ];
  it.each(cases)('%s: the edit of train.py is reported with its text', async (_, setup) => {
    await buildHistory(repo, setup.attributes ? { '.gitattributes': setup.attributes } : {});
    await editWorkingTree(repo);
    for (const [key, value] of setup.config ?? []) await repo.git(['config', key, value]);
    expect(await plainLog(['-1'])).toContain('Binary files');

    const report = await scanReport(repo.root);
    expectEditReported(report, 'train.py', 'tune', HISTORY_LINE);
    expectEditReported(report, 'train.py', 'worktree', WORKTREE_LINE);
  });
});

describe('config that reshapes git\'s output neither breaks parsing nor hides a change', () => {
  let shared: TestRepo;
  let baseline: Report;

  beforeAll(async () => {
    shared = await createTestRepo();
    await shared.write({
      '.mailmap': 'Innocent <innocent@example.com> Agent <agent@example.com>\n',
      'train.py': 'lr = 0.1\n\nepochs = 3\n\n\nbatch = 32\n',
      'sub/config.py': 'timeout = 60\n',
      'with space.py': Array.from({ length: 10 }, (_, i) => `step_${i} = ${i}\n`).join(''),
      'naïve.py': 'x = 1\n',
      'order.txt': 'sub/*\n*.py\n',
    });
    await shared.git(['add', '--all']);
    await shared.git(['update-index', '--add', '--cacheinfo', `160000,${'1'.repeat(40)},vendor/lib`]);
    await shared.git(['commit', '--quiet', '--no-verify', '-m', 'root']);
    await shared.write({
      'train.py': 'lr = 0.1\n\nepochs = 3\n\nreward_scale = 10  # SECRET_EDIT between blank lines\n\nbatch = 32\n',
      'sub/config.py': 'timeout = 99999  # SECRET_EDIT in sub\n',
      'with space.py': null,
      'renamed space.py': `${Array.from({ length: 10 }, (_, i) => `step_${i} = ${i}\n`).join('')}extra = 1  # SECRET_EDIT renamed\n`,
      'naïve.py': 'x = 2  # SECRET_EDIT non-ascii name\n',
    });
    await shared.git(['add', '--all']);
    // `add --all` staged the gitlink as deleted, since nothing is checked out there.
    await shared.git(['update-index', '--add', '--cacheinfo', `160000,${'2'.repeat(40)},vendor/lib`]);
    await shared.git(['commit', '--quiet', '--no-verify', '-m', 'tune'], { author: 'Agent' });
    await shared.write({ 'sub/config.py': 'timeout = 99999  # SECRET_EDIT in sub\nretries = 0  # SECRET_EDIT worktree\n' });
    baseline = await scanReport(shared.root);
  });

  afterAll(async () => {
    await shared.cleanup();
  });

  it('the baseline sees every file of the root commit and every edit', () => {
    const root = baseline.incidents.filter((incident) => sourceOf(incident) === 'root' && incident.ruleId === 'any-change');
    expect(root.map((incident) => incident.file).sort()).toEqual(['.mailmap', 'naïve.py', 'order.txt', 'sub/config.py', 'train.py', 'vendor/lib', 'with space.py']);
    expectEditReported(baseline, 'train.py', 'tune', 'reward_scale = 10  # SECRET_EDIT between blank lines');
    expectEditReported(baseline, 'sub/config.py', 'tune', 'timeout = 99999  # SECRET_EDIT in sub');
    expectEditReported(baseline, 'renamed space.py', 'tune', 'extra = 1  # SECRET_EDIT renamed');
    expectEditReported(baseline, 'naïve.py', 'tune', 'x = 2  # SECRET_EDIT non-ascii name');
    expectEditReported(baseline, 'sub/config.py', 'worktree', 'retries = 0  # SECRET_EDIT worktree');
    const renamed = baseline.incidents.find((incident) => incident.file === 'renamed space.py' && incident.ruleId === 'any-change');
    expect(renamed).toMatchObject({ change: 'renamed', previousFile: 'with space.py' });
    const agent = baseline.incidents.find((incident) => sourceOf(incident) === 'tune');
    expect(agent?.source).toMatchObject({ author: 'Agent', email: 'agent@example.com' });
  });

  const configs: Array<Array<[string, string]>> = [
    [['diff.noprefix', 'true']],
    [['diff.mnemonicPrefix', 'true']],
    [['diff.relative', 'true']],
    [['diff.suppressBlankEmpty', 'true']],
    [['color.ui', 'always'], ['color.diff', 'always'], ['diff.colorMoved', 'zebra'], ['diff.wsErrorHighlight', 'all']],
    [['diff.context', '0'], ['diff.interHunkContext', '50']],
    [['log.showRoot', 'false']],
    [['diff.submodule', 'log']],
    [['diff.submodule', 'diff']],
    [['diff.ignoreSubmodules', 'all']],
    [['diff.renames', 'false'], ['diff.renameLimit', '1']],
    [['diff.orderFile', 'order.txt']],
    [['diff.algorithm', 'patience'], ['diff.indentHeuristic', 'false']],
    [['core.quotePath', 'true']],
    [['i18n.logOutputEncoding', 'UTF-16']],
    [['log.decorate', 'full'], ['format.pretty', 'raw'], ['log.abbrevCommit', 'true']],
    [['core.abbrev', '4']],
    [['log.mailmap', 'true']],
    [['log.follow', 'true']],
  ];
  it.each(configs.map((pairs) => [pairs.map(([key, value]) => `${key}=${value}`).join(' '), pairs] as const))(
    '%s: the report equals the baseline',
    async (_, pairs) => {
      for (const [key, value] of pairs) await shared.git(['config', key, value]);
      try {
        const report = await scanReport(shared.root);
        expect(report.incidents).toEqual(baseline.incidents);
      } finally {
        for (const [key] of pairs) await shared.git(['config', '--unset-all', key]);
      }
    },
  );

  it('diff.relative=true, scanning from a subdirectory (runScan and CLI)', async () => {
    await shared.git(['config', 'diff.relative', 'true']);
    try {
      expect((await scanReport(join(shared.root, 'sub'))).incidents).toEqual(baseline.incidents);
      expect((await scanReportWithCli('.', { cwd: join(shared.root, 'sub') })).incidents).toEqual(baseline.incidents);
    } finally {
      await shared.git(['config', '--unset-all', 'diff.relative']);
    }
  });
});

describe('state in .git that rewrites history for plain git', () => {
  it('git replace of the edit commit: the original edit is reported', async () => {
    const { init, tune } = await buildRevertedHistory();
    const initTree = (await repo.git(['rev-parse', `${init}^{tree}`])).trim();
    const fake = (await repo.git(['commit-tree', initTree, '-p', init, '-m', 'tune'], { author: 'Agent' })).trim();
    await repo.git(['replace', tune, fake]);
    expect(await plainLog()).not.toContain('SECRET_EDIT');

    expectEditReported(await scanReport(repo.root), 'train.py', 'tune', HISTORY_LINE);
  });

  it('git replace of the edited blob: the original text is reported', async () => {
    const { init, tune } = await buildHistory(repo);
    const oldBlob = (await repo.git(['rev-parse', `${init}:train.py`])).trim();
    const newBlob = (await repo.git(['rev-parse', `${tune}:train.py`])).trim();
    await repo.git(['replace', '-f', newBlob, oldBlob]);
    expect(await plainLog()).not.toContain('SECRET_EDIT');

    expectEditReported(await scanReport(repo.root), 'train.py', 'tune', HISTORY_LINE);
  });

  it('.git/info/grafts that skips the edit commit: it is still walked and reported', async () => {
    const { init, later } = await buildRevertedHistory();
    await writeFile(join(repo.root, '.git', 'info', 'grafts'), `${later} ${init}\n`);
    expect(await plainLog()).not.toContain('SECRET_EDIT');

    const report = await scanReport(repo.root);
    expectEditReported(report, 'train.py', 'tune', HISTORY_LINE);
    expect(report.summary.commitsScanned).toBe(3);
  });

  it.each(['parents', 'tree'] as const)('a forged commit-graph that lies about a commit\'s %s: the edit is reported from its own commit', async (lie) => {
    const { init, tune, later } = await buildRevertedHistory();
    await repo.git(['commit-graph', 'write', '--reachable']);
    if (lie === 'parents') await forgeCommitGraph(later, { parent: init });
    else await forgeCommitGraph(tune, { treeOf: init });
    expect(await plainLog()).not.toContain('SECRET_EDIT');

    const report = await scanReport(repo.root);
    expectEditReported(report, 'train.py', 'tune', HISTORY_LINE);
    expect(report.incidents.find((incident) => incident.ruleId === 'secret-edit-added')?.source).toMatchObject({ sha: tune, author: 'Agent' });
  });

  it('a .git/shallow file that cuts history short is not silent: the report warns', async () => {
    const { later } = await buildRevertedHistory();
    await writeFile(join(repo.root, '.git', 'shallow'), `${later}\n`);
    const report = await scanReport(repo.root);
    expect(report.target.shallow).toBe(true);
    expect(report.warnings.some((warning) => warning.includes('shallow clone'))).toBe(true);
  });

  it('a partial clone whose lazy fetch would run the remote\'s uploadpack: nothing runs, and the scan fails loudly', async () => {
    const { tune } = await buildHistory(repo);
    const blob = (await repo.git(['rev-parse', `${tune}:train.py`])).trim();
    await rm(join(repo.root, '.git', 'objects', blob.slice(0, 2), blob.slice(2)));
    await repo.git(['config', 'core.repositoryformatversion', '1']);
    await repo.git(['config', 'extensions.partialClone', 'origin']);
    await repo.git(['config', 'remote.origin.url', join(repo.root, 'nowhere')]);
    await repo.git(['config', 'remote.origin.promisor', 'true']);
    await repo.git(['config', 'remote.origin.uploadpack', await traps.program('uploadpack')]);
    await repo.git(['config', 'protocol.file.allow', 'always']);
    await repo.git(['cat-file', '-p', blob], { allowFailure: true });
    expect(await traps.fired()).toEqual(['uploadpack']);
    await traps.reset();

    const { report } = await scan(repo.root, { useDefaultRules: false, ruleFiles: [FLAG_EVERYTHING] });
    expect(await traps.fired()).toEqual([]);
    expect(report.complete).toBe(false);
    expect(report.error?.code).toBe('git');
  });
});

describe('the working tree is read from the real top directory, whatever the index and config say', () => {
  it.each([
    ['core.worktree', 'decoy'],
    ['core.bare', 'true'],
  ])('%s: the real tree is scanned', async (key, value) => {
    await buildHistory(repo);
    await editWorkingTree(repo);
    await repo.write({ 'new_reward.py': 'bonus = 1  # SECRET_EDIT untracked\n' });
    const decoy = await traps.folder('decoy');
    await writeFile(join(decoy, 'train.py'), 'DECOY = True\n');
    await writeFile(join(decoy, 'decoy_only.py'), 'DECOY = True\n');
    await repo.git(['config', key, value === 'decoy' ? decoy : value]);

    const report = await scanReport(repo.root);
    expect(report.target.root).toBe(repo.root);
    expectEditReported(report, 'train.py', 'worktree', WORKTREE_LINE);
    expectEditReported(report, 'new_reward.py', 'worktree', 'bonus = 1  # SECRET_EDIT untracked');
    expect(report.incidents.map((incident) => incident.file)).not.toContain('decoy_only.py');
    expect(reportedText(report)).not.toContain('DECOY');
  });

  it('core.excludesFile in the repository\'s config that ignores everything: a new file is still reported', async () => {
    await buildHistory(repo);
    await repo.write({ 'new_reward.py': 'bonus = 1  # SECRET_EDIT untracked\n' });
    await repo.git(['config', 'core.excludesFile', await traps.file('ignore-all', '*\n')]);
    expect(await repo.git(['status', '--porcelain'])).toBe('');

    expectEditReported(await scanReport(repo.root), 'new_reward.py', 'worktree', 'bonus = 1  # SECRET_EDIT untracked');
  });

  it('assume-unchanged and skip-worktree bits: the edits on disk are reported', async () => {
    await buildHistory(repo, { 'reward.py': 'return score\n' });
    await repo.git(['update-index', '--assume-unchanged', 'train.py']);
    await repo.git(['update-index', '--skip-worktree', 'reward.py']);
    await editWorkingTree(repo);
    await repo.write({ 'reward.py': 'return 1.0  # SECRET_EDIT skip-worktree\n' });
    expect(await repo.git(['status', '--porcelain'])).toBe('');

    const report = await scanReport(repo.root);
    expectEditReported(report, 'train.py', 'worktree', WORKTREE_LINE);
    expectEditReported(report, 'reward.py', 'worktree', 'return 1.0  # SECRET_EDIT skip-worktree');
  });

  it('a FIFO where a tracked file was: the scan does not block on it and reports the file as gone', async () => {
    await buildHistory(repo);
    await rm(join(repo.root, 'train.py'));
    await execFileAsync('mkfifo', [join(repo.root, 'train.py')]);
    const scanning = scanReport(repo.root);
    expect(await finishesBefore(scanning, 10_000, [join(repo.root, 'train.py')])).toBe(true);
    const report = await scanning;
    expectEditReported(report, 'train.py', 'tune', HISTORY_LINE);
    const gone = report.incidents.find((incident) => incident.file === 'train.py' && sourceOf(incident) === 'worktree');
    expect(gone).toMatchObject({ ruleId: 'any-change', change: 'deleted' });
  }, 30_000);

  it('a tracked file\'s directory replaced by a symlink to outside: nothing from outside is read as that file', async () => {
    await buildHistory(repo, { 'configs/run.py': 'steps = 100\n' });
    const outside = await traps.folder('outside');
    await writeFile(join(outside, 'run.py'), 'OUTSIDE = True  # SECRET_EDIT from outside the repository\n');
    await rm(join(repo.root, 'configs'), { recursive: true });
    await symlink(outside, join(repo.root, 'configs'));

    const report = await scanReport(repo.root);
    expect(reportedText(report)).not.toContain('OUTSIDE');
    const gone = report.incidents.find((incident) => incident.file === 'configs/run.py' && sourceOf(incident) === 'worktree');
    expect(gone).toMatchObject({ change: 'deleted' });
    const link = report.incidents.find((incident) => incident.file === 'configs' && sourceOf(incident) === 'worktree');
    expect(link).toMatchObject({ change: 'symlink', newMode: '120000', newTarget: outside });
  });
});

describe('files planted where git reads, and ignore rules the agent wrote', () => {
  /*
   * git opens attribute and ignore files with a plain blocking open(2): a FIFO in one of those places
   * would block it forever. selfmod runs git without a work tree (no checkout files are read), walks
   * the tree itself for untracked files, and refuses a FIFO in the git directory up front.
   */
  it.each(['.gitattributes', 'src/.gitattributes', '.gitignore', 'src/.gitignore', '.git/info/attributes', '.git/info/exclude'])(
    'a FIFO at %s does not stop the scan from ending',
    async (path) => {
      await buildHistory(repo, { 'src/model.py': 'layers = 2\n' });
      await rm(join(repo.root, path), { force: true });
      await mkdir(join(repo.root, path, '..'), { recursive: true });
      await execFileAsync('mkfifo', [join(repo.root, path)]);
      const scanning = scan(repo.root, { useDefaultRules: false, ruleFiles: [FLAG_EVERYTHING, SECRET_EDIT_RULE] });
      expect(await finishesBefore(scanning, 3_000, [join(repo.root, path)])).toBe(true);
    },
    30_000,
  );

  it('a FIFO named by include.path does not stop the scan from ending', async () => {
    await buildHistory(repo);
    await repo.git(['config', 'include.path', 'agent.config']);
    const fifo = join(repo.root, '.git', 'agent.config');
    await execFileAsync('mkfifo', [fifo]);
    const scanning = scan(repo.root, { useDefaultRules: false, ruleFiles: [FLAG_EVERYTHING, SECRET_EDIT_RULE] });
    expect(await finishesBefore(scanning, 3_000, [fifo])).toBe(true);
  }, 30_000);

  /*
   * git does not check that a loose or packed object's content hashes to its name. An agent that
   * rewrites the object of its edited blob with the old content makes `git log -p` show no change,
   * and the file on disk, which still hashes to the tree's entry, looks unchanged too. selfmod hashes
   * every object the scan reads and stops, loudly (test/git/attacks.test.ts forges commits and trees).
   */
  it('a loose object rewritten to hold the old content: the scan stops with an integrity error naming it', async () => {
    const { init, tune } = await buildHistory(repo);
    const objectPath = async (revision: string) => {
      const sha = (await repo.git(['rev-parse', revision])).trim();
      return join(repo.root, '.git', 'objects', sha.slice(0, 2), sha.slice(2));
    };
    const forged = await objectPath(`${tune}:train.py`);
    await chmod(forged, 0o644);
    await writeFile(forged, await readFile(await objectPath(`${init}:train.py`)));
    expect(await plainLog()).not.toContain('SECRET_EDIT');

    const { report, failure } = await scan(repo.root, { useDefaultRules: false, ruleFiles: [FLAG_EVERYTHING, SECRET_EDIT_RULE] });
    expect(failure).not.toBeNull();
    expect(report).toMatchObject({ complete: false, error: { code: 'integrity' } });
    expect(report.error!.message).toContain('train.py');
    expect(report.error!.message).toContain((await repo.git(['rev-parse', `${tune}:train.py`])).trim());
  });

  /*
   * Only HEAD's committed .gitignore files are applied: .git/info/exclude and ignore files written or
   * edited in the working tree (a .gitignore of `*` even ignores itself) would hide a new file.
   */
  it.each([
    ['.git/info/exclude', '*.py\n'],
    ['tools/.gitignore', '*\n'],
  ])('a new file ignored only by %s is reported', async (ignoreFile, patterns) => {
    await buildHistory(repo);
    await repo.write({ 'tools/evil.py': 'bonus = 1  # SECRET_EDIT ignored\n' });
    await mkdir(join(repo.root, ignoreFile, '..'), { recursive: true });
    await writeFile(join(repo.root, ignoreFile), patterns);

    expectEditReported(await scanReport(repo.root), 'tools/evil.py', 'worktree', 'bonus = 1  # SECRET_EDIT ignored');
  });
});

describe('control characters and newlines in names, subjects and authors', () => {
  const NAMES = [
    'line\nbreak.py',
    'tab\there.py',
    'record\x1eseparator.py',
    'unit\x1fseparator.py',
    'bell\x07and\x7fdel.py',
    'quote"and\\backslash.py',
    ' leading space.py',
    '-dash.py',
    ':100644 100644 looks-raw.py',
    'diff --git a b.py',
    'ünïcödé.py',
  ];
  const SUBJECT = 'first\x1e line\x1f with \r carriage \x1b[31mred\x1b[0m and \x07bell';
  const AUTHOR = 'Ag\x1eent\x1fSmith';

  it('do not break parsing or shift fields (runScan and CLI)', async () => {
    await repo.commitFiles('init', Object.fromEntries(NAMES.map((name) => [name, 'value = 1\n'])));
    await repo.commitFiles(
      `${SUBJECT}\nsecond line of the subject paragraph\n\nbody with \x1e and --- and diff --git a b`,
      Object.fromEntries(NAMES.map((name, index) => [name, `value = 1\nedit_${index} = 1  # SECRET_EDIT\n`])),
      { author: AUTHOR },
    );
    await repo.commitFiles('rename', { 'line\nbreak.py': null, 'moved\nagain.py': 'value = 1\nedit_0 = 1  # SECRET_EDIT\n' });
    const subject = `${SUBJECT} second line of the subject paragraph`;

    for (const report of [await scanReport(repo.root), await scanReportWithCli(repo.root)]) {
      NAMES.forEach((name, index) => expectEditReported(report, name, subject, `edit_${index} = 1  # SECRET_EDIT`));
      const edits = report.incidents.filter((incident) => sourceOf(incident) === subject);
      expect(edits).toHaveLength(NAMES.length * 2);
      for (const incident of edits) {
        expect(incident.source).toMatchObject({ kind: 'commit', author: AUTHOR, email: 'ag-ent-smith@example.com', subject });
      }
      const moved = report.incidents.find((incident) => incident.file === 'moved\nagain.py');
      expect(moved).toMatchObject({ change: 'renamed', previousFile: 'line\nbreak.py', source: { subject: 'rename' } });
      expect(report.incidents.filter((incident) => sourceOf(incident) === 'init')).toHaveLength(NAMES.length);
    }
  });
});

/**
 * Rewrites one commit's entry in .git/objects/info/commit-graph, as an agent could: git trusts that
 * file for parents and trees without checking it against the commit objects.
 */
async function forgeCommitGraph(commit: string, lie: { parent?: string; treeOf?: string }): Promise<void> {
  const path = join(repo.root, '.git', 'objects', 'info', 'commit-graph');
  const graph = await readFile(path);
  const chunkCount = graph[6] ?? 0;
  const chunks = new Map<string, number>();
  for (let index = 0; index <= chunkCount; index++) {
    const entry = 8 + index * 12;
    chunks.set(graph.toString('latin1', entry, entry + 4), Number(graph.readBigUInt64BE(entry + 4)));
  }
  const lookup = chunks.get('OIDL') ?? 0;
  const data = chunks.get('CDAT') ?? 0;
  // The fan-out table's last entry counts the commits.
  const count = graph.readUInt32BE((chunks.get('OIDF') ?? 0) + 255 * 4);
  const position = (sha: string) => {
    for (let index = 0; index < count; index++) if (graph.toString('hex', lookup + index * 20, lookup + index * 20 + 20) === sha) return index;
    throw new Error(`${sha} is not in the commit-graph`);
  };
  // Commit data: tree id (20 bytes), first parent, second parent, generation and date (8 bytes).
  const record = data + position(commit) * 36;
  if (lie.parent) graph.writeUInt32BE(position(lie.parent), record + 20);
  if (lie.treeOf) graph.copy(graph, record, data + position(lie.treeOf) * 36, data + position(lie.treeOf) * 36 + 20);
  await chmod(path, 0o644);
  await writeFile(path, graph);
}
