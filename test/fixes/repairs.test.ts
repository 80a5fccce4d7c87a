// Each repair end to end, as `doctor --fix --yes` runs it: a copy of a broken example deployment,
// facts gathered and checks run, the repairs planned and applied, then facts gathered and the
// checks run again: the check that failed passes, and no other check newly fails.

import { chmodSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runFix } from '../../src/commands/fix.js';
import type { DeploymentInputs } from '../../src/probes/deployment.js';
import type { CheckResult } from '../../src/core/types.js';
import { check, copyDeployment, gather, replaceIn, sink, statusOf } from './helpers.js';
import { present } from '../helpers/present.js';

interface Repaired {
  before: CheckResult[];
  after: CheckResult[];
  output: string;
  summary: Awaited<ReturnType<typeof runFix>>;
}

async function repair(dir: string, extra: Partial<DeploymentInputs> = {}): Promise<Repaired> {
  const facts = gather(dir, extra);
  const before = check(facts);
  const s = sink();
  const summary = await runFix(facts, before, { yes: true, color: false }, s.io);
  expect(s.err()).toBe('');
  return { before, after: check(gather(dir, extra)), output: s.out(), summary };
}

const bad = (s: string) => s === 'fail' || s === 'error';

/** The check failed before with these messageIds, passes now, and nothing else got worse. */
function expectRepaired(r: Repaired, id: string, messageIds: string[]): void {
  const was = r.before.find((x) => x.id === id)!;
  expect(was.status).toBe('fail');
  expect(
    was.findings
      .filter((f) => f.severity === 'error')
      .map((f) => f.messageId)
      .sort(),
  ).toEqual([...messageIds].sort());
  expect(statusOf(r.after)[id]).toBe('pass');
  const before = statusOf(r.before);
  const newlyBad = r.after.filter((x) => bad(x.status) && !bad(present(before[x.id]))).map((x) => x.id);
  expect(newlyBad).toEqual([]);
  expect(r.after.filter((x) => bad(x.status))).toEqual([]);
  expect(r.summary.applied).toBe(r.summary.planned);
  expect(r.summary.notApplied).toBe(0);
}

const compose = (dir: string) => join(dir, 'compose.yaml');
const config = (dir: string) => join(dir, 'config', 'mcp-proxy.yaml');
const GOOD_COMMAND = 'command: tunnel --no-autoupdate run --url http://localhost:8080';

