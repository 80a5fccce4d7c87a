// Real consumers of the output formats, for tests: an XML parser and the JUnit schema's shape,
// a JSON-schema validator with SARIF 2.1.0's schema (the parts this tool emits, written from the
// OASIS specification, with additionalProperties: false so a misspelt property is caught), a
// markdown parser (GitHub-flavoured tables), and the workflow-command grammar.

import { Ajv } from 'ajv';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { lexer, parse as renderMarkdown, type Tokens } from 'marked';

// ------------------------------------------------------------------------------------ JUnit

export interface XmlNode {
  name: string;
  attrs: Record<string, string>;
  children: XmlNode[];
  text: string;
}

/** Parses XML (after a well-formedness check) into a plain tree; attribute values decoded as a parser reads them. */
export function parseXml(xml: string): XmlNode {
  const valid = XMLValidator.validate(xml);
  if (valid !== true) throw new Error(`not well-formed XML: ${JSON.stringify(valid.err)}`);
  const parser = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: '',
    preserveOrder: true,
    trimValues: false,
    htmlEntities: true,
    ignoreDeclaration: true,
  });
  const ordered = parser.parse(xml) as Record<string, unknown>[];
  const toNode = (entry: Record<string, unknown>): XmlNode | null => {
    const name = Object.keys(entry).find((k) => k !== ':@');
    if (!name || name === '#text') return null;
    const kids = (entry[name] as Record<string, unknown>[]) ?? [];
    return {
      name,
      attrs: (entry[':@'] as Record<string, string>) ?? {},
      children: kids.map(toNode).filter((n): n is XmlNode => n !== null),
      text: kids
        .filter((k) => '#text' in k)
        .map((k) => String(k['#text']))
        .join(''),
    };
  };
  const roots = ordered.map(toNode).filter((n): n is XmlNode => n !== null);
  const [root] = roots;
  if (roots.length !== 1 || !root) throw new Error(`expected one root element, found ${roots.length}`);
  return root;
}

/** The JUnit XML shape CI servers accept (the Ant/Jenkins junit schema): elements, attributes, order and counts. */
const JUNIT: Record<string, { attrs: string[]; required: string[]; children: string[] }> = {
  testsuites: {
    attrs: ['name', 'time', 'tests', 'failures', 'errors', 'skipped', 'disabled', 'timestamp'],
    required: [],
    children: ['testsuite'],
  },
  testsuite: {
    attrs: [
      'name',
      'tests',
      'failures',
      'errors',
      'skipped',
      'disabled',
      'time',
      'timestamp',
      'hostname',
      'id',
      'package',
      'file',
    ],
    required: ['name', 'tests'],
    children: ['properties', 'testcase', 'system-out', 'system-err'],
  },
  properties: { attrs: [], required: [], children: ['property'] },
  property: { attrs: ['name', 'value'], required: ['name', 'value'], children: [] },
  testcase: {
    attrs: ['name', 'classname', 'time', 'assertions', 'status', 'file', 'line'],
    required: ['name'],
    children: ['skipped', 'error', 'failure', 'system-out', 'system-err'],
  },
  skipped: { attrs: ['message'], required: [], children: [] },
  error: { attrs: ['message', 'type'], required: [], children: [] },
  failure: { attrs: ['message', 'type'], required: [], children: [] },
  'system-out': { attrs: [], required: [], children: [] },
  'system-err': { attrs: [], required: [], children: [] },
};

