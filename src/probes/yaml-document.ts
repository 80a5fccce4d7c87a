// Reads a YAML (or JSON) deployment file, bounded, and parses it with the one YAML parser
// (model/yaml-document.ts). Secrets in the file are registered as it is read.

import type { FileFact, YamlDocumentFacts } from '../core/facts.js';
import { decodeText, readBounded } from './bounded-file.js';
import { registerKeyMaterial, registerSecretsIn } from '../redaction/register.js';
import { parseYamlText } from '../model/yaml-document.js';

/** Read and parse a YAML (or JSON) file; every failure is a FileFact, never a throw. */
export function loadYamlFile(path: string, explicit: boolean): FileFact<YamlDocumentFacts> {
  const read = readBounded(path, explicit);
  if (read.state !== 'ok') return read;
  const text = decodeText(read.bytes);
  if (!text.ok) return { state: 'invalid', path, problem: text.problem };
  // Secrets in the file are registered as it is read, parsable or not (redaction by value).
  registerSecretsIn(text.text, false);
  registerKeyMaterial(text.text, false);
  const fact = parseYamlText(text.text, path);
  if (fact.state === 'ok') registerSecretsIn(fact.value.data);
  return fact;
}
