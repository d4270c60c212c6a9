import { findPythonScopes, type PythonScopeIndex } from '../formats/python-scopes.js';
import { OtherLanguageScopes } from './other-language-scopes.js';
import { DeclaredNameCounts, declaredNames, type DeclaredName, type LineDelta } from './declared-names.js';

export { declaredNames } from './declared-names.js';

/**
 * Bytes of file versions kept (text and index grow with them): one commit's new version is usually
 * the next one's old version, so a small window catches nearly all reuse, even for large trainers.
 */
const CAPACITY_BYTES = 8 * 1024 * 1024;

/** A file version's scopes: the names it declares (cheap) and the full index (built on first use). */
export interface ScopedFile {
  /** Every def and class name in the file, once each, and possibly a few from inside strings. */
  readonly declared: readonly DeclaredName[];
  /** The version's index; null when its content is not there to read (not text, too large). */
  index(): Promise<PythonScopeIndex | null>;
  /**
   * Builds this file's index by forking `other`'s, when `other` has one and this file has none yet;
   * the two files must be identical in their first `sharedLines` lines.
   */
  deriveIndexFrom(other: ScopedFile, sharedLines: number): Promise<void>;
  readonly hasIndex: boolean;
}

type ReadBytes = () => Promise<Buffer | null>;

interface Entry {
  file: Promise<ScopedFile | null>;
  size: number;
}

/**
 * Remembers the scopes of recently seen file contents by content id, so a file edited in many
 * commits is read and parsed once per version rather than twice. The full index is only built when
 * a declared name could match: most files declare no reward or grader function at all. A version
 * whose names can be derived from another version's and the diff between them is not even read
 * until its index is needed.
 */
export class ScopeCache {
  private readonly entries = new Map<string, Entry>();
  private size = 0;
  /** Versions of files in other languages, whose indexes are built whole. */
  readonly others = new OtherLanguageScopes();

  /** The version with content id `id` (null: unknown, so not cached), read now. */
  get(id: string | null, read: ReadBytes): Promise<ScopedFile | null> {
    return this.getOrCreate(id, (entry) =>
      read().then((bytes) => {
        if (bytes === null) return null;
        return new CachedVersion(DeclaredNameCounts.of(declaredNames(bytes)), read, bytes, (size) => this.grow(id, entry, size));
      }),
    );
  }

  /**
   * The version with content id `id`, its names derived from `known` (another version) and the lines
   * that tell them apart; its bytes are read only if its index is asked for. Falls back to reading
   * it now when the delta does not fit `known`.
   */
  derive(id: string | null, read: ReadBytes, known: ScopedFile, delta: LineDelta): Promise<ScopedFile | null> {
    const counts = known instanceof CachedVersion ? known.counts.derive(delta) : null;
    if (counts === null) return this.get(id, read);
    return this.getOrCreate(id, (entry) => Promise.resolve(new CachedVersion(counts, read, null, (size) => this.grow(id, entry, size))));
  }

  /** The entry for `id` if one is cached (loaded or loading), without reading anything. */
  peek(id: string | null): Promise<ScopedFile | null> | null {
    return id === null ? null : (this.entries.get(id)?.file ?? null);
  }

  private getOrCreate(id: string | null, create: (entry: Entry) => Promise<ScopedFile | null>): Promise<ScopedFile | null> {
    const entry: Entry = { file: Promise.resolve(null), size: 0 };
    if (id === null) return create(entry);
    const cached = this.entries.get(id);
    if (cached) {
      // Refresh its place: Map keeps insertion order, so the first key is the least recently used.
      this.entries.delete(id);
      this.entries.set(id, cached);
      return cached.file;
    }
    // In the map before `create` runs, so the sizes it reports are counted.
    this.entries.set(id, entry);
    entry.file = create(entry).catch((error: unknown) => {
      // A failed read is not remembered: the next change asks again (and fails on its own).
      this.forget(id, entry);
      throw error;
    });
    return entry.file;
  }

  /** Counts `size` more bytes against `entry`, while it is still the cached one for `id`. */
  private grow(id: string | null, entry: Entry, size: number): void {
    if (id === null || this.entries.get(id) !== entry) return;
    entry.size += size;
    this.size += size;
    this.evict();
  }

  /** Drops `entry` (after a failed read), while it is still the cached one for `id`. */
  private forget(id: string | null, entry: Entry): void {
    if (id === null || this.entries.get(id) !== entry) return;
    this.entries.delete(id);
    this.size -= entry.size;
  }

  private evict(): void {
    for (const [id, entry] of this.entries) {
      if (this.size <= CAPACITY_BYTES || this.entries.size <= 1) return;
      this.entries.delete(id);
      this.size -= entry.size;
    }
  }
}

/** One file version: its declared names, and its bytes and index once something needs them. */
class CachedVersion implements ScopedFile {
  readonly counts: DeclaredNameCounts;
  private bytes: Promise<Buffer | null> | null;
  private built: PythonScopeIndex | null = null;
  private readonly read: ReadBytes;
  private readonly onSize: (size: number) => void;

  constructor(counts: DeclaredNameCounts, read: ReadBytes, bytes: Buffer | null, onSize: (size: number) => void) {
    this.counts = counts;
    this.read = read;
    this.onSize = onSize;
    this.bytes = bytes === null ? null : Promise.resolve(bytes);
    onSize(counts.approximateBytes + (bytes === null ? 0 : bytesCost(bytes)));
  }

  get declared(): readonly DeclaredName[] {
    return this.counts.names;
  }

  get hasIndex(): boolean {
    return this.built !== null;
  }

  async index(): Promise<PythonScopeIndex | null> {
    if (this.built) return this.built;
    const bytes = await this.loadBytes();
    // Indexed only when a declared name could match, and then decoded a line at a time as far as needed.
    if (bytes !== null) this.built ??= findPythonScopes(bytes);
    return this.built;
  }

  async deriveIndexFrom(other: ScopedFile, sharedLines: number): Promise<void> {
    if (this.built !== null || !other.hasIndex || sharedLines <= 0) return;
    const [bytes, otherIndex] = await Promise.all([this.loadBytes(), other.index()]);
    if (bytes !== null && otherIndex !== null) this.built ??= otherIndex.forkFor(bytes, sharedLines);
  }

  private loadBytes(): Promise<Buffer | null> {
    if (this.bytes) return this.bytes;
    const loading = this.read().then(
      (bytes) => {
        if (bytes !== null) this.onSize(bytesCost(bytes));
        return bytes;
      },
      (error: unknown) => {
        // Not remembered: a later request reads again.
        if (this.bytes === loading) this.bytes = null;
        throw error;
      },
    );
    this.bytes = loading;
    return loading;
  }
}

/** The bytes, and about as much again for the lines and scopes an index keeps. */
function bytesCost(bytes: Buffer): number {
  return bytes.length * 2;
}
