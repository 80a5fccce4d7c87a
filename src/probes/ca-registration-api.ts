// The tunnel's registered CA certificates, listed through the vendor's API:
// GET {apiUrl}/v1/tunnels/{tunnelId}/certificates with the API key. The key is sent only in the
// x-api-key header and is blanked out of every message this probe returns.

import type { ApiCertificate, CaRegistrationLiveFacts } from '../core/live-facts.js';
import { httpGet } from './http-metadata.js';

export const DEFAULT_API_URL = 'https://api.anthropic.com';
const API_VERSION = '2023-06-01';
const TUNNELS_BETA = 'mcp-tunnels-2026-06-22';

export interface CaRegistrationRequest {
  apiUrl: string;
  apiKey: string;
  tunnelId: string;
  tunnelIdSource: string;
  timeoutMs: number;
  parent?: AbortSignal;
  /** ISO time used to judge expires_at (the run's clock). */
  now: string;
}

function str(v: unknown): string | null {
  return typeof v === 'string' && v !== '' ? v : null;
}

/** Read the API's answer: `{ data: [...] }` (or a bare list) of certificate objects. */
export function parseCertificateList(body: unknown, now: string): ApiCertificate[] | null {
  const list = Array.isArray(body)
    ? body
    : body && typeof body === 'object' && Array.isArray((body as { data?: unknown }).data)
      ? (body as { data: unknown[] }).data
      : null;
  if (!list) return null;
  const at = Date.parse(now);
  return list
    .filter((c): c is Record<string, unknown> => !!c && typeof c === 'object')
    .map((c) => {
      const expiresAt = str(c.expires_at);
      const archivedAt = str(c.archived_at);
      const fingerprint =
        str(c.fingerprint)
          ?.replace(/[^0-9a-fA-F]/g, '')
          .toLowerCase() ?? null;
      return {
        id: str(c.id),
        fingerprint,
        createdAt: str(c.created_at),
        expiresAt,
        archivedAt,
        active: archivedAt === null && (expiresAt === null || !(Date.parse(expiresAt) <= at)),
      };
    });
}

export async function fetchRegisteredCertificates(r: CaRegistrationRequest): Promise<CaRegistrationLiveFacts> {
  const url = `${r.apiUrl.replace(/\/+$/, '')}/v1/tunnels/${encodeURIComponent(r.tunnelId)}/certificates`;
  const res = await httpGet(url, {
    timeoutMs: r.timeoutMs,
    parent: r.parent,
    headers: { 'x-api-key': r.apiKey, 'anthropic-version': API_VERSION, 'anthropic-beta': TUNNELS_BETA },
    secrets: [r.apiKey],
  });
  const base = {
    url,
    tunnelId: r.tunnelId,
    tunnelIdSource: r.tunnelIdSource,
    latencyMs: res.latencyMs,
    httpStatus: res.status,
  };
  if (!res.ok) return { ...base, ok: false, failure: res.failure, detail: res.detail, certificates: [] };
  let body: unknown;
  try {
    body = JSON.parse(res.body.toString('utf8'));
  } catch {
    return {
      ...base,
      ok: false,
      failure: 'not-json',
      detail: `${url} answered ${res.status} with a body that is not JSON`,
      certificates: [],
    };
  }
  const certificates = parseCertificateList(body, r.now);
  if (!certificates)
    return {
      ...base,
      ok: false,
      failure: 'bad-answer',
      detail: `${url} answered ${res.status} without a "data" list of certificates`,
      certificates: [],
    };
  return { ...base, ok: true, failure: null, detail: null, certificates };
}
