// The server certificate and key are read where the proxy reads them: tls.cert_file and
// tls.key_file of its config, mapped to the host through the proxy service's bind mounts.

import { cpSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { gatherStaticFacts } from '../../src/probes/deployment.js';
import { FIXTURES } from '../helpers/exec.js';

const dirs: string[] = [];
function copyHealthy(): string {
  const dir = mkdtempSync(join(tmpdir(), 'mcp-tunnel-tls-paths-'));
  dirs.push(dir);
  cpSync(join(FIXTURES, 'compose-healthy'), dir, { recursive: true });
  return dir;
}
const gather = (dir: string) =>
  gatherStaticFacts({ dir, dirExplicit: true, values: [], offline: true, env: {}, now: new Date() });
const editConfig = (dir: string, from: RegExp, to: string) => {
  const p = join(dir, 'config', 'mcp-proxy.yaml');
  writeFileSync(p, readFileSync(p, 'utf8').replace(from, to));
};

afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('server certificate and key paths', () => {
  it('default: data/tls.crt and data/tls.key', () => {
    const dir = copyHealthy();
    const f = gather(dir);
    expect(f.serverCert).toMatchObject({ state: 'ok', path: join(dir, 'data', 'tls.crt') });
    expect(f.privateKey).toMatchObject({ state: 'ok', path: join(dir, 'data', 'tls.key') });
  });

  it('follows tls.cert_file / tls.key_file under the /data mount', () => {
    const dir = copyHealthy();
    mkdirSync(join(dir, 'data', 'certs'));
    renameSync(join(dir, 'data', 'tls.crt'), join(dir, 'data', 'certs', 'server.crt'));
    renameSync(join(dir, 'data', 'tls.key'), join(dir, 'data', 'certs', 'server.key'));
    editConfig(dir, /\/data\/tls\.crt/, '/data/certs/server.crt');
    editConfig(dir, /\/data\/tls\.key/, '/data/certs/server.key');
    const f = gather(dir);
    expect(f.serverCert).toMatchObject({ state: 'ok', path: join(dir, 'data', 'certs', 'server.crt') });
    expect(f.privateKey).toMatchObject({ state: 'ok', path: join(dir, 'data', 'certs', 'server.key') });
    expect(f.caCert).toMatchObject({ state: 'ok', path: join(dir, 'data', 'ca.crt') });
  });

  it('follows a mount of its own (the deepest mount that holds the path)', () => {
    const dir = copyHealthy();
    mkdirSync(join(dir, 'tls'));
    renameSync(join(dir, 'data', 'tls.crt'), join(dir, 'tls', 'tls.crt'));
    renameSync(join(dir, 'data', 'tls.key'), join(dir, 'tls', 'tls.key'));
    const compose = join(dir, 'compose.yaml');
    writeFileSync(
      compose,
      readFileSync(compose, 'utf8').replace('- ./data:/data:ro', '- ./data:/data:ro\n      - ./tls:/data/tls:ro'),
    );
    editConfig(dir, /\/data\/tls\.crt/, '/data/tls/tls.crt');
    editConfig(dir, /\/data\/tls\.key/, '/data/tls/tls.key');
    const f = gather(dir);
    expect(f.serverCert).toMatchObject({ state: 'ok', path: join(dir, 'tls', 'tls.crt') });
    expect(f.privateKey).toMatchObject({ state: 'ok', path: join(dir, 'tls', 'tls.key') });
  });

  it('a path no bind mount holds falls back to data/', () => {
    const dir = copyHealthy();
    editConfig(dir, /\/data\/tls\.crt/, '/run/secrets/tls.crt');
    const f = gather(dir);
    expect(f.serverCert).toMatchObject({ state: 'ok', path: join(dir, 'data', 'tls.crt') });
  });
});
