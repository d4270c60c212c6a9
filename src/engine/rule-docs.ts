import { FILE_HEADERS_ONLY, formatPatch, structuredPatch } from 'diff';
import { CATEGORIES, type RuleDefinition, type RuleExample } from './rule.js';

/** The command that regenerates the rule docs; named in the generated file. */
export const RULE_DOCS_COMMAND = 'npm run docs';

/** Longest example diff shown, in lines; the rule file holds the rest. */
const MAX_DIFF_LINES = 40;

/**
 * Renders the built-in rules' documentation (`rules/README.md`): a summary table, then one section
 * per rule made from its description, why and examples. Rules are ordered by category, in the order
 * of CATEGORIES, then by id, so the output depends only on the rule definitions. A rule whose
 * source file lies under `rules/` links to it.
 */
export function renderRuleDocs(rules: readonly RuleDefinition[]): string {
  const ordered = [...rules].sort(compareRules);
  const lines = [
    '# Built-in rules',
    '',
    `Generated from the rule files in this folder by \`${RULE_DOCS_COMMAND}\`: do not edit by hand.`,
    '',
    `${ordered.length} rules. Each rule's file is its definition and its documentation; \`selfmod rules test\` runs its examples.`,
    '',
    '| rule | category | severity | what it flags |',
    '|---|---|---|---|',
    ...ordered.map(renderTableRow),
  ];
  for (const category of CATEGORIES) {
    const inCategory = ordered.filter((rule) => rule.category === category);
    if (inCategory.length === 0) continue;
    lines.push('', `## ${category}`);
    for (const rule of inCategory) lines.push('', ...renderRuleSection(rule));
  }
  return `${lines.join('\n')}\n`;
}

