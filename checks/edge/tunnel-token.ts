// tunnel-token: cloudflared gets a token that decodes to the tunnel credentials. Judged from the
// token's shape (src/probes/tunnel-token.ts); no part of the token ever reaches a finding except
// the tunnel UUID, which is an identifier.

import { dirname, join, resolve } from 'node:path';
import { finding, judge, pass, skip, type LegacyCheck, type FindingInput } from '../../src/core/check.js';
import type { Facts, TokenFacts } from '../../src/core/facts.js';
import type { Finding } from '../../src/core/types.js';
import { commandArgs, findCloudflaredService, isRecord, serviceEnvFiles, serviceEnvironment, serviceTokenFile } from '../../src/model/compose.js';
import { applyChangeCommand, locate } from '../../src/model/deployment-view.js';
import { UUID_FORMS } from '../../src/model/token-shapes.js';

const ID = 'tunnel-token';
const NOT_VALID = 'cloudflared exits at start with "Provided Tunnel token is not valid." followed by "See \'cloudflared tunnel run --help\'."';
const NO_TOKEN = 'cloudflared gets no token and exits at start with: "cloudflared tunnel run" requires the ID or name of the tunnel to run.';
/** The edge's refusal; the exact reason text is known only for an empty secret. */
const edgeRefuses = (reason = '...') =>
  `cloudflared starts, but the edge refuses the tunnel: "Register tunnel error from server side error="Unauthorized: ${reason}""${reason === '...' ? ' (seen: "Failed to get tunnel", "Account doesn\'t have tunnel")' : ''}, and cloudflared keeps retrying instead of exiting.`;

function cloudflaredName(facts: Readonly<Facts>): string {
  return (facts.compose?.state === 'ok' && findCloudflaredService(facts.compose.value.data)?.name) || 'cloudflared';
}

/** data/tunnel-token when it exists and is not the value judged (a second copy to take the token from). */
function setupTokenFile(t: TokenFacts | null): string | null {
  const copy = t?.alsoIn.find((a) => a.source.endsWith('/tunnel-token') && a.source.startsWith('/'));
  return copy ? copy.source : null;
}

/**
 * Where to put a good token and how to make cloudflared pick it up: the bad value is replaced
 * where it really lives (.env, an env_file, the Compose file, the shell), never appended beside
 * it, and data/tunnel-token is offered only when it exists.
 */
function putTokenFix(facts: Readonly<Facts>): string {
  const t = facts.token?.state === 'ok' ? facts.token.value : null;
  const tokenPath = facts.token?.state === 'ok' ? facts.token.path : null;
  if (facts.deployment.layout !== 'compose' || !facts.compose) {
    return `Copy the token again, unchanged, from ${setupTokenFile(t) ?? 'the tunnel detail page'} into ${t?.source ?? 'TUNNEL_TOKEN'}, then restart cloudflared.`;
  }
  const up = `run ${applyChangeCommand(facts, 'environment', cloudflaredName(facts))}`;
  const setupFile = setupTokenFile(t);
  const good = setupFile ? `the token in ${setupFile} (written by the setup job) or on the tunnel detail page` : 'the token on the tunnel detail page';
  const env = facts.dotenv;
  if (env && env.state !== 'ok' && env.state !== 'missing') {
    return `Replace ${env.path} (it ${env.problem}) with a text file of NAME=value lines: TUNNEL_TOKEN=<${good}>, plus every other variable the Compose file and the proxy config use (such as TUNNEL_DOMAIN); then ${up}.`;
  }
  const envPath = env?.path ?? join(dirname(facts.compose.path), '.env');
  const inDotenv = env?.state === 'ok' && env.value.TUNNEL_TOKEN !== undefined;
  // `TUNNEL_TOKEN: ${TUNNEL_TOKEN}` (or a bare name) in the service takes the value from .env.
  const cf = facts.compose.state === 'ok' ? findCloudflaredService(facts.compose.value.data) : null;
  const raw = cf ? serviceEnvironment(cf).TUNNEL_TOKEN : undefined;
  const composeVariable = tokenPath === facts.compose.path && (raw === null || (raw?.includes('$') ?? false));
  if (inDotenv && (t === null || tokenPath === env.path || composeVariable)) {
    // Delete, then add: one TUNNEL_TOKEN line in the end, and a command the redactor leaves readable.
    const how = setupFile ? `: sed -i '/^TUNNEL_TOKEN=/d' ${envPath} && echo "TUNNEL_TOKEN=$(cat ${setupFile})" >> ${envPath}` : ` with TUNNEL_TOKEN=<${good}>`;
    return `Replace the TUNNEL_TOKEN= line in ${envPath}${how} (do not keep the old line beside a new one), then ${up}.`;
  }
  const composeDir = dirname(facts.compose.path);
  const envFiles = cf ? serviceEnvFiles(cf).map((f) => resolve(composeDir, f.path)) : [];
  if (tokenPath !== null && envFiles.includes(tokenPath)) return `Replace the TUNNEL_TOKEN= line in ${tokenPath} with TUNNEL_TOKEN=<${good}>, then ${up}.`;
  if (tokenPath === '$TUNNEL_TOKEN') return `Set TUNNEL_TOKEN in the shell that runs docker compose to ${good} (it wins over .env), then ${up}.`;
  if (t && tokenPath === facts.compose.path && !composeVariable) {
    const at = t.location?.line ? `${t.location.file}:${t.location.line}` : tokenPath;
    return `Replace the token at ${at} with ${good} (or with \${TUNNEL_TOKEN} and TUNNEL_TOKEN=<the token> in ${envPath}), then ${up}.`;
  }
  // A token file (data/tunnel-token, --token-file) holds the value itself.
  if (t && tokenPath !== null && tokenPath !== facts.compose.path) return `Write the token from the tunnel detail page into ${tokenPath}, alone on one line, then ${up}.`;
  const how = setupFile ? `: echo "TUNNEL_TOKEN=$(cat ${setupFile})" >> ${envPath}` : `: add the line TUNNEL_TOKEN=<${good}>`;
  return `Put the token into ${envPath}${how}, then ${up}.`;
}