describe('cloudflared --url', () => {
  it('adds --url to a string command (broken-no-url)', async () => {
    const dir = copyDeployment('broken-no-url');
    const r = await repair(dir);
    expectRepaired(r, 'cloudflared-ingress', ['url-missing']);
    expect(readFileSync(compose(dir), 'utf8')).toBe(
      readFileSync(compose(dir) + '.bak', 'utf8').replace('command: tunnel --no-autoupdate run\n', `${GOOD_COMMAND}\n`),
    );
    expect(r.output).toContain('+    command: tunnel --no-autoupdate run --url http://localhost:8080');
  });

  it('adds --url to a list command, block or flow, right after "run"', async () => {
    const block = copyDeployment('compose-healthy');
    replaceIn(compose(block), GOOD_COMMAND, 'command:\n      - tunnel\n      - --no-autoupdate\n      - run');
    expectRepaired(await repair(block), 'cloudflared-ingress', ['url-missing']);
    expect(readFileSync(compose(block), 'utf8')).toContain(
      '      - run\n      - --url\n      - http://localhost:8080\n',
    );

    const flow = copyDeployment('compose-healthy');
    replaceIn(compose(flow), GOOD_COMMAND, 'command: ["tunnel", "--no-autoupdate", "run"]');
    expectRepaired(await repair(flow), 'cloudflared-ingress', ['url-missing']);
    expect(readFileSync(compose(flow), 'utf8')).toContain(
      'command: ["tunnel", "--no-autoupdate", "run", "--url", "http://localhost:8080"]',
    );
  });

  it.each([
    ['--url http://localhost:9090', 'url-port-mismatch', '--url http://localhost:8080'],
    ['--url https://localhost:8080', 'url-https', '--url http://localhost:8080'],
    ['--url=https://localhost:8443', 'url-https', '--url=http://localhost:8080'],
  ])('corrects %s (%s)', async (url, messageId, fixed) => {
    const dir = copyDeployment('compose-healthy');
    replaceIn(compose(dir), '--url http://localhost:8080', url);
    const r = await repair(dir);
    expectRepaired(
      r,
      'cloudflared-ingress',
      messageId === 'url-https' && url.includes('8443') ? ['url-https', 'url-port-mismatch'] : [messageId],
    );
    expect(readFileSync(compose(dir), 'utf8')).toContain(`command: tunnel --no-autoupdate run ${fixed}\n`);
  });

  it('corrects TUNNEL_URL when that is where the URL is set', async () => {
    const dir = copyDeployment('compose-healthy');
    replaceIn(compose(dir), GOOD_COMMAND, 'command: tunnel --no-autoupdate run');
    replaceIn(
      compose(dir),
      '      TUNNEL_TOKEN: ${TUNNEL_TOKEN}\n    network_mode',
      '      TUNNEL_TOKEN: ${TUNNEL_TOKEN}\n      TUNNEL_URL: https://localhost:8080\n    network_mode',
    );
    const r = await repair(dir);
    expectRepaired(r, 'cloudflared-ingress', ['url-https']);
    expect(readFileSync(compose(dir), 'utf8')).toContain('      TUNNEL_URL: http://localhost:8080\n');
  });

  it('leaves a shell-wrapped command to the user', async () => {
    const dir = copyDeployment('compose-healthy');
    replaceIn(compose(dir), GOOD_COMMAND, 'command: ["sh", "-c", "cloudflared tunnel --no-autoupdate run"]');
    const text = readFileSync(compose(dir), 'utf8');
    const r = await repair(dir);
    expect(r.summary.planned).toBe(0);
    expect(r.output).toMatch(
      /cloudflared-ingress \(url-missing\)[^\n]*\n\s+not repaired: the cloudflared command runs through a shell/,
    );
    expect(readFileSync(compose(dir), 'utf8')).toBe(text);
  });
});

describe('cloudflared network_mode', () => {
  it('points network_mode at the proxy service (broken-network-mode)', async () => {
    const dir = copyDeployment('broken-network-mode');
    expectRepaired(await repair(dir), 'cloudflared-ingress', ['network-service-unknown']);
    expect(readFileSync(compose(dir), 'utf8')).toContain('    network_mode: "service:mcp-proxy"\n');
  });

  it('adds a missing network_mode, and replaces "host"', async () => {
    const missing = copyDeployment('compose-healthy');
    replaceIn(compose(missing), '    network_mode: "service:mcp-proxy"\n', '');
    expectRepaired(await repair(missing), 'cloudflared-ingress', ['network-mode-missing']);
    expect(readFileSync(compose(missing), 'utf8')).toMatch(
      /depends_on:\n {6}- mcp-proxy\n {4}network_mode: "service:mcp-proxy"\n$/,
    );

    const host = copyDeployment('compose-healthy');
    replaceIn(compose(host), 'network_mode: "service:mcp-proxy"', 'network_mode: host');
    expectRepaired(await repair(host), 'cloudflared-ingress', ['network-host']);
    // A plain value stays plain: only the bytes that matter change.
    expect(readFileSync(compose(host), 'utf8')).toContain('    network_mode: service:mcp-proxy\n');
  });

  it('chains two repairs of the same file: --url and network_mode', async () => {
    const dir = copyDeployment('broken-no-url');
    replaceIn(compose(dir), '    network_mode: "service:mcp-proxy"\n', '');
    const r = await repair(dir);
    expectRepaired(r, 'cloudflared-ingress', ['url-missing', 'network-mode-missing']);
    expect(r.summary.applied).toBe(2);
    const text = readFileSync(compose(dir), 'utf8');
    expect(text).toContain(GOOD_COMMAND);
    expect(text).toContain('network_mode: "service:mcp-proxy"');
    // One backup per edit, the first holding the original.
    expect(
      readdirSync(dir)
        .filter((f) => f.startsWith('compose.yaml.bak'))
        .sort(),
    ).toEqual(['compose.yaml.bak', 'compose.yaml.bak.1']);
  });

  it('leaves a service with its own networks to the user', async () => {
    const dir = copyDeployment('compose-healthy');
    replaceIn(compose(dir), '    network_mode: "service:mcp-proxy"\n', '    networks: [default]\n');
    const r = await repair(dir);
    expect(r.summary.planned).toBe(0);
    expect(r.output).toContain('not repaired: the cloudflared service sets networks');
  });
});

