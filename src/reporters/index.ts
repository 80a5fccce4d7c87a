// The output formats by name, each a pair of pure renderers (doctor report, logs report) ->
// string. A format's modules load only when it is used, so a JSON run never loads the colour
// library and start-up stays fast.

import type { DoctorReport } from '../core/types.js';
import type { LogsReport } from '../logs/report.js';
import type { RenderContext } from './context.js';

export const FORMATS = ['human', 'json', 'markdown', 'junit', 'sarif', 'github', 'openmetrics'] as const;
export type Format = (typeof FORMATS)[number];

export interface Renderers {
  doctor(report: DoctorReport, ctx: RenderContext): string;
  logs(report: LogsReport, ctx: RenderContext): string;
}

const LOADERS: Record<Format, () => Promise<Renderers>> = {
  human: async () => {
    const { renderDoctorHuman } = await import('./human.js');
    const { renderLogsHuman } = await import('./logs-human.js');
    return {
      doctor: (r, c) =>
        renderDoctorHuman(r, { color: c.color, verbose: c.verbose, deployment: c.environment.deployment }),
      logs: (r, c) => renderLogsHuman(r, { color: c.color, verbose: c.verbose }),
    };
  },
  json: async () => {
    const { renderDoctorJson } = await import('./json.js');
    const { renderLogsJson } = await import('./logs-json.js');
    return { doctor: (r) => renderDoctorJson(r), logs: (r) => renderLogsJson(r) };
  },
  markdown: async () => {
    const m = await import('./markdown.js');
    return { doctor: m.renderDoctorMarkdown, logs: m.renderLogsMarkdown };
  },
  junit: async () => {
    const m = await import('./junit.js');
    return { doctor: m.renderDoctorJunit, logs: m.renderLogsJunit };
  },
  sarif: async () => {
    const m = await import('./sarif.js');
    return { doctor: m.renderDoctorSarif, logs: m.renderLogsSarif };
  },
  github: async () => {
    const m = await import('./github.js');
    return { doctor: m.renderDoctorGithub, logs: m.renderLogsGithub };
  },
  openmetrics: async () => {
    const m = await import('./openmetrics.js');
    return { doctor: m.renderDoctorOpenMetrics, logs: m.renderLogsOpenMetrics };
  },
};

export function isFormat(name: string): name is Format {
  return (FORMATS as readonly string[]).includes(name);
}

export function loadRenderers(format: Format): Promise<Renderers> {
  return LOADERS[format]();
}