function otherCopies(t: TokenFacts): string {
  const diff = t.alsoIn.filter((a) => !a.same).map((a) => a.source);
  // Worded without "token:" before the list: the redactor would take the paths for a token value.
  return diff.length > 0 ? ` Other places hold a token (${diff.join('; ')}).` : '';
}

function missing(facts: Readonly<Facts>, looked: string): Finding {
  const compose = facts.compose?.path ?? 'the Compose file';
  return finding(ID, {
    messageId: 'token-missing',
    symptom: NO_TOKEN,
    cause: `No tunnel token was found. Looked in: TUNNEL_TOKEN in the doctor's environment, the environment and env_file of the ${cloudflaredName(facts)} service in ${compose}, TUNNEL_TOKEN in .env, data/tunnel-token, and --token-file.${looked}`,
    fix: `${putTokenFix(facts)} The service needs "environment: TUNNEL_TOKEN: \${TUNNEL_TOKEN}". To check a token kept elsewhere, run mcp-tunnel doctor --token-file <file>.`,
    evidence: { lookedIn: ['$TUNNEL_TOKEN', `${compose} (services.${cloudflaredName(facts)}.environment, env_file)`, '.env', 'data/tunnel-token', '--token-file'] },
  });
}

/** The token file path a Compose service names outside /data (the doctor cannot map it to the host). */
function tokenFileOutsideData(facts: Readonly<Facts>): string | null {
  if (facts.compose?.state !== 'ok') return null;
  const cf = findCloudflaredService(facts.compose.value.data);
  if (!cf) return null;
  const path = serviceTokenFile(cf);
  return path && !path.startsWith('/data/') ? path : null;
}

/** Whether the Compose cloudflared service is given a token at all (env, env_file, --token, token file). */
function serviceGetsToken(facts: Readonly<Facts>): boolean | null {
  if (facts.compose?.state !== 'ok') return null;
  const cf = findCloudflaredService(facts.compose.value.data);
  if (!cf) return null;
  if (cf.spec.env_file !== undefined) return null; // an env file may carry it; the doctor cannot tell
  const env = serviceEnvironment(cf);
  const args = commandArgs(cf) ?? [];
  return 'TUNNEL_TOKEN' in env || 'TUNNEL_TOKEN_FILE' in env || args.some((a) => /^--?token(-file)?(=|$)/.test(a));
}

/** Why .env gave no value: it is absent, or there but unreadable. */
function dotenvState(facts: Readonly<Facts>): string {
  const env = facts.dotenv;
  if (!env) return ' (there is no .env beside the Compose file)';
  return env.state === 'ok' ? '' : ` (${env.path} ${env.state === 'missing' ? 'does not exist' : env.problem})`;
}

