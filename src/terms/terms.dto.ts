import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsIn, IsInt, IsNotEmpty, IsOptional, IsString, Max, MaxLength, Min, ValidateIf, ValidateNested } from 'class-validator';
import { CommandDto } from '../common/command.dto.js';
import { IsCalendarDate } from '../common/validators.js';

export class OpenTermDto extends CommandDto {
  @ApiProperty({ example: 2025 })
  @IsInt()
  @Min(2000)
  @Max(2200)
  year!: number;

  @ApiProperty({ description: 'Date of the notice (申报通知); selects the policy version in force', example: '2025-03-01' })
  @IsCalendarDate()
  noticeDate!: string;

  @ApiProperty({ example: '2025-04-30' })
  @IsCalendarDate()
  applicationDeadline!: string;
}

export class ProposedEntryDto {
  @ApiProperty()
  @IsString()
  @IsNotEmpty()
  @MaxLength(100)
  applicationId!: string;

  @ApiProperty({ description: "Tier id of the programme's policy (award, nomination, gold, silver…)", example: 'award' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(60)
  tier!: string;
}

export class ProposedListDto extends CommandDto {
  @ApiProperty({ type: [ProposedEntryDto] })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(200)
  @ValidateNested({ each: true })
  @Type(() => ProposedEntryDto)
  entries!: ProposedEntryDto[];
}

export class StartPublicityDto extends CommandDto {
  @ApiProperty({ example: '2025-09-26' })
  @IsCalendarDate()
  startDate!: string;

  @ApiProperty({ description: "Round of the programme's publicity (忻州 has two)", example: 1 })
  @IsInt()
  @Min(1)
  @Max(5)
  round!: number;

  @ApiPropertyOptional({
    type: [String],
    description: 'A candidate-list round (忻州 第十八条) names the candidates it publicises; a proposed-list round publicises the proposed list and takes none',
  })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(200)
  @IsString({ each: true })
  @MaxLength(100, { each: true })
  candidates?: string[];
}

export class ApprovalDto extends CommandDto {
  @ApiProperty({ example: '2025-10-20' })
  @IsCalendarDate()
  decisionDate!: string;

  @ApiProperty({ example: '济政字〔2025〕12号' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(100)
  documentNo!: string;
}

/**
 * The government's later decision on an application the approval left out because an objection
 * was still open, once it is settled (淄博 第十九条, 济南 第十八条, 忻州 第二十条, 瀍河 第十九条, 朝阳 第十七条(九)).
 */
export class SupplementaryApprovalDto extends ApprovalDto {
  @ApiProperty({ description: 'An application listed in the approval’s notAwarded with reason objection-pending' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(100)
  applicationId!: string;

  @ApiProperty({ enum: ['award', 'not-award'], description: 'award: in the tier it was proposed for, within the quotas; not-award: with a reason' })
  @IsIn(['award', 'not-award'])
  decision!: 'award' | 'not-award';

  @ApiPropertyOptional({ description: 'Required for not-award' })
  @ValidateIf((dto: SupplementaryApprovalDto) => dto.decision === 'not-award' || dto.reason !== undefined)
  @IsString()
  @IsNotEmpty()
  @MaxLength(4000)
  reason?: string;
}
