// How deep a JSON text nests, found by one pass over its characters before JSON.parse: the
// parsed value would later be walked by recursive code (JSON.stringify, structuredClone), which
// overflows the stack near a few thousand levels. Loaders refuse deeper texts up front.

export const MAX_JSON_DEPTH = 64;

/** True when brackets in `text` (outside strings) nest deeper than `max`. */
export function jsonNestsDeeper(text: string, max = MAX_JSON_DEPTH): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > max) return true;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return false;
}
