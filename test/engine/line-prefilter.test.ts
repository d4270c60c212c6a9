import { describe, expect, it } from 'vitest';
import { LinePrefilter } from '../../src/engine/line-prefilter.js';
import { builtinRulesDirectory, parseRules, readRuleTexts } from '../../src/engine/load-rules.js';
import { MatchContext } from '../../src/engine/match-context.js';
import type { LinePatternSpec } from '../../src/engine/rule.js';
import { exampleToChange } from '../../src/engine/rule-tester.js';

/** The changed lines of an edit that adds `added` to a file, as the engine sees them. */
function contextAdding(added: readonly string[]): MatchContext {
  return new MatchContext(exampleToChange({ file: 'train.py', before: 'x = 1\n', after: `x = 1\n${added.join('\n')}\n` }));
}

describe('LinePrefilter', () => {
  it('takes no pattern that names no literal, or a literal of one character', () => {
    const prefilter = new LinePrefilter();
    expect(prefilter.register('\\S')).toBeNull();
    expect(prefilter.register('.*')).toBeNull();
    expect(prefilter.register('a|bc')).toBeNull();
    expect(prefilter.register('timeout')).toBe(0);
    expect(prefilter.register('(?:el)?if')).toBe(1);
  });

  it('gives each pattern the lines holding one of its literals, and every line outside ASCII', () => {
    const prefilter = new LinePrefilter();
    const timeout = prefilter.register('timeout\\s*=')!;
    const reward = prefilter.register('(?:compute|get)_reward')!;
    const context = contextAdding(['TIMEOUT = 5', 'def compute_reward():', 'nothing here', 'GET_REWARD()', 'ma\u017Fk = 1', 'timeout_reward']);
    const texts = (slot: number) => prefilter.candidatesFor(context, slot).map((index) => context.lines[index]!.text);
    expect(texts(timeout)).toEqual(['TIMEOUT = 5', 'ma\u017Fk = 1', 'timeout_reward']);
    expect(texts(reward)).toEqual(['def compute_reward():', 'GET_REWARD()', 'ma\u017Fk = 1']);
  });

  it('gives every line a built-in line pattern matches to that pattern', async () => {
    const rules = parseRules(await readRuleTexts([builtinRulesDirectory()]));
    const prefilter = new LinePrefilter();
    const patterns: Array<{ slot: number; regex: RegExp; id: string }> = [];
    const visit = (node: unknown, id: string): void => {
      if (Array.isArray(node)) return node.forEach((child) => visit(child, id));
      if (node === null || typeof node !== 'object') return;
      for (const [key, value] of Object.entries(node)) {
        if (key === 'added' || key === 'removed' || key === 'changed') {
          const spec: LinePatternSpec = typeof value === 'string' ? { pattern: value } : (value as LinePatternSpec);
          const slot = prefilter.register(spec.pattern);
          if (slot !== null) patterns.push({ slot, regex: new RegExp(spec.pattern, spec.ignoreCase ? 'iu' : 'u'), id });
        } else {
          visit(value, id);
        }
      }
    };
    for (const rule of rules) visit(rule.match, rule.id);
    expect(patterns.length).toBeGreaterThan(30);

    const missed: string[] = [];
    let matches = 0;
    for (const rule of rules) {
      for (const example of [...rule.examples.flag, ...(rule.examples.pass ?? [])]) {
        if (example.binary || example.encoding === 'base64') continue;
        const context = new MatchContext(exampleToChange(example));
        for (const { slot, regex, id } of patterns) {
          const candidates = new Set(prefilter.candidatesFor(context, slot));
          context.lines.forEach((line, index) => {
            if (!line.text.split('\r').some((part) => regex.test(part))) return;
            matches++;
            if (!candidates.has(index)) missed.push(`${id}: ${JSON.stringify(line.text)}`);
          });
        }
      }
    }
    expect(missed).toEqual([]);
    expect(matches).toBeGreaterThan(50);
  });
});
