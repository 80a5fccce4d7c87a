// What `mcp-tunnel __in-namespace <task>` can do inside another network namespace (entered by
// src/probes/network-namespace.ts): each task takes the JSON payload the parent sent and the time
// it has, and answers with plain JSON data. Tasks are probes: a failure is an answer, not a throw.

import { probeTcp } from './tcp-connect.js';

export type NamespaceTask = (payload: unknown, timeoutMs: number) => Promise<unknown>;

function field(payload: unknown, name: string): unknown {
  return typeof payload === 'object' && payload !== null ? (payload as Record<string, unknown>)[name] : undefined;
}

/** {host, port} -> the probeTcp outcome: does anything accept connections there, seen from inside? */
async function tcpConnect(payload: unknown, timeoutMs: number): Promise<unknown> {
  const host = field(payload, 'host');
  const port = field(payload, 'port');
  if (typeof host !== 'string' || typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535)
    throw new Error('tcp-connect needs {host: string, port: 1-65535}');
  return probeTcp(host, port, timeoutMs);
}

export const NAMESPACE_TASKS: Readonly<Record<string, NamespaceTask>> = {
  'tcp-connect': tcpConnect,
};
