// cloudflared's command line as a Compose file gives it: the entrypoint and command, ${VAR}s
// expanded, a shell's -c script unwrapped, and the value of a flag in either of its spellings.

import { basename } from 'node:path';
import { shellWords, type ComposeService } from './compose.js';
import { interpolate } from './interpolate.js';

/** One word of cloudflared's command line, and the Compose key it was written at. */
export interface CloudflaredArg {
  value: string;
  key: string;
}

/** The argv cloudflared really runs: entrypoint (the image's is "cloudflared --no-autoupdate") plus command, shells unwrapped. */
export function effectiveArgs(cf: ComposeService, vars: Record<string, string>): CloudflaredArg[] {
  const part = (field: 'entrypoint' | 'command'): CloudflaredArg[] => {
    const v = cf.spec[field];
    const key = `services.${cf.name}.${field}`;
    if (typeof v === 'string') return shellWords(v).map((value) => ({ value, key }));
    if (Array.isArray(v)) return v.map((x, i) => ({ value: String(x), key: `${key}.${i}` }));
    return [];
  };
  let args = [...part('entrypoint'), ...part('command')].map((a) => ({
    ...a,
    value: interpolate(a.value, vars).value,
  }));
  const program = args[0]?.value ?? '';
  const shell =
    args.length >= 3 && /^(sh|bash|ash|dash)$/.test(basename(program)) ? args.findIndex((a) => a.value === '-c') : -1;
  const script = shell > 0 ? args[shell + 1] : undefined;
  if (script) args = shellWords(script.value).map((value) => ({ value, key: script.key }));
  while (args[0] && basename(args[0].value) === 'cloudflared') args = args.slice(1);
  return args;
}

/** The value of the first of these flags (--name value or --name=value), or null when none is given. */
export function flagValue(args: CloudflaredArg[], names: string[]): CloudflaredArg | null {
  for (const [i, arg] of args.entries()) {
    const m = /^--?([a-z-]+)(?:=(.*))?$/s.exec(arg.value);
    if (!m || !names.includes(m[1] ?? '')) continue;
    if (m[2] !== undefined) return { value: m[2], key: arg.key };
    const next = args[i + 1];
    if (next) return { value: next.value, key: next.key };
  }
  return null;
}

/** The value of a flag in a running container's argv (ContainerFacts.argv), or null. */
export function argvFlag(argv: readonly string[], names: string[]): string | null {
  return (
    flagValue(
      argv.map((value) => ({ value, key: 'argv' })),
      names,
    )?.value ?? null
  );
}
