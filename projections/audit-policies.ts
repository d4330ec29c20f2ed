/**
 * How the audit projection finds an application's policy version. The default reads the policy
 * files once (the built-in folder plus POLICY_DIRS, as the server does): static configuration,
 * the same on every rebuild, not state. Tests pass their own resolver.
 */
import { PolicyRegistry } from '../workflows/policy/registry.js';
import type { ProgrammePolicy } from '../workflows/policy/policy.types.js';

export type PolicyResolver = (programmeId: string, version: string) => ProgrammePolicy;

let registry: PolicyRegistry | undefined;

export const defaultPolicyResolver: PolicyResolver = (programmeId, version) => {
  registry ??= PolicyRegistry.fromDirectories();
  return registry.get(programmeId, version);
};
