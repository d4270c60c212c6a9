import { changedLines, type Change, type DiffLine } from '../change/change.js';
import { findPythonScopes, type PythonScopeIndex } from '../formats/python-scopes.js';

const PYTHON_FILE = /\.pyi?$/;

/**
 * What matchers share while one change is checked: its changed lines, and scope indexes that are
 * built at most once per side, only if a rule asks for them.
 */
export class MatchContext {
  readonly change: Change;
  readonly lines: readonly DiffLine[];
  private oldScopes: Promise<PythonScopeIndex | null> | null = null;
  private newScopes: Promise<PythonScopeIndex | null> | null = null;

  constructor(change: Change) {
    this.change = change;
    this.lines = changedLines(change);
  }

  /** True when the change's language has a scope finder. */
  get hasScopeSupport(): boolean {
    return PYTHON_FILE.test(this.change.file) || PYTHON_FILE.test(this.change.previousFile ?? '');
  }

  /** Scope index of the old version (for removed lines) or the new one (for added lines). */
  scopesFor(side: 'removed' | 'added'): Promise<PythonScopeIndex | null> {
    if (side === 'removed') {
      this.oldScopes ??= this.change.content.readOld().then((text) => (text === null ? null : findPythonScopes(text)));
      return this.oldScopes;
    }
    this.newScopes ??= this.change.content.readNew().then((text) => (text === null ? null : findPythonScopes(text)));
    return this.newScopes;
  }
}
