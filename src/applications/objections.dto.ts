import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsBoolean, IsDefined, IsIn, IsNotEmpty, IsOptional, IsString, MaxLength, ValidateIf, ValidateNested } from 'class-validator';
import { CommandDto } from '../common/command.dto.js';
import { IsCalendarDate } from '../common/validators.js';

export class ObjectorDto {
  @ApiProperty({ description: 'Anonymous objections are refused where the programme requires real identity (朝阳 第二十条); allowed in 忻州 (第二十七条)' })
  @IsBoolean()
  anonymous!: boolean;

  @ApiPropertyOptional({ description: 'Real name; kept confidential (朝阳 第二十五条, 忻州 第二十七条)' })
  @ValidateIf((dto: ObjectorDto) => !dto.anonymous || dto.name !== undefined)
  @IsString()
  @IsNotEmpty()
  @MaxLength(100)
  name?: string;

  @ApiPropertyOptional({ description: 'How to reach the objector; kept confidential' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  contact?: string;

  @ApiProperty({ description: 'The objector agrees that the identity may be disclosed' })
  @IsBoolean()
  consentToDisclose!: boolean;
}

export class ReceiveObjectionDto extends CommandDto {
  @ApiProperty({ type: ObjectorDto })
  @IsDefined()
  @ValidateNested()
  @Type(() => ObjectorDto)
  objector!: ObjectorDto;

  @ApiProperty({ description: 'What is objected to (资格、推荐材料真实性…)' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(4000)
  grounds!: string;

  @ApiProperty({ description: 'Written evidence came with the objection (required in 朝阳 第二十条)' })
  @IsBoolean()
  evidenceProvided!: boolean;

  @ApiPropertyOptional({
    description:
      'Day the objection was received: the business date of the record, like occurredAt (give either, or both equal). Defaults to today. ' +
      'Whether it came within the publicity period is judged by when it is recorded, not by this date.',
    example: '2025-06-03',
  })
  @IsOptional()
  @IsCalendarDate()
  receivedOn?: string;
}

export const OBJECTION_DECISIONS = ['accept', 'refuse', 'request-evidence', 'record-evidence', 'uphold', 'dismiss'] as const;
export type ObjectionDecision = (typeof OBJECTION_DECISIONS)[number];

export class ObjectionDecisionDto extends CommandDto {
  @ApiPropertyOptional({ description: 'Required for refuse, uphold and dismiss' })
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(4000)
  reason?: string;

  @ApiPropertyOptional({ enum: ['recommender', 'applicant', 'objector'], description: 'Required for request-evidence and record-evidence: which party (朝阳 第二十二、二十三条)' })
  @IsOptional()
  @IsIn(['recommender', 'applicant', 'objector'])
  from?: 'recommender' | 'applicant' | 'objector';

  @ApiPropertyOptional({
    description: 'request-evidence: last day to answer; defaults to the policy’s deadline counted from the day after the request (朝阳 第二十二、二十三条: 5 working days)',
    example: '2025-06-10',
  })
  @IsOptional()
  @IsCalendarDate()
  deadline?: string;

  @ApiPropertyOptional({ description: 'Required for record-evidence: what was supplied' })
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(4000)
  summary?: string;
}

/** Body fields each decision needs; the decision is in the path, so the controller checks these. */
export const DECISION_REQUIRES: Record<ObjectionDecision, ReadonlyArray<keyof ObjectionDecisionDto>> = {
  accept: [],
  refuse: ['reason'],
  'request-evidence': ['from'],
  'record-evidence': ['from', 'summary'],
  uphold: ['reason'],
  dismiss: ['reason'],
};
