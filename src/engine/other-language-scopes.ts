import { findScopes, type ScopeLanguage } from '../formats/scopes/index.js';
import type { Scope, ScopeIndex } from '../formats/scopes/scope-index.js';
import { yamlKeyCandidates } from '../formats/scopes/yaml-scopes.js';

/**
 * Bytes of source kept for versions in languages other than Python. An index is built whole and
 * costs about 20 times its source (a chain of scopes per line), so the window is small: one commit's
 * new version is the next one's old version, and that is the reuse worth keeping. A version larger
 * than a quarter of this is not kept.
 */
const CAPACITY_BYTES = 1024 * 1024;

type ReadBytes = () => Promise<Buffer | null>;

/** One version of a file in a language other than Python: its bytes, and its index once asked for. */
export class OtherLanguageVersion {
  private readonly language: Exclude<ScopeLanguage, 'python'>;
  private readonly bytes: Buffer;
  private built: ScopeIndex | null = null;
  private candidates: ReadonlySet<string> | null | undefined;

  constructor(language: Exclude<ScopeLanguage, 'python'>, bytes: Buffer) {
    this.language = language;
    this.bytes = bytes;
  }

  /**
   * False when no scope of this version can pass `test`, known without indexing it (YAML keys are
   * read line by line, a fraction of an index's cost); true when it may, or when that is not cheap to
   * tell. Most config edits touch no key a rule asks about.
   */
  mayDeclare(test: (scope: Pick<Scope, 'kind' | 'name'>) => boolean): boolean {
    if (this.built !== null) return true;
    if (this.candidates === undefined) this.candidates = this.language === 'yaml' ? yamlKeyCandidates(this.bytes) : null;
    if (this.candidates === null) return true;
    for (const name of this.candidates) if (test({ kind: 'key', name })) return true;
    return false;
  }

  index(): ScopeIndex {
    return (this.built ??= findScopes(this.language, this.bytes));
  }
}

interface Entry {
  readonly version: Promise<OtherLanguageVersion | null>;
  size: number;
}

/** Recently seen versions in languages other than Python, by language and content id. */
export class OtherLanguageScopes {
  private readonly entries = new Map<string, Entry>();
  private size = 0;

  /** The version with content id `id` (null: unknown, so not kept), read on first use. */
  get(id: string | null, language: Exclude<ScopeLanguage, 'python'>, read: ReadBytes): Promise<OtherLanguageVersion | null> {
    const key = id === null ? null : `${language}\0${id}`;
    const cached = key === null ? undefined : this.entries.get(key);
    if (key !== null && cached) {
      // Map keeps insertion order: moving the entry to the end makes the first one the oldest.
      this.entries.delete(key);
      this.entries.set(key, cached);
      return cached.version;
    }
    const entry: Entry = {
      version: read().then(
        (bytes) => {
          if (bytes === null) return null;
          if (key !== null) this.count(key, entry, bytes.length);
          return new OtherLanguageVersion(language, bytes);
        },
        (error: unknown) => {
          if (key !== null) this.forget(key, entry);
          throw error;
        },
      ),
      size: 0,
    };
    if (key !== null) this.entries.set(key, entry);
    return entry.version;
  }

  private count(key: string, entry: Entry, size: number): void {
    if (this.entries.get(key) !== entry) return;
    if (size > CAPACITY_BYTES / 4) {
      this.entries.delete(key);
      return;
    }
    entry.size = size * 21;
    this.size += entry.size;
    for (const [oldest, old] of this.entries) {
      if (this.size <= CAPACITY_BYTES * 21) break;
      this.entries.delete(oldest);
      this.size -= old.size;
    }
  }

  private forget(key: string, entry: Entry): void {
    if (this.entries.get(key) !== entry) return;
    this.entries.delete(key);
    this.size -= entry.size;
  }
}
