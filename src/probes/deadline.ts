// The one deadline helper every network probe uses. A Deadline is an AbortSignal that fires when
// its time is up or when its parent (the run's overall budget) fires, plus the clock reading a
// probe needs to report its latency. Probes destroy their sockets when the signal aborts.

import { setMaxListeners } from 'node:events';
import { performance } from 'node:perf_hooks';

export interface Deadline {
  readonly signal: AbortSignal;
  /** Milliseconds since the deadline started. */
  elapsed(): number;
  /** Milliseconds left (0 when expired). */
  remaining(): number;
  /** True when the parent budget, rather than this deadline's own time, ended it. */
  cutByParent(): boolean;
  /** Stop the timer (call when the probe is done; idempotent). */
  dispose(): void;
}

class DeadlineExceeded extends Error {
  constructor(readonly ms: number) {
    super(`no answer within ${ms} ms`);
    this.name = 'DeadlineExceeded';
  }
}

/** A deadline of `ms` milliseconds, cut short when `parent` aborts. */
export function startDeadline(ms: number, parent?: AbortSignal): Deadline {
  const started = performance.now();
  const controller = new AbortController();
  // A run's budget is the parent of every probe's deadline: many listeners are expected.
  setMaxListeners(0, controller.signal);
  const limit = Math.max(0, Math.floor(ms));
  const timer = setTimeout(() => controller.abort(new DeadlineExceeded(limit)), limit);
  timer.unref?.();
  let byParent = false;
  const onParent = () => {
    byParent = true;
    controller.abort(parent?.reason ?? new DeadlineExceeded(limit));
  };
  if (parent) {
    if (parent.aborted) onParent();
    else parent.addEventListener('abort', onParent, { once: true });
  }
  const dispose = () => {
    clearTimeout(timer);
    parent?.removeEventListener('abort', onParent);
  };
  controller.signal.addEventListener('abort', () => clearTimeout(timer), { once: true });
  return {
    signal: controller.signal,
    elapsed: () => Math.round((performance.now() - started) * 10) / 10,
    remaining: () => (controller.signal.aborted ? 0 : Math.max(0, limit - (performance.now() - started))),
    cutByParent: () => byParent,
    dispose,
  };
}

/** Call `onAbort` when the signal aborts (at once if it already has); returns the unsubscriber. */
export function whenAborted(signal: AbortSignal, onAbort: () => void): () => void {
  if (signal.aborted) {
    onAbort();
    return () => undefined;
  }
  signal.addEventListener('abort', onAbort, { once: true });
  return () => signal.removeEventListener('abort', onAbort);
}
