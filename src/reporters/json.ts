// The doctor's machine output: exactly one JSON document, the report as it is.

import type { DoctorReport } from '../core/types.js';

export function renderDoctorJson(report: DoctorReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}
