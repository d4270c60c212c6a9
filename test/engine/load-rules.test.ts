import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/engine/config.js';
import { builtinRulesDirectory, parseRules, readRuleTexts, ruleSchemaDigest } from '../../src/engine/load-rules.js';
import { digestText, loadValidatedRuleCache } from '../../src/engine/validated-rule-cache.js';
import { RuleFileError } from '../../src/errors.js';

const VALID = `id: my-rule
category: reward
severity: high
description: Flags x.
message: x changed in {file}
match:
  path: ['*.py']
examples:
  flag:
    - file: a.py
      before: "a\\n"
      after: "b\\n"
`;

function loadError(text: string, file = 'rules/bad.yml'): RuleFileError {
  try {
    parseRules([{ file, text }]);
  } catch (error) {
    if (error instanceof RuleFileError) return error;
    throw error;
  }
  throw new Error('expected the rule file to be rejected');
}

describe('parseRules', () => {
  it('loads a valid rule with its source location', () => {
    const [rule] = parseRules([{ file: 'rules/ok.yml', text: VALID }]);
    expect(rule).toMatchObject({ id: 'my-rule', category: 'reward', severity: 'high', source: { file: 'rules/ok.yml', line: 1 } });
  });

  it('loads several rules from one file separated by ---', () => {
    const rules = parseRules([{ file: 'r.yml', text: `${VALID}---\n${VALID.replace('my-rule', 'other-rule')}` }]);
    expect(rules.map((rule) => rule.id)).toEqual(['my-rule', 'other-rule']);
    expect(rules[1]!.source.line).toBe(14);
  });

  it.each([
    ['a YAML syntax error', VALID.replace("path: ['*.py']", "path: ['*.py'"), /^rules\/bad\.yml:\d+:\d+: /],
    ['an unknown severity', VALID.replace('severity: high', 'severity: urgent'), /^rules\/bad\.yml:3:\d+: "severity" must be one of low, medium, high, critical$/],
    ['an unknown category', VALID.replace('category: reward', 'category: rewards'), /^rules\/bad\.yml:2:\d+: "category" must be one of training, reward, weights, inference, oversight$/],
    ['a missing field', VALID.replace('message: x changed in {file}\n', ''), /^rules\/bad\.yml:1:1: the document is missing the required field "message"$/],
    ['an unknown field', VALID.replace('severity: high', 'severity: high\nseverty: low'), /^rules\/bad\.yml:4:1: unknown field "severty" in the document$/],
    ['an id that is not kebab-case', VALID.replace('id: my-rule', 'id: My_Rule'), /^rules\/bad\.yml:1:5: "id" must be kebab-case/],
    ['an unknown matcher', VALID.replace("path: ['*.py']", "paths: ['*.py']"), /^rules\/bad\.yml:7:3: unknown matcher "paths" in "match"/],
    ['two keys in one matcher node', VALID.replace("path: ['*.py']", "path: ['*.py']\n  added: x"), /^rules\/bad\.yml:7:3: "match" must have exactly one key/],
    ['an invalid regular expression', VALID.replace("path: ['*.py']", "added: 'return (1'"), /^rules\/bad\.yml:7:10: invalid regular expression "return \(1": /],
    ['an invalid regular expression in a nested node', VALID.replace("path: ['*.py']", "all:\n    - path: ['*.py']\n    - removed:\n        pattern: '[a-'"), /^rules\/bad\.yml:10:18: invalid regular expression/],
    ['an invalid glob', VALID.replace("path: ['*.py']", "path: ['[a-']"), /^rules\/bad\.yml:7:10: invalid glob/],
    ['a negated glob', VALID.replace("path: ['*.py']", "path: ['!*.md']"), /^rules\/bad\.yml:7:10: glob "!\*\.md" starts with "!"/],
    ['no example to flag', VALID.replace(/ {2}flag:[\s\S]*$/, '  flag: []\n'), /^rules\/bad\.yml:9:9: "examples\.flag" must list at least one change the rule must flag$/],
    ['a wrong type', VALID.replace('severity: high', 'severity: [high]'), /^rules\/bad\.yml:3:11: "severity" must be one of/],
    ['a line pattern of the wrong type', VALID.replace("path: ['*.py']", 'added: 5'), /^rules\/bad\.yml:7:10: "match\.added" must be a string or a mapping$/],
    ['a document that is not a mapping', '- just\n- a list\n', /^rules\/bad\.yml:1:1: the document must be a mapping$/],
    ['a YAML alias bomb', `a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n`, /^rules\/bad\.yml:1: /],
  ])('rejects %s with one line naming file, line and problem', (_, text, expected) => {
    const error = loadError(text);
    expect(error.message).toMatch(expected);
    expect(error.message).not.toContain('\n');
  });

  it('takes validated documents from the cache by content digest, and parses anything else', () => {
    const [parsed] = parseRules([{ file: 'a.yml', text: VALID }], new Map());
    const cachedValue = { ...JSON.parse(JSON.stringify(parsed)), description: 'from the cache' };
    delete cachedValue.source;
    const cache = new Map([[digestText(VALID), [{ value: cachedValue, line: 1 }]]]);
    expect(parseRules([{ file: 'a.yml', text: VALID }], cache)[0]!.description).toBe('from the cache');
    const edited = VALID.replace('Flags x.', 'Flags y.');
    expect(parseRules([{ file: 'a.yml', text: edited }], cache)[0]!.description).toBe('Flags y.');
  });

  it('builds a cache that holds every built-in rule file as it is now', async () => {
    const texts = await readRuleTexts([builtinRulesDirectory()]);
    // The build writes it beside the compiled code, which is what the CLI runs.
    const cache = loadValidatedRuleCache(ruleSchemaDigest(), new URL('../../dist/validated-rules.json', import.meta.url));
    const missing = texts.filter(({ text }) => !cache.has(digestText(text))).map(({ file }) => file);
    expect(missing, 'run npm run build to refresh dist/validated-rules.json').toEqual([]);
  });

  it('loads a file that is given twice only once', () => {
    expect(parseRules([{ file: 'a.yml', text: VALID }, { file: 'copy/a.yml', text: VALID }])).toHaveLength(1);
  });

  it('rejects duplicate ids across files, naming both places', () => {
    expect(() => parseRules([{ file: 'a.yml', text: VALID }, { file: 'b.yml', text: VALID.replace('Flags x.', 'Flags x too.') }])).toThrowError(
      'b.yml:1: duplicate rule id "my-rule" (first defined at a.yml:1)',
    );
  });
});

describe('parseConfig', () => {
  it('accepts the documented keys', () => {
    const loaded = parseConfig('rules: [.selfmod/rules]\ndisable: [x]\nseverity: {y: low}\nfailOn: high\ndefaultRules: true\n', '.selfmod.yml');
    expect(loaded.config).toEqual({ rules: ['.selfmod/rules'], disable: ['x'], severity: { y: 'low' }, failOn: 'high', defaultRules: true });
  });

  it('treats an empty file as an empty config', () => {
    expect(parseConfig('', 'c.yml').config).toEqual({});
  });

  it.each([
    ['an unknown key', 'failon: high\n', /^c\.yml:1:1: unknown field "failon" in the document$/],
    ['a bad severity', 'failOn: urgent\n', /^c\.yml:1:9: "failOn" must be one of low, medium, high, critical$/],
    ['a bad override', 'severity:\n  x: urgent\n', /^c\.yml:2:6: "severity\.x" must be one of/],
  ])('rejects %s', (_, text, expected) => {
    expect(() => parseConfig(text, 'c.yml')).toThrowError(expected);
  });
});
