import { changedLines, type Change, type DiffLine } from '../change/change.js';
import type { PythonScopeIndex } from '../formats/python-scopes.js';
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

  /**
   * The scope index of one side's file. When the other side's index already exists, this one is
   * forked from it: both versions are identical up to the first changed line, so that part need not
   * be read again (for a large trainer edited in many commits, most of the reading).
   */
  async indexFor(side: 'removed' | 'added', file: ScopedFile): Promise<PythonScopeIndex> {
    const { content } = this.change;
    // The other side counts if this change loaded it, or if an earlier change left it in the cache.
    const other = await ((side === 'removed' ? this.newScopes : this.oldScopes) ??
      this.cache.peek(side === 'removed' ? content.newId : content.oldId));
    const first = this.lines[0];
    if (other && first) {
      const sharedLines = ((first.side === 'removed' ? first.oldLine : first.newLine) ?? 1) - 1;
      file.deriveIndexFrom(other, sharedLines);
    }
    return file.index();
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