describe('routes as a map', () => {
  it('rewrites the list of broken-routes-list, keeping order', async () => {
    const dir = copyDeployment('broken-routes-list');
    const r = await repair(dir);
    expectRepaired(r, 'proxy-config', ['routes-is-list']);
    expect(readFileSync(config(dir), 'utf8')).toBe(
      readFileSync(join(copyDeployment('compose-healthy'), 'config', 'mcp-proxy.yaml'), 'utf8'),
    );
  });

  it('keeps every comment and the key order of a commented list', async () => {
    const dir = copyDeployment('broken-routes-list');
    replaceIn(
      config(dir),
      'routes:\n  - mcp: http://10.20.0.15:8080\n',
      '# where requests go\nroutes:\n  # the main server\n  - mcp: http://10.20.0.15:8080   # primary\n  # sign-in\n',
    );
    replaceIn(
      config(dir),
      '  - wiki: http://172.20.1.7:3000',
      '  - name: wiki\n    url: "http://172.20.1.7:3000"  # team wiki',
    );
    const r = await repair(dir);
    expectRepaired(r, 'proxy-config', ['routes-is-list']);
    const text = readFileSync(config(dir), 'utf8');
    expect(text).toContain(
      '# where requests go\nroutes:\n  # the main server\n  mcp: http://10.20.0.15:8080   # primary\n  # sign-in\n  auth: http://192.168.10.4:9000\n  wiki: http://172.20.1.7:3000  # team wiki\n',
    );
    expect([...text.matchAll(/^\s*(\w+): http/gm)].map((m) => m[1])).toEqual(['mcp', 'auth', 'wiki']);
  });

  it('rewrites gateway.config.routes in Helm values', async () => {
    const dir = copyDeployment('helm-healthy');
    const values = join(dir, 'values.yaml');
    replaceIn(
      values,
      '      mcp: http://mcp-server.tools.svc.cluster.local:8080\n      auth: http://10.96.12.40:9000',
      '      - mcp: http://mcp-server.tools.svc.cluster.local:8080\n      - auth: http://10.96.12.40:9000',
    );
    expectRepaired(await repair(dir), 'proxy-config', ['routes-is-list']);
    expect(readFileSync(values, 'utf8')).toBe(
      readFileSync(join(copyDeployment('helm-healthy'), 'values.yaml'), 'utf8'),
    );
  });
});

describe('a private range dropped from allowed_ips', () => {
  it('adds the RFC 1918 range back (Compose config)', async () => {
    const dir = copyDeployment('compose-healthy');
    writeFileSync(
      config(dir),
      `${readFileSync(config(dir), 'utf8')}\nupstream:\n  allowed_ips:\n    - 10.0.0.0/8     # cluster\n    - 172.16.0.0/12\n`,
    );
    const r = await repair(dir);
    expectRepaired(r, 'upstream-ip', ['ip-not-allowed']);
    expect(readFileSync(config(dir), 'utf8')).toMatch(
      / {4}- 10\.0\.0\.0\/8 {5}# cluster\n {4}- 172\.16\.0\.0\/12\n {4}- 192\.168\.0\.0\/16\n$/,
    );
  });

  it('adds it in Helm values too', async () => {
    const dir = copyDeployment('helm-healthy');
    replaceIn(join(dir, 'values.yaml'), '        - 10.0.0.0/8\n', '');
    expectRepaired(await repair(dir), 'upstream-ip', ['ip-not-allowed']);
    expect(readFileSync(join(dir, 'values.yaml'), 'utf8')).toContain(
      '        - 172.16.0.0/12\n        - 192.168.0.0/16\n        - 10.0.0.0/8\n',
    );
  });

  it('never adds a public or shared address: left to the user, the file untouched', async () => {
    for (const name of ['broken-public-upstream', 'helm-broken-public-upstream']) {
      const dir = copyDeployment(name);
      const r = await repair(dir);
      expect(r.summary.planned).toBe(0);
      expect(r.output).toMatch(
        /upstream-ip \(ip-not-allowed\)[^\n]*\n\s+not repaired: [\d.]+ is not in a private \(RFC 1918\) range/,
      );
      expect(statusOf(r.after)['upstream-ip']).toBe('fail');
      expect(readdirSync(dir, { recursive: true }).filter((f) => String(f).includes('.bak'))).toEqual([]);
    }
  });
});

