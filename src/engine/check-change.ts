import type { Change, DiffLine } from '../change/change.js';
import type { Incident } from './incident.js';
import { makeIncident } from './incident.js';
import { MatchContext } from './match-context.js';
import type { Matcher } from './matchers.js';
import type { Category, Severity } from './rule.js';

/** A rule ready to run: its matcher compiled and any severity override applied. */
export interface CompiledRule {
  readonly id: string;
  readonly category: Category;
  readonly severity: Severity;
  readonly message: string;
  readonly matcher: Matcher;
}

/** Runs every rule on one change and returns one incident per rule that matched. */
export async function checkChange(change: Change, rules: readonly CompiledRule[]): Promise<Incident[]> {
  const context = new MatchContext(change);
  const incidents: Incident[] = [];
  for (const rule of rules) {
    const result = await rule.matcher.evaluate(context);
    if (!result.isMatch) continue;
    incidents.push(
      makeIncident({
        ruleId: rule.id,
        category: rule.category,
        severity: rule.severity,
        messageTemplate: rule.message,
        change,
        lines: result.lines === null ? null : sortInDiffOrder(context, result.lines),
        allChangedLines: context.lines,
        scopes: result.scopes,
      }),
    );
  }
  return incidents;
}

function sortInDiffOrder(context: MatchContext, lines: ReadonlySet<DiffLine>): DiffLine[] {
  return context.lines.filter((line) => lines.has(line));
}
