import { posix } from 'node:path';
import type { DiffLine } from '../change/change.js';
import { isBlindingAttribute, isUnblindingAttribute, parseAttributeLine, parseIgnoreLine, parseMacroLine } from '../formats/git-patterns.js';
import type { MatchContext } from './match-context.js';
import type { Matcher, MatchResult } from './matchers.js';
import type { ProtectedPaths } from './protected-paths.js';
import type { CoverKind } from './rule.js';

const NO_MATCH: MatchResult = { isMatch: false, lines: null, scopes: [] };

type PatternKind = Exclude<CoverKind, 'symlink-target'>;

/**
 * Matches a change that reaches protected paths from outside them: an ignore line that would hide
 * them from git status (and so from a working-tree scan), an attributes line that would blind their
 * diffs, or a symlink whose target is one. Taking a line away counts when that is what hides them:
 * a `!path` that kept them visible, a `diff` that undid an earlier `-diff`. A pattern file moved into
 * another folder counts whole, as its patterns now reach other paths. `protection` is asked lazily:
 * it is built from the whole rule set, after this rule is compiled.
 */
export function coversProtectedMatcher(kind: CoverKind, protection: () => ProtectedPaths): Matcher {
  return {
    cost: 2,
    evaluate(context) {
      if (kind === 'symlink-target') return symlinkTargetCovers(context, protection);
      const directory = patternFileDirectory(context.change.file, kind);
      if (directory === null || context.change.isBinary) return NO_MATCH;
      return patternLinesCover(context, kind, directory, protection());
    },
  };
}

async function patternLinesCover(context: MatchContext, kind: PatternKind, directory: string, protection: ProtectedPaths): Promise<MatchResult> {
  const { change } = context;
  const isMoved = change.previousFile !== null && patternFileDirectory(change.previousFile, kind) !== directory;
  const needsContent = isMoved || (kind === 'attribute-pattern' && context.lines.length > 0);
  const content = needsContent ? ((await change.content.readNew())?.toString('utf8') ?? '') : '';
  const macros = kind === 'attribute-pattern' ? macrosIn(content) : new Map<string, readonly string[]>();
  // Every pattern of a file moved from elsewhere reaches new paths, whether or not the diff shows it.
  const unshown = isMoved ? content.split('\n').map((text, index): DiffLine => ({ side: 'added', text, oldLine: null, newLine: index + 1 })) : [];
  const matched = new Set<DiffLine>();
  const covered = new Set<string>();
  let isWhole = false;
  // A deleted file's removed lines take their broader patterns away with them.
  const lines = change.kind === 'deleted' ? [] : [...context.lines, ...unshown];
  for (const line of lines) {
    const globs = [kind === 'ignore-pattern' ? hidingIgnoreGlob(line) : blindingAttributeGlob(line, macros)];
    const reached = [...new Set(globs.flatMap((glob) => (glob === null ? [] : protection.coveredBy(glob, directory))))];
    if (reached.length === 0) continue;
    // A line the diff does not show is reported through the change as a whole.
    if (line.oldLine === null && unshown[(line.newLine ?? 0) - 1] === line) isWhole = true;
    else matched.add(line);
    for (const path of reached) covered.add(path);
  }
  if (covered.size === 0) return NO_MATCH;
  return { isMatch: true, lines: isWhole ? null : matched, scopes: [], covered: [...covered].sort() };
}

/** The directory an ignore or attributes file's patterns are relative to, or null for other files. */
function patternFileDirectory(file: string, kind: PatternKind): string | null {
  const inGitInfo = kind === 'ignore-pattern' ? '.git/info/exclude' : '.git/info/attributes';
  if (file === inGitInfo) return '';
  const name = kind === 'ignore-pattern' ? '.gitignore' : '.gitattributes';
  if (file === name) return '';
  return file.endsWith(`/${name}`) ? file.slice(0, -name.length - 1) : null;
}

/**
 * An added ignore line hides what it names; so does taking away a `!` line that kept it visible. The
 * working-tree walk reads committed `.gitignore` files as git does (src/sources/ignore-rules.ts), so
 * git's reading is the only one.
 */
function hidingIgnoreGlob(line: DiffLine): string | null {
  if (line.side === 'context') return null;
  const parsed = parseIgnoreLine(line.text);
  return parsed === null || parsed.isNegated !== (line.side === 'removed') ? null : parsed.glob;
}

