import { findPythonScopes, type CodeScope, type PythonScopeIndex } from '../formats/python-scopes.js';

/**
 * Bytes of file versions kept (text and index grow with them): one commit's new version is usually
 * the next one's old version, so a small window catches nearly all reuse, even for large trainers.
 */
const CAPACITY_BYTES = 24 * 1024 * 1024;

const IDENTIFIER = /[\p{L}_][\p{L}\p{N}_]*/uy;
const KEYWORDS = [
  [Buffer.from('def'), 'function'],
  [Buffer.from('class'), 'class'],
] as const;

/** A file version's scopes: the names it declares (cheap) and the full index (built on first use). */
export interface ScopedFile {
  /** Every def and class name in the file, and possibly a few from inside strings. */
  readonly declared: ReadonlyArray<Pick<CodeScope, 'kind' | 'name'>>;
  index(): PythonScopeIndex;
  /**
   * Builds this file's index by forking `other`'s, when `other` has one and this file has none yet;
   * the two files must be identical in their first `sharedLines` lines.
   */
  deriveIndexFrom(other: ScopedFile, sharedLines: number): void;
  readonly hasIndex: boolean;
}

/**
 * Remembers the scopes of recently seen file contents by content id, so a file edited in many
 * commits is read and parsed once per version rather than twice. The full index is only built when
 * a declared name could match: most files declare no reward or grader function at all.
 */
export class ScopeCache {
  private readonly entries = new Map<string, { file: Promise<ScopedFile | null>; size: number }>();
  private size = 0;

  get(id: string | null, read: () => Promise<Buffer | null>): Promise<ScopedFile | null> {
    if (id === null) return read().then(scopedFile);
    const cached = this.entries.get(id);
    if (cached) {
      // Refresh its place: Map keeps insertion order, so the first key is the least recently used.
      this.entries.delete(id);
      this.entries.set(id, cached);
      return cached.file;
    }
    const entry = { file: Promise.resolve<ScopedFile | null>(null), size: 0 };
    entry.file = read().then(
      (bytes) => {
        if (this.entries.get(id) === entry) {
          // The bytes, and about as much again for the lines and scopes an index keeps.
          entry.size = (bytes?.length ?? 0) * 2;
          this.size += entry.size;
          this.evict();
        }
        return scopedFile(bytes);
      },
      (error: unknown) => {
        // A failed read is not remembered: the next change asks again (and fails on its own).
        if (this.entries.get(id) === entry) this.entries.delete(id);
        throw error;
      },
    );
    this.entries.set(id, entry);
    return entry.file;
  }

  /** The entry for `id` if one is cached (loaded or loading), without reading anything. */
  peek(id: string | null): Promise<ScopedFile | null> | null {
    return id === null ? null : (this.entries.get(id)?.file ?? null);
  }

  private evict(): void {
    for (const [id, entry] of this.entries) {
      if (this.size <= CAPACITY_BYTES || this.entries.size <= 1) return;
      this.entries.delete(id);
      this.size -= entry.size;
    }
  }
}

function scopedFile(bytes: Buffer | null): ScopedFile | null {
  if (bytes === null) return null;
  const declared = declaredNames(bytes);
  let index: PythonScopeIndex | null = null;
  // Indexed only when a declared name could match, and then decoded a line at a time as far as needed.
  return {
    declared,
    index: () => (index ??= findPythonScopes(bytes)),
    deriveIndexFrom(other, sharedLines) {
      if (index === null && other.hasIndex && sharedLines > 0) index = other.index().forkFor(bytes, sharedLines);
    },
    get hasIndex() {
      return index !== null;
    },
  };
}

/**
 * Every name after `def` or `class` at the start of a line (after indentation and an optional
 * `async`); a superset of the real scopes, since strings are not excluded. Works on the raw bytes
 * with indexOf, so a file version that declares nothing of interest is never decoded.
 */
export function declaredNames(bytes: Buffer): Array<Pick<CodeScope, 'kind' | 'name'>> {
  const declared: Array<Pick<CodeScope, 'kind' | 'name'>> = [];
  for (const [keyword, kind] of KEYWORDS) {
    for (let at = bytes.indexOf(keyword); at !== -1; at = bytes.indexOf(keyword, at + keyword.length)) {
      let after = at + keyword.length;
      if (bytes[after] !== SPACE && bytes[after] !== TAB) continue;
      if (!startsLogicalLine(bytes, at)) continue;
      while (bytes[after] === SPACE || bytes[after] === TAB) after++;
      let end = after;
      // ASCII letters, digits, underscore, and any byte of a multi-byte UTF-8 character.
      while (end < bytes.length && isIdentifierByte(bytes[end] as number)) end++;
      IDENTIFIER.lastIndex = 0;
      const name = IDENTIFIER.exec(bytes.toString('utf8', after, end));
      if (name) declared.push({ kind, name: name[0] });
    }
  }
  return declared;
}

const SPACE = 0x20;
const TAB = 0x09;
const ASYNC = Buffer.from('async');

function isIdentifierByte(byte: number): boolean {
  return (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5a) || (byte >= 0x61 && byte <= 0x7a) || byte === 0x5f || byte >= 0x80;
}

/** True when only indentation, and perhaps `async`, stands between the line start and `at`. */
function startsLogicalLine(bytes: Buffer, at: number): boolean {
  let i = at - 1;
  while (i >= 0 && (bytes[i] === SPACE || bytes[i] === TAB)) i--;
  if (i >= 4 && i < at - 1 && bytes.compare(ASYNC, 0, 5, i - 4, i + 1) === 0) {
    const before = i - 5;
    if (before < 0 || bytes[before] === 0x0a || bytes[before] === SPACE || bytes[before] === TAB) {
      i = before;
      while (i >= 0 && (bytes[i] === SPACE || bytes[i] === TAB)) i--;
    }
  }
  return i < 0 || bytes[i] === 0x0a || bytes[i] === 0x0d || bytes[i] === 0x0c;
}
