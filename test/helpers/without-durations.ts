// Two runs over the same facts give the same report but for how long they took.

import type { DoctorReport } from '../../src/core/types.js';

export function withoutDurations(report: DoctorReport): unknown {
  const { durationMs: _total, ...rest } = report;
  return { ...rest, results: report.results.map(({ durationMs: _d, ...r }) => r) };
}
