/**
 * The policies the deadlines projection reads (annual reports, revocation windows, supervision).
 * Loaded on first use, from the built-in folder plus POLICY_DIRS, like the server's registry; a
 * programme version the registry lacks schedules no policy-bound deadline instead of failing the
 * projection.
 */
import type { PolicyLookup } from '../../projections/deadlines.js';
import { PolicyRegistry } from '../../workflows/policy/registry.js';
import type { ProgrammePolicy } from '../../workflows/policy/policy.types.js';

export function lookupIn(registry: () => PolicyRegistry): PolicyLookup {
  let loaded: PolicyRegistry | undefined;
  return (programmeId: string, version: string): ProgrammePolicy | undefined => {
    loaded ??= registry();
    try {
      return loaded.get(programmeId, version);
    } catch {
      return undefined;
    }
  };
}

export const defaultPolicyLookup: PolicyLookup = lookupIn(() => PolicyRegistry.fromDirectories());
