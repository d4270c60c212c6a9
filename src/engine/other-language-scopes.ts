import { findScopes, type ScopeLanguage } from '../formats/scopes/index.js';
import type { Scope, ScopeIndex } from '../formats/scopes/scope-index.js';
import { yamlKeyCandidates, yamlKeysOfLine } from '../formats/scopes/yaml-scopes.js';
import type { LineDelta } from './declared-names.js';

/**
 * Bytes of source kept for versions in languages other than Python. An index is built whole and
 * costs about 20 times its source (a chain of scopes per line), so the window is small: one commit's
 * new version is the next one's old version, and that is the reuse worth keeping. A version larger
 * than a quarter of this is not kept.
 */
const CAPACITY_BYTES = 1024 * 1024;
/** What an index costs per byte of source, for the window's accounting. */
const INDEX_COST = 21;

type ReadBytes = () => Promise<Buffer | null>;
type OtherLanguage = Exclude<ScopeLanguage, 'python'>;

/**
 * How many lines of a YAML version name each key (see yamlKeysOfLine). Counting, not listing, is
 * what lets one version's keys follow from another's and the diff between them: a key whose line is
 * removed may still be on another line.
 */
class KeyCounts {
  private constructor(private readonly counts: ReadonlyMap<string, number>) {}

  static of(names: Iterable<string>): KeyCounts {
    const counts = new Map<string, number>();
    for (const name of names) counts.set(name, (counts.get(name) ?? 0) + 1);
    return new KeyCounts(counts);
  }

  /** The other version's counts, or null when the delta takes away a key this one lacks (an unfaithful diff). */
  derive(delta: LineDelta): KeyCounts | null {
    const counts = new Map(this.counts);
    for (const line of delta.lost) {
      for (const name of yamlKeysOfLine(line)) {
        const count = counts.get(name) ?? 0;
        if (count === 0) return null;
        if (count === 1) counts.delete(name);
        else counts.set(name, count - 1);
      }
    }
    for (const line of delta.gained) {
      for (const name of yamlKeysOfLine(line)) counts.set(name, (counts.get(name) ?? 0) + 1);
    }
    return new KeyCounts(counts);
  }

  names(): Iterable<string> {
    return this.counts.keys();
  }
}

/**
 * One version of a file in a language other than Python. For YAML its keys are known (read line by
 * line, or derived from another version and the diff) before its index is built, and its bytes are
 * read only when the index is asked for.
 */
export class OtherLanguageVersion {
  private bytes: Promise<Buffer | null> | null;
  private built: Promise<ScopeIndex | null> | null = null;

  constructor(
    private readonly language: OtherLanguage,
    private readonly read: ReadBytes,
    bytes: Buffer | null,
    readonly keys: KeyCounts | null,
    private readonly onSize: (size: number) => void,
  ) {
    this.bytes = bytes === null ? null : Promise.resolve(bytes);
  }

  /**
   * False when no scope of this version can pass `test`, known without indexing it; true when one
   * may, or when that is not cheap to tell. Most config edits touch no key a rule asks about.
   */
  mayDeclare(test: (scope: Pick<Scope, 'kind' | 'name'>) => boolean): boolean {
    if (this.keys === null) return true;
    for (const name of this.keys.names()) if (test({ kind: 'key', name })) return true;
    return false;
  }

  index(): Promise<ScopeIndex | null> {
    return (this.built ??= this.loadBytes().then((bytes) => {
      if (bytes === null) return null;
      this.onSize(bytes.length * INDEX_COST);
      return findScopes(this.language, bytes);
    }));
  }

  private loadBytes(): Promise<Buffer | null> {
    return (this.bytes ??= this.read());
  }
}

interface Entry {
  version: Promise<OtherLanguageVersion | null>;
  size: number;
}

/** Recently seen versions in languages other than Python, by language and content id. */
export class OtherLanguageScopes {
  private readonly entries = new Map<string, Entry>();
  private size = 0;

  /** The cached version with content id `id`, if any, without reading anything. */
  peek(id: string | null, language: OtherLanguage): Promise<OtherLanguageVersion | null> | null {
    return id === null ? null : (this.entries.get(`${language}\0${id}`)?.version ?? null);
  }

  /** The version with content id `id` (null: unknown, so not kept), read now. */
  get(id: string | null, language: OtherLanguage, read: ReadBytes): Promise<OtherLanguageVersion | null> {
    return this.getOrCreate(id, language, (onSize) =>
      read().then((bytes) => {
        if (bytes === null) return null;
        onSize(bytes.length);
        const keys = language === 'yaml' ? KeyCounts.of(yamlKeyCandidates(bytes)) : null;
        return new OtherLanguageVersion(language, read, bytes, keys, onSize);
      }),
    );
  }

  /**
   * The version with content id `id`, its YAML keys derived from `known` and the lines that tell
   * them apart, read only if its index is asked for; read now when that cannot be done.
   */
  derive(id: string | null, language: OtherLanguage, read: ReadBytes, known: OtherLanguageVersion, delta: LineDelta): Promise<OtherLanguageVersion | null> {
    const keys = known.keys?.derive(delta) ?? null;
    if (keys === null) return this.get(id, language, read);
    return this.getOrCreate(id, language, (onSize) => Promise.resolve(new OtherLanguageVersion(language, read, null, keys, onSize)));
  }

  private getOrCreate(
    id: string | null,
    language: OtherLanguage,
    create: (onSize: (size: number) => void) => Promise<OtherLanguageVersion | null>,
  ): Promise<OtherLanguageVersion | null> {
    const key = id === null ? null : `${language}\0${id}`;
    const cached = key === null ? undefined : this.entries.get(key);
    if (key !== null && cached) {
      // Map keeps insertion order: moving the entry to the end makes the first one the oldest.
      this.entries.delete(key);
      this.entries.set(key, cached);
      return cached.version;
    }
    const entry: Entry = { version: Promise.resolve(null), size: 0 };
    entry.version = create((size) => key !== null && this.count(key, entry, size)).catch((error: unknown) => {
      if (key !== null) this.forget(key, entry);
      throw error;
    });
    if (key !== null) this.entries.set(key, entry);
    return entry.version;
  }

  private count(key: string, entry: Entry, size: number): void {
    if (this.entries.get(key) !== entry) return;
    entry.size += size;
    this.size += size;
    if (entry.size > (CAPACITY_BYTES * INDEX_COST) / 4) this.forget(key, entry);
    for (const [oldest, old] of this.entries) {
      if (this.size <= CAPACITY_BYTES * INDEX_COST) break;
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
