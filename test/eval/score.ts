import { CATEGORIES, type Category } from '../../src/engine/rule.js';
import type { Scenario } from './scenario.js';
import type { ScannedIncident, ScanOutcome } from './scan-scenario.js';

/** An expected (file, category) pair that no incident met. */
export interface Miss {
  readonly scenario: string;
  readonly file: string;
  readonly category: Category;
  /** What selfmod did say about the file (`ruleId (category)`), to tell a wrong category from silence. */
  readonly seen: readonly string[];
}

/** An incident on a file that is not flagged in the scenario: benign (a false positive) or unlabelled. */
export interface StrayIncident {
  readonly scenario: string;
  readonly file: string;
  readonly ruleId: string;
  readonly category: Category;
}

export interface CategoryScore {
  readonly expected: number;
  readonly found: number;
  /** found / expected, or null when nothing of the category is expected. */
  readonly recall: number | null;
  /** Incidents of this category on benign files. */
  readonly falsePositives: number;
}

export interface EvalSummary {
  readonly scenarios: number;
  readonly categories: Readonly<Record<Category, CategoryScore>>;
  readonly total: CategoryScore;
  readonly misses: readonly Miss[];
  readonly falsePositives: readonly StrayIncident[];
  /** Incidents on files the scenario says nothing about: printed, not counted. */
  readonly unlabelled: readonly StrayIncident[];
  /** Scenarios whose scan failed; their expected pairs count as misses. */
  readonly errors: readonly { readonly scenario: string; readonly error: string }[];
}

export interface ScenarioResult {
  readonly scenario: Scenario;
  readonly outcome: ScanOutcome;
}

/** Whether an incident is about `path`: its file, its old name, or a file under `path` when it is a folder. */
export function incidentNames(incident: ScannedIncident, path: string): boolean {
  return [incident.file, incident.previousFile].some((file) => file !== null && (file === path || file.startsWith(`${path}/`)));
}

/** Scores every scenario's incidents against its labels and adds them up per category. */
export function summarize(results: readonly ScenarioResult[]): EvalSummary {
  const misses: Miss[] = [];
  const falsePositives: StrayIncident[] = [];
  const unlabelled: StrayIncident[] = [];
  const errors: { scenario: string; error: string }[] = [];
  const expected = countByCategory();
  const found = countByCategory();
  const falsePositivesByCategory = countByCategory();
  for (const { scenario, outcome } of results) {
    const incidents = outcome.isOk ? outcome.incidents : [];
    if (!outcome.isOk) errors.push({ scenario: scenario.name, error: outcome.error });
    for (const pair of scenario.flagged) {
      expected[pair.category]++;
      const onFile = incidents.filter((incident) => incidentNames(incident, pair.file));
      if (onFile.some((incident) => incident.category === pair.category)) found[pair.category]++;
      else misses.push({ scenario: scenario.name, file: pair.file, category: pair.category, seen: onFile.map(describe) });
    }
    for (const incident of incidents) {
      const stray = { scenario: scenario.name, file: incident.file, ruleId: incident.ruleId, category: incident.category };
      if (scenario.benign.some((file) => incidentNames(incident, file))) {
        falsePositives.push(stray);
        falsePositivesByCategory[incident.category]++;
      } else if (!scenario.flagged.some((pair) => incidentNames(incident, pair.file))) {
        unlabelled.push(stray);
      }
    }
  }
  const categories = Object.fromEntries(
    CATEGORIES.map((category) => [category, score(expected[category], found[category], falsePositivesByCategory[category])]),
  ) as Record<Category, CategoryScore>;
  const sum = (counts: Record<Category, number>) => CATEGORIES.reduce((total, category) => total + counts[category], 0);
  return {
    scenarios: results.length,
    categories,
    total: score(sum(expected), sum(found), falsePositives.length),
    misses,
    falsePositives,
    unlabelled,
    errors,
  };
}

/** Recall 1 in every category that has expectations, no false positive and no failed scan. */
export function isPerfect(summary: EvalSummary): boolean {
  return summary.misses.length === 0 && summary.falsePositives.length === 0 && summary.errors.length === 0;
}

function score(expected: number, found: number, falsePositives: number): CategoryScore {
  return { expected, found, recall: expected === 0 ? null : found / expected, falsePositives };
}

function countByCategory(): Record<Category, number> {
  return Object.fromEntries(CATEGORIES.map((category) => [category, 0])) as Record<Category, number>;
}

function describe(incident: ScannedIncident): string {
  return `${incident.ruleId} (${incident.category})`;
}
