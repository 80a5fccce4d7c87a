// Compose-style variable expansion: ${VAR}, ${VAR:-default}, ${VAR-default}, $VAR and $$.
// Pure: the variables are passed in.

export interface Expansion {
  value: string;
  /** Variables that were referenced but not set (and had no default). */
  unset: string[];
}

export function interpolate(input: string, vars: Readonly<Record<string, string | undefined>>): Expansion {
  const unset: string[] = [];
  const value = input.replace(
    /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g,
    (match, braced, op, arg, bare) => {
      if (match === '$$') return '$';
      const name = (braced ?? bare) as string;
      const v = vars[name];
      if (op === ':-') return v === undefined || v === '' ? arg : v;
      if (op === '-') return v === undefined ? arg : v;
      if (v === undefined) {
        unset.push(name);
        return '';
      }
      return v;
    },
  );
  return { value, unset };
}

/** Names referenced by ${VAR} or $VAR in a string. */
export function referencedVariables(input: string): string[] {
  const names = new Set<string>();
  for (const m of input.matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)|\$([A-Za-z_][A-Za-z0-9_]*)/g))
    names.add(m[1] ?? m[2] ?? '');
  return [...names];
}
