// How the cloudflared stand-in's simulated edge answers (STANDIN_EDGE): one table, read by the
// stand-in and by the lab's scenarios (test/lab/docker/compose-lab.ts).

/** How the simulated edge answers: the numbers the lab's scenarios are made of. */
export const EDGE_BEHAVIOURS = {
  /** Four connections registered over QUIC. */
  healthy: { registered: 4, protocol: 'quic', refusal: null },
  /** QUIC fails, HTTP/2 registers two connections, the other two keep failing to dial. */
  degraded: { registered: 2, protocol: 'http2', refusal: null },
  /** The edge refuses the token's secret: nothing registers, cloudflared keeps retrying. */
  refused: { registered: 0, protocol: 'quic', refusal: 'Unauthorized: Invalid tunnel secret' },
} as const satisfies Record<string, { registered: number; protocol: 'quic' | 'http2'; refusal: string | null }>;
export type EdgeBehaviour = keyof typeof EDGE_BEHAVIOURS;