export function junitProblems(root: XmlNode): string[] {
  const problems: string[] = [];
  if (root.name !== 'testsuites') problems.push(`root is <${root.name}>, not <testsuites>`);
  const walk = (n: XmlNode, path: string) => {
    const rule = JUNIT[n.name];
    if (!rule) return void problems.push(`${path}: unknown element <${n.name}>`);
    for (const a of Object.keys(n.attrs)) if (!rule.attrs.includes(a)) problems.push(`${path}: unknown attribute ${a}`);
    for (const a of rule.required) if (!(a in n.attrs)) problems.push(`${path}: missing attribute ${a}`);
    for (const a of ['tests', 'failures', 'errors', 'skipped']) {
      const count = n.attrs[a];
      if (count !== undefined && !/^\d+$/.test(count)) problems.push(`${path}: ${a}="${count}" is not a count`);
    }
    if ('time' in n.attrs && !/^\d+(\.\d+)?$/.test(n.attrs.time))
      problems.push(`${path}: time="${n.attrs.time}" is not a number of seconds`);
    let last = -1;
    for (const c of n.children) {
      const at = rule.children.indexOf(c.name);
      if (at < 0) problems.push(`${path}: <${c.name}> not allowed in <${n.name}>`);
      // testsuite's children come in schema order (properties, testcases, system-out, system-err).
      if (n.name === 'testsuite' && at < last) problems.push(`${path}: <${c.name}> out of order`);
      last = Math.max(last, at);
      walk(c, `${path}/${c.name}${c.attrs.name ? `[${c.attrs.name}]` : ''}`);
    }
    if (n.name === 'testcase') {
      const outcome = n.children.filter((c) => ['skipped', 'error', 'failure'].includes(c.name));
      if (outcome.length > 1) problems.push(`${path}: more than one of skipped/error/failure`);
    }
    if (n.name === 'testsuite' || n.name === 'testsuites') {
      const cases =
        n.name === 'testsuite'
          ? n.children.filter((c) => c.name === 'testcase')
          : n.children.flatMap((s) => s.children.filter((c) => c.name === 'testcase'));
      const count = (tag: string) => cases.filter((c) => c.children.some((k) => k.name === tag)).length;
      const expect: Record<string, number> = {
        tests: cases.length,
        failures: count('failure'),
        errors: count('error'),
        skipped: count('skipped'),
      };
      for (const [k, v] of Object.entries(expect))
        if (k in n.attrs && Number(n.attrs[k]) !== v) problems.push(`${path}: ${k}="${n.attrs[k]}" but ${v} counted`);
    }
  };
  walk(root, root.name);
  return problems;
}

// ------------------------------------------------------------------------------------ SARIF

const text = { type: 'string' } as const;
const int = (minimum: number) => ({ type: 'integer', minimum }) as const;
const level = { enum: ['none', 'note', 'warning', 'error'] } as const;
const closed = (properties: Record<string, unknown>, required: string[] = []) => ({
  type: 'object',
  additionalProperties: false,
  properties,
  required,
});

/**
 * SARIF 2.1.0 (OASIS Standard, errata 01), the objects and properties this tool emits plus their
 * siblings, with the schema's types, enums, minimums and required properties.
 */
