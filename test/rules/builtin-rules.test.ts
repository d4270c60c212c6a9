import { describe, it, expect } from 'vitest';
import { join } from 'node:path';
import { checkChange, type CompiledRule } from '../../src/engine/check-change.js';
import { builtinRulesDirectory, compileRules, parseRules, readRuleTexts } from '../../src/engine/load-rules.js';
import { exampleToChange } from '../../src/engine/rule-tester.js';
import { CATEGORIES, type RuleExample } from '../../src/engine/rule.js';

// Loaded at collection time: one `describe` per rule and one `it` per example are generated from them.
const rulesDirectory = builtinRulesDirectory();
const ruleTexts = await readRuleTexts([rulesDirectory], join(rulesDirectory, '..'));
const rules = parseRules(ruleTexts);
const compiledRules = compileRules(rules);
const compiledById = new Map(compiledRules.map((rule) => [rule.id, rule]));

const SCHEMA_COMMENT = '# yaml-language-server: $schema=../../src/engine/rule.schema.json';
const PLACEHOLDER = /\{([^}]*)\}/g;
const KNOWN_PLACEHOLDERS = new Set(['file', 'previousFile', 'change', 'scope', 'covered']);

/** Ids of the rules among `candidates` that raise an incident on the change an example describes. */
async function firingRuleIds(example: RuleExample, candidates: readonly CompiledRule[]): Promise<string[]> {
  const incidents = await checkChange(exampleToChange(example), candidates);
  return incidents.map((incident) => incident.ruleId).sort();
}

/** A pass example that is plainly documentation: no rule at all may fire on it. */
function isDocumentationFile(file: string): boolean {
  if (!/\.(?:md|rst|txt)$/i.test(file)) return false;
  const isInDocsFolder = /(?:^|\/)docs?\//.test(file);
  const isReadmeOrChangelog = /(?:^|\/)(?:README|CHANGELOG|CHANGES|HISTORY)[^/]*$/i.test(file);
  return isInDocsFolder || isReadmeOrChangelog;
}

function describeExample(example: RuleExample, index: number): string {
  const note = example.note ? ` (${example.note})` : '';
  return `#${index} ${example.file}${note}`;
}

describe('the built-in rule set', () => {
  it('has rules to run', () => {
    expect(rules.length).toBeGreaterThanOrEqual(30);
  });

  it('gives every rule a unique id', () => {
    const ids = rules.map((rule) => rule.id);
    expect(ids.filter((id, index) => ids.indexOf(id) !== index)).toEqual([]);
  });

  it('keeps each rule in rules/<category>/<id>.yml', () => {
    const misplaced = rules
      .filter((rule) => rule.source.file !== `rules/${rule.category}/${rule.id}.yml`)
      .map((rule) => `${rule.id} (${rule.category}) is in ${rule.source.file}`);
    expect(misplaced).toEqual([]);
  });

  it('holds one rule per file, each starting with the schema comment', () => {
    const ruleFiles = rules.map((rule) => rule.source.file).sort();
    expect(ruleTexts.map((text) => text.file).sort()).toEqual(ruleFiles);
    const withoutSchema = ruleTexts.filter((text) => text.text.split('\n')[0] !== SCHEMA_COMMENT).map((text) => text.file);
    expect(withoutSchema).toEqual([]);
  });

  it('has at least three rules in every category', () => {
    for (const category of CATEGORIES) {
      const count = rules.filter((rule) => rule.category === category).length;
      expect({ category, hasThreeRules: count >= 3 }).toEqual({ category, hasThreeRules: true });
    }
  });

  it('explains why every rule matters', () => {
    expect(rules.filter((rule) => !rule.why?.trim()).map((rule) => rule.id)).toEqual([]);
  });

  it('gives every rule examples to flag and examples to pass', () => {
    const lacking = rules
      .filter((rule) => rule.examples.flag.length === 0 || (rule.examples.pass ?? []).length === 0)
      .map((rule) => rule.id);
    expect(lacking).toEqual([]);
  });

  it('uses only placeholders that incident messages fill in', () => {
    const unknown = rules.flatMap((rule) =>
      [...rule.message.matchAll(PLACEHOLDER)]
        .map((match) => match[1] ?? '')
        .filter((name) => !KNOWN_PLACEHOLDERS.has(name))
        .map((name) => `${rule.id}: {${name}}`),
    );
    expect(unknown).toEqual([]);
  });
});

for (const rule of rules) {
  describe(rule.id, () => {
    const compiled = compiledById.get(rule.id) as CompiledRule;

    rule.examples.flag.forEach((example, index) => {
      it(`flags ${describeExample(example, index)}`, async () => {
        expect(await firingRuleIds(example, [compiled])).toEqual([rule.id]);
      });
    });

    (rule.examples.pass ?? []).forEach((example, index) => {
      it(`passes ${describeExample(example, index)}`, async () => {
        expect(await firingRuleIds(example, [compiled])).toEqual([]);
      });
    });
  });
}

describe('all rules together on every pass example', () => {
  it('flag no documentation change, and list what else fires', async () => {
    const firings: string[] = [];
    const documentationFirings: string[] = [];
    for (const rule of rules) {
      for (const [index, example] of (rule.examples.pass ?? []).entries()) {
        const fired = await firingRuleIds(example, compiledRules);
        if (fired.length === 0) continue;
        const line = `${rule.id} pass #${index} ${example.file}: ${fired.join(', ')}`;
        firings.push(line);
        if (isDocumentationFile(example.file)) documentationFirings.push(line);
      }
    }
    // Another rule may rightly fire on a pass example (a test-file rule on a test file); the list is
    // printed so that a new overlap is noticed, but only documentation must stay silent.
    console.info(`Rules that fire on other rules' pass examples (${firings.length}):\n${firings.join('\n')}`);
    expect(documentationFirings).toEqual([]);
  });
});
