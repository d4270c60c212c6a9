import { posix } from 'node:path';
import type { DiffLine } from '../change/change.js';
import { isBlindingAttribute, parseAttributeLine, parseIgnoreLine } from '../formats/git-patterns.js';
import type { MatchContext } from './match-context.js';
import type { Matcher, MatchResult } from './matchers.js';
import type { ProtectedPaths } from './protected-paths.js';
import type { CoverKind } from './rule.js';

const NO_MATCH: MatchResult = { isMatch: false, lines: null, scopes: [] };

/**
 * Matches a change that reaches protected paths from outside them: an ignore line that would hide
 * them from git status (and so from a working-tree scan), an attributes line that would blind their
 * diffs, or a symlink whose target is one. `protection` is asked lazily: it is built from the whole
 * rule set, after this rule is compiled.
 */
export function coversProtectedMatcher(kind: CoverKind, protection: () => ProtectedPaths): Matcher {
  return {
    cost: 2,
    evaluate(context) {
      if (kind === 'symlink-target') return symlinkTargetCovers(context, protection());
      const directory = patternFileDirectory(context.change.file, kind);
      if (directory === null) return NO_MATCH;
      const lines = new Set<DiffLine>();
      const covered = new Set<string>();
      for (const line of context.linesOn('added')) {
        const glob = kind === 'ignore-pattern' ? hidingIgnoreGlob(line.text) : blindingAttributeGlob(line.text);
        if (glob === null) continue;
        const reached = protection().coveredBy(glob, directory);
        if (reached.length === 0) continue;
        lines.add(line);
        for (const path of reached) covered.add(path);
      }
      return lines.size > 0 ? { isMatch: true, lines, scopes: [], covered: [...covered].sort() } : NO_MATCH;
    },
  };
}

/** The directory an ignore or attributes file's patterns are relative to, or null for other files. */
function patternFileDirectory(file: string, kind: 'ignore-pattern' | 'attribute-pattern'): string | null {
  const inGitInfo = kind === 'ignore-pattern' ? '.git/info/exclude' : '.git/info/attributes';
  if (file === inGitInfo) return '';
  const name = kind === 'ignore-pattern' ? '.gitignore' : '.gitattributes';
  if (file === name) return '';
  return file.endsWith(`/${name}`) ? file.slice(0, -name.length - 1) : null;
}

function hidingIgnoreGlob(text: string): string | null {
  const line = parseIgnoreLine(text);
  return line === null || line.isNegated ? null : line.glob;
}

function blindingAttributeGlob(text: string): string | null {
  const line = parseAttributeLine(text);
  return line !== null && line.attributes.some(isBlindingAttribute) ? line.glob : null;
}

/**
 * A symlink (new or retargeted) outside protected places whose target is a protected path, or a
 * folder holding protected paths.
 * A target outside the tree or absolute is judged by its path as written (`/shared/ref/checkpoints/`
 * still names weights).
 */
function symlinkTargetCovers(context: MatchContext, protection: ProtectedPaths): MatchResult {
  const { change } = context;
  const target = change.newTarget;
  // A link that is itself in a protected place is reported by the rules that protect that place.
  if (target === null || target === change.oldTarget || protection.isProtected(change.file)) return NO_MATCH;
  const resolved = targetPath(change.file, target);
  if (resolved === '' || !(protection.isProtected(resolved) || protection.isProtected(`${resolved}/x`))) return NO_MATCH;
  return { isMatch: true, lines: null, scopes: [], covered: [resolved] };
}

/** The path a link target names, relative to the tree's root, with any climb above the root dropped. */
function targetPath(linkPath: string, target: string): string {
  const joined = target.startsWith('/') ? target : posix.join(posix.dirname(linkPath), target);
  return posix.normalize(joined).replace(/^(?:\.\.\/|\/)+/, '').replace(/\/$/, '').replace(/^\.\.?$/, '');
}