/** An added line that blinds, or a removed one that undid blinding. */
function blindingAttributeGlob(line: DiffLine, macros: ReadonlyMap<string, readonly string[]>): string | null {
  if (line.side === 'context') return null;
  const parsed = parseAttributeLine(line.text);
  if (parsed === null) return null;
  const isHiding =
    line.side === 'added' ? parsed.attributes.some((attribute) => isBlindingAttribute(attribute, macros)) : parsed.attributes.some(isUnblindingAttribute);
  return isHiding ? parsed.glob : null;
}

/** The macros an attributes file defines (git honours them in top-level files; reading them anywhere is safe). */
function macrosIn(content: string): Map<string, readonly string[]> {
  const macros = new Map<string, readonly string[]>();
  for (const text of content.split('\n')) {
    const macro = parseMacroLine(text);
    if (macro !== null) macros.set(macro.name, macro.attributes);
  }
  return macros;
}

/**
 * A symlink (new or retargeted) outside protected places whose target is a protected path, a folder
 * that holds protected paths (the repository's root or anything above it, `.git`), or, through
 * `/proc`, whatever a process has open. A target outside the tree or absolute is judged by its path
 * as written (`/shared/ref/checkpoints/` still names weights) and by the paths inside the tree it
 * may come back to (`../repo/rewards/x.py` from the top of a checkout named `repo`).
 */
function symlinkTargetCovers(context: MatchContext, protectionOf: () => ProtectedPaths): MatchResult {
  const { change } = context;
  const target = change.newTarget;
  // Most changes are not links: they must not pay for working out what the rule set protects.
  if (target === null || target === change.oldTarget) return NO_MATCH;
  const protection = protectionOf();
  // A link that is itself in a protected place is reported by the rules that protect that place.
  if (protection.isProtected(change.file)) return NO_MATCH;
  const { inTree, elsewhere } = targetPaths(change.file, target);
  const reached = [...(inTree === null ? [] : [inTree]), ...elsewhere].find((path) => namesProtected(path, protection));
  if (reached !== undefined) return { isMatch: true, lines: null, scopes: [], covered: [reached] };
  if (inTree !== null && protection.holdsProtected(inTree)) return { isMatch: true, lines: null, scopes: [], covered: [inTree === '' ? '.' : inTree] };
  if (target.startsWith('/') && /^\/+(?:proc(?:\/|$)|dev\/fd(?:\/|$)|$)/.test(target)) return { isMatch: true, lines: null, scopes: [], covered: [target] };
  return NO_MATCH;
}

/** True when `path` is protected, or a folder holding protected paths by their names, in any letter case. */
function namesProtected(path: string, protection: ProtectedPaths): boolean {
  if (path === '') return false;
  return [path, path.toLowerCase()].some((variant) => protection.isProtected(variant) || protection.isProtected(`${variant}/x`));
}

/**
 * Where a link target leads: the path in the tree it names (null when it leaves the tree), and the
 * paths it may stand for elsewhere: as written without its climb, and each tail of it, since a target
 * that climbs `k` folders above the root and comes down again may come back into the tree after
 * `k` names, and an absolute one after any number.
 */
function targetPaths(linkPath: string, target: string): { inTree: string | null; elsewhere: string[] } {
  const isAbsolute = target.startsWith('/');
  const segments: string[] = [];
  let climbed = 0;
  for (const segment of [...(isAbsolute ? [] : posix.dirname(linkPath).split('/')), ...target.split('/')]) {
    if (segment === '' || segment === '.') continue;
    if (segment !== '..') segments.push(segment);
    else if (segments.length > 0) segments.pop();
    else climbed++;
  }
  const path = segments.join('/');
  if (!isAbsolute && climbed === 0) return { inTree: path, elsewhere: [] };
  const tails = segments.map((_, start) => segments.slice(start).join('/'));
  const comesBack = isAbsolute ? tails.slice(1) : climbed < segments.length ? [segments.slice(climbed).join('/')] : [];
  // Climbing above the root with nothing after leads to a folder holding the whole tree.
  return { inTree: !isAbsolute && segments.length === 0 ? '' : null, elsewhere: [path, ...comesBack] };
}
