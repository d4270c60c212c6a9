import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/**
 * A dependency loaded on first use rather than at start-up: a scan whose rules all come from the
 * validated cache never parses YAML, validates a schema or diffs in JavaScript, and loading those
 * libraries costs more than the rest of a short scan's start-up.
 */
export function lazyModule<T>(name: string): () => T {
  let loaded: T | undefined;
  return () => (loaded ??= require(name) as T);
}
