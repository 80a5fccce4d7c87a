// The options that name a deployment's inputs, shared by `doctor` (flags, --facts conflicts,
// "nothing found") and the deployment probe (DeploymentInputs): listed once, both derive from it.

const DEPLOYMENT_OPTIONS = [
  { key: 'config', flag: '--config', kind: 'path' },
  { key: 'compose', flag: '--compose', kind: 'path' },
  { key: 'values', flag: '--values', kind: 'paths' },
  { key: 'cert', flag: '--cert', kind: 'path' },
  { key: 'key', flag: '--key', kind: 'path' },
  { key: 'ca', flag: '--ca', kind: 'path' },
  { key: 'tunnelDomain', flag: '--tunnel-domain', kind: 'text' },
  { key: 'tokenFile', flag: '--token-file', kind: 'path' },
  { key: 'jwtFile', flag: '--jwt-file', kind: 'path' },
  { key: 'federationRule', flag: '--federation-rule', kind: 'path' },
  { key: 'oauthMetadata', flag: '--oauth-metadata', kind: 'path' },
  { key: 'resourceMetadata', flag: '--resource-metadata', kind: 'path' },
] as const satisfies readonly { key: string; flag: `--${string}`; kind: 'path' | 'paths' | 'text' }[];

type DeploymentOption = (typeof DEPLOYMENT_OPTIONS)[number];

/** The values of those options: a repeatable one is a list (empty when not given), the others optional. */
export type DeploymentOptionValues = {
  [O in Extract<DeploymentOption, { kind: 'paths' }> as O['key']]: string[];
} & {
  [O in Exclude<DeploymentOption, { kind: 'paths' }> as O['key']]?: string;
};

/** The options given, with their values as typed (lists only when not empty). */
export function givenDeploymentOptions(values: DeploymentOptionValues): DeploymentOption[] {
  return DEPLOYMENT_OPTIONS.filter((o) => {
    const v = values[o.key];
    return Array.isArray(v) ? v.length > 0 : v !== undefined;
  });
}

/** The same values with every path made absolute by `resolvePath` (text options kept as given). */
export function resolveDeploymentOptions(
  values: DeploymentOptionValues,
  resolvePath: (p: string) => string,
): DeploymentOptionValues {
  const out: Record<string, string | string[] | undefined> = {};
  for (const o of DEPLOYMENT_OPTIONS) {
    const v = values[o.key];
    if (Array.isArray(v)) out[o.key] = v.map(resolvePath);
    else if (v !== undefined) out[o.key] = o.kind === 'text' ? v : resolvePath(v);
  }
  return out as DeploymentOptionValues;
}
