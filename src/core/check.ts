// What a check module is. A check declares the facts it needs (`requires`), the facts it reads
// when present (`uses`), and every message it can report with its severity and text; its `run`
// reads the narrowed facts and calls `report(messageId, data, location?)`. The runner skips a
// check whose required fact is absent, plans the live probes from the declarations, times each
// check, turns a throw into an `error` result and fills title and layer from the catalog.
// A check is pure: no I/O, no clock (facts.now), no change to the facts.

import type { Facts } from './facts.js';
import type { FactKey, FactsWith } from './requirements.js';
import type { Finding, Location, Severity, Status } from './types.js';
import { catalogEntry } from '../catalog/catalog.js';

export interface Outcome {
  status: Exclude<Status, 'error'>;
  reason: string | null;
  findings: Finding[];
}

/** One message of a check: what it means in general, and its text with `{name}` placeholders. */
export interface MessageSpec {
  severity: Severity;
  /** One line for `explain <messageId>`: what this message means whatever the deployment. */
  meaning: string;
  /** Templates; each one left out is the catalog entry's text for the check. */
  symptom?: string;
  cause?: string;
  fix?: string;
}

type Placeholders<S> = S extends `${string}{${infer Name}}${infer Rest}` ? Name | Placeholders<Rest> : never;
type TextsOf<M> = M extends MessageSpec ? M['symptom'] | M['cause'] | M['fix'] : never;
export type TemplateValue = string | number | boolean | null;
/** The named data a message's templates need (checked by the compiler for literal templates). */
export type MessageData<M> = { readonly [K in Placeholders<TextsOf<M>>]: TemplateValue } & Readonly<
  Record<string, TemplateValue>
>;

export interface ReportOptions {
  /** Overrides the message's severity where it depends on the deployment (degraded vs dead). */
  severity?: Severity;
  /** Values behind the finding, for machine formats. */
  evidence?: Record<string, unknown>;
}

/** What `run` returns when a part of its own input (not a required fact) makes judging impossible. */
export interface Skipped {
  readonly skipped: string;
}

export interface Report<M extends Record<string, MessageSpec>> {
  <K extends keyof M & string>(
    messageId: K,
    data: MessageData<M[K]>,
    location?: Location | null,
    options?: ReportOptions,
  ): void;
  /** Something the pass does not cover (a domain not known, a host not resolved): shown as "not checked: ...". */
  notChecked(what: string): void;
  /** Ends the check as skipped with this reason; `return report.skip(...)`. */
  skip(reason: string): Skipped;
}

export interface CheckDefinition<R extends FactKey, M extends Record<string, MessageSpec>> {
  id: string;
  requires: readonly R[];
  uses?: readonly FactKey[];
  messages: M;
  run(facts: FactsWith<R>, report: Report<M>): void | Skipped;
}

export interface Check {
  id: string;
  requires: readonly FactKey[];
  uses: readonly FactKey[];
  messages: Readonly<Record<string, MessageSpec>>;
  /** Judges facts that hold every required fact (the runner makes sure of it). */
  evaluate(facts: Readonly<Facts>): Outcome;
}

/** Fills `{name}` placeholders; a placeholder without data is a bug in the check, so it throws. */
export function fillTemplate(template: string, data: Readonly<Record<string, TemplateValue>>, where: string): string {
  return template.replace(/\{([A-Za-z][A-Za-z0-9]*)\}/g, (_, name: string) => {
    if (!Object.hasOwn(data, name)) throw new Error(`${where}: no value for {${name}}`);
    return String(data[name]);
  });
}

export function defineCheck<const R extends FactKey, const M extends Record<string, MessageSpec>>(
  definition: CheckDefinition<R, M>,
): Check {
  const { id, messages } = definition;
  return {
    id,
    requires: definition.requires,
    uses: definition.uses ?? [],
    messages,
    evaluate(facts) {
      const findings: Finding[] = [];
      const notChecked: string[] = [];
      const entry = catalogEntry(id);
      const add = (
        messageId: string,
        data: Readonly<Record<string, TemplateValue>>,
        location?: Location | null,
        options?: ReportOptions,
      ) => {
        const spec = messages[messageId];
        if (!spec) throw new Error(`${id}: no message ${messageId} in its messages`);
        const text = (field: 'symptom' | 'cause' | 'fix') =>
          fillTemplate(spec[field] ?? entry[field], data, `${id}/${messageId} ${field}`);
        const f: Finding = {
          severity: options?.severity ?? spec.severity,
          messageId,
          symptom: text('symptom'),
          cause: text('cause'),
          fix: text('fix'),
        };
        if (options?.evidence) f.evidence = options.evidence;
        if (location) f.location = location;
        findings.push(f);
      };
      const report = Object.assign(add, {
        notChecked: (what: string) => void notChecked.push(what),
        skip: (reason: string): Skipped => ({ skipped: reason }),
      }) as unknown as Report<M>;
      const ended = definition.run(facts as FactsWith<R>, report);
      if (ended) return { status: 'skip', reason: ended.skipped, findings: [] };
      return judge(findings, notChecked);
    },
  };
}

/** Status follows the worst finding: any error -> fail, any warn -> warn, else pass. */
function judge(findings: Finding[], notChecked: readonly string[] = []): Outcome {
  const status = findings.some((f) => f.severity === 'error')
    ? 'fail'
    : findings.some((f) => f.severity === 'warn')
      ? 'warn'
      : 'pass';
  return { status, reason: notChecked.length > 0 ? `not checked: ${notChecked.join('; ')}` : null, findings };
}

/** Whether a check needs the network: it requires or reads a live fact. */
export function isLiveCheck(check: Pick<Check, 'requires' | 'uses'>): boolean {
  return [...check.requires, ...check.uses].some((k) => k.startsWith('live.'));
}
