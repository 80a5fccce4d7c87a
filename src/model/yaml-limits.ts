// Limits a YAML text must meet before the parser sees it. The yaml package is linear but slow
// per token (a few microseconds each, more under load), recurses once per nesting level, and
// formats each error with its context; so a 1 MiB file of `[`, of aliases or of errors took
// seconds and a gigabyte. One linear pass here refuses such a text with a plain sentence, so
// every input the loader accepts parses in well under 2 s and 200 MB. A deployment file (proxy
// config, Compose, Helm values, an OAuth document) is far inside every limit.

export const YAML_LIMITS = {
  /** Bytes of text (the files are read with a larger cap, so an oversized one is a finding). */
  maxBytes: 256 * 1024,
  maxLineBytes: 64 * 1024,
  /** Nesting levels: indentation levels, compact `- ` / `? ` entries and flow brackets together. */
  maxDepth: 64,
  /** Lines plus structural marks (flow indicators, `- `, `: `, double quotes, anchors, aliases, tags). */
  maxMarks: 20_000,
  /** Alias references (`*name`); their expansion is capped separately (maxAliasCount). */
  maxAliases: 500,
  /** Parse errors reported before the parser gives up (one is shown; the rest cost time). */
  maxErrors: 20,
};

/** Null when the text is within the limits, else why it is refused (after "is "). */
export function yamlLimitRefusal(text: string): string | null {
  const L = YAML_LIMITS;
  if (text.length > L.maxBytes)
    return `too large for a YAML document (${text.length} characters; at most ${L.maxBytes})`;
  let marks = 0;
  let aliases = 0;
  let flow = 0;
  let line = 1;
  const indents: number[] = [];
  let i = 0;
  while (i < text.length) {
    // One line: its indentation, compact entries, then its marks.
    const end = text.indexOf('\n', i) === -1 ? text.length : text.indexOf('\n', i);
    if (end - i > L.maxLineBytes)
      return `not a plausible YAML document: line ${line} is longer than ${L.maxLineBytes} characters`;
    let j = i;
    while (j < end && text.charCodeAt(j) === 32) j++;
    const blank = j === end || text[j] === '#' || text[j] === '\r';
    if (!blank && flow === 0) {
      while ((indents.at(-1) ?? -1) >= j - i) indents.pop();
      indents.push(j - i);
    }
    let compact = 0;
    while (j + 1 < end && (text[j] === '-' || text[j] === '?') && text[j + 1] === ' ') {
      compact++;
      j += 2;
      while (j < end && text.charCodeAt(j) === 32) j++;
    }
    for (let k = j; k < end; k++) {
      const c = text[k];
      const prev = k === i ? ' ' : text[k - 1];
      const next = k + 1 < end ? text[k + 1] : ' ';
      if (c === '[' || c === '{') {
        flow++;
        marks++;
      } else if (c === ']' || c === '}') {
        flow = Math.max(0, flow - 1);
        marks++;
      } else if (c === ',' || c === '"')
        marks++; // a double quote opens or closes a scalar the lexer works hard on
      else if ((c === ':' || c === '-' || c === '?') && (next === ' ' || next === '\r')) marks++;
      else if (
        (c === '*' || c === '&' || c === '!') &&
        (prev === ' ' || prev === '[' || prev === '{' || prev === ',')
      ) {
        marks++;
        if (c === '*') aliases++;
      }
      if (flow + compact + indents.length > L.maxDepth)
        return `nested deeper than ${L.maxDepth} levels (line ${line}); refused`;
    }
    if (indents.length + compact > L.maxDepth) return `nested deeper than ${L.maxDepth} levels (line ${line}); refused`;
    marks++;
    if (marks > L.maxMarks)
      return `too complex for a deployment file (more than ${L.maxMarks} lines and YAML marks); refused`;
    if (aliases > L.maxAliases) return `using more than ${L.maxAliases} YAML aliases; refused`;
    line++;
    i = end + 1;
  }
  return null;
}
