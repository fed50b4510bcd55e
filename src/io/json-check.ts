/**
 * Structure checks for JSON text (browser-safe). `JSON.parse` silently keeps the last of duplicate keys, and it
 * builds arbitrarily deep values (slowly: 0.3 s for 100,000 levels) that overflow the stack of any code walking them
 * recursively; file loaders refuse both. One linear pass over the text, stopping at the first problem, so it runs
 * before `JSON.parse`; on text that is not JSON it returns something harmless and `JSON.parse` reports the error.
 */

/** The first duplicate key or too-deep nesting in JSON text, described; null when there is none. */
export function jsonStructureProblem(text: string, maxDepth: number): string | null {
  // One frame per open object or array: the keys seen so far (objects) or null (arrays).
  const frames: (Set<string> | null)[] = [];
  let expectKey = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      const start = i;
      let escaped = false;
      for (i++; i < text.length && text.charCodeAt(i) !== 0x22; i++) {
        if (text.charCodeAt(i) === 0x5c /* \ */) {
          escaped = true;
          i++;
        }
      }
      const keys = frames[frames.length - 1];
      if (expectKey && keys) {
        const raw = text.slice(start, i + 1);
        const key = escaped ? decodeString(raw) : raw.slice(1, -1);
        if (keys.has(key)) return `key ${JSON.stringify(key)} appears twice in one object (second time at character ${start})`;
        keys.add(key);
        expectKey = false;
      }
    } else if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      if (frames.length >= maxDepth) return `values are nested deeper than ${maxDepth} levels (at character ${i})`;
      const isObject = c === 0x7b;
      frames.push(isObject ? new Set() : null);
      expectKey = isObject;
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      frames.pop();
      expectKey = false;
    } else if (c === 0x2c /* , */) {
      expectKey = frames[frames.length - 1] !== null;
    }
  }
  return null;
}

function decodeString(raw: string): string {
  try {
    return JSON.parse(raw) as string;
  } catch {
    return raw; // not JSON: JSON.parse will say so
  }
}
