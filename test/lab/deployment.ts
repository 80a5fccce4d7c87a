// A deployment for the lab: a directory the CLI can read (config/mcp-proxy.yaml, data/...) and
// the Facts a direct call of gatherLiveFacts needs, built from the same values.

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Facts } from '../../src/core/facts.js';
import { baseFacts, ok, yamlFact } from '../harness/facts.js';
import { certificateFact, labDir } from './certs.js';

export interface LabDeploymentInput {
  domain: string;
  /** route key -> upstream URL */
  routes: Record<string, string>;
  caPem: string;
  certPem?: string;
  keyPem?: string;
  listenPort?: number;
  allowedIps?: string[];
  tunnelId?: string;
}

export interface LabDeployment {
  dir: string;
  configYaml: string;
  facts: Facts;
}

function proxyConfigYaml(i: LabDeploymentInput): string {
  const lines = [
    `listen_addr: ":${i.listenPort ?? 8080}"`,
    `tunnel_domain: ${i.domain}`,
    'tls:',
    '  cert_file: /data/tls.crt',
    '  key_file: /data/tls.key',
    'routes:',
  ];
  for (const [k, v] of Object.entries(i.routes)) lines.push(`  ${k}: ${v}`);
  if (i.allowedIps) {
    lines.push('upstream:', '  allowed_ips:');
    for (const c of i.allowedIps) lines.push(`    - ${c}`);
  }
  return `${lines.join('\n')}\n`;
}

export function makeLabDeployment(i: LabDeploymentInput): LabDeployment {
  const dir = labDir('deploy');
  mkdirSync(join(dir, 'config'));
  mkdirSync(join(dir, 'data'));
  const configYaml = proxyConfigYaml(i);
  writeFileSync(join(dir, 'config', 'mcp-proxy.yaml'), configYaml);
  writeFileSync(join(dir, 'data', 'ca.crt'), i.caPem);
  if (i.certPem) writeFileSync(join(dir, 'data', 'tls.crt'), i.certPem);
  if (i.keyPem) writeFileSync(join(dir, 'data', 'tls.key'), i.keyPem, { mode: 0o644 });
  writeFileSync(join(dir, 'data', 'tunnel-domain'), `${i.domain}\n`);
  if (i.tunnelId) writeFileSync(join(dir, 'data', 'tunnel-id'), `${i.tunnelId}\n`);
  const facts = baseFacts({
    offline: false,
    now: new Date().toISOString(),
    deployment: { dir, layout: 'none', generation: 'mcp-proxy' },
    proxyConfig: yamlFact(join(dir, 'config', 'mcp-proxy.yaml'), configYaml),
    caCert: certificateFact(join(dir, 'data', 'ca.crt'), i.caPem),
    assignedDomain: ok(join(dir, 'data', 'tunnel-domain'), i.domain),
  });
  return { dir, configYaml, facts };
}
