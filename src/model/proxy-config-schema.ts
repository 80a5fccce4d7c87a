// The proxy config's known keys and the small pieces of judgement around them: which key a typo
// was meant to be, whether a value is a Go duration, and how a YAML list of routes would be
// written as the map the proxy wants. Pure.

import { isRecord } from './compose.js';

/** Known keys per section ('' is the top level). The proxy ignores anything else. */
const KNOWN_KEYS: Readonly<Record<string, readonly string[]>> = {
  '': ['listen_addr', 'log_level', 'shutdown_timeout', 'tunnel_domain', 'tls', 'routes', 'upstream'],
  tls: ['cert_file', 'key_file'],
  upstream: ['allowed_ips', 'disable_ip_validation', 'tls'],
  'upstream.tls': ['ca_file', 'include_system_cas'],
};

export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;

/** Levenshtein distance (insertions, deletions, substitutions), small strings only. */
function editDistance(a: string, b: string): number {
  // One row of the distance table, over and over; a typed array reads 0 past its end, never undefined.
  const prev = Int32Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev.at(0) ?? 0;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = prev.at(j) ?? 0;
      prev[j] = Math.min(up + 1, (prev.at(j - 1) ?? 0) + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return prev.at(b.length) ?? 0;
}

/** The candidate a misspelt word most likely meant, when one is close enough to be a typo. */
export function nearestName(word: string, candidates: readonly string[]): string | null {
  const w = word.toLowerCase().replace(/-/g, '_');
  let best: { name: string; d: number } | null = null;
  for (const c of candidates) {
    const d = editDistance(w, c);
    if (!best || d < best.d) best = { name: c, d };
  }
  if (!best) return null;
  // "warning" for "warn", "cert" for "cert_file": one is the other's start.
  const prefixOf = candidates.find((c) => Math.min(c.length, w.length) >= 3 && (c.startsWith(w) || w.startsWith(c)));
  if (prefixOf && best.d > 1) return prefixOf;
  const limit = Math.max(1, Math.min(3, Math.floor(best.name.length / 3)));
  return best.d <= limit ? best.name : null;
}

export interface UnknownKey {
  /** Dotted path of the key, e.g. `tls.certfile`. */
  path: string;
  key: string;
  section: string;
  /** A known key of the same section it is close to. */
  didYouMean: string | null;
  /** The section where a key of this exact name belongs, when it sits in the wrong one. */
  belongsIn: string | null;
}

/** Every key the proxy does not know, in the sections it does know (only map sections are walked). */
export function unknownKeys(data: unknown): UnknownKey[] {
  const out: UnknownKey[] = [];
  const sectionData = (section: string): Record<string, unknown> | null => {
    let cur: unknown = data;
    for (const part of section === '' ? [] : section.split('.')) cur = isRecord(cur) ? cur[part] : undefined;
    return isRecord(cur) ? cur : null;
  };
  for (const [section, known] of Object.entries(KNOWN_KEYS)) {
    const obj = sectionData(section);
    if (!obj) continue;
    for (const key of Object.keys(obj)) {
      if (known.includes(key)) continue;
      const elsewhere = Object.entries(KNOWN_KEYS).find(
        ([s, keys]) => s !== section && keys.includes(key) && key !== 'tls',
      );
      out.push({
        path: section === '' ? key : `${section}.${key}`,
        key,
        section,
        didYouMean: elsewhere ? null : nearestName(key, known),
        belongsIn: elsewhere ? elsewhere[0] : null,
      });
    }
  }
  return out;
}

/** A Go time.ParseDuration string: "30s", "1m30s", "500ms", "0". */
export function isGoDuration(s: string): boolean {
  return s === '0' || /^[-+]?(?:(?:\d+(?:\.\d*)?|\.\d+)(?:ns|us|µs|μs|ms|s|m|h))+$/.test(s);
}

export interface RouteListConversion {
  /** The routes as a map, in list order, when every item could be read as one route. */
  map: { key: string; value: string }[] | null;
  /** Items that could not be read as `name: upstream`, by index. */
  unconvertible: number[];
}

const NAME_FIELDS = ['name', 'route', 'key', 'host', 'hostname', 'subdomain'];
const TARGET_FIELDS = ['upstream', 'url', 'target', 'backend', 'service', 'to'];

/** Read a YAML list of routes as the map it was meant to be: single-key maps, "name: url" strings, {name, url} maps. */
export function routeListToMap(items: readonly unknown[]): RouteListConversion {
  const map: { key: string; value: string }[] = [];
  const unconvertible: number[] = [];
  items.forEach((item, i) => {
    if (isRecord(item)) {
      const keys = Object.keys(item);
      const [only] = keys;
      const onlyValue = only === undefined ? undefined : item[only];
      if (keys.length === 1 && only !== undefined && typeof onlyValue === 'string') {
        map.push({ key: only, value: onlyValue });
        return;
      }
      const nameKey = keys.find((k) => NAME_FIELDS.includes(k.toLowerCase()));
      const targetKey = keys.find((k) => TARGET_FIELDS.includes(k.toLowerCase()));
      if (
        keys.length === 2 &&
        nameKey &&
        targetKey &&
        typeof item[nameKey] === 'string' &&
        typeof item[targetKey] === 'string'
      ) {
        map.push({ key: item[nameKey], value: item[targetKey] });
        return;
      }
    } else if (typeof item === 'string') {
      const [, key, value] = /^\s*([^\s:=]+)\s*(?::\s+|=\s*)(\S+)\s*$/.exec(item) ?? [];
      if (key !== undefined && value !== undefined) {
        map.push({ key, value });
        return;
      }
    }
    unconvertible.push(i);
  });
  return { map: unconvertible.length === 0 && map.length > 0 ? map : null, unconvertible };
}

/** A YAML scalar written so it reads back as the same string. */
export function yamlScalar(s: string): string {
  return /^[A-Za-z0-9_./][A-Za-z0-9_./:@[\]-]*$/.test(s) &&
    !/^(true|false|null|yes|no|on|off|~)$/i.test(s) &&
    !/^[\d.]+$/.test(s)
    ? s
    : JSON.stringify(s);
}
