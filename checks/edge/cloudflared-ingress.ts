// cloudflared-ingress: in Compose, cloudflared runs "tunnel run" with a local target
// (--url http://localhost:<listen port>) and shares the proxy's network namespace, so that
// localhost inside cloudflared is the proxy.

import { basename } from 'node:path';
import { finding, judge, skip, type LegacyCheck } from '../../src/core/check.js';
import type { Facts, Location } from '../../src/core/facts.js';
import type { Finding } from '../../src/core/types.js';
import { composeServices, findCloudflaredService, findProxyService, serviceEnvironment, shellWords, volumeMounts, type ComposeService } from '../../src/model/compose.js';
import { expansionVars, locate, proxyConfigModel, whyUnusable } from '../../src/model/deployment-view.js';
import { interpolate } from '../../src/model/interpolate.js';

const ID = 'cloudflared-ingress';
const NO_INGRESS = '"No ingress rules were defined in provided config (if any) nor from the cli, cloudflared will return 503 for all incoming HTTP requests"';

interface Arg { value: string; key: string }

/** The argv cloudflared really runs: entrypoint (the image's is "cloudflared --no-autoupdate") plus command, shells unwrapped. */
function effectiveArgs(cf: ComposeService, vars: Record<string, string>): Arg[] {
  const part = (field: 'entrypoint' | 'command'): Arg[] => {
    const v = cf.spec[field];
    const key = `services.${cf.name}.${field}`;
    if (typeof v === 'string') return shellWords(v).map((value) => ({ value, key }));
    if (Array.isArray(v)) return v.map((x, i) => ({ value: String(x), key: `${key}.${i}` }));
    return [];
  };
  let args = [...part('entrypoint'), ...part('command')].map((a) => ({ ...a, value: interpolate(a.value, vars).value }));
  const shell = args.length >= 3 && /^(sh|bash|ash|dash)$/.test(basename(args[0].value)) ? args.findIndex((a) => a.value === '-c') : -1;
  if (shell > 0 && args[shell + 1]) args = shellWords(args[shell + 1].value).map((value) => ({ value, key: args[shell + 1].key }));
  while (args.length > 0 && basename(args[0].value) === 'cloudflared') args = args.slice(1);
  return args;
}

function flagValue(args: Arg[], names: string[]): Arg | null {
  for (let i = 0; i < args.length; i++) {
    const m = /^--?([a-z-]+)(?:=(.*))?$/s.exec(args[i].value);
    if (!m || !names.includes(m[1])) continue;
    if (m[2] !== undefined) return { value: m[2], key: args[i].key };
    if (args[i + 1]) return { value: args[i + 1].value, key: args[i + 1].key };
  }
  return null;
}

function redact(args: Arg[]): string {
  return args.map((a, i) => (/^--?token(=|$)/.test(a.value) ? a.value.replace(/=.*$/, '=<redacted>') : /^--?token$/.test(args[i - 1]?.value ?? '') ? '<redacted>' : a.value)).join(' ');
}

