// Machine output of `mcp-tunnel logs`: one JSON document (the report as it is). With --follow,
// each first sighting is one JSON line before the final report, which is then one line too
// (newline-delimited JSON).

import type { LogEvent } from '../logs/matcher.js';
import type { LogsReport } from '../logs/report.js';

export function renderLogsJson(report: LogsReport, opts: { compact?: boolean } = {}): string {
  return `${opts.compact ? JSON.stringify(report) : JSON.stringify(report, null, 2)}\n`;
}

export function renderLogsEventJson(event: LogEvent): string {
  return `${JSON.stringify({ schemaVersion: 1, command: 'logs', event: 'first-seen', kind: event.kind, source: event.source, ...(event.match ? { match: event.match } : {}), ...(event.note ? { note: event.note } : {}) })}\n`;
}
