/**
 * Which commands the application's current state accepts: read from the statechart's own config
 * (the active state and its compound parent), so the answer follows the policy. Shown by
 * GET /api/applications/{id} and in IllegalTransitionError.
 */
import type { ProgrammePolicy } from '../policy/policy.types.js';
import { API_COMMANDS, COMMAND_EVENTS, type ApplicationCommandType } from './commands.js';
import type { ApplicationContext } from './context.js';
import type { ApplicationEventType } from './events.js';
import { buildStates, type StateConfig, type TransitionConfig } from './machine.js';

/** Config nodes of the active state, outermost first. */
function activeConfigs(policy: ProgrammePolicy, value: unknown): StateConfig[] {
  const configs: StateConfig[] = [];
  let level: Record<string, StateConfig> | undefined = buildStates(policy);
  let v = value;
  while (level && v !== undefined) {
    const [key, child]: [string, unknown] = typeof v === 'string' ? [v, undefined] : (Object.entries(v as object)[0] ?? ['', undefined]);
    const config: StateConfig | undefined = level[key];
    if (!config) break;
    configs.push(config);
    level = config.states;
    v = child;
  }
  return configs;
}

/** Event types some transition of the active state may take, given what the context already tells. */
export function acceptedEventTypes(policy: ProgrammePolicy, snapshot: { value: unknown; context: ApplicationContext }): Set<ApplicationEventType> {
  const channel = snapshot.context.channel?.kind === 'direct' ? 'direct' : 'recommender';
  const types = new Set<ApplicationEventType>();
  for (const config of activeConfigs(policy, snapshot.value)) {
    for (const [type, trs] of Object.entries(config.on ?? {}) as Array<[ApplicationEventType, TransitionConfig | TransitionConfig[]]>) {
      const list = Array.isArray(trs) ? trs : [trs];
      if (list.some((tr) => !tr.meta || tr.meta.channel === channel)) types.add(type);
    }
  }
  if (types.has('AnnualReportFiled')) {
    const rule = policy.postAward?.annualReports;
    if (!rule || snapshot.context.annualReports.length >= rule.years) types.delete('AnnualReportFiled');
  }
  return types;
}

/**
 * Command names the current state accepts: the API's by default, or also the term's and the
 * scheduler's with scope 'all'. Event data (tiers, objection ids, dates) is checked when deciding.
 */
export function acceptedCommands(
  policy: ProgrammePolicy,
  snapshot: { value: unknown; context: ApplicationContext },
  scope: 'api' | 'all' = 'api',
): ApplicationCommandType[] {
  const types = acceptedEventTypes(policy, snapshot);
  const names = scope === 'api' ? [...API_COMMANDS] : (Object.keys(COMMAND_EVENTS) as ApplicationCommandType[]);
  return names.filter((name) => COMMAND_EVENTS[name].some((type) => types.has(type)));
}
