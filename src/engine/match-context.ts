import { changedLines, type Change, type DiffLine } from '../change/change.js';
import type { PythonScopeIndex } from '../formats/python-scopes.js';
import { scopeLanguageOf, type ScopeLanguage } from '../formats/scopes/index.js';
import type { Scope, ScopeIndex } from '../formats/scopes/scope-index.js';
import type { WeightsDiff } from '../formats/weights/index.js';
import { describeWeights } from './weights-facts.js';
import type { LineDelta } from './declared-names.js';
import type { OtherLanguageVersion } from './other-language-scopes.js';
import { ScopeCache, type ScopedFile } from './scope-cache.js';


type NameTest = (test: (scope: Pick<Scope, 'kind' | 'name'>) => boolean) => boolean;

const SIDES = ['removed', 'added'] as const;

/** Languages whose scopes are keys; the others have functions and classes. */
const KEYED_LANGUAGES: ReadonlySet<ScopeLanguage> = new Set(['yaml', 'json', 'toml']);

/**
 * What matchers share while one change is checked: its changed lines, and scope indexes that are
 * built at most once per side, only if a rule asks for them.
 */
export class MatchContext {
  readonly change: Change;
  readonly lines: readonly DiffLine[];
  private oldScopes: Promise<ScopedFile | null> | null = null;
  private newScopes: Promise<ScopedFile | null> | null = null;
  private removedLines: readonly DiffLine[] | null = null;
  private weightsDiff: Promise<WeightsDiff | null> | null = null;
  private addedLines: readonly DiffLine[] | null = null;
  private oldVersion: Promise<OtherLanguageVersion | null> | null = null;
  private newVersion: Promise<OtherLanguageVersion | null> | null = null;
  /** The language whose scopes this change's lines can be attributed to, or null. */
  readonly scopeLanguage: ScopeLanguage | null;

  private readonly cache: ScopeCache;
  /**
   * Whether a side's version declares a scope a test accepts, once that version was loaded; null
   * when the side has no version to look in, undefined until loaded.
   */
  private oldDeclares: NameTest | null | undefined = undefined;
  private newDeclares: NameTest | null | undefined = undefined;
  /** Facts about this change that shared helpers of the rule set computed once (see memo). */
  private memos: Map<object, unknown> | null = null;

  /**
   * Answers of the rule set's path conditions for this change's paths, by slot. Every change to the
   * same paths may share one array (see RuleIndex), so each condition is worked out once per path.
   */
  readonly pathAnswers: Array<boolean | undefined>;

  constructor(change: Change, cache: ScopeCache = new ScopeCache(), pathAnswers: Array<boolean | undefined> = []) {
    this.change = change;
    this.pathAnswers = pathAnswers;
    this.lines = changedLines(change);
    this.cache = cache;
    this.scopeLanguage = scopeLanguageOf(change.file) ?? (change.previousFile === null ? null : scopeLanguageOf(change.previousFile));
  }

  /**
   * What `make` returns, computed once per change for `owner` (a helper shared by the rule set) and
   * let go with the change: a WeakMap keyed by the change would hold it until a full collection.
   */
  memo<T>(owner: object, make: (context: MatchContext) => T): T {
    const memos = (this.memos ??= new Map());
    if (memos.has(owner)) return memos.get(owner) as T;
    const value = make(this);
    memos.set(owner, value);
    return value;
  }

  /** The changed lines on one side, in diff order (computed once per change). */
  linesOn(side: 'removed' | 'added'): readonly DiffLine[] {
    if (side === 'removed') return (this.removedLines ??= this.lines.filter((line) => line.side === 'removed'));
    return (this.addedLines ??= this.lines.filter((line) => line.side === 'added'));
  }

  /** What changed inside the weight file this change concerns, read at most once; null if none. */
  weights(): Promise<WeightsDiff | null> {
    return (this.weightsDiff ??= describeWeights(this.change));
  }

  /** True once a rule asked for the weights facts (so incidents carry them at no extra cost). */
  get hasWeights(): boolean {
    return this.weightsDiff !== null;
  }

  /**
   * The scopes of one side's version, or null when none could match: a config has no code scopes and
   * code has no keys, and for Python, a version that declares no name `mayMatch` accepts is never
   * indexed (most files declare no reward function).
   */
  async scopeIndexFor(
    side: 'removed' | 'added',
    wanted: 'code' | 'key',
    mayMatch: (scope: Pick<Scope, 'kind' | 'name'>) => boolean,
  ): Promise<Pick<ScopeIndex, 'scopesAt'> | null> {
    if (this.scopeLanguage === null || (wanted === 'key') !== KEYED_LANGUAGES.has(this.scopeLanguage)) return null;
    if (this.scopeLanguage === 'python') {
      const file = await this.scopesFor(side);
      this.remember(side, file === null ? null : (test) => file.declared.some(test));
      if (!file || !file.declared.some(mayMatch)) return null;
      return this.indexFor(side, file);
    }
    const version = await (side === 'removed'
      ? (this.oldVersion ??= this.loadVersion('removed', this.scopeLanguage))
      : (this.newVersion ??= this.loadVersion('added', this.scopeLanguage)));
    this.remember(side, version === null ? null : (test) => version.mayDeclare(test));
    return version !== null && version.mayDeclare(mayMatch) ? version.index() : null;
  }

