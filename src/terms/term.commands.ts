import { Inject } from '@nestjs/common';
import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { AwardService } from '../awards/award.service.js';
import type { CommandContext } from '../awards/command-context.js';
import { AWARD_SERVICE } from '../domain.tokens.js';

type TermOperation =
  | { kind: 'open'; programmeId: string; input: Parameters<AwardService['openTerm']>[1] }
  | { kind: 'proposed-list'; termId: string; entries: Parameters<AwardService['recordProposedList']>[1] }
  | { kind: 'publicity'; termId: string; input: Parameters<AwardService['startPublicity']>[1] }
  | { kind: 'approval'; termId: string; input: Parameters<AwardService['approve']>[1] }
  | { kind: 'supplementary-approval'; termId: string; input: Parameters<AwardService['supplementaryApproval']>[1] };

/** One command class for the term's decisions: each is a single atomic multi-stream append. */
export class TermCommand extends Command<Record<string, unknown>> {
  constructor(
    readonly operation: TermOperation,
    readonly ctx: CommandContext,
  ) {
    super();
  }
}

@CommandHandler(TermCommand)
export class TermCommandHandler implements ICommandHandler<TermCommand> {
  constructor(@Inject(AWARD_SERVICE) private readonly awards: AwardService) {}

  async execute({ operation, ctx }: TermCommand): Promise<Record<string, unknown>> {
    switch (operation.kind) {
      case 'open':
        return { ...(await this.awards.openTerm(operation.programmeId, operation.input, ctx)) };
      case 'proposed-list':
        return { ...(await this.awards.recordProposedList(operation.termId, operation.entries, ctx)) };
      case 'publicity':
        return { ...(await this.awards.startPublicity(operation.termId, operation.input, ctx)) };
      case 'approval':
        return { ...(await this.awards.approve(operation.termId, operation.input, ctx)) };
      case 'supplementary-approval':
        return { ...(await this.awards.supplementaryApproval(operation.termId, operation.input, ctx)) };
      default: {
        const _exhaustive: never = operation;
        throw new Error(`unknown term operation ${String(_exhaustive)}`);
      }
    }
  }
}
