import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { Inject } from '@nestjs/common';
import type { CommandContext } from '../awards/command-context.js';
import { AWARD_SERVICE } from '../domain.tokens.js';
import type { AwardService } from '../awards/award.service.js';

/** What a command endpoint answers: the aggregate's new state and revision, and where the write landed. */
export interface CommandResult {
  id: string;
  state: string;
  revision: number;
  position: number;
}

export class SubmitApplicationCommand extends Command<CommandResult> {
  constructor(
    readonly input: Parameters<AwardService['submitApplication']>[0],
    readonly ctx: CommandContext,
  ) {
    super();
  }
}

export class RunApplicationCommand extends Command<CommandResult> {
  constructor(
    readonly applicationId: string,
    readonly command: Parameters<AwardService['applicationCommand']>[1],
    readonly ctx: CommandContext,
  ) {
    super();
  }
}

@CommandHandler(SubmitApplicationCommand)
export class SubmitApplicationHandler implements ICommandHandler<SubmitApplicationCommand, CommandResult> {
  constructor(@Inject(AWARD_SERVICE) private readonly awards: AwardService) {}
  execute(command: SubmitApplicationCommand): Promise<CommandResult> {
    return this.awards.submitApplication(command.input, command.ctx);
  }
}

@CommandHandler(RunApplicationCommand)
export class RunApplicationHandler implements ICommandHandler<RunApplicationCommand, CommandResult> {
  constructor(@Inject(AWARD_SERVICE) private readonly awards: AwardService) {}
  execute(command: RunApplicationCommand): Promise<CommandResult> {
    return this.awards.applicationCommand(command.applicationId, command.command, command.ctx);
  }
}