  /**
   * True when, without waiting for anything, it is certain that no scope `mayMatch` accepts encloses
   * a changed line: the language has no such scopes, or each side with changed lines was already
   * loaded (by an earlier rule on this change) and declares none. False means: ask scopeIndexFor.
   */
  hasNoScopeLike(wanted: 'code' | 'key', mayMatch: (scope: Pick<Scope, 'kind' | 'name'>) => boolean): boolean {
    if (this.scopeLanguage === null || (wanted === 'key') !== KEYED_LANGUAGES.has(this.scopeLanguage)) return true;
    for (const side of SIDES) {
      if (this.linesOn(side).length === 0) continue;
      const declares = side === 'removed' ? this.oldDeclares : this.newDeclares;
      if (declares === undefined || (declares !== null && declares(mayMatch))) return false;
    }
    return true;
  }

  private remember(side: 'removed' | 'added', declares: NameTest | null): void {
    if (side === 'removed') this.oldDeclares = declares;
    else this.newDeclares = declares;
  }

  /** As loadSide, for other languages: a YAML version's keys follow from the other side's and the diff. */
  private async loadVersion(side: 'removed' | 'added', language: Exclude<ScopeLanguage, 'python'>): Promise<OtherLanguageVersion | null> {
    const { content } = this.change;
    const others = this.cache.others;
    const id = side === 'removed' ? content.oldId : content.newId;
    const read = side === 'removed' ? () => content.readOld() : () => content.readNew();
    const cached = others.peek(id, language);
    if (cached) return cached;
    const otherPending = (side === 'removed' ? this.newVersion : this.oldVersion) ?? others.peek(side === 'removed' ? content.newId : content.oldId, language);
    const other = this.isDiffWhole() && otherPending ? await otherPending : null;
    if (other && !others.peek(id, language)) return others.derive(id, language, read, other, this.deltaTo(side));
    return others.get(id, language, read);
  }

  /**
   * The scope index of one side's file (null when its content cannot be read as text). When the
   * other side's index already exists, this one is forked from it: both versions are identical up
   * to the first changed line, so that part need not be read again (for a large trainer edited in
   * many commits, most of the reading).
   */
  async indexFor(side: 'removed' | 'added', file: ScopedFile): Promise<PythonScopeIndex | null> {
    const { content } = this.change;
    // The other side counts if this change loaded it, or if an earlier change left it in the cache.
    const other = await ((side === 'removed' ? this.newScopes : this.oldScopes) ??
      this.cache.peek(side === 'removed' ? content.newId : content.oldId));
    const first = this.lines[0];
    if (other && first) {
      const sharedLines = ((first.side === 'removed' ? first.oldLine : first.newLine) ?? 1) - 1;
      await file.deriveIndexFrom(other, sharedLines);
    }
    return file.index();
  }

  /**
   * Scope index of the old version (for removed lines) or the new one (for added lines). When the
   * other version is already known and the diff is whole, this one's declared names come from it
   * and the diff, and its bytes are read only if a rule needs its index.
   */
  scopesFor(side: 'removed' | 'added'): Promise<ScopedFile | null> {
    if (side === 'removed') return (this.oldScopes ??= this.loadSide('removed'));
    return (this.newScopes ??= this.loadSide('added'));
  }

  private async loadSide(side: 'removed' | 'added'): Promise<ScopedFile | null> {
    const { content } = this.change;
    const id = side === 'removed' ? content.oldId : content.newId;
    const read = side === 'removed' ? () => content.readOld() : () => content.readNew();
    const cached = this.cache.peek(id);
    if (cached) return cached;
    const otherPending = (side === 'removed' ? this.newScopes : this.oldScopes) ?? this.cache.peek(side === 'removed' ? content.newId : content.oldId);
    const other = this.isDiffWhole() && otherPending ? await otherPending : null;
    // Looked up again: another change may have loaded this version while we waited.
    if (other && !this.cache.peek(id)) return this.cache.derive(id, read, other, this.deltaTo(side));
    return this.cache.get(id, read);
  }

  /** True when the hunks hold every line that differs, so one side's lines follow from the other's. */
  private isDiffWhole(): boolean {
    return !this.change.isTruncated && !this.change.isBinary;
  }

  /** The lines that turn the other side into `side`'s version. */
  private deltaTo(side: 'removed' | 'added'): LineDelta {
    const other = side === 'removed' ? 'added' : 'removed';
    return {
      gained: this.textsOf(side),
      lost: this.textsOf(other),
    };
  }

  private textsOf(side: 'removed' | 'added'): string[] {
    return this.linesOn(side).map((line) => line.text);
  }
}