const SARIF_SUBSET_SCHEMA = {
  $id: 'sarif-2.1.0-subset',
  type: 'object',
  additionalProperties: false,
  required: ['version', 'runs'],
  properties: {
    $schema: text,
    version: { enum: ['2.1.0'] },
    runs: { type: 'array', items: { $ref: '#/definitions/run' } },
    properties: { $ref: '#/definitions/propertyBag' },
  },
  definitions: {
    propertyBag: {
      type: 'object',
      properties: { tags: { type: 'array', uniqueItems: true, items: text } },
      additionalProperties: true,
    },
    message: {
      ...closed({
        text,
        markdown: text,
        id: text,
        arguments: { type: 'array', items: text },
        properties: { $ref: '#/definitions/propertyBag' },
      }),
      anyOf: [{ required: ['text'] }, { required: ['id'] }],
    },
    multiformatMessageString: closed({ text, markdown: text, properties: { $ref: '#/definitions/propertyBag' } }, [
      'text',
    ]),
    reportingConfiguration: closed({
      enabled: { type: 'boolean' },
      level,
      rank: { type: 'number', minimum: -1, maximum: 100 },
      parameters: { $ref: '#/definitions/propertyBag' },
      properties: { $ref: '#/definitions/propertyBag' },
    }),
    reportingDescriptor: closed(
      {
        id: text,
        deprecatedIds: { type: 'array', items: text },
        guid: text,
        name: text,
        shortDescription: { $ref: '#/definitions/multiformatMessageString' },
        fullDescription: { $ref: '#/definitions/multiformatMessageString' },
        messageStrings: { type: 'object', additionalProperties: { $ref: '#/definitions/multiformatMessageString' } },
        defaultConfiguration: { $ref: '#/definitions/reportingConfiguration' },
        helpUri: text,
        help: { $ref: '#/definitions/multiformatMessageString' },
        relationships: { type: 'array' },
        properties: { $ref: '#/definitions/propertyBag' },
      },
      ['id'],
    ),
    reportingDescriptorReference: {
      ...closed({
        id: text,
        index: int(-1),
        guid: text,
        toolComponent: { type: 'object' },
        properties: { $ref: '#/definitions/propertyBag' },
      }),
      anyOf: [{ required: ['index'] }, { required: ['guid'] }, { required: ['id'] }],
    },
    toolComponent: closed(
      {
        guid: text,
        name: text,
        organization: text,
        product: text,
        fullName: text,
        version: text,
        semanticVersion: text,
        informationUri: text,
        downloadUri: text,
        shortDescription: { $ref: '#/definitions/multiformatMessageString' },
        fullDescription: { $ref: '#/definitions/multiformatMessageString' },
        rules: { type: 'array', uniqueItems: true, items: { $ref: '#/definitions/reportingDescriptor' } },
        notifications: { type: 'array', uniqueItems: true, items: { $ref: '#/definitions/reportingDescriptor' } },
        properties: { $ref: '#/definitions/propertyBag' },
      },
      ['name'],
    ),
    tool: closed(
      {
        driver: { $ref: '#/definitions/toolComponent' },
        extensions: { type: 'array', items: { $ref: '#/definitions/toolComponent' } },
        properties: { $ref: '#/definitions/propertyBag' },
      },
      ['driver'],
    ),
    artifactLocation: closed({
      uri: text,
      uriBaseId: text,
      index: int(-1),
      description: { $ref: '#/definitions/message' },
      properties: { $ref: '#/definitions/propertyBag' },
    }),
    region: closed({
      startLine: int(1),
      startColumn: int(1),
      endLine: int(1),
      endColumn: int(1),
      charOffset: int(-1),
      charLength: int(0),
      byteOffset: int(-1),
      byteLength: int(0),
      snippet: { type: 'object' },
      message: { $ref: '#/definitions/message' },
      sourceLanguage: text,
      properties: { $ref: '#/definitions/propertyBag' },
    }),
    physicalLocation: {
      ...closed({
        address: { type: 'object' },
        artifactLocation: { $ref: '#/definitions/artifactLocation' },
        region: { $ref: '#/definitions/region' },
        contextRegion: { $ref: '#/definitions/region' },
        properties: { $ref: '#/definitions/propertyBag' },
      }),
      anyOf: [{ required: ['address'] }, { required: ['artifactLocation'] }],
    },
    location: closed({
      id: int(-1),
      physicalLocation: { $ref: '#/definitions/physicalLocation' },
      logicalLocations: { type: 'array' },
      message: { $ref: '#/definitions/message' },
      annotations: { type: 'array', items: { $ref: '#/definitions/region' } },
      relationships: { type: 'array' },
      properties: { $ref: '#/definitions/propertyBag' },
    }),
    result: closed(
      {
        ruleId: text,
        ruleIndex: int(-1),
        rule: { $ref: '#/definitions/reportingDescriptorReference' },
        kind: { enum: ['notApplicable', 'pass', 'fail', 'review', 'open', 'informational'] },
        level,
        message: { $ref: '#/definitions/message' },
        analysisTarget: { $ref: '#/definitions/artifactLocation' },
        locations: { type: 'array', items: { $ref: '#/definitions/location' } },
        guid: text,
        correlationGuid: text,
        occurrenceCount: int(1),
        partialFingerprints: { type: 'object', additionalProperties: text },
        fingerprints: { type: 'object', additionalProperties: text },
        relatedLocations: { type: 'array', items: { $ref: '#/definitions/location' } },
        baselineState: { enum: ['new', 'unchanged', 'updated', 'absent'] },
        rank: { type: 'number', minimum: -1, maximum: 100 },
        hostedViewerUri: text,
        properties: { $ref: '#/definitions/propertyBag' },
      },
      ['message'],
    ),
    notification: closed(
      {
        locations: { type: 'array', items: { $ref: '#/definitions/location' } },
        message: { $ref: '#/definitions/message' },
        level,
        threadId: { type: 'integer' },
        timeUtc: text,
        exception: { type: 'object' },
        descriptor: { $ref: '#/definitions/reportingDescriptorReference' },
        associatedRule: { $ref: '#/definitions/reportingDescriptorReference' },
        properties: { $ref: '#/definitions/propertyBag' },
      },
      ['message'],
    ),
    invocation: closed(
      {
        commandLine: text,
        arguments: { type: 'array', items: text },
        startTimeUtc: text,
        endTimeUtc: text,
        exitCode: { type: 'integer' },
        exitCodeDescription: text,
        toolExecutionNotifications: { type: 'array', items: { $ref: '#/definitions/notification' } },
        toolConfigurationNotifications: { type: 'array', items: { $ref: '#/definitions/notification' } },
        executionSuccessful: { type: 'boolean' },
        machine: text,
        account: text,
        processId: { type: 'integer' },
        workingDirectory: { $ref: '#/definitions/artifactLocation' },
        properties: { $ref: '#/definitions/propertyBag' },
      },
      ['executionSuccessful'],
    ),
    runAutomationDetails: closed({
      description: { $ref: '#/definitions/message' },
      id: text,
      guid: text,
      correlationGuid: text,
      properties: { $ref: '#/definitions/propertyBag' },
    }),
    run: closed(
      {
        tool: { $ref: '#/definitions/tool' },
        invocations: { type: 'array', items: { $ref: '#/definitions/invocation' } },
        language: text,
        originalUriBaseIds: { type: 'object', additionalProperties: { $ref: '#/definitions/artifactLocation' } },
        artifacts: { type: 'array', uniqueItems: true },
        results: { type: 'array', items: { $ref: '#/definitions/result' } },
        automationDetails: { $ref: '#/definitions/runAutomationDetails' },
        baselineGuid: text,
        redactionTokens: { type: 'array', uniqueItems: true, items: text },
        defaultEncoding: text,
        defaultSourceLanguage: text,
        newlineSequences: { type: 'array', minItems: 1, uniqueItems: true, items: text },
        columnKind: { enum: ['utf16CodeUnits', 'unicodeCodePoints'] },
        properties: { $ref: '#/definitions/propertyBag' },
      },
      ['tool'],
    ),
  },
} as const;