export const check: LegacyCheck = {
  id: ID,
  layer: 'edge',
  kind: 'static',
  run(facts: Readonly<Facts>) {
    if (facts.deployment.layout === 'helm') return skip('Helm deployment: the chart wires cloudflared to the proxy');
    if (!facts.compose) return skip('no Compose file was found (give --compose)');
    if (facts.compose.state === 'invalid' || facts.compose.state === 'unreadable') {
      // A Compose file that does not load starts nothing: the wiring cannot work as written.
      const c = facts.compose;
      return judge([finding(ID, {
        messageId: 'compose-invalid',
        symptom: 'docker compose refuses the file, so neither cloudflared nor the proxy starts.',
        cause: `The Compose file ${c.path} ${c.problem}.`,
        fix: `Fix ${c.path}${c.state === 'invalid' && c.location?.line ? ` at line ${c.location.line}` : ''} (docker compose config shows the same error), then run docker compose up -d.`,
        location: c.state === 'invalid' ? c.location ?? { file: c.path } : { file: c.path },
        evidence: { file: c.path, problem: c.problem },
      })]);
    }
    if (facts.compose.state !== 'ok') return skip(whyUnusable(facts.compose, 'the Compose file'));
    const compose = facts.compose;
    const data = compose.value.data;
    const at = (key: string): Location | undefined => locate(compose, key);
    const cf = findCloudflaredService(data);
    if (!cf) {
      return judge([finding(ID, {
        messageId: 'cloudflared-service-missing',
        symptom: 'Nothing connects the proxy to the tunnel edge: the tunnel shows no connector and callers get errors.',
        cause: `${compose.path} has no cloudflared service (no service named cloudflared, none with a cloudflared image, none running "tunnel run").`,
        fix: 'Add a service with image cloudflare/cloudflared, command "tunnel --no-autoupdate run --url http://localhost:8080", environment TUNNEL_TOKEN: ${TUNNEL_TOKEN} and network_mode: "service:<proxy service>".',
        location: at('services'),
      })]);
    }
    const proxy = findProxyService(data);
    const proxyName = proxy?.name ?? 'mcp-proxy';
    const vars = expansionVars(facts);
    const args = effectiveArgs(cf, vars);
    const cmdAt = at(`services.${cf.name}.command`) ?? at(`services.${cf.name}`);
    const listenPort = proxyConfigModel(facts)?.listenPort ?? null;
    const wantUrl = `http://localhost:${listenPort ?? 8080}`;
    const out: Finding[] = [];
    const f = (messageId: string, cause: string, fix: string, location: Location | undefined, evidence: Record<string, unknown>, severity: 'error' | 'warn' | 'info' = 'error', symptom?: string) =>
      out.push(finding(ID, { messageId, severity, cause, fix, location, evidence, ...(symptom ? { symptom } : {}) }));

    const t = args.findIndex((a) => a.value === 'tunnel');
    if (t < 0 || !args.slice(t + 1).some((a) => a.value === 'run')) {
      f('tunnel-run-missing', `The ${cf.name} service does not run "tunnel run" (it runs: ${redact(args) || 'the image default, which prints the version and exits'}).`, `Set its command to "tunnel --no-autoupdate run --url ${wantUrl}".`, cmdAt, { command: redact(args) }, 'error', 'cloudflared exits at once or never connects: the tunnel shows no connector.');
    }

    // The local target: --url, else TUNNEL_URL (cloudflared reads it as --url), else a config file.
    const env = serviceEnvironment(cf);
    const urlFlag = flagValue(args, ['url']);
    const url = urlFlag ?? (env.TUNNEL_URL ? { value: interpolate(env.TUNNEL_URL, vars).value, key: `services.${cf.name}.environment` } : null);
    let hostKind: 'loopback' | 'proxy-name' | 'other' = 'loopback';
    if (!url) {
      const config = flagValue(args, ['config']) ?? (volumeMounts(cf).find((m) => /(^|\/)(\.cloudflared|etc\/cloudflared)(\/|$)/.test(m.target)) ? { value: 'a mounted cloudflared config directory', key: `services.${cf.name}.volumes` } : null);
      if (config) {
        f('ingress-from-config', `The ${cf.name} service takes its ingress rules from ${config.value}, which the doctor does not read.`, `Make sure its ingress sends every hostname to ${wantUrl}, or replace it with --url ${wantUrl}.`, at(config.key), { config: config.value }, 'warn', 'Cannot be judged from the Compose file alone.');
      } else {
        f('url-missing', `The ${cf.name} service gives cloudflared no local target (no --url and no TUNNEL_URL), so it has no ingress rule and answers every request with an error.`, `Add --url ${wantUrl} to its command: "tunnel --no-autoupdate run --url ${wantUrl}".`, cmdAt, { command: redact(args) }, 'error', `Callers get HTTP 500/503 and cloudflared logs ${NO_INGRESS}.`);
      }
    } else {
      const m = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/(\[[^\]]+\]|[^/:?#]*)(?::(\d+))?/.exec(url.value);
      const loc = at(url.key) ?? cmdAt;
      if (!m) {
        f('url-invalid', `The --url value "${url.value}" is not a URL of the form http://localhost:<port>.`, `Use --url ${wantUrl}.`, loc, { url: url.value });
      } else {
        const scheme = m[1].toLowerCase();
        const host = m[2].replace(/^\[|\]$/g, '').toLowerCase();
        const port = m[3] ? Number(m[3]) : scheme === 'https' || scheme === 'wss' ? 443 : 80;
        const good = `http://${m[2]}:${listenPort ?? port}`;
        if (scheme === 'https' || scheme === 'wss') {
          f('url-https', `--url is ${url.value}: cloudflared would start TLS to the proxy, but the listener is plaintext WebSocket (the TLS runs inside the WebSocket stream).`, `Use --url ${good}.`, loc, { url: url.value }, 'error', 'Callers get HTTP 502 and cloudflared logs "Unable to reach the origin service ... tls: first record does not look like a TLS handshake".');
        } else if (scheme !== 'http') {
          f('url-scheme', `--url is ${url.value}: the scheme "${scheme}" is not what the reference uses; the proxy listener speaks HTTP (WebSocket).`, `Use --url ${good}.`, loc, { url: url.value }, scheme === 'ws' ? 'warn' : 'error');
        }
        if (listenPort !== null && port !== listenPort) {
          f('url-port-mismatch', `--url ${url.value} targets port ${port}, but the proxy listens on port ${listenPort} (listen_addr ${proxyConfigModel(facts)?.listenAddr}). cloudflared logs "Unable to reach the origin service ... connection refused".`, `Use --url http://${m[2]}:${listenPort}, or change listen_addr to ":${port}".`, loc, { url: url.value, urlPort: port, listenPort }, 'error', 'Callers get HTTP 502 and cloudflared logs "Unable to reach the origin service".');
        }
        const names = [proxy?.name, proxy?.spec.hostname, proxy?.spec.container_name].filter((n): n is string => typeof n === 'string').map((n) => n.toLowerCase());
        hostKind = host === 'localhost' || host === '::1' || host === '0.0.0.0' || /^127\./.test(host) ? 'loopback' : names.includes(host) ? 'proxy-name' : 'other';
        if (hostKind === 'other') {
          f('url-host', `--url targets "${host}", which is neither localhost nor the ${proxyName} service; the doctor cannot tell whether it reaches the proxy.`, `Use --url http://localhost:${listenPort ?? port} with network_mode: "service:${proxyName}".`, loc, { url: url.value }, 'warn', 'Possibly "Unable to reach the origin service" in cloudflared\'s log.');
        }
      }
    }

    // The network namespace: localhost must be the proxy's.
    const nmRaw = cf.spec.network_mode;
    const nm = typeof nmRaw === 'string' ? interpolate(nmRaw, vars).value.trim() : null;
    const nmAt = at(`services.${cf.name}.network_mode`) ?? at(`services.${cf.name}`);
    const services = new Set(composeServices(data).map((s) => s.name));
    const share = `network_mode: "service:${proxyName}"`;
    const unreachable = 'Callers get HTTP 502 and cloudflared logs "Unable to reach the origin service ... connection refused".';
    if (nm?.startsWith('service:')) {
      const target = nm.slice('service:'.length);
      if (!services.has(target)) f('network-service-unknown', `network_mode is "${nm}", but ${compose.path} has no service "${target}" (services: ${[...services].join(', ')}).`, `Set ${share}.`, nmAt, { networkMode: nm, services: [...services] }, 'error', `docker compose refuses to start: service "${cf.name}" depends on undefined service "${target}".`);
      else if (proxy && target !== proxy.name) f('network-not-proxy', `network_mode is "${nm}", but the proxy is the service "${proxy.name}": localhost inside cloudflared is ${target}, not the proxy.`, `Set ${share}.`, nmAt, { networkMode: nm, proxyService: proxy.name }, 'error', unreachable);
    } else if (nm?.startsWith('container:')) {
      f('network-container', `network_mode is "${nm}": cloudflared shares that container's network, which the doctor cannot match to the proxy service.`, `Prefer ${share}, which Compose resolves itself.`, nmAt, { networkMode: nm }, 'warn', 'Cannot be judged from the Compose file alone.');
    } else if (nm === 'host') {
      if (proxy?.spec.network_mode === 'host') f('network-host-shared', `Both ${cf.name} and ${proxy.name} use network_mode: host: localhost works, but the proxy listener is open on the host's network.`, `Give the proxy its own network and set ${share} on ${cf.name}.`, nmAt, { networkMode: nm }, 'warn', 'Works, but the listener is exposed beyond cloudflared.');
      else f('network-host', `network_mode is "host": localhost inside cloudflared is the host, not the ${proxyName} container.`, `Set ${share}.`, nmAt, { networkMode: nm }, 'error', unreachable);
    } else if (hostKind !== 'proxy-name' || nm === 'none' || nm === 'bridge') {
      f('network-mode-missing', `The ${cf.name} service ${nm ? `has network_mode "${nm}"` : 'has no network_mode'}, so it has its own network namespace: localhost there is cloudflared itself, not the proxy.`, `Add ${share} to the ${cf.name} service.`, nmAt, { networkMode: nm }, 'error', unreachable);
    }

    if (proxy && Array.isArray(proxy.spec.ports) && proxy.spec.ports.length > 0) {
      f('proxy-ports-published', `The ${proxy.name} service publishes ports (${proxy.spec.ports.map((p) => (typeof p === 'string' || typeof p === 'number' ? String(p) : JSON.stringify(p))).join(', ')}); the reference publishes none, because only cloudflared, inside the same network namespace, needs the listener.`, `Remove "ports:" from the ${proxy.name} service.`, at(`services.${proxy.name}.ports`), { ports: proxy.spec.ports }, 'warn', 'The listener is reachable from outside the host or network, beside the tunnel.');
    }
    if (!out.some((x) => x.severity === 'error') && listenPort === null && url) {
      f('port-unverified', `The proxy's listen port is unknown (no usable proxy config), so the --url port was not compared with it.`, 'Give the proxy config with --config to compare the ports.', at(url.key), { url: url.value }, 'info', 'None.');
    }
    return judge(out, out.some((x) => x.messageId === 'port-unverified') ? [`the --url port against the proxy's listen port, which is unknown (no usable proxy config)`] : []);
  },
};
