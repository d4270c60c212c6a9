import { createColors } from 'picocolors';
import { parseRules, readRuleTexts } from '../engine/load-rules.js';
import { testRuleExamples } from '../engine/rule-tester.js';
import { readBuiltinRuleTexts } from '../scan/assemble-rules.js';
import { writeOutUnlessClosed, type CommandIo } from './io.js';

/** `selfmod rules list`: one line per rule, or the definitions as JSON. */
export async function rulesListCommand(
  flags: { rules: string[]; defaultRules: boolean; format?: 'text' | 'json' },
  io: CommandIo,
): Promise<number> {
  // What a scan would load: the config guard is always among them.
  const rules = parseRules([...(await readBuiltinRuleTexts(flags.defaultRules)), ...(await readRuleTexts(flags.rules))]);
  if (flags.format === 'json') {
    await writeOutUnlessClosed(io.stdout, `${JSON.stringify(rules, null, 2)}\n`);
    return 0;
  }
  const idWidth = Math.max(0, ...rules.map((rule) => rule.id.length));
  const lines = rules.map(
    (rule) => `${rule.severity.padEnd(8)}  ${rule.category.padEnd(9)}  ${rule.id.padEnd(idWidth)}  ${rule.description.split('\n')[0]}`,
  );
  await writeOutUnlessClosed(io.stdout, `${lines.join('\n')}\n${rules.length} rules\n`);
  return 0;
}

/**
 * `selfmod rules test [paths…]`: runs every rule's examples through the engine; exit 1 when any
 * example is not judged as its rule says.
 */
export async function rulesTestCommand(
  paths: string[],
  flags: { defaultRules: boolean },
  io: CommandIo,
): Promise<number> {
  const c = createColors(io.color);
  const builtin = flags.defaultRules || paths.length === 0 ? await readBuiltinRuleTexts(true) : [];
  const rules = parseRules([...builtin, ...(await readRuleTexts(paths))]);
  const outcomes = await testRuleExamples(rules);
  const failures = outcomes.filter((outcome) => !outcome.isOk);
  const lines = failures.map((outcome) => c.red(`FAIL ${outcome.ruleId} (${outcome.source}): ${outcome.problem}`));
  lines.push(
    `${outcomes.length - failures.length} passed, ${failures.length} failed` +
      ` (${rules.length} rules, ${outcomes.length} examples)`,
  );
  await writeOutUnlessClosed(io.stdout, `${lines.join('\n')}\n`);
  return failures.length > 0 ? 1 : 0;
}
