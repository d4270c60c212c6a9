/** The first line of every Git LFS pointer (spec v1), newline included. */
export const LFS_VERSION_LINE = 'version https://git-lfs.github.com/spec/v1\n';

/** git-lfs never treats a blob of this size or more as a pointer. */
export const MAX_LFS_POINTER_BYTES = 1024;

/** What a Git LFS pointer stands for. */
export interface LfsPointer {
  /** `sha256:` and 64 lowercase hex digits: the sha256 of the real file. */
  readonly oid: string;
  /** Size of the real file in bytes. */
  readonly size: number;
}

const KEY = /^[a-z0-9.-]+$/;
const OID = /^sha256:[0-9a-f]{64}$/;
const SIZE = /^(0|[1-9][0-9]*)$/;

/**
 * Parses a pointer strictly by the spec: the version line first, then `key value` lines sorted by
 * key with no repeats, each ending in a newline, among them `oid sha256:<64 hex>` and `size <int>`.
 * Anything else (a CRLF, a blank line, an uppercase digest, a missing final newline) is not a
 * pointer, because git-lfs would not treat it as one either. Returns null when it is not one.
 */
export function parseLfsPointer(text: string): LfsPointer | null {
  if (text.length >= MAX_LFS_POINTER_BYTES || !text.startsWith(LFS_VERSION_LINE) || !text.endsWith('\n')) return null;
  const lines = text.slice(LFS_VERSION_LINE.length, -1).split('\n');
  const values = new Map<string, string>();
  let previousKey = '';
  for (const line of lines) {
    const space = line.indexOf(' ');
    if (space <= 0) return null;
    const key = line.slice(0, space);
    const value = line.slice(space + 1);
    if (!KEY.test(key) || key <= previousKey || key === 'version' || value.includes('\r')) return null;
    values.set(key, value);
    previousKey = key;
  }
  const oid = values.get('oid');
  const size = values.get('size');
  if (oid === undefined || size === undefined || !OID.test(oid) || !SIZE.test(size)) return null;
  const sizeNumber = Number(size);
  return Number.isSafeInteger(sizeNumber) ? { oid, size: sizeNumber } : null;
}

/** Whether these bytes (a whole file version) are a Git LFS pointer. */
export function isLfsPointer(bytes: Uint8Array): boolean {
  if (bytes.length >= MAX_LFS_POINTER_BYTES) return false;
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return false;
  }
  return parseLfsPointer(text) !== null;
}

/** How a pointer changed; both oids are carried so the report can name both objects. */
export interface LfsPointerChange {
  readonly oldOid: string | null;
  readonly newOid: string | null;
  readonly oldSize: number | null;
  readonly newSize: number | null;
}

/** The change between two pointers (null for a side that is missing or is not a pointer), or null if none. */
export function diffLfsPointers(before: LfsPointer | null, after: LfsPointer | null): LfsPointerChange | null {
  if (before?.oid === after?.oid && before?.size === after?.size) return null;
  return {
    oldOid: before?.oid ?? null,
    newOid: after?.oid ?? null,
    oldSize: before?.size ?? null,
    newSize: after?.size ?? null,
  };
}
