import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Report } from '../../src/report/report.js';
import { createTestRepo, type TestRepo } from '../helpers/git-repo.js';
import {
  buildHistory,
  createTraps,
  editWorkingTree,
  expectEditReported,
  HISTORY_LINE,
  reportedText,
  scanReport,
  scanReportWithCli,
  TRAIN,
  type Traps,
  withProcessEnv,
  WORKTREE_LINE,
} from './traps.js';

/**
 * Each test plants programs that git would run for a repository (config, attributes, hooks, the
 * scanning process's environment), proves with plain git that the trap is armed where git allows
 * that without a terminal, then scans: no trap may fire, and the edits must still be reported.
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

const UNTRACKED_LINE = 'bonus = 1  # SECRET_EDIT untracked';

function expectHistoryAndWorktreeEdits(report: Report): void {
  expectEditReported(report, 'train.py', 'tune', HISTORY_LINE);
  expectEditReported(report, 'train.py', 'worktree', WORKTREE_LINE);
}

/** Every hook git knows, so none is left out by accident. */
const HOOKS = [
  'applypatch-msg', 'pre-applypatch', 'post-applypatch', 'pre-commit', 'pre-merge-commit', 'prepare-commit-msg',
  'commit-msg', 'post-commit', 'pre-rebase', 'post-checkout', 'post-merge', 'pre-push', 'pre-receive', 'update',
  'proc-receive', 'post-receive', 'post-update', 'reference-transaction', 'push-to-checkout', 'pre-auto-gc',
  'post-rewrite', 'sendemail-validate', 'fsmonitor-watchman', 'p4-changelist', 'p4-prepare-changelist',
  'p4-post-changelist', 'p4-pre-submit', 'post-index-change',
];