function placeholder(facts: Readonly<Facts>, t: TokenFacts, at: FindingInput['location']): Finding {
  const fromCompose = facts.compose !== undefined && t.location?.file === facts.compose.path;
  const name = t.placeholderText?.replace(/^\$\{?|\}$/g, '') ?? 'TUNNEL_TOKEN';
  const cause =
    t.placeholderKind === 'empty' ? `${t.source} is set but empty.`
    : t.placeholderKind === 'unset' ? `${t.source} is passed through from the shell without a value, and TUNNEL_TOKEN is set neither in the doctor's environment nor in .env${dotenvState(facts)}, so Compose gives cloudflared nothing.`
    : t.placeholderKind === 'variable' && fromCompose ? `${t.source} is ${t.placeholderText}, and ${name} is set neither in the doctor's environment nor in .env${dotenvState(facts)}: Compose substitutes an empty string (and warns "The ${name} variable is not set").`
    : `${t.source} holds the placeholder ${t.placeholderText ? `"${t.placeholderText}"` : '(a placeholder word)'} instead of a token.`;
  const empty = t.placeholderKind === 'empty' || t.placeholderKind === 'unset' || (t.placeholderKind === 'variable' && fromCompose);
  return finding(ID, {
    messageId: 'token-placeholder',
    symptom: empty ? NO_TOKEN : NOT_VALID,
    cause: cause + otherCopies(t),
    fix: putTokenFix(facts),
    evidence: { source: t.source, placeholder: t.placeholderText ?? t.placeholderKind, alsoIn: t.alsoIn },
    location: at,
  });
}

function judgeToken(facts: Readonly<Facts>, t: TokenFacts): Finding[] {
  const at = t.location;
  const evidence = { source: t.source, length: t.length, tunnelId: t.tunnelId.value };
  const f = (messageId: string, symptom: string, cause: string, fix = putTokenFix(facts), severity: 'error' | 'warn' | 'info' = 'error') =>
    finding(ID, { messageId, severity, symptom, cause, fix, evidence, location: at });
  if (t.placeholder) return [placeholder(facts, t, at)];
  if (t.looksLike === 'jwt') return [f('token-is-jwt', NOT_VALID, `${t.source} holds a JWT (three dot-separated base64url parts): that is an API or identity credential, not a tunnel token. A tunnel token is one base64 string without dots, starting with "eyJ".`)];
  if (t.looksLike === 'api-key') return [f('token-is-api-key', NOT_VALID, `${t.source} holds an API key (sk-ant-...), not a tunnel token. Revoke the key if this file was shared.`)];
  if (t.looksLike === 'credentials-json') return [f('token-is-credentials-file', NOT_VALID, `${t.source} holds a cloudflared credentials file (AccountTag, TunnelSecret, TunnelID), not a tunnel token; cloudflared reads that only with --credentials-file.`)];

  const out: Finding[] = [];
  const where = at?.line ? `${at.file} line ${at.line}` : t.source;
  const inside = wellFormed(t) ? ` Without them it is a well-formed token for tunnel ${t.tunnelId.value}.` : '';
  const restart = facts.deployment.layout === 'compose' ? `, then run ${applyChangeCommand(facts, 'environment', cloudflaredName(facts))}` : ', then restart cloudflared';
  if (t.envPrefix) out.push(f('token-env-prefix', NOT_VALID, `${t.source} starts with "TUNNEL_TOKEN=": the variable assignment was pasted along with the value, and cloudflared reads it as part of the token.${inside}`, `Delete the leading "TUNNEL_TOKEN=" from the value at ${where}${restart}.`));
  if (t.quoted) out.push(f('token-quoted', NOT_VALID, `${t.source} is wrapped in quotes that are part of the value cloudflared gets (Compose keeps them in list syntax "- TUNNEL_TOKEN=\\"...\\""; a file keeps them too).${inside}`, `Remove the quotes around the value at ${where}${restart}.`));
  if (t.whitespace === 'spaces') out.push(f('token-whitespace', NOT_VALID, `${t.source} contains spaces or tabs; cloudflared decodes the value as it is, and base64 does not skip spaces.${inside}`, `Remove the spaces from the value at ${where} (the token is one unbroken string)${restart}.`));
  if (t.whitespace === 'line-breaks') out.push(f('token-line-breaks', 'None: cloudflared skips line breaks inside the token.', `${t.source} is split over several lines; cloudflared's base64 decoder ignores line breaks, other tools may not.`, 'Nothing is required; keep the token on one line to be safe.', 'info'));
  if (t.looksLike === 'token-json') {
    out.push(f('token-not-encoded', NOT_VALID, `${t.source} is the token's decoded JSON ({"a":...,"t":...,"s":...}), not the base64 string cloudflared expects.`, `Encode it on one line: base64 -w0 <file with the JSON>, or better copy the original token again. ${putTokenFix(facts)}`));
  } else if (!t.base64) {
    if (t.base64Variant === 'url-safe' || t.base64Variant === 'unpadded') {
      const what = t.base64Variant === 'url-safe' ? 'URL-safe base64 ("-" and "_" instead of "+" and "/")' : 'base64 without its trailing "=" padding';
      out.push(f('token-base64-variant', NOT_VALID, `${t.source} is ${what}; cloudflared decodes standard, padded base64 only.${t.tunnelId.value ? ` Converted back, it is a token for tunnel ${t.tunnelId.value}: it was altered while being copied.` : ''}`));
    } else {
      out.push(f('token-not-base64', NOT_VALID, `${t.source} is not base64 (${t.length} characters); it was truncated or copied with extra characters.`));
    }
    if (!t.json) return out;
  }
  if (!t.json) return [...out, f('token-not-json', NOT_VALID, `${t.source} decodes from base64, but not to JSON: it is not a tunnel token, or it was cut short.`)];
  if (t.jsonType !== 'object') return [...out, f('token-not-object', NOT_VALID, `${t.source} decodes to JSON of type ${t.jsonType}, not to the object {"a","t","s"} of a tunnel token.`)];
  out.push(...judgeFields(t, f));
  const differ = t.alsoIn.filter((a) => !a.same);
  if (differ.length > 0) {
    out.push(finding(ID, {
      messageId: 'tokens-differ',
      severity: 'warn',
      symptom: 'cloudflared may connect as a different tunnel than the one you checked or expect, or be refused with "Unauthorized".',
      cause: `${t.source} (the value cloudflared gets) differs from the token in: ${differ.map((d) => d.source).join('; ')}. One of them is stale (an older tunnel, or a token rotated since).`,
      fix: 'Keep one token: the current one is on the tunnel detail page and in data/tunnel-token after setup. Remove or update the stale copies.',
      evidence: { source: t.source, tunnelId: t.tunnelId.value, alsoIn: t.alsoIn },
      location: at,
    }));
  }
  return out;
}

