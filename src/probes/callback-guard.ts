// Socket, TLS and DNS callbacks run outside the try/catch of the probe that set them up: a throw
// inside one (a certificate with no subject, a parser surprise) would end the whole process with
// no report. Every such callback in src/probes is wrapped by `guarded`, which hands the throw to
// the probe, so it settles with its own typed failure instead.

import { describeError } from '../core/errors.js';

/** `fn`, except that a throw inside it is passed to `onThrow` (the probe's failure) instead of escaping. */
export function guarded<A extends unknown[]>(
  onThrow: (err: unknown) => void,
  fn: (...args: A) => void,
): (...args: A) => void {
  return (...args: A) => {
    try {
      fn(...args);
    } catch (err) {
      onThrow(err);
    }
  };
}

/** The detail of a probe that failed because its own code threw (a bug, not the network). */
export function internalFailureDetail(what: string, err: unknown): string {
  return `${what}: the probe itself failed (${describeError(err)})`;
}
