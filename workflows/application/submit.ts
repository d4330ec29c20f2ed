/**
 * Builds ApplicationSubmitted. The terms/service side decides a submission (term open, eligibility,
 * bans, one channel only); this helper only shapes the event and checks what the policy alone says.
 */
import type { ProgrammePolicy } from '../policy/policy.types.js';
import { RuleViolationError } from '../errors.js';
import type { Applicant, ApplicationSubmitted, Channel, Declaration } from './events.js';
import { requireDate, requireText, ruleRef } from './decide-support.js';

export interface SubmitApplicationData {
  applicationId: string;
  termId: string;
  applicant: Applicant;
  channel: Channel;
  declaration: Declaration;
  submittedOn: string;
}

export function submitApplication(policy: ProgrammePolicy, data: SubmitApplicationData): ApplicationSubmitted {
  if (!policy.applicantKinds.kinds.includes(data.applicant.kind)) {
    throw new RuleViolationError(
      `${policy.name} does not take applications from an ${data.applicant.kind}`,
      ruleRef(policy, policy.applicantKinds.article),
      'applicant.kind',
    );
  }
  if (!policy.channels.kinds.includes(data.channel.kind)) {
    throw new RuleViolationError(`Channel '${data.channel.kind}' is not open`, ruleRef(policy, policy.channels.article), 'channel.kind');
  }
  const recommender = data.channel.kind === 'direct' ? null : requireText(data.channel.recommender, 'channel.recommender');
  return {
    type: 'ApplicationSubmitted',
    data: {
      applicationId: requireText(data.applicationId, 'applicationId'),
      termId: requireText(data.termId, 'termId'),
      programmeId: policy.programmeId,
      policyVersion: policy.version,
      applicant: data.applicant,
      channel: { kind: data.channel.kind, recommender },
      declaration: data.declaration,
      submittedOn: requireDate(data.submittedOn, 'submittedOn'),
    },
  };
}
