// Matching a hostname against a certificate's DNS names the way TLS clients do (RFC 6125
// §6.4.3, as Go's crypto/x509 implements it): case-insensitive, a trailing dot ignored, and a
// wildcard only as the whole left-most label, standing for exactly one non-empty label.

function normalize(name: string): string {
  return name.trim().toLowerCase().replace(/\.$/, '');
}

/**
 * Why a DNS SAN pattern can match nothing, or null when it is usable. Partial wildcards
 * (`w*.example.com`), wildcards below the left-most label and wildcards directly on a top-level
 * or two-label name (`*.com`, `*.co`) are refused by clients.
 */
export function wildcardProblem(pattern: string): string | null {
  const p = normalize(pattern);
  if (!p.includes('*')) return null;
  const labels = p.split('.');
  if (labels.slice(1).some((l) => l.includes('*'))) return 'a wildcard is only allowed as the left-most label';
  if (labels[0] !== '*') return 'a partial wildcard (like w*.example.com) is not honoured; use *.<domain>';
  if (labels.length < 3) return 'a wildcard directly on a top-level or two-label domain is refused by clients';
  if (labels.slice(1).some((l) => l === '')) return 'it has an empty label';
  return null;
}

export function dnsNameMatches(pattern: string, host: string): boolean {
  const p = normalize(pattern);
  const h = normalize(host);
  if (p === '' || h === '' || h.includes('*')) return false;
  if (!p.includes('*')) return p === h;
  if (wildcardProblem(p) !== null) return false;
  const pl = p.split('.');
  const hl = h.split('.');
  if (pl.length !== hl.length || hl[0] === '') return false;
  return pl.slice(1).every((label, i) => label === hl[i + 1]);
}

/** The first DNS name that covers `host`, or null. */
export function coveringName(names: readonly string[], host: string): string | null {
  return names.find((n) => dnsNameMatches(n, host)) ?? null;
}
