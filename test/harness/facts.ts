// Building facts for check tests: a minimal base and helpers for file facts.

import type { Facts, FileFact, YamlDocumentFacts } from '../../src/core/facts.js';
import { parseYamlText } from '../../src/model/yaml-document.js';

export const NOW = '2026-11-25T12:00:00.000Z';

export function baseFacts(overrides: Partial<Facts> = {}): Facts {
  return {
    now: NOW,
    offline: true,
    deployment: { dir: '/deploy', layout: 'compose', generation: 'mcp-proxy' },
    processEnv: {},
    ...overrides,
  };
}

export function ok<T>(path: string, value: T): FileFact<T> {
  return { state: 'ok', path, value };
}

/** A YAML document fact parsed from text, with real positions. Throws if the YAML is invalid. */
export function yamlFact(path: string, text: string): FileFact<YamlDocumentFacts> {
  const fact = parseYamlText(text, path);
  return fact;
}
