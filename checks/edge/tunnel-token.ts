// tunnel-token: cloudflared gets a token that decodes to the tunnel credentials. Judged from the
// token's shape (src/probes/tunnel-token.ts); no part of the token ever reaches a finding except
// the tunnel UUID, which is an identifier.

import { dirname, join, resolve } from 'node:path';
import { defineCheck, type MessageData, type MessageSpec } from '../../src/core/check.js';
import type { Facts, TokenFacts } from '../../src/core/facts.js';
import {
  commandArgs,
  findCloudflaredService,
  isRecord,
  serviceEnvFiles,
  serviceEnvironment,
  serviceTokenFile,
} from '../../src/model/compose.js';
import { applyChangeCommand, locate } from '../../src/model/deployment-view.js';
import { UUID_FORMS } from '../../src/model/token-shapes.js';

const NOT_VALID =
  'cloudflared exits at start with "Provided Tunnel token is not valid." followed by "See \'cloudflared tunnel run --help\'."';
const NO_TOKEN =
  'cloudflared gets no token and exits at start with: "cloudflared tunnel run" requires the ID or name of the tunnel to run.';
/** The edge's refusal; the exact reason text is known only for an empty secret. */
const edgeRefuses = (reason = '...') =>
  `cloudflared starts, but the edge refuses the tunnel: "Register tunnel error from server side error="Unauthorized: ${reason}""${reason === '...' ? ' (seen: "Failed to get tunnel", "Account doesn\'t have tunnel")' : ''}, and cloudflared keeps retrying instead of exiting.`;
const EDGE_REFUSES = edgeRefuses();
const EDGE_REFUSES_SECRET = edgeRefuses('Invalid tunnel secret');
/** The Compose line that passes the token from .env or the shell (data: its ${...} is not a placeholder). */
const SERVICE_ENV = 'environment: TUNNEL_TOKEN: ${TUNNEL_TOKEN}';
/** The shapes of a token's JSON, as data for the same reason. */
const TOKEN_JSON = '{"a":...,"t":...,"s":...}';
const TOKEN_OBJECT = '{"a","t","s"}';
const URL_SAFE = 'URL-safe base64 ("-" and "_" instead of "+" and "/")';
const UNPADDED = 'base64 without its trailing "=" padding';
const FEDRAMP = ' (FedRAMP endpoint)';
const convertedBack = (tunnelId: string) =>
  ` Converted back, it is a token for tunnel ${tunnelId}: it was altered while being copied.`;
const wellFormedWithout = (tunnelId: string) => ` Without them it is a well-formed token for tunnel ${tunnelId}.`;
const LOOKED_IN =
  "No tunnel token was found. Looked in: TUNNEL_TOKEN in the doctor's environment, the environment and env_file of the " +
  '{service} service in {compose}, TUNNEL_TOKEN in .env, data/tunnel-token, and --token-file.{looked}';

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
  const good = setupFile
    ? `the token in ${setupFile} (written by the setup job) or on the tunnel detail page`
    : 'the token on the tunnel detail page';
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
    const how = setupFile
      ? `: sed -i '/^TUNNEL_TOKEN=/d' ${envPath} && echo "TUNNEL_TOKEN=$(cat ${setupFile})" >> ${envPath}`
      : ` with TUNNEL_TOKEN=<${good}>`;
    return `Replace the TUNNEL_TOKEN= line in ${envPath}${how} (do not keep the old line beside a new one), then ${up}.`;
  }
  const composeDir = dirname(facts.compose.path);
  const envFiles = cf ? serviceEnvFiles(cf).map((f) => resolve(composeDir, f.path)) : [];
  if (tokenPath !== null && envFiles.includes(tokenPath))
    return `Replace the TUNNEL_TOKEN= line in ${tokenPath} with TUNNEL_TOKEN=<${good}>, then ${up}.`;
  if (tokenPath === '$TUNNEL_TOKEN')
    return `Set TUNNEL_TOKEN in the shell that runs docker compose to ${good} (it wins over .env), then ${up}.`;
  if (t && tokenPath === facts.compose.path && !composeVariable) {
    const at = t.location?.line ? `${t.location.file}:${t.location.line}` : tokenPath;
    return `Replace the token at ${at} with ${good} (or with \${TUNNEL_TOKEN} and TUNNEL_TOKEN=<the token> in ${envPath}), then ${up}.`;
  }
  // A token file (data/tunnel-token, --token-file) holds the value itself.
  if (t && tokenPath !== null && tokenPath !== facts.compose.path)
    return `Write the token from the tunnel detail page into ${tokenPath}, alone on one line, then ${up}.`;
  const how = setupFile
    ? `: echo "TUNNEL_TOKEN=$(cat ${setupFile})" >> ${envPath}`
    : `: add the line TUNNEL_TOKEN=<${good}>`;
  return `Put the token into ${envPath}${how}, then ${up}.`;
}

