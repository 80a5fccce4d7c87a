// The last resort of a doctor run: a throw that escapes every probe's guard (a library callback,
// a promise nobody awaits) would end the process with a stack trace and no report. While a run
// is in progress it is recorded here instead; the run goes on (every probe still has its
// deadline), and the doctor turns what escaped into `error` results and prints its report.

import { describeError } from '../core/errors.js';

export interface LastResort {
  /** What escaped so far, as one-line descriptions. */
  escaped(): string[];
  /** Remove the handlers (the process's default behaviour returns). */
  stop(): void;
}

export function startLastResort(): LastResort {
  const escaped: string[] = [];
  const record = (err: unknown) => {
    const [firstLine = ''] = describeError(err).split('\n');
    escaped.push(firstLine.slice(0, 300));
  };
  process.on('uncaughtException', record);
  process.on('unhandledRejection', record);
  return {
    escaped: () => [...escaped],
    stop() {
      process.removeListener('uncaughtException', record);
      process.removeListener('unhandledRejection', record);
    },
  };
}
