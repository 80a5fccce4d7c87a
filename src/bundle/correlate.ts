// --record's correlation by ID: the lines written during the window, from every log input, are
// searched for Cloudflare ray IDs (cloudflared logs cfRay= and the Cf-Ray header; a proxy that
// logs its request headers logs it too) and request IDs (request_id, X-Request-Id). An ID seen
// in two inputs or more ties cloudflared's line to the proxy's: those are listed, with how many
// lines of each input carry it. IDs are not secrets; nothing else of the lines is kept.

export interface CorrelatedId {
  kind: 'ray' | 'request';
  id: string;
  /** Input name -> lines carrying the ID. */
  lines: Record<string, number>;
}

const RAY = /\bcf-?ray["']?\s*[:=]?\s*\[?["']?([0-9a-f]{16}(?:-[A-Z]{3})?)/gi;
const REQUEST = /\b(?:x-)?request[-_]?id["']?\s*[:=]?\s*\[?["']?([A-Za-z0-9][A-Za-z0-9._-]{7,63})/gi;

/** At most this many IDs are tracked, so a window of millions of requests stays small. */
const MAX_IDS = 10_000;

export class IdCorrelator {
  private readonly seen = new Map<string, CorrelatedId>();

  /** One line of input `source`. */
  line(source: string, text: string): void {
    for (const [kind, re] of [
      ['ray', RAY],
      ['request', REQUEST],
    ] as const) {
      for (const m of text.matchAll(re)) {
        const id = (m[1] ?? '').replace(/-[A-Z]{3}$/, '').toLowerCase();
        const key = `${kind}:${id}`;
        let entry = this.seen.get(key);
        if (!entry) {
          if (this.seen.size >= MAX_IDS) continue;
          entry = { kind, id, lines: {} };
          this.seen.set(key, entry);
        }
        entry.lines[source] = (entry.lines[source] ?? 0) + 1;
      }
    }
  }

  /** The IDs seen in two inputs or more. */
  shared(): CorrelatedId[] {
    return [...this.seen.values()].filter((e) => Object.keys(e.lines).length >= 2);
  }
}
