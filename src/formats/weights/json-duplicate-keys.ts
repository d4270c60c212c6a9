/**
 * Keys that appear twice in one object of a JSON text, as `outer.inner` paths. JSON.parse keeps the
 * last of two equal keys silently, while other readers keep the first: a safetensors header with a
 * tensor named twice can show one tensor to a reviewer's tool and load another. Keys are compared
 * decoded, so `"a"` and `"\u0061"` are the same key. The text must already be valid JSON.
 */
export function findDuplicateJsonKeys(text: string): string[] {
  const duplicates: string[] = [];
  /** One frame per open object or array; `keys` is null for arrays. */
  const frames: Array<{ keys: Set<string> | null; expectingKey: boolean; lastKey: string }> = [];
  for (let index = 0; index < text.length; index++) {
    const char = text.charCodeAt(index);
    const top = frames[frames.length - 1];
    if (char === QUOTE) {
      const end = endOfString(text, index);
      if (top?.keys && top.expectingKey) {
        const key = JSON.parse(text.slice(index, end + 1)) as string;
        if (top.keys.has(key)) duplicates.push(pathOf(frames, key));
        top.keys.add(key);
        top.lastKey = key;
        top.expectingKey = false;
      }
      index = end;
    } else if (char === OPEN_BRACE) {
      frames.push({ keys: new Set(), expectingKey: true, lastKey: '' });
    } else if (char === OPEN_BRACKET) {
      frames.push({ keys: null, expectingKey: false, lastKey: '' });
    } else if (char === CLOSE_BRACE || char === CLOSE_BRACKET) {
      frames.pop();
    } else if (char === COMMA && top?.keys) {
      top.expectingKey = true;
    }
  }
  return duplicates;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const COMMA = 0x2c;

/** Index of the quote that closes the string opening at `start`. */
function endOfString(text: string, start: number): number {
  let index = start + 1;
  for (;;) {
    const quote = text.indexOf('"', index);
    if (quote < 0) return text.length - 1;
    let backslashes = 0;
    while (text.charCodeAt(quote - 1 - backslashes) === BACKSLASH) backslashes++;
    if (backslashes % 2 === 0) return quote;
    index = quote + 1;
  }
}

function pathOf(frames: ReadonlyArray<{ keys: Set<string> | null; lastKey: string }>, key: string): string {
  const outer = frames.slice(0, -1).filter((frame) => frame.keys !== null).map((frame) => frame.lastKey);
  return [...outer, key].join('.');
}
