/**
 * Control characters (C0, DEL, C1) and the bidirectional overrides used in "Trojan Source" attacks.
 * Any of them in a file name, commit subject or diff line could move the cursor, recolour or hide
 * text on the engineer's terminal, so they are shown as escapes instead.
 */
const UNSAFE = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/gu;

/** Text from the scanned repository, made safe to print to a terminal. Tabs become spaces. */
export function terminalSafe(text: string): string {
  return text.replace(/\t/g, '    ').replace(UNSAFE, (char) => {
    const code = char.codePointAt(0) ?? 0;
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u{${code.toString(16)}}`;
  });
}
