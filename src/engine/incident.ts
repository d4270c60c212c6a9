import { createHash } from 'node:crypto';
import type { BinaryFacts, Change, ChangeKind, DiffLine, LineSide } from '../change/change.js';
import type { RenderedDiff } from '../change/render-diff.js';
import { describeCovered } from './protected-paths.js';
import type { Category, Severity } from './rule.js';

export type IncidentSource =
  | {
      readonly kind: 'commit';
      readonly sha: string;
      readonly author: string;
      readonly email: string;
      readonly date: string;
      readonly subject: string;
    }
  | { readonly kind: 'working-tree'; readonly area: 'worktree' | 'index' }
  | { readonly kind: 'live'; readonly at: string }
  | { readonly kind: 'snapshot'; readonly takenAt: string };

export interface Evidence {
  readonly side: LineSide;
  /** Line number in the old file for removed lines, in the new file for added lines. */
  readonly line: number;
  readonly text: string;
}

/** One rule's finding on one change: the unit of the report. */
export interface Incident {
  readonly id: string;
  readonly ruleId: string;
  readonly category: Category;
  readonly severity: Severity;
  readonly message: string;
  readonly file: string;
  readonly previousFile: string | null;
  readonly change: ChangeKind;
  readonly source: IncidentSource;
  readonly diff: string;
  readonly diffTruncated: boolean;
  readonly evidence: readonly Evidence[];
  readonly binary: BinaryFacts | null;
  /** Enclosing functions or classes that made the rule match, outermost first. */
  readonly scopes: readonly string[];
  readonly similarity: number | null;
  readonly oldMode: string | null;
  readonly newMode: string | null;
  readonly oldTarget: string | null;
  readonly newTarget: string | null;
}

/** Evidence lines kept per incident; the diff holds the rest. */
export const MAX_EVIDENCE_LINES = 50;
/** Bytes of diff kept per incident. */
export const MAX_DIFF_BYTES = 64 * 1024;

export interface IncidentInput {
  readonly ruleId: string;
  readonly category: Category;
  readonly severity: Severity;
  readonly messageTemplate: string;
  readonly change: Change;
  /** The lines that matched, or null when the whole change did. */
  readonly lines: readonly DiffLine[] | null;
  readonly allChangedLines: readonly DiffLine[];
  readonly scopes: readonly string[];
  /** Protected paths the change reaches from outside them, for `{covered}`. */
  readonly covered?: readonly string[];
  /** The change's diff, rendered once for all the incidents it raises. */
  readonly diff: RenderedDiff;
}

export function makeIncident(input: IncidentInput): Incident {
  const { change } = input;
  const matched = input.lines ?? input.allChangedLines;
  const evidence = matched.slice(0, MAX_EVIDENCE_LINES).map(toEvidence);
  const source = toSource(change);
  const { diff } = input;
  return {
    id: fingerprint(input.ruleId, change, source, evidence),
    ruleId: input.ruleId,
    category: input.category,
    severity: input.severity,
    message: formatMessage(input.messageTemplate, change, input.scopes, input.covered ?? []),
    file: change.file,
    previousFile: change.previousFile,
    change: change.kind,
    source,
    diff: diff.text,
    diffTruncated: diff.isTruncated,
    evidence,
    binary: change.binary,
    scopes: input.scopes,
    similarity: change.similarity,
    oldMode: change.oldMode,
    newMode: change.newMode,
    oldTarget: change.oldTarget,
    newTarget: change.newTarget,
  };
}

function toEvidence(line: DiffLine): Evidence {
  const side = line.side === 'removed' ? 'removed' : 'added';
  return { side, line: (side === 'removed' ? line.oldLine : line.newLine) ?? 0, text: line.text };
}

function toSource(change: Change): IncidentSource {
  const origin = change.origin;
  if (origin.kind === 'commit') {
    const { sha, author, email, date, subject } = origin;
    return { kind: 'commit', sha, author, email, date, subject };
  }
  if (origin.kind === 'live') return { kind: 'live', at: origin.at };
  if (origin.kind === 'snapshot') return { kind: 'snapshot', takenAt: origin.takenAt };
  return { kind: 'working-tree', area: origin.area };
}

/** Where an incident came from, as its fingerprint sees it: a live edit repeated later is a new incident. */
function sourceKey(source: IncidentSource): string {
  if (source.kind === 'commit') return `commit:${source.sha}`;
  if (source.kind === 'live') return `live:${source.at}`;
  if (source.kind === 'snapshot') return `snapshot:${source.takenAt}`;
  return `working-tree:${source.area}`;
}

/**
 * A stable id: the same finding gets the same id in every run. It hashes what the finding is (rule,
 * file, where the change came from, the matched text and any binary digests) and leaves out line
 * numbers, so an unrelated edit above the evidence does not make it a new incident.
 */
function fingerprint(ruleId: string, change: Change, source: IncidentSource, evidence: readonly Evidence[]): string {
  const hash = createHash('sha256');
  hash.update([ruleId, change.file, change.previousFile ?? '', change.kind, sourceKey(source)].join('\0'));
  for (const item of evidence) hash.update(`\0${item.side}\0${item.text}`);
  const facts = change.binary;
  if (facts) hash.update(`\0${facts.oldSha256 ?? ''}\0${facts.newSha256 ?? ''}`);
  hash.update(`\0${change.oldMode ?? ''}\0${change.newMode ?? ''}\0${change.newTarget ?? ''}`);
  return hash.digest('hex').slice(0, 16);
}

const PLACEHOLDER = /\{(file|previousFile|change|scope|covered)\}/g;

/** Fills `{file}`, `{previousFile}`, `{change}`, `{scope}` and `{covered}` in a rule's message. */
export function formatMessage(template: string, change: Change, scopes: readonly string[], covered: readonly string[] = []): string {
  return template.replace(PLACEHOLDER, (_, name: string) => {
    if (name === 'file') return change.file;
    if (name === 'covered') return covered.length > 0 ? describeCovered(covered) : '(none)';
    if (name === 'previousFile') return change.previousFile ?? change.file;
    if (name === 'change') return change.kind;
    return scopes.length > 0 ? scopes.join('.') : '(file level)';
  });
}
