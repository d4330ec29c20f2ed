/** Deciders for the end of the procedure: approval, withdrawal, revocation and post-award duties. */
import type { ProgrammePolicy } from '../policy/policy.types.js';
import { InvalidInputError, RuleViolationError } from '../errors.js';
import { endInstant } from '../calendar/local-date.js';
import type {
  AnnualReportOverdueCommand,
  AwardCommand,
  CloseRevocationWindowCommand,
  FileAnnualReportCommand,
  NotAwardCommand,
  RevokeCommand,
  WithdrawCommand,
} from './commands.js';
import type { ApplicationEvent, Prize } from './events.js';
import type { ReplayedApplication } from './replay.js';
import { instantBefore, requireDate, requireText, ruleRef } from './decide-support.js';
import {
  annualReportDueDate,
  annualReportRefusal,
  revocationRefusal,
  revocationWindowLastDay,
  toRuleViolation,
} from './rules.js';

const idOf = (state: ReplayedApplication) => state.context.applicationId!;

/** Government approval (the term's decision issues it per application). */
export function award(command: AwardCommand, state: ReplayedApplication, policy: ProgrammePolicy): ApplicationEvent[] {
  const tier = policy.tiers.find((t) => t.id === command.tier);
  if (!tier) throw new InvalidInputError(`Unknown tier '${command.tier}'`, 'tier');
  const kind = state.context.applicant?.kind ?? 'organisation';
  // 忻州 第二十一条, 瀍河 第二十条, 朝阳 第十八条: the amount in force at the decision is recorded, so a
  // later revocation recovers what was paid even if a newer version changes the amounts.
  const prize: Prize = { amount: tier.prize[kind] ?? null, currency: 'CNY', ...(tier.prize.article ? { article: tier.prize.article } : {}) };
  return [
    {
      type: 'ApplicationAwarded',
      data: {
        applicationId: idOf(state),
        tier: command.tier,
        decisionDate: requireDate(command.decisionDate, 'decisionDate'),
        documentNo: requireText(command.documentNo, 'documentNo'),
        prize,
      },
    },
  ];
}

export function notAward(command: NotAwardCommand, state: ReplayedApplication): ApplicationEvent[] {
  return [{ type: 'ApplicationNotAwarded', data: { applicationId: idOf(state), reason: requireText(command.reason, 'reason'), decidedOn: command.occurredOn } }];
}

export function withdraw(command: WithdrawCommand, state: ReplayedApplication): ApplicationEvent[] {
  return [{ type: 'ApplicationWithdrawn', data: { applicationId: idOf(state), reason: requireText(command.reason, 'reason'), withdrawnOn: command.occurredOn } }];
}

/**
 * Revocation: a ground of the policy, within its window after the award (瀍河 第二十九条 2 years,
 * 朝阳 第三十六条 3 years); what is recovered and the public notice come from the ground.
 */
export function revoke(command: RevokeCommand, state: ReplayedApplication, policy: ProgrammePolicy): ApplicationEvent[] {
  const revokedOn = command.revokedOn ?? command.occurredOn;
  const request = { ground: command.ground, revokedOn, ...(command.incidentOn !== undefined ? { incidentOn: command.incidentOn } : {}) };
  const refusal = revocationRefusal(policy, state.context, request);
  if (refusal) throw toRuleViolation(policy, refusal);
  const ground = policy.revocation.grounds.find((g) => g.code === command.ground)!;
  return [
    {
      type: 'ApplicationRevoked',
      data: {
        applicationId: idOf(state),
        ground: ground.code,
        article: ground.article,
        recovers: [...ground.recovers],
        publicNotice: ground.publicNotice,
        revokedOn,
        ...(command.incidentOn !== undefined ? { incidentOn: command.incidentOn } : {}),
        // 济南 第二十九条, 忻州 第二十八条, 瀍河 第二十八条: 收回/追缴奖金 — the amount recorded at the award.
        ...(ground.recovers.includes('prize-money') && state.context.award?.prize ? { prizeToRecover: state.context.award.prize } : {}),
      },
    },
  ];
}

/** 瀍河 第二十四条: a yearly quality-performance report for 3 years after the award. */
export function fileAnnualReport(command: FileAnnualReportCommand, state: ReplayedApplication, policy: ProgrammePolicy): ApplicationEvent[] {
  const refusal = annualReportRefusal(policy, state.context, command.year);
  if (refusal) throw toRuleViolation(policy, refusal);
  return [{ type: 'AnnualReportFiled', data: { applicationId: idOf(state), year: command.year, filedOn: command.occurredOn } }];
}

/**
 * 瀍河 第二十四条: the scheduler marks the `report`-th yearly report overdue once its due day has
 * ended without it. Filed meanwhile: nothing to record.
 */
export function annualReportOverdue(command: AnnualReportOverdueCommand, state: ReplayedApplication, policy: ProgrammePolicy): ApplicationEvent[] {
  const rule = policy.postAward?.annualReports;
  const award = state.context.award;
  if (!rule || !award) throw new InvalidInputError('This application owes no annual reports', 'report');
  if (!Number.isInteger(command.report) || command.report < 1 || command.report > rule.years) {
    throw new InvalidInputError(`report is 1–${rule.years}`, 'report');
  }
  if (state.context.annualReports.length >= command.report) return [];
  const dueDate = annualReportDueDate(award.decisionDate, command.report);
  if (instantBefore(command.now, endInstant(dueDate))) {
    throw new RuleViolationError(`Annual report ${command.report} is due by ${dueDate}`, ruleRef(policy, rule.article), 'report');
  }
  return [{ type: 'AnnualReportOverdue', data: { applicationId: idOf(state), report: command.report, dueDate, overdueOn: command.occurredOn } }];
}

/**
 * The window of the grounds limited to `windowYears` after the award closes at 24:00 of its last
 * day (瀍河 第二十九条, 朝阳 第三十六条). revocationRefusal already refuses later incidents by date; this
 * records the moment for the office and the audit.
 */
export function closeRevocationWindow(command: CloseRevocationWindowCommand, state: ReplayedApplication, policy: ProgrammePolicy): ApplicationEvent[] {
  const award = state.context.award;
  const grounds = policy.revocation.grounds.filter((g) => g.windowYears === command.windowYears);
  if (!award || grounds.length === 0) throw new InvalidInputError(`No revocation window of ${command.windowYears} years`, 'windowYears');
  const lastDay = revocationWindowLastDay(award.decisionDate, command.windowYears);
  if (instantBefore(command.now, endInstant(lastDay))) {
    throw new RuleViolationError(`The window runs until the end of ${lastDay}`, ruleRef(policy, grounds[0]!.article), 'windowYears');
  }
  return [
    {
      type: 'RevocationWindowClosed',
      data: { applicationId: idOf(state), windowYears: command.windowYears, grounds: grounds.map((g) => g.code), lastDay, closedOn: command.occurredOn },
    },
  ];
}
