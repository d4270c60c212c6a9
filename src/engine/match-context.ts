import { changedLines, type Change, type DiffLine } from '../change/change.js';
import { ScopeCache, type ScopedFile } from './scope-cache.js';

const PYTHON_FILE = /\.pyi?$/;

/**
 * What matchers share while one change is checked: its changed lines, and scope indexes that are
 * built at most once per side, only if a rule asks for them.
 */
export class MatchContext {
  readonly change: Change;
  readonly lines: readonly DiffLine[];
  private oldScopes: Promise<ScopedFile | null> | null = null;
  private newScopes: Promise<ScopedFile | null> | null = null;

  private readonly cache: ScopeCache;

  constructor(change: Change, cache: ScopeCache = new ScopeCache()) {
    this.change = change;
    this.lines = changedLines(change);
    this.cache = cache;
  }

  /** True when the change's language has a scope finder. */
  get hasScopeSupport(): boolean {
    return PYTHON_FILE.test(this.change.file) || PYTHON_FILE.test(this.change.previousFile ?? '');
  }

  /** Scope index of the old version (for removed lines) or the new one (for added lines). */
  scopesFor(side: 'removed' | 'added'): Promise<ScopedFile | null> {
    const { content } = this.change;
    if (side === 'removed') {
      this.oldScopes ??= this.cache.get(content.oldId, () => content.readOld());
      return this.oldScopes;
    }
    this.newScopes ??= this.cache.get(content.newId, () => content.readNew());
    return this.newScopes;
  }
}