/** The decoded content is a usable token (ignoring the wrapping defects). */
function wellFormed(t: TokenFacts): boolean {
  return t.base64 && t.jsonType === 'object' && t.accountTag.nonEmpty && t.tunnelId.value !== null && t.secret.nonEmpty && t.secret.base64;
}

type MakeFinding = (messageId: string, symptom: string, cause: string, fix?: string, severity?: 'error' | 'warn' | 'info') => Finding;

function judgeFields(t: TokenFacts, f: MakeFinding): Finding[] {
  const out: Finding[] = [];
  const { accountTag: a, tunnelId: id, secret: s, endpoint: e } = t;
  if (a.type !== 'string' && a.type !== 'absent' && a.type !== 'null') out.push(f('account-tag-invalid', NOT_VALID, `The token's account tag "a" is a ${a.type}, not a string; cloudflared cannot read the token.`));
  else if (!a.nonEmpty) out.push(f('account-tag-empty', edgeRefuses(), `The token's account tag "a" is ${a.present ? 'empty' : 'missing'}; cloudflared does not check it, the edge refuses it.`));
  if (!id.present || id.type === 'null') out.push(f('tunnel-id-invalid', edgeRefuses(), 'The token has no tunnel ID "t", so cloudflared has no tunnel to register (it sends the all-zero ID).'));
  else if (id.type !== 'string' || !id.value || !UUID_FORMS.test(id.value)) out.push(f('tunnel-id-invalid', NOT_VALID, `The token's tunnel ID "t" is ${id.type === 'string' ? 'a string that is not a UUID' : `a ${id.type}, not a UUID string`}.`));
  if (s.type !== 'string' && s.type !== 'absent' && s.type !== 'null') out.push(f('secret-invalid', NOT_VALID, `The token's tunnel secret "s" is a ${s.type}, not a base64 string.`));
  else if (!s.nonEmpty) out.push(f('secret-empty', edgeRefuses('Invalid tunnel secret'), `The token's tunnel secret "s" is ${s.present ? 'empty' : 'missing'}; cloudflared does not check it, the edge refuses it.`));
  else if (!s.base64) out.push(f('secret-invalid', NOT_VALID, 'The token\'s tunnel secret "s" is not standard base64, so cloudflared cannot decode the token\'s JSON.'));
  if (e.present && e.type !== 'string' && e.type !== 'null') out.push(f('endpoint-invalid', NOT_VALID, `The token's endpoint "e" is a ${e.type}, not a string.`));
  else if (e.type === 'string' && e.value !== '' && e.value !== 'fed') {
    // The rule is "e only fed": any other value is not a token the vendor issued, so it fails.
    out.push(f('endpoint-unknown', 'cloudflared may look for the edge in the wrong place (edge discovery errors), or the edge refuses the token.', `The token's endpoint "e" is ${e.value ? `"${e.value}"` : 'an unusual value'}; the only valid one is "fed" (FedRAMP). Tokens issued for MCP tunnels normally have no "e": this token was edited or belongs to something else.`, 'Copy the token again from the tunnel detail page; do not edit its JSON by hand.'));
  }
  return out;
}

