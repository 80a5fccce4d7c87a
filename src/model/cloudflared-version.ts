// cloudflared's calendar versions (year.month.patch): read from an image tag or a version string,
// compared, and the releases that changed a default a deployment relies on.

export type CalendarVersion = readonly [number, number, number];

/** `2026.8.2` as numbers; null for anything else. */
export function parseVersion(text: string): CalendarVersion | null {
  const m = /^(\d{4})\.(\d{1,2})\.(\d+)$/.exec(text.trim());
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : null;
}

/** The version an image reference names: 'latest' when untagged or :latest; null for a digest or another tag. */
export function imageTagVersion(image: unknown): CalendarVersion | 'latest' | null {
  if (typeof image !== 'string' || image.includes('@')) return null;
  const tag = /:([^/:]+)$/.exec(image)?.[1];
  if (tag === undefined || tag === 'latest') return 'latest';
  return parseVersion(tag);
}

/** Negative, zero or positive as a is older than, equal to or newer than b. */
export function compareVersions(a: CalendarVersion, b: CalendarVersion): number {
  for (let i = 0; i < 3; i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

export const versionText = (v: CalendarVersion): string => v.join('.');

/** Releases that changed what a deployment gets without changing its files. */
export const BEHAVIOUR_CHANGES: readonly { since: CalendarVersion; change: string; see: string | null }[] = [
  {
    since: [2026, 4, 0],
    change: '--edge-ip-version defaults to auto (was 4): it also dials IPv6 edge addresses',
    see: 'edge-ip-version',
  },
  {
    since: [2026, 5, 0],
    change: '"tunnel run" first runs connectivity pre-checks (a CONNECTIVITY PRE-CHECKS table in the log)',
    see: null,
  },
];
