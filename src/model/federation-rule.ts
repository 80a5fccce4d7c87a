// A workload identity federation rule (the JSON the API returns), read into what the checks
// compare: issuer, audience, subject prefix, claims. Pure; used by helm-values and wif-token.

import { isRecord } from './compose.js';

export interface FederationRule {
  id: string | null;
  issuerUrl: unknown;
  audience: unknown;
  subjectPrefix: unknown;
  claims: Record<string, unknown>;
  condition: unknown;
  tokenLifetimeSeconds: unknown;
  /** oauth_scope: space-separated scopes (a list is accepted too). */
  oauthScope: unknown;
  workspaceId: string | null;
  appliesToAllWorkspaces: boolean;
}

/** Helm's setup Job runs as this service account (namespace mcp-tunnel, the chart's default). */
export const HELM_SETUP_SUBJECT = 'system:serviceaccount:mcp-tunnel:mcp-tunnel-setup';
export const DEFAULT_AUDIENCE = 'api.anthropic.com';

export function readFederationRule(data: unknown): FederationRule | null {
  if (!isRecord(data)) return null;
  const match = isRecord(data.match) ? data.match : {};
  return {
    id: typeof data.id === 'string' ? data.id : null,
    issuerUrl: data.issuer_url,
    audience: match.audience,
    subjectPrefix: match.subject_prefix,
    claims: isRecord(match.claims) ? match.claims : {},
    condition: match.condition,
    tokenLifetimeSeconds: data.token_lifetime_seconds,
    oauthScope: data.oauth_scope,
    workspaceId: typeof data.workspace_id === 'string' ? data.workspace_id : null,
    appliesToAllWorkspaces: data.applies_to_all_workspaces === true,
  };
}

/** A trailing "*" makes the prefix a prefix; without it the subject must be equal. */
export function subjectMatches(sub: string, prefix: string): boolean {
  return prefix.endsWith('*') ? sub.startsWith(prefix.slice(0, -1)) : sub === prefix;
}

/**
 * Why two strings that should be byte for byte equal are not, when it is one of the usual
 * near misses; '' when they simply differ.
 */
export function nearMiss(actual: string, expected: string): string {
  const noScheme = (s: string) => s.replace(/^https?:\/\//i, '');
  const noSlash = (s: string) => s.replace(/\/+$/, '');
  if (noScheme(actual) === noScheme(expected) && actual !== expected) {
    return /^https?:\/\//i.test(actual) !== /^https?:\/\//i.test(expected)
      ? 'only one of them has the "https://" scheme; the comparison is byte for byte, so the scheme must match too'
      : 'they differ only in the scheme';
  }
  if (noSlash(actual) === noSlash(expected))
    return 'they differ only in a trailing "/"; the comparison is byte for byte, so a slash counts';
  if (noSlash(noScheme(actual)) === noSlash(noScheme(expected)))
    return 'they differ in the "https://" scheme and a trailing "/"';
  if (actual.toLowerCase() === expected.toLowerCase()) return 'they differ only in letter case';
  if (actual.trim() === expected.trim()) return 'they differ only in surrounding spaces';
  return '';
}
