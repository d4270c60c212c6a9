/** How much of a file git looks at to call it binary; we look at the same amount. */
export const SNIFF_BYTES = 8000;

/** git's own test: a NUL byte in the first 8000 bytes makes a file binary. */
export function hasNulByte(bytes: Uint8Array): boolean {
  return bytes.subarray(0, SNIFF_BYTES).includes(0);
}

/**
 * True when bytes that git would call binary are nonetheless text with a few stray control bytes:
 * a NUL planted in a script to make every diff tool print "Binary files differ" instead of the edit.
 */
export function isMostlyText(bytes: Uint8Array): boolean {
  const sample = bytes.subarray(0, 64 * 1024);
  if (sample.length === 0) return true;
  let suspicious = 0;
  for (const byte of sample) {
    // Tab, newline, vertical tab, form feed, carriage return and escape occur in real text.
    if (byte < 0x20 && byte !== 0x09 && byte !== 0x0a && byte !== 0x0b && byte !== 0x0c && byte !== 0x0d && byte !== 0x1b) {
      suspicious++;
    }
  }
  return suspicious / sample.length < 0.01;
}
