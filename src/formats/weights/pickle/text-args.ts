/**
 * Decoders for the text arguments of protocol 0 opcodes, written to match what Python's unpickler
 * would produce, so a module name hidden behind escapes is resolved the way Python resolves it.
 * Each returns null where Python would refuse the pickle.
 */

const SIMPLE_ESCAPES: Readonly<Record<string, number>> = {
  '\\': 0x5c, "'": 0x27, '"': 0x22, a: 0x07, b: 0x08, f: 0x0c, n: 0x0a, r: 0x0d, t: 0x09, v: 0x0b,
};

/**
 * The STRING opcode's argument: a quoted Python 2 `str` repr (`'os'`, `"a\x41\101"`), unquoted and
 * unescaped as `codecs.escape_decode` does, then read as Latin-1 text.
 */
export function decodeQuotedString(line: Uint8Array): string | null {
  const text = Buffer.from(line).toString('latin1');
  const quote = text[0];
  if (text.length < 2 || (quote !== "'" && quote !== '"') || text[text.length - 1] !== quote) return null;
  const body = text.slice(1, -1);
  const out: number[] = [];
  for (let index = 0; index < body.length; index++) {
    const char = body[index] as string;
    if (char !== '\\' || index + 1 >= body.length) {
      if (char === '\\') return null; // a trailing lone backslash is an error in escape_decode
      out.push(char.charCodeAt(0));
      continue;
    }
    const next = body[++index] as string;
    if (next === '\n') continue;
    const simple = SIMPLE_ESCAPES[next];
    if (simple !== undefined) {
      out.push(simple);
    } else if (next === 'x') {
      const hex = body.slice(index + 1, index + 3);
      if (!/^[0-9a-fA-F]{2}$/.test(hex)) return null;
      out.push(parseInt(hex, 16));
      index += 2;
    } else if (/[0-7]/.test(next)) {
      const octal = /^[0-7]{1,3}/.exec(body.slice(index, index + 3))?.[0] ?? next;
      out.push(parseInt(octal, 8) & 0xff);
      index += octal.length - 1;
    } else {
      out.push(0x5c, next.charCodeAt(0)); // unknown escapes stay as written
    }
  }
  return Buffer.from(out).toString('latin1');
}

/**
 * The UNICODE opcode's argument, in Python's raw-unicode-escape: bytes are Latin-1 characters,
 * except that `\uXXXX` and `\UXXXXXXXX` after an odd run of backslashes are code points.
 */
export function decodeRawUnicodeEscape(line: Uint8Array): string | null {
  const text = Buffer.from(line).toString('latin1');
  let out = '';
  let index = 0;
  while (index < text.length) {
    if (text[index] !== '\\') {
      out += text[index++];
      continue;
    }
    let run = 0;
    while (text[index] === '\\') {
      run++;
      index++;
    }
    const marker = text[index];
    if (run % 2 === 0 || (marker !== 'u' && marker !== 'U')) {
      out += '\\'.repeat(run);
      continue;
    }
    out += '\\'.repeat(run - 1);
    const digits = marker === 'u' ? 4 : 8;
    const hex = text.slice(index + 1, index + 1 + digits);
    if (hex.length !== digits || !/^[0-9a-fA-F]+$/.test(hex)) return null;
    const codePoint = parseInt(hex, 16);
    if (codePoint > 0x10ffff) return null;
    out += String.fromCodePoint(codePoint);
    index += 1 + digits;
  }
  return out;
}

/** The decimal argument of GET and PUT, as Python's `int()` reads it; null when it is not one. */
export function decodeDecimal(line: Uint8Array): number | null {
  const text = Buffer.from(line).toString('latin1').trim();
  if (!/^[+-]?\d{1,15}$/.test(text)) return null;
  return Number(text);
}

/** UTF-8 text, or null when the bytes are not valid UTF-8 (Python would refuse them). */
export function decodeUtf8(bytes: Uint8Array): string | null {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    return null;
  }
}