function compareRules(a: RuleDefinition, b: RuleDefinition): number {
  const byCategory = CATEGORIES.indexOf(a.category) - CATEGORIES.indexOf(b.category);
  if (byCategory !== 0) return byCategory;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

function renderTableRow(rule: RuleDefinition): string {
  const description = escapeMarkdown(oneLine(rule.description));
  return `| [${rule.id}](#${rule.id}) | ${rule.category} | ${rule.severity} | ${description} |`;
}

/** One rule's section; ids are kebab-case, so the heading's anchor is the id itself. */
export function renderRuleSection(rule: RuleDefinition): string[] {
  const source = sourceLink(rule.source.file);
  const lines = [
    `### ${rule.id}`,
    '',
    `Category **${rule.category}**, severity **${rule.severity}**.${source ? ` Defined in ${source}.` : ''}`,
    '',
    `**What it flags.** ${escapeMarkdown(oneLine(rule.description))}`,
  ];
  if (rule.why) lines.push('', `**Why it matters.** ${escapeMarkdown(oneLine(rule.why))}`);
  const [flagged] = rule.examples.flag;
  if (flagged) {
    const note = flagged.note ? ` ${escapeMarkdown(oneLine(flagged.note))}` : '';
    lines.push('', `**Example:**${note}`, '', ...renderExample(flagged));
  }
  const [passed] = rule.examples.pass ?? [];
  if (passed) {
    const note = passed.note ? `: ${escapeMarkdown(oneLine(passed.note))}` : '';
    lines.push('', `**Not flagged:** ${codeSpan(passed.file)}${note}.`);
  }
  return lines;
}

/** An example as a fenced unified diff, or in words when its content is binary. */
export function renderExample(example: RuleExample): string[] {
  if (example.binary || example.encoding === 'base64') return [describeBinaryExample(example)];
  const diff = exampleDiffLines(example);
  if (diff.length > MAX_DIFF_LINES) {
    const hidden = diff.length - MAX_DIFF_LINES;
    diff.splice(MAX_DIFF_LINES, hidden, `… ${hidden} more line${hidden === 1 ? '' : 's'} in the rule file`);
  }
  const fence = '`'.repeat(Math.max(3, longestBacktickRun(diff.join('\n')) + 1));
  const symlink = describeSymlink(example);
  return [`${fence}diff`, ...diff, fence, ...(symlink ? ['', symlink] : [])];
}

/** A symlink's diff shows only its target, so say which side is one. */
function describeSymlink(example: RuleExample): string | null {
  const { oldMode, newMode } = effectiveModes(example);
  const wasLink = example.before !== undefined && oldMode === '120000';
  const isLink = example.after !== undefined && newMode === '120000';
  if (!wasLink && !isLink) return null;
  const when = wasLink && isLink ? 'before and after the change' : isLink ? 'after the change' : 'before the change';
  const file = codeSpan(isLink ? example.file : (example.previousFile ?? example.file));
  return `${file} is a symlink ${when} (mode 120000): its content is the path it points to.`;
}

/** A side's mode defaults to the other side's, then to a regular file's, as the rule tester builds it. */
function effectiveModes(example: RuleExample): { oldMode: string; newMode: string } {
  return {
    oldMode: example.oldMode ?? example.newMode ?? '100644',
    newMode: example.newMode ?? example.oldMode ?? '100644',
  };
}

/** git-style extended headers (modes, renames) followed by the hunks, without the `===` and `Index:` lines. */
function exampleDiffLines(example: RuleExample): string[] {
  const oldPath = example.previousFile ?? example.file;
  const { oldMode, newMode } = effectiveModes(example);
  const lines: string[] = [];
  if (example.before === undefined) lines.push(`new file mode ${newMode}`);
  else if (example.after === undefined) lines.push(`deleted file mode ${oldMode}`);
  else if (oldMode !== newMode) lines.push(`old mode ${oldMode}`, `new mode ${newMode}`);
  if (oldPath !== example.file) lines.push(`rename from ${oldPath}`, `rename to ${example.file}`);
  const patch = structuredPatch(
    example.before === undefined ? '/dev/null' : `a/${oldPath}`,
    example.after === undefined ? '/dev/null' : `b/${example.file}`,
    example.before ?? '',
    example.after ?? '',
    undefined,
    undefined,
    { context: 3 },
  );
  if (patch.hunks.length > 0) lines.push(...formatPatch(patch, FILE_HEADERS_ONLY).replace(/\n$/, '').split('\n'));
  return lines;
}

function describeBinaryExample(example: RuleExample): string {
  const file = codeSpan(example.file);
  const what =
    example.before === undefined
      ? `${file} is added`
      : example.after === undefined
        ? `${file} is deleted`
        : example.previousFile !== undefined && example.previousFile !== example.file
          ? `${codeSpan(example.previousFile)} is moved to ${file}`
          : `${file} is replaced with different bytes`;
  const sides = [example.before, example.after].filter((side) => side !== undefined);
  const sizes =
    example.encoding === 'base64' ? ` (${sides.map(byteCount).join(' → ')}; the rule file holds the bytes in base64)` : '';
  return `Binary content: ${what}${sizes}.`;
}

function byteCount(base64: string): string {
  const count = Buffer.from(base64, 'base64').length;
  return `${count} byte${count === 1 ? '' : 's'}`;
}

/** Paths are shown relative to `rules/README.md`; a rule from elsewhere gets no link. */
function sourceLink(file: string): string | null {
  if (!file.startsWith('rules/')) return null;
  const relative = file.slice('rules/'.length);
  return `[${relative}](${relative})`;
}

/** YAML's folded or literal text as one line of markdown: a table cell or a paragraph. */
function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/**
 * Rule texts are plain prose that quotes globs and identifiers (`*_trainer.py`, `__eq__`); only
 * what they put in backticks is meant as code. Outside code spans, characters markdown would read
 * as emphasis, links, HTML or table cells are escaped.
 */
export function escapeMarkdown(text: string): string {
  return text
    .split(/(`[^`]*`)/)
    .map((part, index) => (index % 2 === 1 ? part : part.replace(/[\\*_[\]<>|]/g, '\\$&')))
    .join('');
}

function codeSpan(text: string): string {
  const ticks = '`'.repeat(longestBacktickRun(text) + 1);
  const padding = text.startsWith('`') || text.endsWith('`') ? ' ' : '';
  return `${ticks}${padding}${text}${padding}${ticks}`;
}

function longestBacktickRun(text: string): number {
  return Math.max(0, ...(text.match(/`+/g) ?? []).map((run) => run.length));
}
