import type { Change } from '../change/change.js';
import type { CompiledRule } from './check-change.js';
import { compilePathPredicate } from './path-predicate.js';
import type { MatcherSpec } from './rule.js';

/** A test on a change's paths (new and previous) that a rule must pass before it can match. */
type PathGate = (file: string, previousFile: string | null) => boolean;

/**
 * The path condition a matcher implies, or null when it implies none. `all` needs every gated child,
 * `any` needs one child (and so is gated only if every child is), `path` is its own gate.
 */
export function pathGateOf(spec: MatcherSpec): PathGate | null {
  if ('path' in spec) {
    const isProtected = compilePathPredicate(spec.path);
    return (file, previousFile) => isProtected(file) || (previousFile !== null && isProtected(previousFile));
  }
  if ('all' in spec) {
    const gates = spec.all.map(pathGateOf).filter((gate): gate is PathGate => gate !== null);
    if (gates.length === 0) return null;
    return (file, previousFile) => gates.every((gate) => gate(file, previousFile));
  }
  if ('any' in spec) {
    const gates = spec.any.map(pathGateOf);
    if (gates.some((gate) => gate === null)) return null;
    return (file, previousFile) => gates.some((gate) => gate!(file, previousFile));
  }
  return null;
}

/**
 * Paths whose selections are kept (each holds its rules and its path answers, about 2 KB): enough
 * for the paths a history keeps coming back to, not one entry for every path it ever touched.
 */
const MAX_SELECTIONS = 4096;

/**
 * Picks, per path, the rules whose path conditions a change there can meet, so each change runs only
 * those: in a long history the same few hundred paths recur thousands of times.
 */
export class RuleIndex {
  private readonly gated: Array<{ rule: CompiledRule; gate: PathGate }> = [];
  private readonly ungated: CompiledRule[] = [];
  private readonly candidates = new Map<string, RuleSelection>();
  private readonly order: Map<CompiledRule, number>;

  constructor(rules: readonly CompiledRule[]) {
    this.order = new Map(rules.map((rule, index) => [rule, index]));
    for (const rule of rules) {
      const gate = pathGateOf(rule.match);
      if (gate) this.gated.push({ rule, gate });
      else this.ungated.push(rule);
    }
  }

  /** The rules that can match this change (in their original order), and the path answers shared by changes to its paths. */
  selectionFor(change: Change): RuleSelection {
    const key = `${change.file}\0${change.previousFile ?? ''}`;
    let selection = this.candidates.get(key);
    if (!selection) {
      const passing = this.gated.filter(({ gate }) => gate(change.file, change.previousFile)).map(({ rule }) => rule);
      const rules = [...this.ungated, ...passing].sort((a, b) => (this.order.get(a) ?? 0) - (this.order.get(b) ?? 0));
      selection = { rules, pathAnswers: [] };
      if (this.candidates.size >= MAX_SELECTIONS) this.candidates.clear();
      this.candidates.set(key, selection);
    }
    return selection;
  }
}

export interface RuleSelection {
  readonly rules: readonly CompiledRule[];
  readonly pathAnswers: Array<boolean | undefined>;
}
