/**
 * What every git call carries so that a repository written by an untrusted agent can neither run code
 * through git nor change what git shows us. Overrides go in through GIT_CONFIG_COUNT/KEY/VALUE, the
 * command-line scope that outranks every config file and, unlike `-c`, never splits a key on `=`.
 */

import { delimiter, isAbsolute } from 'node:path';

/** Settings that are the same for every repository. */
const FIXED_OVERRIDES: ReadonlyArray<readonly [string, string]> = [
  // Programs the repository's config could make git run.
  ['core.fsmonitor', 'false'],
  ['core.hooksPath', '/dev/null'],
  ['core.pager', 'cat'],
  ['core.sshCommand', 'false'],
  ['core.askPass', 'false'],
  ['diff.external', ''],
  ['gpg.program', 'false'],
  ['gpg.openpgp.program', 'false'],
  ['gpg.ssh.program', 'false'],
  ['gpg.x509.program', 'false'],
  ['log.showSignature', 'false'],
  ['merge.renormalize', 'false'],
  ['protocol.allow', 'never'],
  // Settings that would hide or reshape what we read.
  ['core.attributesFile', '/dev/null'],
  ['core.excludesFile', '/dev/null'],
  ['core.untrackedCache', 'false'],
  ['core.bigFileThreshold', '512m'],
  // git's cache of inflated delta bases (96 MB by default, per process) is most of git's memory in
  // a long history; 16 MB costs no measurable time for a log walked in order.
  ['core.deltaBaseCacheLimit', '16m'],
  // A commit-graph file is a cache git trusts without checking: a forged one gives a commit other
  // parents (skipping the commit that made an edit) or another tree. Commits are read from objects.
  ['core.commitGraph', 'false'],
  ['core.quotePath', 'false'],
  // git's default, so the `index` line of each reported diff does not depend on the repository.
  ['core.abbrev', 'auto'],
  ['core.splitIndex', 'false'],
  ['diff.noprefix', 'false'],
  ['diff.mnemonicPrefix', 'false'],
  ['diff.relative', 'false'],
  ['diff.suppressBlankEmpty', 'false'],
  ['diff.ignoreSubmodules', 'none'],
  // `log` and `diff` print a gitlink's change without a `diff --git` header, which would pair every
  // later patch section of the commit with the wrong file.
  ['diff.submodule', 'short'],
  ['diff.renameLimit', '10000'],
  ['diff.renames', 'true'],
  // A missing order file or an unknown date format would make every git log fail.
  ['diff.orderFile', '/dev/null'],
  ['log.date', 'default'],
  ['diff.context', '3'],
  ['diff.interHunkContext', '0'],
  ['diff.colorMoved', 'false'],
  ['color.ui', 'false'],
  ['log.showRoot', 'true'],
  // The warning that tells `--since origin/main` apart from an agent's ref of the same name.
  ['core.warnAmbiguousRefs', 'true'],
  ['log.follow', 'false'],
  ['log.decorate', 'false'],
  ['log.mailmap', 'false'],
  ['i18n.logOutputEncoding', 'UTF-8'],
  // GIT_GRAFT_FILE below makes git print this hint first on stderr, where it hid the real error.
  ['advice.graftFileDeprecated', 'false'],
  // The ownership check exists to stop a foreign repository's config from running code; every
  // setting that could do so is overridden above, and sandboxes are often owned by another user.
  ['safe.directory', '*'],
];

/** Keys under a driver's name that can run a program or blind a diff, and their neutral values. */
const DRIVER_OVERRIDES: Record<string, ReadonlyArray<readonly [string, string]>> = {
  diff: [
    ['textconv', ''],
    ['command', ''],
    ['binary', 'false'],
    ['cachetextconv', 'false'],
  ],
  filter: [
    ['clean', ''],
    ['smudge', ''],
    ['process', ''],
    ['required', 'false'],
  ],
  // An empty driver makes git fail the remerge and end `git log`; git's own three-way text merge
  // gives the remerge diff the built-in driver would have given. Labels keep the output stable.
  merge: [['driver', 'git merge-file -L ours -L base -L theirs %A %O %B']],
};