function otherCopies(t: TokenFacts): string {
  const diff = t.alsoIn.filter((a) => !a.same).map((a) => a.source);
  // Worded without "token:" before the list: the redactor would take the paths for a token value.
  return diff.length > 0 ? ` Other places hold a token (${diff.join('; ')}).` : '';
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

/** Why a placeholder gives cloudflared nothing or a non-token, in this deployment's terms. */
function placeholderCause(facts: Readonly<Facts>, t: TokenFacts): { symptom: string; what: string } {
  const fromCompose = facts.compose !== undefined && t.location?.file === facts.compose.path;
  const name = t.placeholderText?.replace(/^\$\{?|\}$/g, '') ?? 'TUNNEL_TOKEN';
  const what =
    t.placeholderKind === 'empty'
      ? `${t.source} is set but empty.`
      : t.placeholderKind === 'unset'
        ? `${t.source} is passed through from the shell without a value, and TUNNEL_TOKEN is set neither in the doctor's environment nor in .env${dotenvState(facts)}, so Compose gives cloudflared nothing.`
        : t.placeholderKind === 'variable' && fromCompose
          ? `${t.source} is ${t.placeholderText}, and ${name} is set neither in the doctor's environment nor in .env${dotenvState(facts)}: Compose substitutes an empty string (and warns "The ${name} variable is not set").`
          : `${t.source} holds the placeholder ${t.placeholderText ? `"${t.placeholderText}"` : '(a placeholder word)'} instead of a token.`;
  const empty =
    t.placeholderKind === 'empty' || t.placeholderKind === 'unset' || (t.placeholderKind === 'variable' && fromCompose);
  return { symptom: empty ? NO_TOKEN : NOT_VALID, what };
}

/** The decoded content is a usable token (ignoring the wrapping defects). */
function wellFormed(t: TokenFacts): boolean {
  return (
    t.base64 &&
    t.jsonType === 'object' &&
    t.accountTag.nonEmpty &&
    t.tunnelId.value !== null &&
    t.secret.nonEmpty &&
    t.secret.base64
  );
}

/** What is wrong with a tunnel ID that is there but not a UUID string. */
function tunnelIdProblem(id: TokenFacts['tunnelId']): string {
  return id.type === 'string' ? 'a string that is not a UUID' : `a ${id.type}, not a UUID string`;
}

const messages = {
  'token-missing': {
    severity: 'error',
    meaning: 'No tunnel token was found anywhere cloudflared could get one.',
    symptom: NO_TOKEN,
    cause: LOOKED_IN,
    fix: '{putToken} The service needs "{serviceEnv}". To check a token kept elsewhere, run mcp-tunnel doctor --token-file <file>.',
  },
  'token-placeholder': {
    severity: 'error',
    meaning: 'The token is empty, an unexpanded ${VAR} or a placeholder word, not a token.',
    symptom: '{symptom}',
    cause: '{what}{otherCopies}',
    fix: '{putToken}',
  },
  'token-is-jwt': {
    severity: 'error',
    meaning: 'A JWT (an API or identity credential) was given where the tunnel token belongs.',
    symptom: NOT_VALID,
    cause:
      '{source} holds a JWT (three dot-separated base64url parts): that is an API or identity credential, not a tunnel token. A tunnel token is one base64 string without dots, starting with "eyJ".',
    fix: '{putToken}',
  },
  'token-is-api-key': {
    severity: 'error',
    meaning: 'An API key (sk-ant-...) was given where the tunnel token belongs.',
    symptom: NOT_VALID,
    cause: '{source} holds an API key (sk-ant-...), not a tunnel token. Revoke the key if this file was shared.',
    fix: '{putToken}',
  },
  'token-is-credentials-file': {
    severity: 'error',
    meaning: 'A cloudflared credentials file (JSON) was given instead of a token.',
    symptom: NOT_VALID,
    cause:
      '{source} holds a cloudflared credentials file (AccountTag, TunnelSecret, TunnelID), not a tunnel token; cloudflared reads that only with --credentials-file.',
    fix: '{putToken}',
  },
  'token-env-prefix': {
    severity: 'error',
    meaning: 'The value starts with "TUNNEL_TOKEN=": the assignment was pasted with it.',
    symptom: NOT_VALID,
    cause:
      '{source} starts with "TUNNEL_TOKEN=": the variable assignment was pasted along with the value, and cloudflared reads it as part of the token.{inside}',
    fix: 'Delete the leading "TUNNEL_TOKEN=" from the value at {where}{restart}.',
  },
  'token-quoted': {
    severity: 'error',
    meaning: 'Quotes around the token are part of the value cloudflared gets.',
    symptom: NOT_VALID,
    cause:
      '{source} is wrapped in quotes that are part of the value cloudflared gets (Compose keeps them in list syntax "- TUNNEL_TOKEN=\\"...\\""; a file keeps them too).{inside}',
    fix: 'Remove the quotes around the value at {where}{restart}.',
  },
  'token-whitespace': {
    severity: 'error',
    meaning: 'The token contains spaces or tabs, which base64 does not skip.',
    symptom: NOT_VALID,
    cause:
      '{source} contains spaces or tabs; cloudflared decodes the value as it is, and base64 does not skip spaces.{inside}',
    fix: 'Remove the spaces from the value at {where} (the token is one unbroken string){restart}.',
  },
  'token-line-breaks': {
    severity: 'info',
    meaning: 'The token is split over lines; cloudflared skips the breaks (info).',
    symptom: 'None: cloudflared skips line breaks inside the token.',
    cause:
      "{source} is split over several lines; cloudflared's base64 decoder ignores line breaks, other tools may not.",
    fix: 'Nothing is required; keep the token on one line to be safe.',
  },
  'token-not-encoded': {
    severity: 'error',
    meaning: "The token's decoded JSON was given instead of the base64 string.",
    symptom: NOT_VALID,
    cause: "{source} is the token's decoded JSON ({tokenJson}), not the base64 string cloudflared expects.",
    fix: 'Encode it on one line: base64 -w0 <file with the JSON>, or better copy the original token again. {putToken}',
  },
  'token-base64-variant': {
    severity: 'error',
    meaning: 'URL-safe or unpadded base64: cloudflared decodes standard padded base64 only.',
    symptom: NOT_VALID,
    cause: '{source} is {variant}; cloudflared decodes standard, padded base64 only.{convertedBack}',
    fix: '{putToken}',
  },
  'token-not-base64': {
    severity: 'error',
    meaning: 'The value is not base64: truncated, or copied with extra characters.',
    symptom: NOT_VALID,
    cause: '{source} is not base64 ({length} characters); it was truncated or copied with extra characters.',
    fix: '{putToken}',
  },
  'token-not-json': {
    severity: 'error',
    meaning: 'The value decodes from base64, but not to JSON.',
    symptom: NOT_VALID,
    cause: '{source} decodes from base64, but not to JSON: it is not a tunnel token, or it was cut short.',
    fix: '{putToken}',
  },
  'token-not-object': {
    severity: 'error',
    meaning: 'The value decodes to JSON that is not the object {"a","t","s"}.',
    symptom: NOT_VALID,
    cause: '{source} decodes to JSON of type {jsonType}, not to the object {tokenObject} of a tunnel token.',
    fix: '{putToken}',
  },
  'account-tag-invalid': {
    severity: 'error',
    meaning: 'The account tag "a" is not a string.',
    symptom: NOT_VALID,
    cause: 'The token\'s account tag "a" is a {type}, not a string; cloudflared cannot read the token.',
    fix: '{putToken}',
  },
  'account-tag-empty': {
    severity: 'error',
    meaning: 'The account tag "a" is empty or missing; the edge refuses the tunnel.',
    symptom: EDGE_REFUSES,
    cause: 'The token\'s account tag "a" is {emptyOrMissing}; cloudflared does not check it, the edge refuses it.',
    fix: '{putToken}',
  },
  'tunnel-id-invalid': {
    severity: 'error',
    meaning: 'The tunnel ID "t" is missing or not a UUID.',
    symptom: '{symptom}',
    cause: '{problem}',
    fix: '{putToken}',
  },
  'secret-invalid': {
    severity: 'error',
    meaning: 'The tunnel secret "s" is not a base64 string.',
    symptom: NOT_VALID,
    cause: 'The token\'s tunnel secret "s" is {problem}.',
    fix: '{putToken}',
  },
  'secret-empty': {
    severity: 'error',
    meaning: 'The tunnel secret "s" is empty or missing; the edge answers "Invalid tunnel secret".',
    symptom: EDGE_REFUSES_SECRET,
    cause: 'The token\'s tunnel secret "s" is {emptyOrMissing}; cloudflared does not check it, the edge refuses it.',
    fix: '{putToken}',
  },
  'endpoint-invalid': {
    severity: 'error',
    meaning: 'The endpoint "e" is not a string.',
    symptom: NOT_VALID,
    cause: 'The token\'s endpoint "e" is a {type}, not a string.',
    fix: '{putToken}',
  },
  'endpoint-unknown': {
    // The rule is "e only fed": any other value is not a token the vendor issued, so it fails.
    severity: 'error',
    meaning: 'The endpoint "e" is not "fed", the only valid value.',
    symptom:
      'cloudflared may look for the edge in the wrong place (edge discovery errors), or the edge refuses the token.',
    cause:
      'The token\'s endpoint "e" is {endpoint}; the only valid one is "fed" (FedRAMP). Tokens issued for MCP tunnels normally have no "e": this token was edited or belongs to something else.',
    fix: 'Copy the token again from the tunnel detail page; do not edit its JSON by hand.',
  },
  'tokens-differ': {
    severity: 'warn',
    meaning: 'Two places hold different tokens; one of them is stale.',
    symptom:
      'cloudflared may connect as a different tunnel than the one you checked or expect, or be refused with "Unauthorized".',
    cause:
      '{source} (the value cloudflared gets) differs from the token in: {others}. One of them is stale (an older tunnel, or a token rotated since).',
    fix: 'Keep one token: the current one is on the tunnel detail page and in data/tunnel-token after setup. Remove or update the stale copies.',
  },
  'token-unreadable': {
    severity: 'error',
    meaning: 'The token file cannot be read.',
    symptom: 'cloudflared exits with "Failed to read token file: ..." when it reads {path} itself.',
    cause: '{path} {problem}.',
    fix: "Make {path} a regular file readable by the cloudflared container's user (for example chmod 644 {path}), holding only the token.",
  },
  'token-file-invalid': {
    severity: 'error',
    meaning: 'The token file does not hold one line of base64 text.',
    symptom: NOT_VALID,
    cause: '{path} {problem}; a token file holds one line of base64 text.',
    fix: '{putToken}',
  },
  'token-not-passed': {
    severity: 'error',
    meaning: 'A token exists, but the Compose cloudflared service is given none.',
    symptom: NO_TOKEN,
    cause:
      "The {service} service in {compose} is given no token: it has no TUNNEL_TOKEN or TUNNEL_TOKEN_FILE in its environment, no env_file and no --token or --token-file in its command. Compose does not pass the shell's variables to a container by itself, so the token found in {source} never reaches cloudflared.",
    fix: 'Add to the {service} service: {serviceEnv} (set in .env or the shell), then run {apply}.',
  },
  'token-decoded': {
    severity: 'info',
    meaning: "The token decodes to a tunnel's credentials (info: what was checked).",
    symptom: 'None.',
    cause: '{source} decodes to a token for tunnel {tunnelId}{fedramp}, with a non-empty account tag and secret.',
    fix: 'Nothing to do.',
  },
} as const satisfies Record<string, MessageSpec>;

export const check = defineCheck({
  id: 'tunnel-token',
  requires: [],
  // The token is not required: a Compose deployment without one is a failure, not a skip.
  uses: ['token', 'compose', 'dotenv', 'helmValues', 'proxyConfig'],
  messages,
  run(facts, report) {
    const { token, compose } = facts;
    const layout = facts.deployment.layout;
    const service = cloudflaredName(facts);
    if (!token || token.state === 'missing') {
      if (layout === 'helm') {
        const values = facts.helmValues?.state === 'ok' ? facts.helmValues.value.data : null;
        const named = isRecord(values) && isRecord(values.external) ? values.external.tunnelTokenSecretName : null;
        const secret = typeof named === 'string' ? named : '<secret>';
        return report.skip(
          `the Helm chart keeps the token in a Secret (external.tunnelTokenSecretName, key tunnel-token), which the doctor does not read; to check it: kubectl -n mcp-tunnel get secret ${secret} -o jsonpath='{.data.tunnel-token}' | base64 -d > tunnel-token && mcp-tunnel doctor --token-file tunnel-token (then delete the file)`,
        );
      }
      if (layout !== 'compose')
        return report.skip('no deployment was found and no token was given (TUNNEL_TOKEN or --token-file)');
      if (compose && compose.state !== 'ok') {
        return report.skip(
          `the Compose file ${compose.path} could not be read, so the token cloudflared gets is unknown (reported by cloudflared-ingress)`,
        );
      }
      const outside = tokenFileOutsideData(facts);
      if (outside) {
        return report.skip(
          `the ${service} service reads its token from ${outside} inside the container, which the doctor cannot map to a host file; give it with --token-file <host path>`,
        );
      }
      const composePath = compose?.path ?? 'the Compose file';
      const looked = token ? ` (${token.path} does not exist.)` : '';
      const lookedIn = [
        '$TUNNEL_TOKEN',
        `${composePath} (services.${service}.environment, env_file)`,
        '.env',
        'data/tunnel-token',
        '--token-file',
      ];
      const data = { service, compose: composePath, looked, putToken: putTokenFix(facts), serviceEnv: SERVICE_ENV };
      report('token-missing', data, null, { evidence: { lookedIn } });
      return;
    }
    if (token.state === 'unreadable') {
      const { path, problem } = token;
      report('token-unreadable', { path, problem }, { file: path }, { evidence: { path, problem } });
      return;
    }
    if (token.state === 'invalid') {
      const { path, problem } = token;
      const location = token.location ?? { file: path };
      report('token-file-invalid', { path, problem, putToken: putTokenFix(facts) }, location, {
        evidence: { path, problem },
      });
      return;
    }
    const t = token.value;
    let failed = false;
    if (layout === 'compose' && serviceGetsToken(facts) === false) {
      const apply = applyChangeCommand(facts, 'environment', service);
      const data = {
        service,
        compose: compose?.path ?? 'the Compose file',
        source: t.source,
        serviceEnv: SERVICE_ENV,
        apply,
      };
      report('token-not-passed', data, locate(compose, `services.${service}`));
      failed = true;
    }
    const at = t.location;
    const evidence = { evidence: { source: t.source, length: t.length, tunnelId: t.tunnelId.value } };
    const source = t.source;
    const putToken = putTokenFix(facts);
    const base = { source, putToken };
    const judged = <K extends keyof typeof messages>(messageId: K, data: MessageData<(typeof messages)[K]>) => {
      report(messageId, data, at, evidence);
      if (messages[messageId].severity !== 'info') failed = true;
    };
    if (t.placeholder) {
      const { symptom, what } = placeholderCause(facts, t);
      const placeholderEvidence = { source, placeholder: t.placeholderText ?? t.placeholderKind, alsoIn: t.alsoIn };
      report('token-placeholder', { symptom, what, otherCopies: otherCopies(t), putToken }, at, {
        evidence: placeholderEvidence,
      });
      return;
    }
    if (t.looksLike === 'jwt') return void judged('token-is-jwt', base);
    if (t.looksLike === 'api-key') return void judged('token-is-api-key', base);
    if (t.looksLike === 'credentials-json') return void judged('token-is-credentials-file', base);

    const where = at?.line ? `${at.file} line ${at.line}` : source;
    const inside = wellFormed(t) && t.tunnelId.value ? wellFormedWithout(t.tunnelId.value) : '';
    const restart =
      layout === 'compose'
        ? `, then run ${applyChangeCommand(facts, 'environment', service)}`
        : ', then restart cloudflared';
    if (t.envPrefix) judged('token-env-prefix', { ...base, inside, where, restart });
    if (t.quoted) judged('token-quoted', { ...base, inside, where, restart });
    if (t.whitespace === 'spaces') judged('token-whitespace', { ...base, inside, where, restart });
    if (t.whitespace === 'line-breaks') judged('token-line-breaks', base);
    if (t.looksLike === 'token-json') {
      judged('token-not-encoded', { ...base, tokenJson: TOKEN_JSON });
    } else if (!t.base64) {
      if (t.base64Variant === 'url-safe' || t.base64Variant === 'unpadded') {
        const variant = t.base64Variant === 'url-safe' ? URL_SAFE : UNPADDED;
        judged('token-base64-variant', {
          ...base,
          variant,
          convertedBack: t.tunnelId.value ? convertedBack(t.tunnelId.value) : '',
        });
      } else {
        judged('token-not-base64', { ...base, length: t.length });
      }
      if (!t.json) return;
    }
    if (!t.json) return void judged('token-not-json', base);
    if (t.jsonType !== 'object')
      return void judged('token-not-object', { ...base, jsonType: String(t.jsonType), tokenObject: TOKEN_OBJECT });

    const { accountTag: a, tunnelId: id, secret: s, endpoint: e } = t;
    if (a.type !== 'string' && a.type !== 'absent' && a.type !== 'null')
      judged('account-tag-invalid', { ...base, type: a.type });
    else if (!a.nonEmpty) judged('account-tag-empty', { ...base, emptyOrMissing: a.present ? 'empty' : 'missing' });
    if (!id.present || id.type === 'null') {
      judged('tunnel-id-invalid', {
        ...base,
        symptom: EDGE_REFUSES,
        problem: 'The token has no tunnel ID "t", so cloudflared has no tunnel to register (it sends the all-zero ID).',
      });
    } else if (id.type !== 'string' || !id.value || !UUID_FORMS.test(id.value)) {
      judged('tunnel-id-invalid', {
        ...base,
        symptom: NOT_VALID,
        problem: `The token's tunnel ID "t" is ${tunnelIdProblem(id)}.`,
      });
    }
    if (s.type !== 'string' && s.type !== 'absent' && s.type !== 'null')
      judged('secret-invalid', { ...base, problem: `a ${s.type}, not a base64 string` });
    else if (!s.nonEmpty) judged('secret-empty', { ...base, emptyOrMissing: s.present ? 'empty' : 'missing' });
    else if (!s.base64)
      judged('secret-invalid', {
        ...base,
        problem: "not standard base64, so cloudflared cannot decode the token's JSON",
      });
    if (e.present && e.type !== 'string' && e.type !== 'null') judged('endpoint-invalid', { ...base, type: e.type });
    else if (e.type === 'string' && e.value !== '' && e.value !== 'fed') {
      judged('endpoint-unknown', { ...base, endpoint: e.value ? `"${e.value}"` : 'an unusual value' });
    }
    const differ = t.alsoIn.filter((x) => !x.same);
    if (differ.length > 0) {
      const others = differ.map((d) => d.source).join('; ');
      report('tokens-differ', { source, others }, at, {
        evidence: { source, tunnelId: t.tunnelId.value, alsoIn: t.alsoIn },
      });
    }
    if (failed || differ.length > 0) return;
    const data = { source, tunnelId: t.tunnelId.value, fedramp: e.value === 'fed' ? FEDRAMP : '' };
    report('token-decoded', data, t.location, { evidence: { source, tunnelId: t.tunnelId.value, alsoIn: t.alsoIn } });
  },
});
