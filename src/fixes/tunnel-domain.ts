// Repair for tunnel-domain 'domain-mismatch' and 'bare-keys-without-domain': make the domain the
// proxy strips equal to the assigned one (data/tunnel-domain or --tunnel-domain). Where the value
// really lives is followed: tunnel_domain itself when it is literal or absent; when it is
// `${VAR}`, the proxy service's literal environment entry, else the VAR line in .env. A variable
// set in the shell (which wins over .env) or a domain assembled from pieces is left to the user.

import { findProxyService, serviceEnvironment } from '../model/compose.js';
import { applyChangeCommand, assignedDomain, proxyConfigModel, proxyRestartCommand } from '../model/deployment-view.js';
import { parseDotenv } from '../model/dotenv.js';
import { setDotenvValue } from './dotenv-text.js';
import { configTarget, editPlan } from './edit-plan.js';
import type { FindingRef, FixModule, PlanOutcome } from './types.js';
import { findingsOf } from './types.js';
import { editIsExact, setScalar, withValue, yamlData } from './yaml-text.js';

const ID = 'tunnel-domain';
const MESSAGES = ['domain-mismatch', 'bare-keys-without-domain'] as const;
const ONE_VARIABLE = /^\$(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))$/;

/** The variable that `text` is made of alone (`$NAME` or `${NAME}`), or null. */
function oneVariable(text: string): string | null {
  const m = ONE_VARIABLE.exec(text.trim());
  return m ? (m[1] ?? m[2] ?? null) : null;
}

type Step = { plan: PlanOutcome['plans'][number] } | { reason: string };

export const tunnelDomain: FixModule = {
  id: ID,
  messageIds: MESSAGES,
  plan(facts, results, sources): PlanOutcome {
    const found = findingsOf(results, ID, MESSAGES);
    if (found.length === 0) return { plans: [], declined: [] };
    const answers = found.map((f) => f.ref);
    const assigned = assignedDomain(facts);
    const step = assigned
      ? repair(facts, sources, answers, assigned)
      : { reason: 'the assigned domain is not known (give data/tunnel-domain or --tunnel-domain)' };
    return 'plan' in step
      ? { plans: [step.plan], declined: [] }
      : { plans: [], declined: [{ answers, reason: step.reason }] };
  },
};

function repair(
  facts: Parameters<FixModule['plan']>[0],
  sources: Parameters<FixModule['plan']>[2],
  answers: FindingRef[],
  assigned: string,
): Step {
  const model = proxyConfigModel(facts);
  const target = configTarget(facts, 'tunnel_domain');
  if (!model || !target) return { reason: 'the proxy config could not be read' };
  const raw = model.tunnelDomainRaw;
  const restart = proxyRestartCommand(facts);
  const key = target.prefix.length > 0 ? 'gateway.config.tunnel_domain' : 'tunnel_domain';

  // Literal or absent: write the assigned domain into the config itself.
  if (raw === null || !raw.includes('$')) {
    const source = sources.get(target.path);
    if (!source) return { reason: `${target.path} could not be read again` };
    const path = [...target.prefix, 'tunnel_domain'];
    const after = setScalar(source.text, path, assigned, { afterKey: 'listen_addr' });
    if (after === null || !editIsExact(source.text, after, (d) => withValue(d, path, assigned)))
      return { reason: `${key} could not be edited exactly; set it by hand` };
    const plan = editPlan(sources, target.path, after, {
      id: ID,
      answers,
      title: `set ${key} to the assigned domain ${assigned}`,
      followUp: restart,
    });
    return plan ? { plan } : { reason: `${key} is already ${assigned}` };
  }

  let name = oneVariable(raw);
  if (name === null) return { reason: `${key} is assembled from "${raw}"; set its parts by hand` };

  // The proxy service's own environment entry comes first: a literal there is the value.
  const compose = facts.compose?.state === 'ok' ? facts.compose : null;
  const composeSource = compose ? sources.get(compose.path) : undefined;
  const composeData = composeSource ? yamlData(composeSource.text) : undefined;
  const service = composeData ? findProxyService(composeData) : null;
  const env = service ? serviceEnvironment(service) : {};
  const entry = env[name];
  if (service && composeSource && typeof entry === 'string') {
    const inner = oneVariable(entry);
    if (!entry.includes('$')) {
      const list = Array.isArray(service.spec.environment);
      const index = list
        ? (service.spec.environment as unknown[]).findIndex((e) => typeof e === 'string' && e.startsWith(`${name}=`))
        : -1;
      const path = list
        ? ['services', service.name, 'environment', index]
        : ['services', service.name, 'environment', name];
      const value = list ? `${name}=${assigned}` : assigned;
      const after = setScalar(composeSource.text, path, value);
      if (after === null || !editIsExact(composeSource.text, after, (d) => withValue(d, path, value)))
        return { reason: `${name} of the ${service.name} service could not be edited exactly` };
      const plan = editPlan(sources, composeSource.path, after, {
        id: ID,
        answers,
        title: `set ${name} of the ${service.name} service to the assigned domain ${assigned}`,
        followUp: applyChangeCommand(facts, 'environment'),
      });
      return plan ? { plan } : { reason: `${name} is already ${assigned}` };
    }
    if (inner === null)
      return { reason: `${name} of the ${service.name} service is assembled from "${entry}"; set its parts by hand` };
    name = inner;
  }

  if (facts.processEnv[name] !== undefined)
    return { reason: `${name} is set in your shell's environment, which wins over .env; set it there to ${assigned}` };
  const dotenv = facts.dotenv;
  const envSource = dotenv && dotenv.state === 'ok' ? sources.get(dotenv.path) : undefined;
  if (!dotenv || dotenv.state !== 'ok' || !envSource)
    return {
      reason: `no .env beside the Compose file sets ${name}; add ${name}=${assigned} where your deployment sets it`,
    };
  if (parseDotenv(envSource.text)[name] === undefined)
    return { reason: `.env does not set ${name}; add ${name}=${assigned} where your deployment sets it` };
  const after = setDotenvValue(envSource.text, name, assigned);
  if (after === null) return { reason: `${name} in ${dotenv.path} could not be edited exactly` };
  const plan = editPlan(sources, envSource.path, after, {
    id: ID,
    answers,
    title: `set ${name} in .env to the assigned domain ${assigned}`,
    followUp: applyChangeCommand(facts, 'environment'),
  });
  return plan ? { plan } : { reason: `${name} is already ${assigned}` };
}
