import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

/** Characters a path keeps as they are in a URI reference: RFC 3986's unreserved set, and `/`. */
const KEPT_AS_IS = /^[A-Za-z0-9\-._~/]*$/;

/**
 * A repository-relative path as a relative URI reference (RFC 3986): `/` separates segments, every
 * other byte outside the unreserved set is percent-encoded from the path's UTF-8. Sub-delimiters
 * (`!$&'()*+,;=`), which a path may hold as they are, are encoded too, and so is `:`, which in a
 * first segment would read as a scheme: some consumers decode `+` as a space.
 */
export function relativeUriReference(path: string): string {
  if (KEPT_AS_IS.test(path)) return path;
  let uri = '';
  for (const byte of Buffer.from(path, 'utf8')) {
    const char = String.fromCharCode(byte);
    uri += byte < 0x80 && KEPT_AS_IS.test(char) ? char : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return uri;
}

/** A directory as an absolute `file://` URI ending in `/`, so relative references resolve inside it. */
export function directoryFileUri(directory: string): string {
  const href = pathToFileURL(resolve(directory)).href;
  return href.endsWith('/') ? href : `${href}/`;
}
