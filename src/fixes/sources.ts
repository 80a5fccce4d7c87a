// Reads the text of the files repairs may edit (I/O, like a probe): the Compose file, its .env,
// the proxy config and the Helm values. A file whose content no longer matches the facts (it
// changed after the checks read it) is left out and named, so no repair is planned on it.

import type { Facts } from '../core/facts.js';
import { decodeText, readBounded } from '../probes/bounded-file.js';
import { parseDotenv } from '../model/dotenv.js';
import { proxyConfigFromHelm } from '../model/deployment-view.js';
import type { SourceFile } from './types.js';
import { sameData, yamlData } from './yaml-text.js';

export interface ReadSources {
  sources: Map<string, SourceFile>;
  /** Files that changed since the facts were gathered (or can no longer be read). */
  stale: string[];
}

function readText(path: string): string | null {
  const read = readBounded(path, false);
  if (read.state !== 'ok') return null;
  const text = decodeText(read.bytes);
  return text.ok ? text.text : null;
}

export function readSources(facts: Readonly<Facts>): ReadSources {
  const sources = new Map<string, SourceFile>();
  const stale: string[] = [];
  const add = (path: string, matches: (text: string) => boolean) => {
    if (sources.has(path) || stale.includes(path)) return;
    const text = readText(path);
    if (text !== null && matches(text)) sources.set(path, { path, text });
    else stale.push(path);
  };
  if (facts.compose?.state === 'ok') {
    const data = facts.compose.value.data;
    add(facts.compose.path, (t) => sameData(yamlData(t), data));
  }
  if (facts.dotenv?.state === 'ok') {
    const vars = facts.dotenv.value;
    add(facts.dotenv.path, (t) => sameData(parseDotenv(t), vars));
  }
  if (facts.helmValues?.state === 'ok') {
    const { files, data } = facts.helmValues.value;
    for (const f of files)
      add(f, (t) => yamlData(t) !== undefined && (files.length > 1 || sameData(yamlData(t) ?? {}, data)));
  }
  if (facts.proxyConfig?.state === 'ok' && !proxyConfigFromHelm(facts)) {
    const data = facts.proxyConfig.value.data;
    add(facts.proxyConfig.path, (t) => sameData(yamlData(t), data));
  }
  return { sources, stale };
}
