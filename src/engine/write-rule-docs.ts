import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { builtinRulesDirectory, parseRules, readRuleTexts } from './load-rules.js';
import { renderRuleDocs } from './rule-docs.js';

/**
 * `npm run docs`: regenerates `rules/README.md` from the built-in rules, read and validated as
 * `selfmod rules list` reads them (paths shown relative to the package, `rules/<category>/<id>.yml`).
 * A test checks that the committed file matches.
 */
async function writeRuleDocs(): Promise<void> {
  const directory = builtinRulesDirectory();
  const rules = parseRules(await readRuleTexts([directory], join(directory, '..')));
  await writeFile(join(directory, 'README.md'), renderRuleDocs(rules));
}

await writeRuleDocs().catch((error: unknown) => {
  process.stderr.write(`selfmod: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 2;
});