// strictRequired would refuse the schema's anyOf-of-required idiom (message: text or id).
const ajv = new Ajv({ allErrors: true, strict: true, strictRequired: false });
const sarifValidator = ajv.compile(SARIF_SUBSET_SCHEMA);

/** Schema errors of a SARIF log (empty when valid), plus the URI rules JSON Schema cannot say. */
export function sarifProblems(log: unknown): string[] {
  const problems: string[] = [];
  if (!sarifValidator(log))
    problems.push(
      ...(sarifValidator.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message} ${JSON.stringify(e.params)}`),
    );
  const walk = (v: unknown, path: string) => {
    if (Array.isArray(v)) v.forEach((x, i) => walk(x, `${path}/${i}`));
    else if (v && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) {
        if ((k === 'uri' || k === 'informationUri' || k === 'helpUri' || k === '$schema') && typeof x === 'string') {
          // uri-reference: resolvable against a base, no spaces or backslashes.
          if (/[\s\\]/.test(x)) problems.push(`${path}/${k}: "${x}" is not a URI reference`);
          try {
            new URL(x, 'file:///base/');
          } catch {
            problems.push(`${path}/${k}: "${x}" does not parse as a URI reference`);
          }
        }
        walk(x, `${path}/${k}`);
      }
    }
  };
  walk(log, '');
  return problems;
}

// --------------------------------------------------------------------------------- markdown

export function markdownTables(md: string): Tokens.Table[] {
  return lexer(md).filter((t): t is Tokens.Table => t.type === 'table');
}

export function markdownHeadings(md: string): { depth: number; text: string }[] {
  return lexer(md)
    .filter((t): t is Tokens.Heading => t.type === 'heading')
    .map((h) => ({ depth: h.depth, text: h.text }));
}

export function markdownHtml(md: string): string {
  return renderMarkdown(md, { async: false, gfm: true });
}

// ----------------------------------------------------------------------- workflow commands

/** `::error|warning|notice [k=v,...]::data` with properties escaped (no raw , : % CR LF) and data escaped (no raw % CR LF). */
export const WORKFLOW_COMMAND =
  /^::(error|warning|notice)(?: ((?:file|line|endLine|col|endColumn|title)=(?:[^,:%\r\n]|%25|%0D|%0A|%3A|%2C)*(?:,(?:file|line|endLine|col|endColumn|title)=(?:[^,:%\r\n]|%25|%0D|%0A|%3A|%2C)*)*))?::((?:[^%\r\n]|%25|%0D|%0A)*)$/;

export interface WorkflowCommand {
  command: string;
  props: Record<string, string>;
  message: string;
}

const unescapeData = (s: string) => s.replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%25/g, '%');
const unescapeProp = (s: string) => unescapeData(s.replace(/%3A/g, ':').replace(/%2C/g, ','));

/** Parses one line as the runner does; null for a plain log line. */
export function parseWorkflowCommand(line: string): WorkflowCommand | null {
  const m = WORKFLOW_COMMAND.exec(line);
  if (!m) return null;
  const props: Record<string, string> = {};
  for (const part of (m[2] ?? '').split(',').filter(Boolean)) {
    const eq = part.indexOf('=');
    props[part.slice(0, eq)] = unescapeProp(part.slice(eq + 1));
  }
  const [, command = '', , message = ''] = m; // groups 1 and 3 are not optional: always set on a match
  return { command, props, message: unescapeData(message) };
}
