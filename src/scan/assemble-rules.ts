import { realpath } from 'node:fs/promises';
import { isAbsolute, join, posix, relative, resolve, sep } from 'node:path';
import type { CompiledRule } from '../engine/check-change.js';
import {
  assertConfigNamesKnownRules,
  parseConfig,
  PROTECTED_RULE_IDS,
  readConfigFile,
  REPOSITORY_CONFIG_FILE,
  type LoadedConfig,
} from '../engine/config.js';
import { builtinRulesDirectory, compileRules, parseRules, readRuleTexts, type RuleText } from '../engine/load-rules.js';
import type { RuleDefinition, Severity } from '../engine/rule.js';
import { RuleFileError } from '../errors.js';
import type { BlobReader } from '../git/blob-reader.js';
import type { Repository } from '../git/repository.js';
import { listFilesAtRevision, readFileAtRevision } from '../git/revision-files.js';

export interface RuleSetOptions {
  readonly ruleFiles: readonly string[];
  readonly useDefaultRules: boolean;
  readonly configFile: string | null;
  /**
   * A watched directory: the config file and rule files read from disk that lie inside it (the
   * config's own `rules:` entries too) are added to what the config-guarding rule protects.
   */
  readonly guardRoot?: string;
}

export interface RuleSet {
  readonly rules: CompiledRule[];
  /** From the configs, when the command line did not set it. */
  readonly failOn: Severity | null;
}

/** The repository a scan reads its own `.selfmod.yml` from, at the base revision. */
export interface BaseRevision {
  readonly repo: Repository;
  readonly blobs: BlobReader;
  readonly commit: string;
}

/** Where the protected rule lives among the built-ins; it is loaded even with --no-default-rules. */
const PROTECTED_RULE_FILE = join('oversight', 'selfmod-config-edited.yml');

/**
 * Builds the rule set for a scan from the built-in rules, `--rules`, `--config` and the repository's
 * `.selfmod.yml` as it was at the base revision. The repository's config is never read from the
 * range being scanned or the working tree: an edit cannot weaken the checks that judge it.
 */
export async function assembleRules(options: RuleSetOptions, base: BaseRevision | null): Promise<RuleSet> {
  const cliConfig = options.configFile ? await readConfigFile(options.configFile) : null;
  const repoConfig = base ? await readRepositoryConfig(base.blobs, base.commit) : null;
  const configs = [repoConfig, cliConfig].filter((config): config is LoadedConfig => config !== null);

  const useDefaults = options.useDefaultRules && configs.every((loaded) => loaded.config.defaultRules !== false);
  const texts: RuleText[] = await readBuiltinRuleTexts(useDefaults);
  texts.push(...(await readRuleTexts(options.ruleFiles)));
  if (cliConfig) texts.push(...(await readRuleTexts(cliConfig.config.rules ?? [])));
  const repoRulePaths = repoConfig?.config.rules ?? [];
  const fromDisk = [options.configFile, ...options.ruleFiles, ...(cliConfig?.config.rules ?? [])].filter((file): file is string => file !== null);
  const guarded = [...repoRulePaths, ...(options.guardRoot ? await pathsInside(options.guardRoot, fromDisk) : [])];
  if (base && repoConfig) texts.push(...(await readRepositoryRuleTexts(base, repoConfig)));

  const definitions = parseRules(texts).map((rule) =>
    PROTECTED_RULE_IDS.has(rule.id) && guarded.length > 0 ? guardPaths(rule, guarded) : rule,
  );
  for (const loaded of configs) assertConfigNamesKnownRules(loaded, definitions);

  const disabled = new Set(configs.flatMap((loaded) => loaded.config.disable ?? []));
  const severities = new Map<string, Severity>();
  for (const loaded of configs) {
    for (const [id, severity] of Object.entries(loaded.config.severity ?? {})) severities.set(id, severity);
  }
  const active = definitions.filter((rule) => !disabled.has(rule.id));
  const failOn = cliConfig?.config.failOn ?? repoConfig?.config.failOn ?? null;
  return { rules: compileRules(active, severities), failOn };
}

/** The built-in rules, or with `useDefaults` false only the rule that guards the config (always on). */
export function readBuiltinRuleTexts(useDefaults: boolean): Promise<RuleText[]> {
  const directory = builtinRulesDirectory();
  return readRuleTexts(useDefaults ? [directory] : [join(directory, PROTECTED_RULE_FILE)], join(directory, '..'));
}

async function readRepositoryConfig(blobs: BlobReader, baseCommit: string): Promise<LoadedConfig | null> {
  const text = await readFileAtRevision(blobs, baseCommit, REPOSITORY_CONFIG_FILE);
  if (text === null) return null;
  return parseConfig(text, `${REPOSITORY_CONFIG_FILE} (at ${baseCommit.slice(0, 12)})`);
}

async function readRepositoryRuleTexts({ repo, blobs, commit: baseCommit }: BaseRevision, loaded: LoadedConfig): Promise<RuleText[]> {
  const texts: RuleText[] = [];
  for (const [index, path] of (loaded.config.rules ?? []).entries()) {
    const files = (await listFilesAtRevision(repo, baseCommit, path)).filter((file) => /\.ya?ml$/.test(file));
    if (files.length === 0) {
      const position = loaded.document?.locate(['rules', index]) ?? null;
      throw new RuleFileError(loaded.file, position?.line ?? null, position?.column ?? null, `rules: no rule files at "${path}" in the base revision`);
    }
    for (const file of files) {
      const text = await readFileAtRevision(blobs, baseCommit, file);
      if (text !== null) texts.push({ file: `${file} (at ${baseCommit.slice(0, 12)})`, text });
    }
  }
  return texts;
}

/** The files among `files` that lie inside `root` (symlinks resolved on both sides), relative to it. */
async function pathsInside(root: string, files: readonly string[]): Promise<string[]> {
  const top = await realpath(root).catch(() => resolve(root));
  const inside: string[] = [];
  for (const file of files) {
    const real = await realpath(file).catch(() => resolve(file));
    const path = relative(top, real);
    if (path !== '' && path !== '..' && !path.startsWith(`..${sep}`) && !isAbsolute(path)) inside.push(path.split(sep).join('/'));
  }
  return inside;
}

/** Extends the config-guarding rule to the rule files the repository's config loads, and other guarded paths. */
function guardPaths(rule: RuleDefinition, paths: readonly string[]): RuleDefinition {
  // `./rules/`, `rules` and `/rules` name the same directory; the glob needs one spelling.
  const anchored = paths.map((path) => {
    const relative = posix.normalize(path).replace(/^(\.\/)+|^\/+|\/+$/g, '');
    return relative === '.' || relative === '' ? '**' : `/${relative}`;
  });
  return { ...rule, match: { any: [rule.match, { path: anchored }] } };
}