export const check: LegacyCheck = {
  id: ID,
  layer: 'edge',
  kind: 'static',
  run(facts) {
    const token = facts.token;
    const layout = facts.deployment.layout;
    if (!token || token.state === 'missing') {
      if (layout === 'helm') {
        const secret = facts.helmValues?.state === 'ok' && isRecord(facts.helmValues.value.data) && isRecord(facts.helmValues.value.data.external) && typeof facts.helmValues.value.data.external.tunnelTokenSecretName === 'string'
          ? facts.helmValues.value.data.external.tunnelTokenSecretName : '<secret>';
        return skip(`the Helm chart keeps the token in a Secret (external.tunnelTokenSecretName, key tunnel-token), which the doctor does not read; to check it: kubectl -n mcp-tunnel get secret ${secret} -o jsonpath='{.data.tunnel-token}' | base64 -d > tunnel-token && mcp-tunnel doctor --token-file tunnel-token (then delete the file)`);
      }
      if (layout !== 'compose') return skip('no deployment was found and no token was given (TUNNEL_TOKEN or --token-file)');
      if (facts.compose && facts.compose.state !== 'ok') return skip(`the Compose file ${facts.compose.path} could not be read, so the token cloudflared gets is unknown (reported by cloudflared-ingress)`);
      const outside = tokenFileOutsideData(facts);
      if (outside) return skip(`the ${cloudflaredName(facts)} service reads its token from ${outside} inside the container, which the doctor cannot map to a host file; give it with --token-file <host path>`);
      return judge([missing(facts, token ? ` (${token.path} does not exist.)` : '')]);
    }
    if (token.state === 'unreadable') {
      return judge([finding(ID, {
        messageId: 'token-unreadable',
        symptom: `cloudflared exits with "Failed to read token file: ..." when it reads ${token.path} itself.`,
        cause: `${token.path} ${token.problem}.`,
        fix: `Make ${token.path} a regular file readable by the cloudflared container's user (for example chmod 644 ${token.path}), holding only the token.`,
        evidence: { path: token.path, problem: token.problem },
        location: { file: token.path },
      })]);
    }
    if (token.state === 'invalid') {
      return judge([finding(ID, {
        messageId: 'token-file-invalid',
        symptom: NOT_VALID,
        cause: `${token.path} ${token.problem}; a token file holds one line of base64 text.`,
        fix: putTokenFix(facts),
        evidence: { path: token.path, problem: token.problem },
        location: token.location ?? { file: token.path },
      })]);
    }
    const findings = judgeToken(facts, token.value);
    if (layout === 'compose' && serviceGetsToken(facts) === false) {
      const cf = cloudflaredName(facts);
      findings.unshift(finding(ID, {
        messageId: 'token-not-passed',
        symptom: NO_TOKEN,
        cause: `The ${cf} service in ${facts.compose?.path} is given no token: it has no TUNNEL_TOKEN or TUNNEL_TOKEN_FILE in its environment, no env_file and no --token or --token-file in its command. Compose does not pass the shell's variables to a container by itself, so the token found in ${token.value.source} never reaches cloudflared.`,
        fix: `Add to the ${cf} service: environment: TUNNEL_TOKEN: \${TUNNEL_TOKEN} (set in .env or the shell), then run ${applyChangeCommand(facts, 'environment', cf)}.`,
        location: locate(facts.compose, `services.${cf}`),
      }));
    }
    if (findings.some((x) => x.severity !== 'info')) return judge(findings);
    return pass([...findings, finding(ID, {
      messageId: 'token-decoded',
      severity: 'info',
      symptom: 'None.',
      cause: `${token.value.source} decodes to a token for tunnel ${token.value.tunnelId.value}${token.value.endpoint.value === 'fed' ? ' (FedRAMP endpoint)' : ''}, with a non-empty account tag and secret.`,
      fix: 'Nothing to do.',
      evidence: { source: token.value.source, tunnelId: token.value.tunnelId.value, alsoIn: token.value.alsoIn },
      location: token.value.location,
    })]);
  },
};
