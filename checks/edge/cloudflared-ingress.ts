// cloudflared-ingress: in Compose, cloudflared runs "tunnel run" with a local target
// (--url http://localhost:<listen port>) and shares the proxy's network namespace, so that
// localhost inside cloudflared is the proxy.

import { defineCheck } from '../../src/core/check.js';
import type { Location } from '../../src/core/facts.js';
import { missingReason } from '../../src/core/requirements.js';
import { effectiveArgs, flagValue, type CloudflaredArg as Arg } from '../../src/model/cloudflared-args.js';
import {
  composeServices,
  findCloudflaredService,
  findProxyService,
  serviceEnvironment,
  volumeMounts,
} from '../../src/model/compose.js';
import { expansionVars, locate, proxyConfigModel } from '../../src/model/deployment-view.js';
import { interpolate } from '../../src/model/interpolate.js';

const UNREACHABLE =
  'Callers get HTTP 502 and cloudflared logs "Unable to reach the origin service ... connection refused".';
const NOT_JUDGED = 'Cannot be judged from the Compose file alone.';
/** The Compose line that passes the token (data: its ${...} is not a placeholder of the message). */
const SERVICE_ENV = 'TUNNEL_TOKEN: ${TUNNEL_TOKEN}';

function redact(args: Arg[]): string {
  return args
    .map((a, i) =>
      /^--?token(=|$)/.test(a.value)
        ? a.value.replace(/=.*$/, '=<redacted>')
        : /^--?token$/.test(args[i - 1]?.value ?? '')
          ? '<redacted>'
          : a.value,
    )
    .join(' ');
}

