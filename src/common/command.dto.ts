import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional } from 'class-validator';
import { IsCalendarDate } from './validators.js';

/** Every command may say on which business day the decision was taken. */
export class CommandDto {
  @ApiPropertyOptional({
    description: 'Business date of the decision (YYYY-MM-DD, Asia/Shanghai); not in the future, not before the record’s last event. Defaults to today.',
    example: '2025-03-01',
  })
  @IsOptional()
  @IsCalendarDate()
  occurredAt?: string;
}