describe('the audience in Helm values', () => {
  it("sets api.wif.audience to the federation rule's, scheme included", async () => {
    const dir = copyDeployment('helm-healthy');
    const rule = join(dir, 'rule.json');
    writeFileSync(
      rule,
      JSON.stringify({
        id: 'fdrl_01HZX4T9K2M8Q7R3V5W6Y8Z0AB',
        issuer_url: 'https://oidc.example.com',
        match: { audience: 'https://api.anthropic.com', subject_prefix: 'system:serviceaccount:mcp-tunnel:*' },
      }),
    );
    const r = await repair(dir, { federationRule: rule });
    expectRepaired(r, 'helm-values', ['audience-mismatch']);
    expect(readFileSync(join(dir, 'values.yaml'), 'utf8')).toContain(
      '    audience: https://api.anthropic.com\n    tokenFile:',
    );
  });
});

describe('tunnel_domain', () => {
  it('fixes TUNNEL_DOMAIN in .env when the config takes it from there (broken-wrong-domain)', async () => {
    const dir = copyDeployment('broken-wrong-domain');
    const configBefore = readFileSync(config(dir), 'utf8');
    const r = await repair(dir);
    expectRepaired(r, 'tunnel-domain', ['domain-mismatch']);
    expect(readFileSync(join(dir, '.env'), 'utf8')).toContain('TUNNEL_DOMAIN=abcd1234.tunnel.example.com\n');
    expect(readFileSync(config(dir), 'utf8')).toBe(configBefore);
    // The diff shows the .env line, never the token beside it.
    const token = readFileSync(join(dir, 'data', 'tunnel-token'), 'utf8').trim();
    expect(r.output).toContain('+TUNNEL_DOMAIN=abcd1234.tunnel.example.com');
    expect(r.output).not.toContain(token);
    expect(r.output).not.toContain(token.slice(10, 40));
  });

  it('sets a literal tunnel_domain in the config', async () => {
    const dir = copyDeployment('compose-healthy');
    replaceIn(config(dir), 'tunnel_domain: ${TUNNEL_DOMAIN}', 'tunnel_domain: "old0000.tunnel.example.com"');
    expectRepaired(await repair(dir), 'tunnel-domain', ['domain-mismatch']);
    expect(readFileSync(config(dir), 'utf8')).toContain('tunnel_domain: "abcd1234.tunnel.example.com"\n');
  });

  it('adds tunnel_domain when bare route keys have no domain', async () => {
    const dir = copyDeployment('compose-healthy');
    replaceIn(config(dir), 'tunnel_domain: ${TUNNEL_DOMAIN}\n', '');
    expectRepaired(await repair(dir), 'tunnel-domain', ['bare-keys-without-domain']);
    expect(readFileSync(config(dir), 'utf8')).toMatch(
      /^listen_addr: ":8080"\ntunnel_domain: abcd1234\.tunnel\.example\.com\nlog_level: info\n/,
    );
  });

  it("edits the proxy service's literal environment entry when that is the value", async () => {
    const dir = copyDeployment('compose-healthy');
    replaceIn(compose(dir), '      TUNNEL_DOMAIN: ${TUNNEL_DOMAIN}', '      TUNNEL_DOMAIN: old0000.tunnel.example.com');
    expectRepaired(await repair(dir), 'tunnel-domain', ['domain-mismatch']);
    expect(readFileSync(compose(dir), 'utf8')).toContain('      TUNNEL_DOMAIN: abcd1234.tunnel.example.com\n');
  });

  it('leaves a value from the shell to the user', async () => {
    const dir = copyDeployment('compose-healthy');
    const r = await repair(dir, { env: { TUNNEL_DOMAIN: 'shell0000.tunnel.example.com' } });
    expect(r.summary.planned).toBe(0);
    expect(r.output).toContain("not repaired: TUNNEL_DOMAIN is set in your shell's environment");
  });
});

