import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { builtinRulesDirectory, parseRules, readRuleTexts, ruleSchemaDigest } from './load-rules.js';
import { digestText, RULE_CACHE_URL, type ValidatedDocument } from './validated-rule-cache.js';
import { parseYamlDocuments } from './yaml-source.js';

/**
 * Build step: validates the built-in rules and records each file's documents by content digest
 * (see validated-rule-cache.ts). Fails the build, with the usual one-line error, on a bad rule.
 */
async function writeRuleCache(): Promise<void> {
  const texts = await readRuleTexts([builtinRulesDirectory()]);
  parseRules(texts, new Map());
  const documents: Record<string, ValidatedDocument[]> = {};
  for (const { file, text } of texts) {
    documents[digestText(text)] = parseYamlDocuments(text, file).map(({ value, line }) => ({ value, line }));
  }
  const cache = { format: 1, schema: ruleSchemaDigest(), documents };
  writeFileSync(fileURLToPath(RULE_CACHE_URL), `${JSON.stringify(cache)}\n`);
}

await writeRuleCache().catch((error: unknown) => {
  process.stderr.write(`selfmod: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 2;
});