describe('git runs no program that the repository names', () => {
  it('core.fsmonitor: not run while the working tree is listed; every edit is still reported (runScan and CLI)', async () => {
    await buildHistory(repo);
    await editWorkingTree(repo);
    await repo.write({ 'new_reward.py': `${UNTRACKED_LINE}\n` });
    await repo.git(['config', 'core.fsmonitor', await traps.program('fsmonitor')]);
    await repo.git(['status', '--porcelain']);
    expect(await traps.fired()).toEqual(['fsmonitor']);
    await traps.reset();

    const report = await scanReport(repo.root);
    expectHistoryAndWorktreeEdits(report);
    expectEditReported(report, 'new_reward.py', 'worktree', UNTRACKED_LINE);
    const viaCli = await scanReportWithCli(repo.root);
    expect(viaCli.incidents).toEqual(report.incidents);
    expect(await traps.fired()).toEqual([]);
  });

  it.each(['.git/hooks', 'core.hooksPath'])('hooks in %s: none runs, and staged and unstaged edits are reported', async (where) => {
    await buildHistory(repo);
    const directory = where === '.git/hooks' ? join(repo.root, '.git', 'hooks') : join(repo.root, '.git', 'agent-hooks');
    await mkdir(directory, { recursive: true });
    for (const hook of HOOKS) await traps.programAt(join(directory, hook), `hook-${hook}`);
    if (where === 'core.hooksPath') await repo.git(['config', 'core.hooksPath', directory]);
    // Staging fires post-index-change and moving a ref fires reference-transaction: the hooks are live.
    await editWorkingTree(repo);
    await repo.git(['add', 'train.py']);
    await repo.git(['update-ref', 'refs/heads/control', 'HEAD']);
    await repo.git(['update-ref', '-d', 'refs/heads/control']);
    expect(await traps.fired()).toEqual(expect.arrayContaining(['hook-post-index-change', 'hook-reference-transaction']));
    await repo.write({ 'train.py': `${TRAIN}${HISTORY_LINE}\n${WORKTREE_LINE}\nmore = 1  # SECRET_EDIT after staging\n` });
    await traps.reset();

    const report = await scanReport(repo.root);
    expect(await traps.fired()).toEqual([]);
    expectHistoryAndWorktreeEdits(report);
    expectEditReported(report, 'train.py', 'worktree', 'more = 1  # SECRET_EDIT after staging');
    expectEditReported(report, 'train.py', 'index', WORKTREE_LINE);
  });

  it('diff.external: not run, and the edit is reported as text', async () => {
    await buildHistory(repo);
    await repo.git(['config', 'diff.external', await traps.program('diff-external')]);
    await repo.git(['diff', 'HEAD~1', 'HEAD']);
    expect(await traps.fired()).toEqual(['diff-external']);
    await traps.reset();

    const report = await scanReport(repo.root);
    expect(await traps.fired()).toEqual([]);
    expectEditReported(report, 'train.py', 'tune', HISTORY_LINE);
  });

  it('a diff driver named by .gitattributes: neither its textconv nor its command runs (runScan and CLI)', async () => {
    await buildHistory(repo, { '.gitattributes': '*.py diff=evil\n' });
    await editWorkingTree(repo);
    await repo.git(['config', 'diff.evil.textconv', await traps.program('textconv')]);
    await repo.git(['config', 'diff.evil.command', await traps.program('diff-command')]);
    await repo.git(['config', 'diff.evil.cachetextconv', 'true']);
    await repo.git(['log', '-p', '-1']);
    await repo.git(['diff', 'HEAD~1', 'HEAD']);
    expect(await traps.fired()).toEqual(['diff-command', 'textconv']);
    await traps.reset();

    const report = await scanReport(repo.root);
    expectHistoryAndWorktreeEdits(report);
    const viaCli = await scanReportWithCli(repo.root);
    expectHistoryAndWorktreeEdits(viaCli);
    expect(await traps.fired()).toEqual([]);
  });

  it('a required filter driver: no clean, smudge or process filter runs, and the working-tree edit is reported', async () => {
    await buildHistory(repo, { '.gitattributes': '*.py filter=evil\n' });
    await editWorkingTree(repo);
    await repo.git(['config', 'filter.evil.clean', await traps.program('filter-clean')]);
    await repo.git(['config', 'filter.evil.smudge', await traps.program('filter-smudge')]);
    await repo.git(['config', 'filter.evil.process', await traps.program('filter-process')]);
    await repo.git(['config', 'filter.evil.required', 'true']);
    // The long-running process filter wins over clean; it fails the handshake, so git fails too.
    await repo.git(['hash-object', 'train.py'], { allowFailure: true });
    expect(await traps.fired()).toEqual(['filter-process']);
    await traps.reset();

    const report = await scanReport(repo.root);
    expect(await traps.fired()).toEqual([]);
    expectHistoryAndWorktreeEdits(report);
  });

  it('a merge driver: the remerge of an evil merge runs git\'s own merge, and the merge\'s own edit is reported (runScan and CLI)', async () => {
    await repo.commitFiles('init', { '.gitattributes': '*.py merge=evil\n', 'train.py': 'lr = 0.1\nbatch = 32\nepochs = 3\n' });
    await repo.git(['checkout', '--quiet', '-b', 'side']);
    await repo.commitFiles('side lr', { 'train.py': 'lr = 0.2\nbatch = 32\nepochs = 3\n' });
    await repo.git(['checkout', '--quiet', 'main']);
    await repo.commitFiles('main lr', { 'train.py': 'lr = 0.3\nbatch = 32\nepochs = 3\n' });
    await repo.git(['merge', '--quiet', 'side'], { allowFailure: true });
    // Resolved by hand, with a line that neither parent has: only the remerge diff shows it.
    await repo.commitFiles('evil merge', { 'train.py': 'lr = 0.25\nbatch = 32\nepochs = 3\nreward_scale = 10  # SECRET_EDIT in merge\n' }, { author: 'Agent' });
    await repo.git(['config', 'merge.evil.driver', `${await traps.program('merge-driver')} %O %A %B`]);
    await repo.git(['config', 'merge.evil.recursive', 'evil']);
    await repo.git(['config', 'merge.default', 'evil']);
    await repo.git(['log', '-p', '--diff-merges=remerge', '-1']);
    expect(await traps.fired()).toEqual(['merge-driver']);
    await traps.reset();

    const report = await scanReport(repo.root);
    expectEditReported(report, 'train.py', 'evil merge', 'reward_scale = 10  # SECRET_EDIT in merge');
    const merge = report.incidents.find((incident) => incident.ruleId === 'secret-edit-added');
    expect(merge?.source).toMatchObject({ kind: 'commit', author: 'Agent', subject: 'evil merge' });
    const viaCli = await scanReportWithCli(repo.root);
    expect(viaCli.incidents).toEqual(report.incidents);
    expect(await traps.fired()).toEqual([]);
  });

  it('pagers from the config and from the scanning process\'s environment never start (runScan and CLI)', async () => {
    await buildHistory(repo);
    await editWorkingTree(repo);
    const pager = await traps.program('config-pager');
    await repo.git(['config', 'core.pager', pager]);
    for (const command of ['log', 'diff', 'show', 'cat-file', 'ls-files', 'ls-tree', 'config', 'rev-parse', 'rev-list']) {
      await repo.git(['config', `pager.${command}`, pager]);
    }
    // git starts a pager only on a terminal, which a test does not have: no control step here.
    const environment = { GIT_PAGER: await traps.program('env-git-pager'), PAGER: await traps.program('env-pager') };
    const report = await withProcessEnv(environment, () => scanReport(repo.root));
    expectHistoryAndWorktreeEdits(report);
    expectHistoryAndWorktreeEdits(await scanReportWithCli(repo.root, { env: environment }));
    expect(await traps.fired()).toEqual([]);
  });

  it('signed commits with log.showSignature: no OpenPGP, SSH or X.509 verifier runs, and their edits are reported', async () => {
    await repo.commitFiles('init', { 'train.py': TRAIN, 'reward.py': 'return score\n', 'eval.py': 'run()\n' });
    await repo.commitFiles('tune', { 'train.py': `${TRAIN}${HISTORY_LINE}\n` }, { author: 'Agent' });
    await signHead('-----BEGIN PGP SIGNATURE-----', '-----END PGP SIGNATURE-----');
    await repo.commitFiles('reward', { 'reward.py': 'return 1.0  # SECRET_EDIT ssh-signed\n' }, { author: 'Agent' });
    await signHead('-----BEGIN SSH SIGNATURE-----', '-----END SSH SIGNATURE-----');
    await repo.commitFiles('eval', { 'eval.py': 'skip()  # SECRET_EDIT x509-signed\n' }, { author: 'Agent' });
    await signHead('-----BEGIN SIGNED MESSAGE-----', '-----END SIGNED MESSAGE-----');
    await writeFile(join(repo.root, '.git', 'allowed_signers'), '');
    await repo.git(['config', 'gpg.program', await traps.program('gpg')]);
    await repo.git(['config', 'gpg.openpgp.program', await traps.program('gpg-openpgp')]);
    await repo.git(['config', 'gpg.ssh.program', await traps.program('gpg-ssh')]);
    await repo.git(['config', 'gpg.x509.program', await traps.program('gpg-x509')]);
    await repo.git(['config', 'gpg.ssh.allowedSignersFile', join(repo.root, '.git', 'allowed_signers')]);
    await repo.git(['config', 'log.showSignature', 'true']);
    await repo.git(['log', '--format=%s']);
    expect(await traps.fired()).toEqual(['gpg-openpgp', 'gpg-ssh', 'gpg-x509']);
    await traps.reset();

    const report = await scanReport(repo.root);
    expect(await traps.fired()).toEqual([]);
    expectEditReported(report, 'train.py', 'tune', HISTORY_LINE);
    expectEditReported(report, 'reward.py', 'reward', 'return 1.0  # SECRET_EDIT ssh-signed');
    expectEditReported(report, 'eval.py', 'eval', 'skip()  # SECRET_EDIT x509-signed');
  });

  it('traps set in included config files (include.path, includeIf, config.worktree) are neutralised like the rest', async () => {
    await repo.commitFiles('init', {
      '.gitattributes': '*.py diff=evil merge=evil filter=evil\n*.cfg diff=evil2 filter=evil2\n*.md diff=evil3\n',
      'train.py': TRAIN,
      'run.cfg': 'steps = 100\n',
      'notes.md': 'plan\n',
    });
    await repo.commitFiles('tune', { 'train.py': `${TRAIN}${HISTORY_LINE}\n`, 'run.cfg': 'steps = 1  # SECRET_EDIT cfg\n', 'notes.md': 'hidden  # SECRET_EDIT md\n' }, { author: 'Agent' });
    await editWorkingTree(repo);
    const included = [
      '[core]',
      `  fsmonitor = ${await traps.program('include-fsmonitor')}`,
      `  pager = ${await traps.program('include-pager')}`,
      '[diff]',
      `  external = ${await traps.program('include-diff-external')}`,
      '[diff "evil"]',
      `  textconv = ${await traps.program('include-textconv')}`,
      '[filter "evil"]',
      `  clean = ${await traps.program('include-filter-clean')}`,
      `  smudge = ${await traps.program('include-filter-smudge')}`,
      '  required = true',
      '[merge "evil"]',
      `  driver = ${await traps.program('include-merge')}`,
      '[gpg]',
      `  program = ${await traps.program('include-gpg')}`,
      '[log]',
      '  showSignature = true',
    ].join('\n');
    const onBranch = ['[diff "evil2"]', `  textconv = ${await traps.program('onbranch-textconv')}`, '[filter "evil2"]', `  smudge = ${await traps.program('onbranch-filter-smudge')}`].join('\n');
    await writeFile(join(repo.root, '.git', 'agent.config'), `${included}\n`);
    await writeFile(join(repo.root, '.git', 'onbranch.config'), `${onBranch}\n`);
    await repo.git(['config', 'include.path', 'agent.config']);
    await repo.git(['config', 'includeIf.onbranch:main.path', 'onbranch.config']);
    await repo.git(['config', 'core.repositoryformatversion', '1']);
    await repo.git(['config', 'extensions.worktreeConfig', 'true']);
    await repo.git(['config', '--worktree', 'diff.evil3.textconv', await traps.program('worktree-config-textconv')]);
    // Plain git runs them all: textconv first writes the blob out through the smudge filter.
    await repo.git(['log', '-p', '-1']);
    await repo.git(['status', '--porcelain']);
    expect(await traps.fired()).toEqual(
      expect.arrayContaining([
        'include-filter-smudge',
        'include-fsmonitor',
        'include-textconv',
        'onbranch-filter-smudge',
        'onbranch-textconv',
        'worktree-config-textconv',
      ]),
    );
    await traps.reset();

    const report = await scanReport(repo.root);
    expect(await traps.fired()).toEqual([]);
    expectHistoryAndWorktreeEdits(report);
    expectEditReported(report, 'run.cfg', 'tune', 'steps = 1  # SECRET_EDIT cfg');
    expectEditReported(report, 'notes.md', 'tune', 'hidden  # SECRET_EDIT md');
  });
});