/** Matches the config keys whose subsection names a driver that attributes can select. */
export const DRIVER_KEY_PATTERN = '^(diff|filter|merge)\\..+\\.';

/**
 * Lists the config overrides for a repository whose config defines the given keys (as printed by
 * `git config --get-regexp DRIVER_KEY_PATTERN`): the fixed ones plus a neutral value for every
 * program-running key of every diff, filter and merge driver the repository names.
 */
export function configOverrides(definedKeys: readonly string[]): Array<readonly [string, string]> {
  const overrides: Array<readonly [string, string]> = [...FIXED_OVERRIDES];
  const seen = new Set<string>();
  for (const key of definedKeys) {
    const firstDot = key.indexOf('.');
    const lastDot = key.lastIndexOf('.');
    if (firstDot === lastDot) continue;
    const section = key.slice(0, firstDot).toLowerCase();
    const driver = key.slice(firstDot + 1, lastDot);
    const id = `${section}\0${driver}`;
    const neutral = DRIVER_OVERRIDES[section];
    if (!neutral || seen.has(id)) continue;
    seen.add(id);
    for (const [name, value] of neutral) overrides.push([`${section}.${driver}.${name}`, value]);
  }
  return overrides;
}

/**
 * Where a hardened git call runs. Without a work tree, git runs as if the repository were bare and
 * reads nothing from the checkout: no `.gitattributes` or `.gitignore` (where an agent could plant a
 * FIFO that blocks git, or an attribute that reshapes a diff) and no index.
 */
export interface GitLocation {
  readonly gitDir: string;
  readonly workTree: string | null;
}

/**
 * The caller's PATH without its relative entries (`.`, `bin`, an empty one): git runs in the
 * repository's top or git directory, where such an entry would find a `git` (or a `sh`, for git's
 * own merge of a remerge diff) that the agent put there.
 */
export function absoluteSearchPath(path: string | undefined): string {
  return (path ?? '/usr/local/bin:/usr/bin:/bin')
    .split(delimiter)
    .filter((entry) => isAbsolute(entry))
    .join(delimiter);
}

/**
 * Builds git's whole environment from scratch: nothing the caller's shell exported (GIT_DIR,
 * GIT_EXTERNAL_DIFF, GIT_CONFIG_PARAMETERS, …) leaks into the call.
 */
export function hardenedEnvironment(
  location: GitLocation,
  overrides: ReadonlyArray<readonly [string, string]>,
): Record<string, string> {
  const env: Record<string, string> = {
    PATH: absoluteSearchPath(process.env['PATH']),
    HOME: process.env['HOME'] ?? '/',
    LC_ALL: 'C',
    LANG: 'C',
    GIT_DIR: location.gitDir,
    ...(location.workTree === null ? {} : { GIT_WORK_TREE: location.workTree }),
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_ATTR_NOSYSTEM: '1',
    GIT_NO_REPLACE_OBJECTS: '1',
    GIT_GRAFT_FILE: '/dev/null',
    GIT_OPTIONAL_LOCKS: '0',
    GIT_TERMINAL_PROMPT: '0',
    GIT_NO_LAZY_FETCH: '1',
    // An empty allow-list permits no transport, whatever `protocol.<name>.allow` the repository sets:
    // a partial clone's lazy fetch (on a git too old for GIT_NO_LAZY_FETCH) cannot run `uploadpack`.
    GIT_ALLOW_PROTOCOL: '',
    GIT_PAGER: 'cat',
    PAGER: 'cat',
    GIT_ADVICE: '0',
  };
  const all = location.workTree === null ? [...overrides, ['core.bare', 'true'] as const] : overrides;
  env['GIT_CONFIG_COUNT'] = String(all.length);
  all.forEach(([key, value], index) => {
    env[`GIT_CONFIG_KEY_${index}`] = key;
    env[`GIT_CONFIG_VALUE_${index}`] = value;
  });
  return env;
}
