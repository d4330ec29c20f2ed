import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  IsBoolean,
  IsDefined,
  IsIn,
  IsNotEmpty,
  IsOptional,
  IsString,
  MaxLength,
  ValidateIf,
  ValidateNested,
} from 'class-validator';
import { CommandDto } from '../common/command.dto.js';
import { IsCalendarDate } from '../common/validators.js';
import { IsBooleanRecord } from '../common/validators-extra.js';

export class ApplicantDto {
  @ApiProperty({ enum: ['organisation', 'individual'] })
  @IsIn(['organisation', 'individual'])
  kind!: 'organisation' | 'individual';

  @ApiProperty({
    description: 'Organisation: 18-character USCC (GB 32100-2015); individual: 18-character resident id (GB 11643-1999). The check character is verified.',
    example: '91350100M000100Y43',
  })
  @IsString()
  @IsNotEmpty()
  @MaxLength(18)
  id!: string;

  @ApiProperty({ example: '济南市某某精密机械有限公司' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  name!: string;
}

export class ChannelDto {
  @ApiProperty({ enum: ['county', 'industry', 'direct'], description: 'county/district body, city industry department, or direct filing (朝阳 第十七条(三))' })
  @IsIn(['county', 'industry', 'direct'])
  kind!: 'county' | 'industry' | 'direct';

  @ApiPropertyOptional({ description: 'Recommending body; omitted only for a direct filing', example: '历下区市场监督管理局' })
  @ValidateIf((channel: ChannelDto) => channel.kind !== 'direct' || channel.recommender !== undefined)
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  recommender?: string;
}

export class WaiverDto {
  @ApiProperty({ enum: ['leading-group'], description: 'Who granted it (忻州 第十条: 经领导小组批准可放宽年限)' })
  @IsIn(['leading-group'])
  grantedBy!: 'leading-group';

  @ApiProperty({ example: '忻质强组〔2024〕3号' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(100)
  documentNo!: string;

  @ApiProperty({ example: '2024-03-01' })
  @IsCalendarDate()
  date!: string;
}

export class InternalPublicityDto {
  @ApiProperty({ example: '2025-03-03' })
  @IsCalendarDate()
  startDate!: string;

  @ApiProperty({ example: '2025-03-07' })
  @IsCalendarDate()
  endDate!: string;

  @ApiProperty({ description: 'Objections were raised during it (公示无异议后: then the application may not be submitted)' })
  @IsBoolean()
  objectionsRaised!: boolean;
}

export class DeclarationDto {
  @ApiPropertyOptional({ description: 'Organisation: date it began operating (main business)', example: '2015-06-01' })
  @IsOptional()
  @IsCalendarDate()
  operatingSince?: string;

  @ApiPropertyOptional({ description: 'Individual: date the person began quality work in the city', example: '2008-09-01' })
  @IsOptional()
  @IsCalendarDate()
  qualityWorkSince?: string;

  @ApiPropertyOptional({ description: '新技术、新产业、新业态、新模式 field (淄博 第七条(一))' })
  @IsOptional()
  @IsBoolean()
  fourNewField?: boolean;

  @ApiPropertyOptional({ type: WaiverDto })
  @IsOptional()
  @ValidateNested()
  @Type(() => WaiverDto)
  waiver?: WaiverDto;

  @ApiPropertyOptional({
    type: InternalPublicityDto,
    description: 'Where the programme requires it (忻州 第十四条): the publicity inside the applicant’s organisation, at least 5 working days, before submission',
  })
  @IsOptional()
  @ValidateNested()
  @Type(() => InternalPublicityDto)
  internalPublicity?: InternalPublicityDto;

  @ApiProperty({
    description: "Each exclusion code of the programme's policy, declared false when it did not happen (GET /api/programmes/{id} lists them)",
    example: { 'major-accident-3y': false },
    type: 'object',
    additionalProperties: { type: 'boolean' },
  })
  @IsBooleanRecord()
  exclusions!: Record<string, boolean>;
}

export class SubmitApplicationDto extends CommandDto {
  @ApiProperty({ example: 'jinan-mayor-2019' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(100)
  termId!: string;

  @ApiProperty({ type: ApplicantDto })
  @IsDefined()
  @ValidateNested()
  @Type(() => ApplicantDto)
  applicant!: ApplicantDto;

  @ApiProperty({ type: ChannelDto })
  @IsDefined()
  @ValidateNested()
  @Type(() => ChannelDto)
  channel!: ChannelDto;

  @ApiProperty({ type: DeclarationDto })
  @IsDefined()
  @ValidateNested()
  @Type(() => DeclarationDto)
  declaration!: DeclarationDto;
}
