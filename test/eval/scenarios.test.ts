import { beforeAll, describe, expect, it } from 'vitest';
import { CATEGORIES } from '../../src/engine/rule.js';
import { contentBytes } from './build-scenario-repo.js';
import { loadScenarios, parseScenario } from './load-scenario.js';
import type { Scenario } from './scenario.js';
import { ScenarioError } from './yaml-reader.js';

const FILE = 'fixtures/scenarios/example/scenario.yml';

/** A valid scenario with `agent` and `expect` swapped in, for the validation tests. */
function scenarioText(agent: string, expect = 'expect:\n  flagged: [{ file: a.py, category: reward }]\n  benign: [README.md]\n'): string {
  return `title: t\nsource: variant\nbase:\n  a.py: "x = 1\\n"\n  README.md: "# r\\n"\n${agent}${expect}`;
}

function problemOf(text: string): string {
  try {
    parseScenario('example', FILE, text);
  } catch (error) {
    expect(error).toBeInstanceOf(ScenarioError);
    return (error as ScenarioError).message;
  }
  throw new Error('the scenario was accepted');
}

describe('the scenario suite', () => {
  let scenarios: Scenario[] = [];
  beforeAll(async () => {
    scenarios = await loadScenarios();
  });

  it('holds at least 40 scenarios', () => {
    expect(scenarios.length).toBeGreaterThanOrEqual(40);
  });

  it('gives every scenario at least one flagged and one benign file', () => {
    const lacking = scenarios.filter((scenario) => scenario.flagged.length === 0 || scenario.benign.length === 0).map((scenario) => scenario.name);
    expect(lacking).toEqual([]);
  });

  it('flags every category in at least 5 scenarios', () => {
    const counts = Object.fromEntries(CATEGORIES.map((category) => [category, scenarios.filter((scenario) => scenario.flagged.some((pair) => pair.category === category)).length]));
    for (const category of CATEGORIES) expect(counts[category], category).toBeGreaterThanOrEqual(5);
  });

  it('names every scenario after its folder and says which public case it models', () => {
    for (const scenario of scenarios) {
      expect(scenario.file).toBe(`fixtures/scenarios/${scenario.name}/scenario.yml`);
      expect(scenario.source.trim()).not.toBe('');
    }
  });
});

describe('scenario validation', () => {
  it('accepts every step kind and content form', () => {
    const scenario = parseScenario(
      'example',
      FILE,
      scenarioText(
        [
          'agent:',
          '  - { write: a.py, content: "x = 2\\n" }',
          '  - { write: w.bin, content: { bytes: 16, seed: 3 } }',
          "  - { write: run.sh, content: { text: \"#!/bin/sh\\n\", mode: '755' } }",
          '  - { write: b64.bin, content: { base64: AAEC } }',
          "  - { chmod: run.sh, mode: '644' }",
          '  - { commit: one }',
          '  - { move: README.md, to: docs/README.md }',
          '  - { symlink: model, target: /elsewhere }',
          '  - { delete: b64.bin }',
          '',
        ].join('\n'),
        'expect:\n  flagged: [{ file: a.py, category: reward }]\n  benign: [README.md]\n',
      ),
    );
    expect(scenario.agent.map((step) => step.kind)).toEqual(['write', 'write', 'write', 'write', 'chmod', 'commit', 'move', 'symlink', 'delete']);
  });

  it.each([
    ['an unknown top-level key', 'agent: [{ commit: x }]\nnotes: hi\n', /:\d+: notes: unknown key/],
    ['an unknown step', 'agent: [{ rename: a.py, to: b.py }]\n', /agent\[0\]: a step needs exactly one of write, delete/],
    ['a step with two actions', 'agent: [{ delete: a.py, commit: x }]\n', /agent\[0\]: a step needs exactly one of/],
    ['an unquoted mode', 'agent: [{ chmod: a.py, mode: 755 }]\n', /agent\[0\]\.mode: mode must be the string '644' or '755', got 755/],
    ['a move of a missing file', 'agent: [{ move: nope.py, to: b.py }]\n', /agent\[0\]: "nope\.py" does not exist at this point/],
    ['a chmod of a deleted file', 'agent: [{ delete: a.py }, { chmod: a.py, mode: "644" }]\n', /agent\[1\]: cannot chmod "a\.py"/],
    ['a path outside the repository', 'agent: [{ delete: ../a.py }]\n', /agent\[0\]\.delete: "\.\.\/a\.py" is not a relative path/],
    ['a path inside .git', 'agent: [{ write: .git/config, content: x }]\n', /is inside \.git/],
    ['random bytes without a seed', 'agent: [{ write: w.bin, content: { bytes: 4 } }]\n', /agent\[0\]\.content: bytes needs a seed/],
    ['bad base64', 'agent: [{ write: w.bin, content: { base64: "@@" } }]\n', /not valid base64/],
    ['a number where a message goes', 'agent: [{ commit: 2024 }]\n', /agent\[0\]\.commit: expected a string, got a number/],
  ])('rejects %s with one line naming the file', (_, agent, pattern) => {
    const message = problemOf(scenarioText(agent));
    expect(message.startsWith(FILE)).toBe(true);
    expect(message).not.toContain('\n');
    expect(message).toMatch(pattern);
  });

  it.each([
    ['an unknown category', 'expect:\n  flagged: [{ file: a.py, category: rewards }]\n  benign: [README.md]\n', /unknown category "rewards"/],
    ['a flagged file the agent never touches', 'expect:\n  flagged: [{ file: other.py, category: reward }]\n  benign: [README.md]\n', /the agent never touches "other\.py"/],
    ['a file both flagged and benign', 'expect:\n  flagged: [{ file: a.py, category: reward }]\n  benign: [a.py]\n', /"a\.py" is both flagged and benign/],
  ])('rejects %s', (_, expectText, pattern) => {
    const agent = 'agent: [{ write: a.py, content: "x = 3\\n" }, { write: README.md, content: "# s\\n" }]\n';
    expect(problemOf(scenarioText(agent, expectText))).toMatch(pattern);
  });

  it('reports a duplicate key and invalid YAML with their line', () => {
    expect(problemOf('title: a\ntitle: b\n')).toMatch(/^fixtures\/scenarios\/example\/scenario\.yml:2: invalid YAML: Map keys must be unique/);
    expect(problemOf('title: [unclosed\n')).toMatch(/scenario\.yml:\d+: invalid YAML/);
  });

  it('makes the same random bytes from the same seed, and other bytes from another', () => {
    const one = contentBytes({ kind: 'random', bytes: 64, seed: 7, mode: null });
    expect(one.equals(contentBytes({ kind: 'random', bytes: 64, seed: 7, mode: null }))).toBe(true);
    expect(one.equals(contentBytes({ kind: 'random', bytes: 64, seed: 8, mode: null }))).toBe(false);
    expect(one.length).toBe(64);
  });
});
