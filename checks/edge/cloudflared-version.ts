// cloudflared-version: which cloudflared runs, and what its release changed. The version comes from
// the most direct source there is: build_info on its metrics server, else the running image's
// version label or tag, else the Compose file's tag. It needs none of them in particular, so it
// works offline from the Compose file and on a live run from the runtime alone.

import { defineCheck } from '../../src/core/check.js';
import type { ContainerFacts } from '../../src/core/runtime-facts.js';
import { findCloudflaredService } from '../../src/model/compose.js';
import {
  BEHAVIOUR_CHANGES,
  compareVersions,
  imageTagVersion,
  parseVersion,
  versionText,
  type CalendarVersion,
} from '../../src/model/cloudflared-version.js';
import { locate } from '../../src/model/deployment-view.js';
import { cloudflaredContainer } from '../../src/model/runtime-roles.js';

/** The behaviour changes of the releases after `from` up to and including `to`. */
function changesBetween(from: CalendarVersion | null, to: CalendarVersion): string {
  const list = BEHAVIOUR_CHANGES.filter(
    (c) => compareVersions(c.since, to) <= 0 && (from === null || compareVersions(c.since, from) > 0),
  );
  return list.map((c) => ` Since ${versionText(c.since)}: ${c.change}${c.see ? ` (see ${c.see})` : ''}.`).join('');
}

/** The release that runs: build_info first (the binary's own word), else the running image's label or tag. */
function runningRelease(
  build: string | null,
  container: ContainerFacts | null,
): { version: CalendarVersion; source: string } | null {
  const fromBuild = build === null ? null : parseVersion(build);
  if (fromBuild) return { version: fromBuild, source: "build_info on cloudflared's metrics server" };
  if (!container) return null;
  const tag = imageTagVersion(container.image);
  const version = parseVersion(container.imageVersion ?? '') ?? (tag === 'latest' ? null : tag);
  return version ? { version, source: `the image of the running ${container.name} container` } : null;
}

export const check = defineCheck({
  id: 'cloudflared-version',
  requires: [],
  uses: ['compose', 'live.runtime', 'live.metrics'],
  messages: {
    'version-judged': {
      severity: 'info',
      meaning: 'The cloudflared release in use, and the defaults its release changed (info).',
      symptom: 'None.',
      cause: 'cloudflared {version} ({source}).{changes}',
      fix: 'Nothing to do.',
    },
    'latest-tag': {
      severity: 'info',
      meaning: 'The Compose file runs cloudflared:latest: a pull can change the release and its defaults (info).',
      symptom: 'None.',
      cause: 'The {service} service names {image}: {running}.',
      fix: 'Pin a release (cloudflare/cloudflared:{pin}) so an upgrade is a change you make and can read about.',
    },
    'not-recreated': {
      severity: 'warn',
      meaning: 'The Compose file names another cloudflared release than the one running.',
      symptom: 'cloudflared behaves like the release before the last edit of the Compose file.',
      cause: 'The file names {fileVersion} but {running} runs ({source}): the container was not recreated.{changes}',
      fix: 'Recreate it: docker compose up -d {service}.',
    },
  },
  run(facts, report) {
    const compose = facts.compose?.state === 'ok' ? facts.compose : undefined;
    const service = compose ? findCloudflaredService(compose.value.data) : null;
    const image = service?.spec.image;
    const fileVersion = imageTagVersion(image);
    const container = cloudflaredContainer(facts);
    const running = runningRelease(facts.live?.metrics?.metrics.value?.build?.version ?? null, container);
    const runningVersion = running?.version ?? null;
    const name = service?.name ?? container?.service ?? 'cloudflared';
    const where = compose && service ? locate(compose, `services.${service.name}.image`) : null;

    if (
      runningVersion &&
      fileVersion &&
      fileVersion !== 'latest' &&
      compareVersions(runningVersion, fileVersion) !== 0
    ) {
      const newer = compareVersions(fileVersion, runningVersion) > 0;
      report(
        'not-recreated',
        {
          fileVersion: versionText(fileVersion),
          running: versionText(runningVersion),
          source: running?.source ?? '',
          changes: newer ? changesBetween(runningVersion, fileVersion) : '',
          service: name,
        },
        where,
        { evidence: { fileVersion: versionText(fileVersion), runningVersion: versionText(runningVersion) } },
      );
      return;
    }
    if (fileVersion === 'latest') {
      const now = runningVersion
        ? `the release running now is ${versionText(runningVersion)} (${running?.source ?? ''})`
        : 'which release runs is not known from here';
      report(
        'latest-tag',
        {
          service: name,
          image: typeof image === 'string' ? image : 'cloudflare/cloudflared',
          running: now,
          pin: runningVersion ? versionText(runningVersion) : 'YYYY.M.P',
        },
        where,
      );
    }
    const version = runningVersion ?? (fileVersion === 'latest' ? null : fileVersion);
    if (!version) {
      if (fileVersion === 'latest') return;
      return report.skip(
        service || container
          ? 'no cloudflared release could be read: the image tag is not a release and nothing running said its version'
          : 'no cloudflared service in the Compose file and no running cloudflared',
      );
    }
    const source = runningVersion ? (running?.source ?? '') : `the image tag in ${compose?.path ?? 'the Compose file'}`;
    report('version-judged', { version: versionText(version), source, changes: changesBetween(null, version) }, where, {
      evidence: { version: versionText(version), source },
    });
  },
});
