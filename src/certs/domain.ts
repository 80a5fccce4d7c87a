// The tunnel domain `certs` issues for: a plain DNS hostname (the one on the tunnel's detail
// page, like abcd1234.tunnel.anthropic.com), turned into the wildcard SAN *.<domain> that covers
// every route. What people paste by mistake (a URL, a wildcard, a route's own hostname with a
// port) is refused with what to type instead.

export type DomainCheck = { ok: true; domain: string } | { ok: false; problem: string };

const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/** Normalizes (case, one trailing dot, spaces around) and validates a tunnel domain. */
export function checkTunnelDomain(input: string): DomainCheck {
  const raw = input.trim();
  if (raw === '') return { ok: false, problem: 'the tunnel domain is empty' };
  const scheme = /^[a-z][a-z0-9+.-]*:\/\/([^/?#]*)/i.exec(raw);
  if (scheme)
    return {
      ok: false,
      problem: `"${raw}" is a URL; give the bare domain (${scheme[1]?.toLowerCase() || 'without a scheme'})`,
    };
  if (raw.includes('*')) {
    const rest = raw.replace(/^\*\./, '');
    return {
      ok: false,
      problem: `"${raw}" is a wildcard; give the domain itself (${rest}): the certificate gets *.<domain> on its own`,
    };
  }
  if (/[/?#@]/.test(raw))
    return { ok: false, problem: `"${raw}" is not a bare domain (it has a path or other URL parts)` };
  if (/:\d*$/.test(raw))
    return { ok: false, problem: `"${raw}" has a port; give the domain alone (${raw.replace(/:\d*$/, '')})` };
  if (/\s/.test(raw)) return { ok: false, problem: `"${raw}" contains white space` };
  const domain = raw.toLowerCase().replace(/\.$/, '');
  if (domain.length > 251)
    return { ok: false, problem: `"${raw}" is longer than a DNS name can be once "*." is added (253 characters)` };
  const labels = domain.split('.');
  if (labels.length < 2)
    return {
      ok: false,
      problem: `"${raw}" has a single label; a tunnel domain looks like abcd1234.tunnel.anthropic.com`,
    };
  const bad = labels.find((l) => !LABEL.test(l));
  if (bad !== undefined) {
    const why =
      bad === ''
        ? 'an empty label (two dots in a row, or a leading dot)'
        : `the label "${bad}", which is not letters, digits and inner hyphens of at most 63 characters`;
    return { ok: false, problem: `"${raw}" is not a valid hostname: it has ${why}` };
  }
  if (/^\d+$/.test(labels[labels.length - 1] ?? ''))
    return { ok: false, problem: `"${raw}" is an IP address, not a domain` };
  return { ok: true, domain };
}

/** The SAN that covers every `<route>.<domain>`. */
export function wildcardFor(domain: string): string {
  return `*.${domain}`;
}
