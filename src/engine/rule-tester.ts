import type { Change } from '../change/change.js';
import { changeFromVersions, fileVersion, type FileVersion } from '../change/from-sides.js';
import { checkChange } from './check-change.js';
import { compileRules } from './load-rules.js';
import type { RuleDefinition, RuleExample } from './rule.js';

export interface ExampleOutcome {
  readonly ruleId: string;
  readonly source: string;
  readonly expectation: 'flag' | 'pass';
  readonly index: number;
  readonly example: RuleExample;
  readonly isOk: boolean;
  /** What went wrong, when not ok. */
  readonly problem: string | null;
}

/** Bytes that every detector calls binary, whatever their length: each byte of `content` and a NUL. */
export function binaryStandIn(content: string): Buffer {
  const text = Buffer.from(content);
  const bytes = Buffer.alloc(text.length * 2 + 1);
  text.forEach((byte, index) => (bytes[index * 2 + 1] = byte));
  return bytes;
}

/** Builds the Change a rule example describes, as the working-tree source would. */
export function exampleToChange(example: RuleExample): Change {
  const version = (path: string, content: string | undefined, mode: string | undefined, fallbackMode: string): FileVersion | null => {
    if (content === undefined) return null;
    const bytes = example.encoding === 'base64' ? Buffer.from(content, 'base64') : example.binary ? binaryStandIn(content) : Buffer.from(content);
    return fileVersion(path, mode ?? fallbackMode, bytes);
  };
  const before = version(example.previousFile ?? example.file, example.before, example.oldMode, example.newMode ?? '100644');
  const after = version(example.file, example.after, example.newMode, example.oldMode ?? '100644');
  return changeFromVersions({ before, after, origin: { kind: 'working-tree', area: 'worktree' } });
}

/**
 * Runs each rule's own examples through the real engine: every `flag` example must raise an incident
 * of that rule and every `pass` example must not. A rule without a flag example fails. Rules are
 * tested as one set, so a rule about protected paths sees what the rest of `rules` protect.
 */
export async function testRuleExamples(rules: readonly RuleDefinition[]): Promise<ExampleOutcome[]> {
  const outcomes: ExampleOutcome[] = [];
  // Compiled together: a rule may ask what the others protect.
  const compiledRules = compileRules(rules);
  for (const [ruleIndex, rule] of rules.entries()) {
    const compiled = compiledRules[ruleIndex];
    if (!compiled) continue;
    const source = `${rule.source.file}:${rule.source.line}`;
    if (rule.examples.flag.length === 0) {
      outcomes.push({ ruleId: rule.id, source, expectation: 'flag', index: -1, example: { file: '' }, isOk: false, problem: 'the rule has no example it must flag' });
    }
    const expectations = [
      ...rule.examples.flag.map((example, index) => ({ example, index, expectation: 'flag' as const })),
      ...(rule.examples.pass ?? []).map((example, index) => ({ example, index, expectation: 'pass' as const })),
    ];
    for (const { example, index, expectation } of expectations) {
      const incidents = await checkChange(exampleToChange(example), [compiled]);
      const isFlagged = incidents.length > 0;
      const isOk = isFlagged === (expectation === 'flag');
      const problem = isOk
        ? null
        : expectation === 'flag'
          ? `examples.flag[${index}] (${example.file}) was not flagged`
          : `examples.pass[${index}] (${example.file}) was flagged: ${incidents[0]?.message ?? ''}`;
      outcomes.push({ ruleId: rule.id, source, expectation, index, example, isOk, problem });
    }
  }
  return outcomes;
}