export const check = defineCheck({
  id: 'cloudflared-ingress',
  requires: [],
  // The Compose file is not required: a Helm deployment has none, and its skip says more.
  uses: ['compose', 'proxyConfig', 'dotenv'],
  messages: {
    'compose-invalid': {
      // A Compose file that does not load starts nothing: the wiring cannot work as written.
      severity: 'error',
      meaning: "The Compose file cannot be read, so cloudflared's target cannot be judged.",
      symptom: 'docker compose refuses the file, so neither cloudflared nor the proxy starts.',
      cause: 'The Compose file {path} {problem}.',
      fix: 'Fix {path}{atLine} (docker compose config shows the same error), then run docker compose up -d.',
    },
    'cloudflared-service-missing': {
      severity: 'error',
      meaning: 'The Compose file has no cloudflared service.',
      symptom: 'Nothing connects the proxy to the tunnel edge: the tunnel shows no connector and callers get errors.',
      cause:
        '{path} has no cloudflared service (no service named cloudflared, none with a cloudflared image, none running "tunnel run").',
      fix: 'Add a service with image cloudflare/cloudflared, command "tunnel --no-autoupdate run --url http://localhost:8080", environment {serviceEnv} and network_mode: "service:<proxy service>".',
    },
    'tunnel-run-missing': {
      severity: 'error',
      meaning: 'The cloudflared service does not run "tunnel run".',
      symptom: 'cloudflared exits at once or never connects: the tunnel shows no connector.',
      cause: 'The {service} service does not run "tunnel run" (it runs: {command}).',
      fix: 'Set its command to "tunnel --no-autoupdate run --url {wantUrl}".',
    },
    'ingress-from-config': {
      severity: 'warn',
      meaning: 'Ingress rules come from a cloudflared config file the doctor does not read.',
      symptom: NOT_JUDGED,
      cause: 'The {service} service takes its ingress rules from {config}, which the doctor does not read.',
      fix: 'Make sure its ingress sends every hostname to {wantUrl}, or replace it with --url {wantUrl}.',
    },
    'url-missing': {
      severity: 'error',
      meaning: 'cloudflared has no --url (or TUNNEL_URL): no local target, every request fails.',
      symptom:
        'Callers get HTTP 500/503 and cloudflared logs "No ingress rules were defined in provided config (if any) nor from the cli, cloudflared will return 503 for all incoming HTTP requests".',
      cause:
        'The {service} service gives cloudflared no local target (no --url and no TUNNEL_URL), so it has no ingress rule and answers every request with an error.',
      fix: 'Add --url {wantUrl} to its command: "tunnel --no-autoupdate run --url {wantUrl}".',
    },
    'url-invalid': {
      severity: 'error',
      meaning: 'The --url value is not a URL of the form http://localhost:<port>.',
      cause: 'The --url value "{url}" is not a URL of the form http://localhost:<port>.',
      fix: 'Use --url {wantUrl}.',
    },
    'url-https': {
      severity: 'error',
      meaning: '--url uses https://, but the proxy listener is plaintext WebSocket.',
      symptom:
        'Callers get HTTP 502 and cloudflared logs "Unable to reach the origin service ... tls: first record does not look like a TLS handshake".',
      cause:
        '--url is {url}: cloudflared would start TLS to the proxy, but the listener is plaintext WebSocket (the TLS runs inside the WebSocket stream).',
      fix: 'Use --url {good}.',
    },
    'url-scheme': {
      // ws:// is a warning: cloudflared treats it like http://.
      severity: 'error',
      meaning: '--url uses a scheme other than http://.',
      cause:
        '--url is {url}: the scheme "{scheme}" is not what the reference uses; the proxy listener speaks HTTP (WebSocket).',
      fix: 'Use --url {good}.',
    },
    'url-host': {
      severity: 'warn',
      meaning: '--url targets a host that is neither localhost nor the proxy service.',
      symptom: 'Possibly "Unable to reach the origin service" in cloudflared\'s log.',
      cause:
        '--url targets "{host}", which is neither localhost nor the {proxyName} service; the doctor cannot tell whether it reaches the proxy.',
      fix: 'Use --url http://localhost:{port} with network_mode: "service:{proxyName}".',
    },
    'url-port-mismatch': {
      severity: 'error',
      meaning: "The --url port is not the proxy's listen port.",
      symptom: 'Callers get HTTP 502 and cloudflared logs "Unable to reach the origin service".',
      cause:
        '--url {url} targets port {port}, but the proxy listens on port {listenPort} (listen_addr {listenAddr}). cloudflared logs "Unable to reach the origin service ... connection refused".',
      fix: 'Use --url http://{host}:{listenPort}, or change listen_addr to ":{port}".',
    },
    'port-unverified': {
      severity: 'info',
      meaning: "The --url port was not compared: the proxy's listen port is unknown (info).",
      symptom: 'None.',
      cause: "The proxy's listen port is unknown (no usable proxy config), so the --url port was not compared with it.",
      fix: 'Give the proxy config with --config to compare the ports.',
    },
    'network-service-unknown': {
      severity: 'error',
      meaning: 'network_mode names a service the Compose file does not have.',
      symptom: 'docker compose refuses to start: service "{service}" depends on undefined service "{target}".',
      cause: 'network_mode is "{networkMode}", but {path} has no service "{target}" (services: {services}).',
      fix: 'Set {share}.',
    },
    'network-not-proxy': {
      severity: 'error',
      meaning: "network_mode shares another service's namespace, not the proxy's.",
      symptom: UNREACHABLE,
      cause:
        'network_mode is "{networkMode}", but the proxy is the service "{proxyService}": localhost inside cloudflared is {target}, not the proxy.',
      fix: 'Set {share}.',
    },
    'network-container': {
      severity: 'warn',
      meaning: 'network_mode names a container the doctor cannot match to the proxy.',
      symptom: NOT_JUDGED,
      cause:
        'network_mode is "{networkMode}": cloudflared shares that container\'s network, which the doctor cannot match to the proxy service.',
      fix: 'Prefer {share}, which Compose resolves itself.',
    },
    'network-host': {
      severity: 'error',
      meaning: 'cloudflared uses the host network, where localhost is not the proxy.',
      symptom: UNREACHABLE,
      cause: 'network_mode is "host": localhost inside cloudflared is the host, not the {proxyName} container.',
      fix: 'Set {share}.',
    },
    'network-host-shared': {
      severity: 'warn',
      meaning: 'Both services use the host network: it works, but the listener is exposed.',
      symptom: 'Works, but the listener is exposed beyond cloudflared.',
      cause:
        "Both {service} and {proxyService} use network_mode: host: localhost works, but the proxy listener is open on the host's network.",
      fix: 'Give the proxy its own network and set {share} on {service}.',
    },
    'network-mode-missing': {
      severity: 'error',
      meaning: 'cloudflared has its own network namespace: localhost there is not the proxy.',
      symptom: UNREACHABLE,
      cause:
        'The {service} service has {networkMode}, so it has its own network namespace: localhost there is cloudflared itself, not the proxy.',
      fix: 'Add {share} to the {service} service.',
    },
    'proxy-ports-published': {
      severity: 'warn',
      meaning: 'The proxy publishes ports; only cloudflared needs its listener.',
      symptom: 'The listener is reachable from outside the host or network, beside the tunnel.',
      cause:
        'The {proxyService} service publishes ports ({ports}); the reference publishes none, because only cloudflared, inside the same network namespace, needs the listener.',
      fix: 'Remove "ports:" from the {proxyService} service.',
    },
  },
  run(facts, report) {
    if (facts.deployment.layout === 'helm')
      return report.skip('Helm deployment: the chart wires cloudflared to the proxy');
    const compose = facts.compose;
    if (!compose || compose.state === 'missing') return report.skip(missingReason(facts, 'compose'));
    if (compose.state !== 'ok') {
      const { path, problem } = compose;
      const at = compose.state === 'invalid' ? compose.location : undefined;
      const atLine = at?.line ? ` at line ${at.line}` : '';
      report('compose-invalid', { path, problem, atLine }, at ?? { file: path }, { evidence: { file: path, problem } });
      return;
    }
    const data = compose.value.data;
    const at = (key: string): Location | null => locate(compose, key) ?? null;
    const cf = findCloudflaredService(data);
    if (!cf) {
      report('cloudflared-service-missing', { path: compose.path, serviceEnv: SERVICE_ENV }, at('services'));
      return;
    }
    const service = cf.name;
    const proxy = findProxyService(data);
    const proxyName = proxy?.name ?? 'mcp-proxy';
    const vars = expansionVars(facts);
    const args = effectiveArgs(cf, vars);
    const command = redact(args);
    const cmdAt = at(`services.${service}.command`) ?? at(`services.${service}`);
    const proxyModel = proxyConfigModel(facts);
    const listenPort = proxyModel?.listenPort ?? null;
    const wantUrl = `http://localhost:${listenPort ?? 8080}`;
    let failed = false;
    const error = () => void (failed = true);

    const t = args.findIndex((a) => a.value === 'tunnel');
    if (t < 0 || !args.slice(t + 1).some((a) => a.value === 'run')) {
      const runs = command || 'the image default, which prints the version and exits';
      report('tunnel-run-missing', { service, command: runs, wantUrl }, cmdAt, { evidence: { command } });
      error();
    }

    // The local target: --url, else TUNNEL_URL (cloudflared reads it as --url), else a config file.
    const env = serviceEnvironment(cf);
    const urlFlag = flagValue(args, ['url']);
    const url =
      urlFlag ??
      (env.TUNNEL_URL
        ? { value: interpolate(env.TUNNEL_URL, vars).value, key: `services.${service}.environment` }
        : null);
    let hostKind: 'loopback' | 'proxy-name' | 'other' = 'loopback';
    if (!url) {
      const configDir = volumeMounts(cf).find((m) => /(^|\/)(\.cloudflared|etc\/cloudflared)(\/|$)/.test(m.target));
      const config =
        flagValue(args, ['config']) ??
        (configDir ? { value: 'a mounted cloudflared config directory', key: `services.${service}.volumes` } : null);
      if (config) {
        report('ingress-from-config', { service, config: config.value, wantUrl }, at(config.key), {
          evidence: { config: config.value },
        });
      } else {
        report('url-missing', { service, wantUrl }, cmdAt, { evidence: { command } });
        error();
      }
    } else {
      const m = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/(\[[^\]]+\]|[^/:?#]*)(?::(\d+))?/.exec(url.value);
      const loc = at(url.key) ?? cmdAt;
      const urlEvidence = { evidence: { url: url.value } };
      if (!m) {
        report('url-invalid', { url: url.value, wantUrl }, loc, urlEvidence);
        error();
      } else {
        const [, rawScheme = '', rawHost = '', rawPort] = m;
        const scheme = rawScheme.toLowerCase();
        const host = rawHost.replace(/^\[|\]$/g, '').toLowerCase();
        const port = rawPort ? Number(rawPort) : scheme === 'https' || scheme === 'wss' ? 443 : 80;
        const good = `http://${rawHost}:${listenPort ?? port}`;
        if (scheme === 'https' || scheme === 'wss') {
          report('url-https', { url: url.value, good }, loc, urlEvidence);
          error();
        } else if (scheme !== 'http') {
          const severity = scheme === 'ws' ? 'warn' : 'error';
          report('url-scheme', { url: url.value, scheme, good }, loc, { ...urlEvidence, severity });
          if (severity === 'error') error();
        }
        if (listenPort !== null && port !== listenPort) {
          const data = { url: url.value, port, listenPort, listenAddr: String(proxyModel?.listenAddr), host: rawHost };
          report('url-port-mismatch', data, loc, { evidence: { url: url.value, urlPort: port, listenPort } });
          error();
        }
        const names = [proxy?.name, proxy?.spec.hostname, proxy?.spec.container_name]
          .filter((n): n is string => typeof n === 'string')
          .map((n) => n.toLowerCase());
        const loopback = host === 'localhost' || host === '::1' || host === '0.0.0.0' || /^127\./.test(host);
        hostKind = loopback ? 'loopback' : names.includes(host) ? 'proxy-name' : 'other';
        if (hostKind === 'other') report('url-host', { host, proxyName, port: listenPort ?? port }, loc, urlEvidence);
      }
    }

    // The network namespace: localhost must be the proxy's.
    const nmRaw = cf.spec.network_mode;
    const nm = typeof nmRaw === 'string' ? interpolate(nmRaw, vars).value.trim() : null;
    const nmAt = at(`services.${service}.network_mode`) ?? at(`services.${service}`);
    const services = composeServices(data).map((s) => s.name);
    const share = `network_mode: "service:${proxyName}"`;
    if (nm?.startsWith('service:')) {
      const target = nm.slice('service:'.length);
      if (!services.includes(target)) {
        const data = { networkMode: nm, path: compose.path, target, services: services.join(', '), share, service };
        report('network-service-unknown', data, nmAt, { evidence: { networkMode: nm, services } });
        error();
      } else if (proxy && target !== proxy.name) {
        const data = { networkMode: nm, proxyService: proxy.name, target, share };
        report('network-not-proxy', data, nmAt, { evidence: { networkMode: nm, proxyService: proxy.name } });
        error();
      }
    } else if (nm?.startsWith('container:')) {
      report('network-container', { networkMode: nm, share }, nmAt, { evidence: { networkMode: nm } });
    } else if (nm === 'host') {
      if (proxy?.spec.network_mode === 'host') {
        report('network-host-shared', { service, proxyService: proxy.name, share }, nmAt, {
          evidence: { networkMode: nm },
        });
      } else {
        report('network-host', { proxyName, share }, nmAt, { evidence: { networkMode: nm } });
        error();
      }
    } else if (hostKind !== 'proxy-name' || nm === 'none' || nm === 'bridge') {
      const networkMode = nm ? `network_mode "${nm}"` : 'no network_mode';
      report('network-mode-missing', { service, networkMode, share }, nmAt, { evidence: { networkMode: nm } });
      error();
    }

    const ports = proxy?.spec.ports;
    if (proxy && Array.isArray(ports) && ports.length > 0) {
      const shown = ports
        .map((p) => (typeof p === 'string' || typeof p === 'number' ? String(p) : JSON.stringify(p)))
        .join(', ');
      const data = { proxyService: proxy.name, ports: shown };
      report('proxy-ports-published', data, at(`services.${proxy.name}.ports`), { evidence: { ports } });
    }
    if (!failed && listenPort === null && url) {
      report('port-unverified', {}, at(url.key), { evidence: { url: url.value } });
      report.notChecked("the --url port against the proxy's listen port, which is unknown (no usable proxy config)");
    }
  },
});
