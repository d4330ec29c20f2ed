import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsInt, IsNotEmpty, IsOptional, IsString, Max, MaxLength, Min, ValidateNested } from 'class-validator';
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
