// Repair for cloudflared-ingress's local target: add `--url http://localhost:<listen port>` to
// cloudflared's `tunnel run` command, or correct the one it has (https -> http, the port ->
// the proxy's listen port), in the command's own form (one string or a list), or in
// TUNNEL_URL when that is where it is set. Shell-wrapped commands, entrypoints that carry
// arguments and URLs built from variables are left to the user.

import { basename } from 'node:path';
import {
  commandArgs,
  findCloudflaredService,
  isRecord,
  serviceEnvironment,
  shellWords,
  type ComposeService,
} from '../model/compose.js';
import { proxyConfigModel } from '../model/deployment-view.js';
import { editPlan } from './edit-plan.js';
import type { FixModule, PlanOutcome } from './types.js';
import { findingsOf } from './types.js';
import { editIsExact, insertSeqItems, setScalar, withValue, yamlData, type KeyPath } from './yaml-text.js';

const ID = 'cloudflared-ingress';
const MESSAGES = ['url-missing', 'url-port-mismatch', 'url-https', 'url-scheme', 'url-invalid'] as const;
const URL_FLAG = /^--?url(=|$)/;
const SHELLS = /^(sh|bash|ash|dash)$/;

interface Change {
  path: KeyPath;
  after: string | null;
  change: (data: unknown) => unknown;
  describe: string;
}

/** The service as it is in the current text (an earlier repair may have edited the file). */
function cloudflaredIn(text: string): ComposeService | null {
  const data = yamlData(text);
  return data === undefined ? null : findCloudflaredService(data);
}

function entrypointWords(cf: ComposeService): string[] {
  const e = cf.spec.entrypoint;
  return typeof e === 'string' ? shellWords(e) : Array.isArray(e) ? e.map(String) : [];
}

/** Plan the change of a string command: words are spliced in place so spacing and order stay. */
function stringCommand(text: string, cf: ComposeService, raw: string, urlIdx: number, want: string): Change | string {
  const spans = [...raw.matchAll(/\S+/g)].map((m) => ({ word: m[0], start: m.index, end: m.index + m[0].length }));
  if (spans.map((s) => s.word).join('\u0000') !== shellWords(raw).join('\u0000'))
    return 'the command uses quotes or escapes; edit it by hand';
  const words = spans.map((s) => s.word);
  const flag = spans[urlIdx];
  let next: string;
  let describe: string;
  if (urlIdx < 0) {
    const run = spans[words.findIndex((w, i) => w === 'run' && words.slice(0, i).includes('tunnel'))];
    if (!run) return 'the command does not run "tunnel run"';
    next = `${raw.slice(0, run.end)} --url ${want}${raw.slice(run.end)}`;
    describe = `add --url ${want} to the ${cf.name} command`;
  } else if (flag?.word.includes('=')) {
    next = `${raw.slice(0, flag.start)}${flag.word.slice(0, flag.word.indexOf('=') + 1)}${want}${raw.slice(flag.end)}`;
    describe = `set the ${cf.name} --url to ${want}`;
  } else {
    const s = spans[urlIdx + 1];
    if (!s) return 'the --url flag has no value';
    next = `${raw.slice(0, s.start)}${want}${raw.slice(s.end)}`;
    describe = `set the ${cf.name} --url to ${want}`;
  }
  const path = ['services', cf.name, 'command'];
  return { path, after: setScalar(text, path, next), change: (d) => withValue(d, path, next), describe };
}

function listCommand(text: string, cf: ComposeService, args: string[], urlIdx: number, want: string): Change | string {
  const path = ['services', cf.name, 'command'];
  if (urlIdx < 0) {
    const run = args.findIndex((w, i) => w === 'run' && args.slice(0, i).includes('tunnel'));
    if (run < 0) return 'the command does not run "tunnel run"';
    const change = (d: unknown) => {
      const copy = structuredClone(d) as { services: Record<string, { command: unknown[] }> };
      copy.services[cf.name]?.command.splice(run + 1, 0, '--url', want);
      return copy;
    };
    return {
      path,
      after: insertSeqItems(text, path, run + 1, ['--url', want]),
      change,
      describe: `add --url ${want} to the ${cf.name} command`,
    };
  }
  const flag = args[urlIdx] ?? '';
  const inline = flag.includes('=');
  const at = inline ? urlIdx : urlIdx + 1;
  if (at >= args.length) return 'the --url flag has no value';
  const value = inline ? `${flag.slice(0, flag.indexOf('=') + 1)}${want}` : want;
  const itemPath = [...path, at];
  return {
    path: itemPath,
    after: setScalar(text, itemPath, value),
    change: (d) => withValue(d, itemPath, value),
    describe: `set the ${cf.name} --url to ${want}`,
  };
}

