import { readdir, readFile, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RuleFileError } from '../errors.js';
import type { CompiledRule } from './check-change.js';
import { LinePrefilter } from './line-prefilter.js';
import { compileMatcher, PatternError } from './matchers.js';
import { ProtectedPaths } from './protected-paths.js';
import type { RuleDefinition, Severity } from './rule.js';
import ruleSchema from './rule.schema.json' with { type: 'json' };
import { assertMatchesSchema } from './schema-validation.js';
import { digestText, loadValidatedRuleCache, type ValidatedDocument } from './validated-rule-cache.js';
import { parseYamlDocuments, type YamlDocument } from './yaml-source.js';

/** The package's own `rules/` directory. */
export function builtinRulesDirectory(): string {
  return fileURLToPath(new URL('../../rules/', import.meta.url));
}

/** A rule file's text and the name to show for it in messages. */
export interface RuleText {
  readonly file: string;
  readonly text: string;
}

/** Reads rule files from files and directories (recursively: every `.yml` and `.yaml`, sorted). */
export async function readRuleTexts(paths: readonly string[], displayBase?: string): Promise<RuleText[]> {
  const texts: RuleText[] = [];
  for (const path of paths) {
    const info = await stat(path).catch(() => null);
    if (!info) throw new RuleFileError(path, null, null, 'no such file or directory');
    const files = info.isDirectory() ? await listYamlFiles(path) : [path];
    for (const file of files) {
      const text = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
        throw new RuleFileError(file, null, null, `cannot read: ${error.code ?? error.message}`);
      });
      const shown = displayBase ? relative(displayBase, file).split(sep).join('/') : file;
      texts.push({ file: shown, text });
    }
  }
  return texts;
}

async function listYamlFiles(directory: string): Promise<string[]> {
  const entries = await readdir(directory, { withFileTypes: true });
  const files: string[] = [];
  for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    const full = join(directory, entry.name);
    if (entry.isDirectory()) files.push(...(await listYamlFiles(full)));
    else if (entry.isFile() && /\.ya?ml$/.test(entry.name)) files.push(full);
  }
  return files;
}

export function ruleSchemaDigest(): string {
  return digestText(JSON.stringify(ruleSchema));
}

let defaultCache: ReadonlyMap<string, ValidatedDocument[]> | null = null;

/**
 * Parses and validates rule texts; ids must be unique across all of them. Texts found in `cache`
 * (by content digest) were validated when it was built and skip straight to compiling.
 */
export function parseRules(
  texts: readonly RuleText[],
  cache: ReadonlyMap<string, ValidatedDocument[]> = (defaultCache ??= loadValidatedRuleCache(ruleSchemaDigest())),
): RuleDefinition[] {
  const rules: RuleDefinition[] = [];
  const seen = new Map<string, RuleDefinition>();
  const seenTexts = new Set<string>();
  for (const { file, text } of texts) {
    // The same file loaded twice (the built-in rules passed again with --rules, say) is one set of rules.
    const digest = digestText(text);
    if (seenTexts.has(digest)) continue;
    seenTexts.add(digest);
    const cached = cache.get(digest);
    const documents = cached
      ? cached.map(({ value, line }) => ({ file, value, line, locate: () => null }))
      : parseYamlDocuments(text, file);
    for (const document of documents) {
      const rule = parseRuleDocument(document, cached !== undefined);
      const earlier = seen.get(rule.id);
      if (earlier) {
        throw new RuleFileError(
          file,
          rule.source.line,
          null,
          `duplicate rule id "${rule.id}" (first defined at ${earlier.source.file}:${earlier.source.line})`,
        );
      }
      seen.set(rule.id, rule);
      rules.push(rule);
    }
  }
  return rules;
}

/** `isValidated`: the document comes from the cache and already matched the schema. */
function parseRuleDocument(document: YamlDocument, isValidated: boolean): RuleDefinition {
  if (!isValidated) assertMatchesSchema(document, ruleSchema);
  const body = document.value as Omit<RuleDefinition, 'source'>;
  const rule: RuleDefinition = { ...body, source: { file: document.file, line: document.line } };
  try {
    compileMatcher(rule.match, ['match']);
  } catch (error) {
    if (!(error instanceof PatternError)) throw error;
    const position = document.locate(error.path) ?? { line: document.line, column: 1 };
    throw new RuleFileError(document.file, position.line, position.column, error.message);
  }
  return rule;
}

/** Compiles validated rules, applying severity overrides by rule id. */
export function compileRules(
  rules: readonly RuleDefinition[],
  severityOverrides: ReadonlyMap<string, Severity> = new Map(),
): CompiledRule[] {
  let protection: ProtectedPaths | null = null;
  // Built on first use: most changes never reach a rule that asks what the others protect.
  let pathSlots = 0;
  const environment = {
    protection: () => (protection ??= ProtectedPaths.fromRules(rules)),
    prefilter: new LinePrefilter(),
    pathSlots: { next: () => pathSlots++ },
  };
  return rules.map((rule) => ({
    id: rule.id,
    category: rule.category,
    severity: severityOverrides.get(rule.id) ?? rule.severity,
    message: rule.message,
    description: rule.description,
    why: rule.why?.trim() ?? null,
    match: rule.match,
    matcher: compileMatcher(rule.match, ['match'], environment),
  }));
}
