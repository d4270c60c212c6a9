import type { Change, DiffLine } from '../change/change.js';
import { renderUnifiedDiff, type RenderedDiff } from '../change/render-diff.js';
import { makeIncident, MAX_DIFF_BYTES, type Incident } from './incident.js';
import { MatchContext } from './match-context.js';
import { mayConcernWeights } from './weights-facts.js';
import { notebookCodeView } from './notebook-view.js';
import type { WeightsDiff } from '../formats/weights/index.js';
import type { ScopeCache } from './scope-cache.js';
import type { Matcher } from './matchers.js';
import type { Category, MatcherSpec, Severity } from './rule.js';

/** A rule ready to run: its matcher compiled and any severity override applied. */
export interface CompiledRule {
  readonly id: string;
  readonly category: Category;
  readonly severity: Severity;
  readonly message: string;
  /** What the rule flags, and why it matters (null when the rule does not say): for reports that describe rules. */
  readonly description: string;
  readonly why: string | null;
  /** The matcher as written, for indexes that look at its path conditions. */
  readonly match: MatcherSpec;
  readonly matcher: Matcher;
}

/**
 * Runs every rule on one change and returns one incident per rule that matched. Pass the same
 * ScopeCache for all changes of a scan so file versions shared by consecutive commits are parsed once,
 * and the path answers RuleIndex keeps for the change's paths (see MatchContext.pathAnswers).
 */
export async function checkChange(
  change: Change,
  rules: readonly CompiledRule[],
  cache?: ScopeCache,
  pathAnswers?: Array<boolean | undefined>,
): Promise<Incident[]> {
  if (rules.length === 0) return [];
  // Rules read a notebook's code; the incident's diff stays the file's own.
  const context = new MatchContext(await notebookCodeView(change), cache, pathAnswers);
  const incidents: Incident[] = [];
  let diff: RenderedDiff | null = null;
  // A counted loop: in an async function, for…of made an iterator result for every rule of every change.
  for (let ruleIndex = 0; ruleIndex < rules.length; ruleIndex++) {
    const rule = rules[ruleIndex] as CompiledRule;
    const pending = rule.matcher.evaluate(context);
    const result = pending instanceof Promise ? await pending : pending;
    if (!result.isMatch) continue;
    diff ??= renderUnifiedDiff(change, MAX_DIFF_BYTES);
    incidents.push(
      makeIncident({
        ruleId: rule.id,
        category: rule.category,
        severity: rule.severity,
        messageTemplate: rule.message,
        change: context.change,
        lines: result.lines === null ? null : sortInDiffOrder(context, result.lines),
        allChangedLines: context.lines,
        scopes: result.scopes,
        ...(result.covered ? { covered: result.covered } : {}),
        diff,
      }),
    );
  }
  if (incidents.length === 0 || !(context.hasWeights || mayConcernWeights(change))) return incidents;
  const weights = await context.weights();
  return weights ? incidents.map((incident) => withWeights(incident, weights)) : incidents;
}

/** The incident with what changed inside the weight file added to its binary facts. */
function withWeights(incident: Incident, weights: WeightsDiff): Incident {
  const facts = incident.binary ?? { oldSha256: null, newSha256: null, oldSize: null, newSize: null };
  return { ...incident, binary: { ...facts, weights } };
}

function sortInDiffOrder(context: MatchContext, lines: ReadonlySet<DiffLine>): DiffLine[] {
  return context.lines.filter((line) => lines.has(line));
}
