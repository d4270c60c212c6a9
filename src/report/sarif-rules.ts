import type { ReportingDescriptor } from 'sarif';
import type { CompiledRule } from '../engine/check-change.js';
import type { Severity } from '../engine/rule.js';
import { plainText } from './sarif-text.js';

/** What the SARIF writer needs of a rule. */
export type SarifRuleSource = Pick<CompiledRule, 'id' | 'category' | 'severity' | 'description' | 'why' | 'message'>;

export type SarifLevel = 'error' | 'warning' | 'note';

const LEVELS: Record<Severity, SarifLevel> = { critical: 'error', high: 'error', medium: 'warning', low: 'note' };

/**
 * GitHub code scanning ranks security alerts by this score (a number from 0.0 to 10.0, written as a
 * string): over 9.0 is critical, 7.0 to 8.9 high, 4.0 to 6.9 medium, under 4.0 low.
 */
const SECURITY_SEVERITIES: Record<Severity, string> = { critical: '9.5', high: '8.0', medium: '5.5', low: '3.0' };

/** A severity as a SARIF level: critical and high are errors, medium a warning, low a note. */
export function sarifLevel(severity: Severity): SarifLevel {
  return LEVELS[severity];
}

/** A SARIF reportingDescriptor for a rule, keys always in the same order. */
export function reportingDescriptor(rule: SarifRuleSource): ReportingDescriptor {
  const fullDescription = rule.why === null ? rule.description : `${rule.description} ${rule.why}`;
  return {
    id: rule.id,
    name: pascalCase(rule.id),
    shortDescription: { text: plainText(rule.description) },
    fullDescription: { text: plainText(fullDescription) },
    help: { text: plainText(`${fullDescription}\n\nReported as: ${rule.message}`) },
    defaultConfiguration: { level: sarifLevel(rule.severity) },
    properties: {
      category: rule.category,
      severity: rule.severity,
      tags: ['security', rule.category],
      'security-severity': SECURITY_SEVERITIES[rule.severity],
    },
  };
}

/** `reward-function-edited` → `RewardFunctionEdited`: SARIF's name is for people, its id for tools. */
function pascalCase(id: string): string {
  return id
    .split(/[^A-Za-z0-9]+/)
    .map((word) => word.charAt(0).toUpperCase() + word.slice(1))
    .join('');
}
