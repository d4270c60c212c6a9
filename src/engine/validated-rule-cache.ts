import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';

/** A rule document that passed validation when the cache was built: its value and starting line. */
export interface ValidatedDocument {
  readonly value: unknown;
  readonly line: number;
}

/** Built next to the compiled code by `npm run build` (see write-rule-cache.ts). */
export const RULE_CACHE_URL = new URL('../validated-rules.json', import.meta.url);

interface CacheFile {
  readonly format: 1;
  /** Digest of the rule schema the documents were validated against. */
  readonly schema: string;
  readonly documents: Record<string, ValidatedDocument[]>;
}

export function digestText(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/**
 * Rule texts already parsed and validated, by the sha256 of their content: parsing YAML and
 * compiling the schema validator cost more at start-up than the rest of a small scan. A text whose
 * digest is not in the cache (an edited or user rule file) is parsed and validated as usual, so the
 * cache can be missing or old without changing any result.
 */
export function loadValidatedRuleCache(
  schemaDigest: string,
  url: URL = RULE_CACHE_URL,
): ReadonlyMap<string, ValidatedDocument[]> {
  try {
    const cache = JSON.parse(readFileSync(url, 'utf8')) as CacheFile;
    if (cache.format !== 1 || cache.schema !== schemaDigest) return new Map();
    return new Map(Object.entries(cache.documents));
  } catch {
    return new Map();
  }
}