function envUrl(text: string, cf: ComposeService, want: string): Change | string {
  const env = cf.spec.environment;
  const base = ['services', cf.name, 'environment'];
  if (isRecord(env)) {
    const path = [...base, 'TUNNEL_URL'];
    return {
      path,
      after: setScalar(text, path, want),
      change: (d) => withValue(d, path, want),
      describe: `set TUNNEL_URL of ${cf.name} to ${want}`,
    };
  }
  if (Array.isArray(env)) {
    const i = env.findIndex((e) => typeof e === 'string' && e.startsWith('TUNNEL_URL='));
    if (i < 0) return 'TUNNEL_URL is taken from the shell; set it there';
    const path = [...base, i];
    return {
      path,
      after: setScalar(text, path, `TUNNEL_URL=${want}`),
      change: (d) => withValue(d, path, `TUNNEL_URL=${want}`),
      describe: `set TUNNEL_URL of ${cf.name} to ${want}`,
    };
  }
  return 'TUNNEL_URL could not be located';
}

export const cloudflaredUrl: FixModule = {
  id: ID,
  messageIds: MESSAGES,
  plan(facts, results, sources): PlanOutcome {
    const found = findingsOf(results, ID, MESSAGES);
    if (found.length === 0) return { plans: [], declined: [] };
    const answers = found.map((f) => f.ref);
    const decline = (reason: string): PlanOutcome => ({ plans: [], declined: [{ answers, reason }] });
    if (facts.deployment.layout !== 'compose' || facts.compose?.state !== 'ok')
      return decline('only a Compose file is repaired');
    const source = sources.get(facts.compose.path);
    if (!source) return decline(`${facts.compose.path} could not be read again`);
    const cf = cloudflaredIn(source.text);
    if (!cf) return decline('no cloudflared service was found');
    const entry = entrypointWords(cf);
    if (
      entry.some((w) => SHELLS.test(basename(w)) || URL_FLAG.test(w)) ||
      entry.some((w) => !w.startsWith('-') && basename(w) !== 'cloudflared')
    ) {
      return decline(`the ${cf.name} service's entrypoint carries part of the command; edit it by hand`);
    }
    const args = commandArgs(cf);
    const program = args?.[0];
    if (program !== undefined && SHELLS.test(basename(program)))
      return decline(`the ${cf.name} command runs through a shell; edit it by hand`);
    const listenPort = proxyConfigModel(facts)?.listenPort ?? null;

    // Where the current URL is: a --url flag, else TUNNEL_URL, else nowhere.
    const urlIdx = args ? args.findIndex((a) => URL_FLAG.test(a)) : -1;
    const envValue = serviceEnvironment(cf).TUNNEL_URL;
    const flag = args?.[urlIdx];
    const current =
      flag === undefined
        ? (envValue ?? null)
        : flag.includes('=')
          ? flag.slice(flag.indexOf('=') + 1)
          : (args?.[urlIdx + 1] ?? null);
    let want: string;
    if (current === null) {
      if (listenPort === null)
        return decline(
          "the proxy's listen port is unknown (no usable proxy config), so the right --url cannot be told",
        );
      want = `http://localhost:${listenPort}`;
    } else {
      if (current.includes('$')) return decline('the URL is built from a variable; set that variable to the right URL');
      const m = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/(\[[^\]]+\]|[^/:?#]*)(?::(\d+))?/.exec(current);
      const port = listenPort ?? (m?.[3] ? Number(m[3]) : null);
      if (port === null) return decline("the proxy's listen port is unknown (no usable proxy config)");
      want = `http://${m && m[2] !== '' ? m[2] : 'localhost'}:${port}`;
      if (want === current) return decline(`--url is already ${want}`);
    }

    let change: Change | string;
    if (urlIdx < 0 && current !== null) change = envUrl(source.text, cf, want);
    else if (typeof cf.spec.command === 'string')
      change = stringCommand(source.text, cf, cf.spec.command, urlIdx, want);
    else if (Array.isArray(cf.spec.command) && args) change = listCommand(source.text, cf, args, urlIdx, want);
    else change = `the ${cf.name} service has no command to add --url to`;
    if (typeof change === 'string') return decline(change);
    const { after, change: expected, describe } = change;
    if (after === null || !editIsExact(source.text, after, expected))
      return decline('the edit could not be made exactly; edit the command by hand');
    const plan = editPlan(sources, source.path, after, {
      id: ID,
      answers,
      title: describe,
      followUp: 'docker compose up -d',
    });
    return { plans: plan ? [plan] : [], declined: [] };
  },
};