describe('the scanning process\'s environment neither redirects nor poisons git', () => {
  /** A second repository with its own edit, for GIT_DIR and GIT_WORK_TREE to point at. */
  async function createDecoy(): Promise<TestRepo> {
    const decoy = await createTestRepo();
    await decoy.commitFiles('decoy commit', { 'decoy.py': 'DECOY = True  # SECRET_EDIT decoy\n' });
    await decoy.write({ 'decoy_worktree.py': 'DECOY_WORKTREE = True\n' });
    return decoy;
  }

  /**
   * Variables that would make plain git read the decoy, run the traps, or (through user-level config
   * in HOME and XDG_CONFIG_HOME) ignore every untracked file and call every text file binary.
   */
  async function poisonedEnvironment(decoy: TestRepo): Promise<Record<string, string>> {
    const program = (name: string) => traps.program(name);
    const userConfig = [
      '[core]',
      `  fsmonitor = ${await program('user-fsmonitor')}`,
      `  pager = ${await program('user-pager')}`,
      '[diff]',
      `  external = ${await program('user-diff-external')}`,
    ].join('\n');
    const home = await traps.folder('home');
    const xdg = await traps.folder('xdg');
    for (const base of [join(home, '.config'), xdg]) {
      await mkdir(join(base, 'git'), { recursive: true });
      await writeFile(join(base, 'git', 'config'), `${userConfig}\n`);
      await writeFile(join(base, 'git', 'ignore'), '*\n');
      await writeFile(join(base, 'git', 'attributes'), '* -diff\n');
    }
    await writeFile(join(home, '.gitconfig'), `${userConfig}\n`);
    const configFile = await traps.file('env.gitconfig', `${userConfig}\n`);
    return {
      HOME: home,
      XDG_CONFIG_HOME: xdg,
      GIT_DIR: join(decoy.root, '.git'),
      GIT_WORK_TREE: decoy.root,
      GIT_INDEX_FILE: join(decoy.root, '.git', 'index'),
      GIT_OBJECT_DIRECTORY: join(decoy.root, '.git', 'objects'),
      GIT_EXTERNAL_DIFF: await program('env-external-diff'),
      GIT_CONFIG_PARAMETERS: `'core.fsmonitor'='${await program('env-parameters-fsmonitor')}' 'diff.external'='${await program('env-parameters-diff')}'`,
      GIT_CONFIG_COUNT: '2',
      GIT_CONFIG_KEY_0: 'core.pager',
      GIT_CONFIG_VALUE_0: await program('env-count-pager'),
      GIT_CONFIG_KEY_1: 'core.excludesFile',
      GIT_CONFIG_VALUE_1: join(xdg, 'git', 'ignore'),
      GIT_CONFIG_GLOBAL: configFile,
      GIT_CONFIG_SYSTEM: configFile,
      GIT_CONFIG: configFile,
      GIT_PAGER: await program('env-git-pager'),
      GIT_SSH_COMMAND: await program('env-ssh'),
      GIT_ASKPASS: await program('env-askpass'),
      GIT_NAMESPACE: 'decoy',
      GIT_GRAFT_FILE: join(decoy.root, 'grafts'),
      GIT_DIFF_OPTS: '--unified=0',
    };
  }

  /** The scanned repository: history, a working-tree edit and an untracked file. */
  async function buildScannedRepository(): Promise<void> {
    await buildHistory(repo);
    await editWorkingTree(repo);
    await repo.write({ 'new_reward.py': `${UNTRACKED_LINE}\n` });
  }

  function expectOnlyTheScannedRepository(report: Report): void {
    expect(report.target.root).toBe(repo.root);
    expectHistoryAndWorktreeEdits(report);
    expectEditReported(report, 'new_reward.py', 'worktree', UNTRACKED_LINE);
    expect(report.incidents.filter((incident) => incident.file.startsWith('decoy'))).toEqual([]);
    expect(reportedText(report)).not.toContain('DECOY');
  }

  it('GIT_DIR, GIT_WORK_TREE, GIT_EXTERNAL_DIFF, GIT_CONFIG_* and friends set in this process (runScan)', async () => {
    await buildScannedRepository();
    const decoy = await createDecoy();
    try {
      const environment = await poisonedEnvironment(decoy);
      // Plain git in the scanned repository reads the decoy and runs the traps.
      const plainGit = (args: string[]) => execFileAsync('git', args, { cwd: repo.root, env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', ...environment } });
      expect((await plainGit(['log', '-1', '--format=%s'])).stdout).toBe('decoy commit\n');
      await plainGit(['status', '--porcelain']);
      expect(await traps.fired()).not.toEqual([]);
      await traps.reset();

      const report = await withProcessEnv(environment, () => scanReport(repo.root));
      expectOnlyTheScannedRepository(report);
      expect(await traps.fired()).toEqual([]);
    } finally {
      await decoy.cleanup();
    }
  });

  it('the same variables given to the CLI', async () => {
    await buildScannedRepository();
    const decoy = await createDecoy();
    try {
      const environment = await poisonedEnvironment(decoy);
      const report = await scanReportWithCli(repo.root, { env: environment });
      expectOnlyTheScannedRepository(report);
      expect(await traps.fired()).toEqual([]);
    } finally {
      await decoy.cleanup();
    }
  });
});

/** Rewrites HEAD as a commit carrying a (fake) signature of the given armour, so git would verify it. */
async function signHead(begin: string, end: string): Promise<void> {
  const raw = await repo.git(['cat-file', 'commit', 'HEAD']);
  const split = raw.indexOf('\n\n');
  const signature = ['gpgsig ' + begin, ' AAAA', ` ${end}`].join('\n');
  const signed = `${raw.slice(0, split)}\n${signature}${raw.slice(split)}`;
  const file = await traps.file('signed-commit', signed);
  const sha = (await repo.git(['hash-object', '-t', 'commit', '-w', file])).trim();
  await repo.git(['update-ref', 'refs/heads/main', sha]);
}
