/** How much of a file git looks at to call it binary; we look at the same amount. */
export const SNIFF_BYTES = 8000;

/** git's own test: a NUL byte in the first 8000 bytes makes a file binary. */
export function hasNulByte(bytes: Uint8Array): boolean {
  return bytes.subarray(0, SNIFF_BYTES).includes(0);
}

/**
 * Files that are source or config by name. A NUL planted in one of these (which bash skips and a
 * YAML or JSON loader may never reach) would otherwise make every diff tool print "Binary files
 * differ" instead of the edit, so such a file is always diffed as text.
 */
const TEXT_FILE =
  /\.(py|pyi|pyx|ipynb|sh|bash|zsh|fish|ps1|bat|cmd|js|mjs|cjs|ts|mts|cts|jsx|tsx|json|jsonl|yaml|yml|toml|ini|cfg|conf|env|txt|md|rst|csv|tsv|jinja|jinja2|j2|tmpl|template|html|xml|sql|r|lua|go|rs|rb|java|c|h|cc|cpp|hpp|cu|mk|cmake|gradle|properties|lock|gitignore|gitattributes)$|(^|\/)(\.?[a-z]*rc|\.profile|\.bash_[a-z]+|Makefile|Dockerfile|Procfile|LICENSE|README|CODEOWNERS)$/i;

/** Share of control bytes below which a file with NULs still counts as text. */
const MAX_CONTROL_SHARE = 0.05;

/**
 * Whether bytes should be shown as a text diff. Text without NUL bytes is text; with them, a file
 * is still text when its name says it is source or config, or when control bytes are rare.
 */
export function looksLikeText(path: string, bytes: Uint8Array): boolean {
  if (!hasNulByte(bytes)) return true;
  if (TEXT_FILE.test(path)) return true;
  return controlShare(bytes) < MAX_CONTROL_SHARE;
}

/** Share of bytes that are control characters other than the whitespace real text holds. */
export function controlShare(bytes: Uint8Array): number {
  if (bytes.length === 0) return 0;
  let control = 0;
  for (const byte of bytes) {
    // Tab, newline, vertical tab, form feed, carriage return and escape occur in real text.
    if (byte < 0x20 && (byte < 0x09 || byte > 0x0d) && byte !== 0x1b) control++;
  }
  return control / bytes.length;
}
