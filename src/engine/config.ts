import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { RuleFileError } from '../errors.js';
import configSchema from './config.schema.json' with { type: 'json' };
import type { RuleDefinition, Severity } from './rule.js';
import { assertMatchesSchema } from './schema-validation.js';
import { parseYamlDocuments, type YamlDocument } from './yaml-source.js';

/** The config file inside a scanned repository; always read from the base revision. */
export const REPOSITORY_CONFIG_FILE = '.selfmod.yml';

/** Rules that no config can turn off: they guard the config itself. */
export const PROTECTED_RULE_IDS: ReadonlySet<string> = new Set(['selfmod-config-edited']);

export interface SelfmodConfig {
  readonly rules?: readonly string[];
  readonly defaultRules?: boolean;
  readonly disable?: readonly string[];
  readonly severity?: Readonly<Record<string, Severity>>;
  readonly failOn?: Severity;
}

/** A config with where it came from, so later checks can point at its lines. */
export interface LoadedConfig {
  readonly file: string;
  readonly config: SelfmodConfig;
  readonly document: YamlDocument | null;
}

/** Parses config text; an empty file is an empty config. */
export function parseConfig(text: string, file: string): LoadedConfig {
  const documents = parseYamlDocuments(text, file);
  if (documents.length > 1) {
    throw new RuleFileError(file, documents[1]?.line ?? null, null, 'a config file holds one YAML document');
  }
  const document = documents[0];
  if (!document) return { file, config: {}, document: null };
  assertMatchesSchema(document, configSchema);
  return { file, config: document.value as SelfmodConfig, document };
}

/** Reads `--config <file>`; its rule paths are made relative to the file's directory. */
export async function readConfigFile(path: string): Promise<LoadedConfig> {
  const text = await readFile(path, 'utf8').catch((error: NodeJS.ErrnoException) => {
    const reason = error.code === 'ENOENT' ? 'no such file or directory' : `cannot read: ${error.code ?? error.message}`;
    throw new RuleFileError(path, null, null, reason);
  });
  const loaded = parseConfig(text, path);
  const base = dirname(resolve(path));
  const rules = loaded.config.rules?.map((rule) => resolve(base, rule));
  return { ...loaded, config: { ...loaded.config, ...(rules ? { rules } : {}) } };
}

/**
 * Checks that every rule id a config names exists and may be changed: a typo in `disable` would
 * otherwise leave a rule on (or off) without anyone noticing.
 */
export function assertConfigNamesKnownRules(loaded: LoadedConfig, rules: readonly RuleDefinition[]): void {
  const known = new Set(rules.map((rule) => rule.id));
  const fail = (path: Array<string | number>, key: string | undefined, problem: string): never => {
    const position = loaded.document?.locate(path, key) ?? null;
    throw new RuleFileError(loaded.file, position?.line ?? null, position?.column ?? null, problem);
  };
  (loaded.config.disable ?? []).forEach((id, index) => {
    if (PROTECTED_RULE_IDS.has(id)) fail(['disable', index], undefined, `rule "${id}" guards the config itself and cannot be disabled`);
    if (!known.has(id)) fail(['disable', index], undefined, `disable names unknown rule "${id}"`);
  });
  for (const id of Object.keys(loaded.config.severity ?? {})) {
    if (!known.has(id)) fail(['severity'], id, `severity names unknown rule "${id}"`);
  }
}