describe("the private key's mode", () => {
  it('chmod 644 a key the proxy cannot read, reporting the old mode', async () => {
    const dir = copyDeployment('compose-healthy');
    const key = join(dir, 'data', 'tls.key');
    chmodSync(key, 0o600);
    const keyText = readFileSync(key, 'utf8');
    const r = await repair(dir);
    expectRepaired(r, 'private-key', ['unreadable-by-proxy']);
    expect(statSync(key).mode & 0o7777).toBe(0o644);
    expect(r.output).toContain(`$ chmod 644 ${key}`);
    expect(r.output).toContain('(was 0600; to undo: chmod 600');
    // No copy of the key anywhere: a mode change needs no backup.
    expect(readdirSync(join(dir, 'data'))).not.toContain('tls.key.bak');
    expect(readFileSync(key, 'utf8')).toBe(keyText);
    expect(r.output).not.toContain('PRIVATE KEY');
  });

  it('plans nothing for a Helm deployment (the key is a Secret mount)', async () => {
    const dir = copyDeployment('helm-healthy');
    const r = await repair(dir);
    expect(r.summary.planned).toBe(0);
  });
});

describe('the earlier naming generation (mcp-gateway, docker-compose.yml)', () => {
  const gw = (dir: string) => join(dir, 'docker-compose.yml');
  const gwConfig = (dir: string) => join(dir, 'config', 'mcp-gateway.yaml');

  it('corrects the port in a flow-list command and adds network_mode at the end of the file', async () => {
    const dir = copyDeployment('compose-gateway-healthy');
    replaceIn(gwConfig(dir), 'listen_addr: ":8080"', 'listen_addr: ":9000"');
    replaceIn(gw(dir), '    network_mode: "service:mcp-gateway"\n', '');
    const r = await repair(dir);
    expectRepaired(r, 'cloudflared-ingress', ['url-port-mismatch', 'network-mode-missing']);
    const text = readFileSync(gw(dir), 'utf8');
    expect(text).toContain('command: ["tunnel", "--no-autoupdate", "run", "--url", "http://localhost:9000"]\n');
    expect(text).toMatch(/ {6}- TUNNEL_TOKEN=\$\{TUNNEL_TOKEN\}\n {4}network_mode: "service:mcp-gateway"\n$/);
  });

  it('adds 192.168.0.0/16 back to its allowed_ips', async () => {
    const dir = copyDeployment('compose-gateway-healthy');
    replaceIn(gwConfig(dir), '    - 192.168.0.0/16\n', '');
    expectRepaired(await repair(dir), 'upstream-ip', ['ip-not-allowed']);
    expect(readFileSync(gwConfig(dir), 'utf8')).toContain('    - 172.16.0.0/12\n    - 192.168.0.0/16\n  tls:\n');
  });
});

describe('tunnel_domain in Helm values', () => {
  it('sets gateway.config.tunnel_domain to the assigned domain', async () => {
    const dir = copyDeployment('helm-healthy');
    const values = join(dir, 'values.yaml');
    replaceIn(
      values,
      '    listen_addr: ":8080"\n',
      '    listen_addr: ":8080"\n    tunnel_domain: old0000.tunnel.example.com\n',
    );
    const r = await repair(dir, { tunnelDomain: 'abcd1234.tunnel.example.com' });
    expectRepaired(r, 'tunnel-domain', ['domain-mismatch']);
    expect(readFileSync(values, 'utf8')).toContain(
      '    listen_addr: ":8080"\n    tunnel_domain: abcd1234.tunnel.example.com\n',
    );
  });
});

describe('findings without a mechanical repair', () => {
  it('lists certificate problems as work by hand and changes nothing', async () => {
    const dir = copyDeployment('broken-wrong-san');
    const r = await repair(dir);
    expect(r.summary).toMatchObject({ planned: 0, applied: 0 });
    expect(r.output).toContain('To fix by hand');
    expect(r.output).toMatch(/✖ certificate-san \(/);
    expect(statusOf(r.after)['certificate-san']).toBe('fail');
  });
});
