import { findPythonScopes, type CodeScope, type PythonScopeIndex } from '../formats/python-scopes.js';

/** Scope indexes kept; one commit's new version is usually the next one's old version. */
const CAPACITY = 256;

const IDENTIFIER = /[\p{L}_][\p{L}\p{N}_]*/uy;
const KEYWORDS = [
  ['def', 'function'],
  ['class', 'class'],
] as const;

/** A file version's scopes: the names it declares (cheap) and the full index (built on first use). */
export interface ScopedFile {
  /** Every def and class name in the file, and possibly a few from inside strings. */
  readonly declared: ReadonlyArray<Pick<CodeScope, 'kind' | 'name'>>;
  index(): PythonScopeIndex;
}

/**
 * Remembers the scopes of recently seen file contents by content id, so a file edited in many
 * commits is read and parsed once per version rather than twice. The full index is only built when
 * a declared name could match: most files declare no reward or grader function at all.
 */
export class ScopeCache {
  private readonly entries = new Map<string, Promise<ScopedFile | null>>();

  get(id: string | null, read: () => Promise<string | null>): Promise<ScopedFile | null> {
    if (id === null) return read().then(scopedFile);
    const cached = this.entries.get(id);
    if (cached) {
      // Refresh its place: Map keeps insertion order, so the first key is the least recently used.
      this.entries.delete(id);
      this.entries.set(id, cached);
      return cached;
    }
    const created = read().then(scopedFile);
    this.entries.set(id, created);
    if (this.entries.size > CAPACITY) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    return created;
  }
}

function scopedFile(text: string | null): ScopedFile | null {
  if (text === null) return null;
  const declared = declaredNames(text);
  let index: PythonScopeIndex | null = null;
  return {
    declared,
    index: () => (index ??= findPythonScopes(text)),
  };
}

/**
 * Every name after `def` or `class` at the start of a line (after indentation and an optional
 * `async`); a superset of the real scopes, since strings are not excluded. Found with indexOf, which
 * is several times faster than a multiline regex over every file version of a history.
 */
export function declaredNames(text: string): Array<Pick<CodeScope, 'kind' | 'name'>> {
  const declared: Array<Pick<CodeScope, 'kind' | 'name'>> = [];
  for (const [keyword, kind] of KEYWORDS) {
    for (let at = text.indexOf(keyword); at !== -1; at = text.indexOf(keyword, at + keyword.length)) {
      let after = at + keyword.length;
      if (text[after] !== ' ' && text[after] !== '\t') continue;
      if (!startsLogicalLine(text, at)) continue;
      while (text[after] === ' ' || text[after] === '\t') after++;
      IDENTIFIER.lastIndex = after;
      const name = IDENTIFIER.exec(text);
      if (name) declared.push({ kind, name: name[0] });
    }
  }
  return declared;
}

/** True when only indentation, and perhaps `async`, stands between the line start and `at`. */
function startsLogicalLine(text: string, at: number): boolean {
  let i = at - 1;
  while (i >= 0 && (text[i] === ' ' || text[i] === '\t')) i--;
  if (i >= 4 && text.startsWith('async', i - 4)) {
    const before = i - 5;
    if (before < 0 || text[before] === '\n' || text[before] === ' ' || text[before] === '\t') {
      i = before;
      while (i >= 0 && (text[i] === ' ' || text[i] === '\t')) i--;
    }
  }
  return i < 0 || text[i] === '\n' || text[i] === '\r' || text[i] === '\f';
}
