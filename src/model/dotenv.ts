// Compose-style .env text into a map of variables. Pure: the probe reads the file and registers
// the secrets; the fix engine parses the text it re-read with the same function.

/** One `NAME=value` assignment line (an optional `export ` in front), or null. */
export function dotenvAssignment(line: string): { name: string; value: string } | null {
  const m = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_.-]*)\s*=\s*(.*)$/.exec(line);
  return m && m[1] !== undefined && m[2] !== undefined ? { name: m[1], value: m[2] } : null;
}

export function parseDotenv(text: string): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const assignment = dotenvAssignment(line);
    if (!assignment) continue;
    let value = assignment.value;
    const quoted =
      value.length >= 2 &&
      ((value.startsWith('"') && value.endsWith('"')) || (value.startsWith("'") && value.endsWith("'")));
    if (quoted) {
      value = value.slice(1, -1);
    } else {
      value = value.replace(/\s+#.*$/, '').trim();
    }
    vars[assignment.name] = value;
  }
  return vars;
}
