import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsDefined,
  IsIn,
  IsInt,
  IsNotEmpty,
  IsNumber,
  IsOptional,
  IsString,
  Max,
  MaxLength,
  Min,
  ValidateIf,
  ValidateNested,
} from 'class-validator';
import { CommandDto } from '../common/command.dto.js';
import { IsCalendarDate } from '../common/validators.js';

const text = (max = 2000) => [IsString(), IsNotEmpty(), MaxLength(max)];
const apply = (...decorators: PropertyDecorator[]): PropertyDecorator => (target, key) =>
  decorators.forEach((decorate) => decorate(target, key));

export class RecommendDto extends CommandDto {
  @ApiProperty({ description: 'The recommending body’s opinion (推荐意见)', example: '同意推荐' })
  @apply(...text())
  opinion!: string;

  @ApiPropertyOptional({ description: 'Recommending body, when different from the one named at submission' })
  @IsOptional()
  @apply(...text(200))
  recommender?: string;
}

export class QualificationReviewDto extends CommandDto {
  @ApiProperty({ enum: ['accepted', 'rejected'] })
  @IsIn(['accepted', 'rejected'])
  outcome!: 'accepted' | 'rejected';

  @ApiPropertyOptional({ description: 'Required when rejected: explained to the recommending body (朝阳 第十七条(四))' })
  @ValidateIf((dto: QualificationReviewDto) => dto.outcome === 'rejected' || dto.reason !== undefined)
  @apply(...text())
  reason?: string;
}

export class OpinionSurveyDto extends CommandDto {
  @ApiProperty({ description: '舆情调查 findings (淄博 第十六条)' })
  @apply(...text(4000))
  findings!: string;

  @ApiProperty({ description: 'Whether the findings are adverse' })
  @IsBoolean()
  adverse!: boolean;
}

export class DepartmentOpinionDto {
  @ApiProperty({ example: '市公安局' })
  @apply(...text(200))
  department!: string;

  @ApiProperty({ example: '无违法犯罪记录' })
  @apply(...text())
  opinion!: string;

  @ApiProperty()
  @IsBoolean()
  adverse!: boolean;
}

export class DepartmentOpinionsDto extends CommandDto {
  @ApiProperty({ type: [DepartmentOpinionDto], description: '忻州 第十八条: police and, for enterprises, HR, ecology, emergency, market supervision, tax' })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(30)
  @ValidateNested({ each: true })
  @Type(() => DepartmentOpinionDto)
  opinions!: DepartmentOpinionDto[];
}

/**
 * GB/T 19580 categories, the fields every programme's scores are stored in. Each is a number >= 0;
 * the maxima are the programme's rules, checked by the domain (422 RULE_VIOLATION with the article):
 * per category only where the text names GB/T 19580 (瀍河 第十三条, 朝阳 第五条), and the total.
 */
const category = (name: string, gbtMax: number) => ({
  minimum: 0,
  description:
    `${name}. At most ${gbtMax} where the programme's text names GB/T 19580 (瀍河 第十三条, 朝阳 第五条), ` +
    "read from its rules; elsewhere only the total is limited (the programme's maxScore, 1000).",
});

export class CategoryScoresDto {
  @ApiProperty(category('领导 leadership', 110)) @IsNumber() @Min(0) leadership!: number;
  @ApiProperty(category('战略 strategy', 90)) @IsNumber() @Min(0) strategy!: number;
  @ApiProperty(category('顾客与市场 customers and market', 90)) @IsNumber() @Min(0) customersAndMarket!: number;
  @ApiProperty(category('资源 resources', 130)) @IsNumber() @Min(0) resources!: number;
  @ApiProperty(category('过程管理 process management', 100)) @IsNumber() @Min(0) processManagement!: number;
  @ApiProperty(category('测量、分析与改进 measurement, analysis and improvement', 80)) @IsNumber() @Min(0) measurementAnalysisImprovement!: number;
  @ApiProperty(category('结果 results', 400)) @IsNumber() @Min(0) results!: number;
}

export class ReviewerScoreDto {
  @ApiProperty({ example: 'expert-017' })
  @apply(...text(100))
  reviewerId!: string;

  @ApiProperty({ description: 'Conflict of interest declared or requested by the applicant: recorded, not counted (忻州 第二十九条, 朝阳 第三十二条)' })
  @IsBoolean()
  recused!: boolean;

  @ApiPropertyOptional({ type: CategoryScoresDto, description: 'Required unless recused' })
  @ValidateIf((dto: ReviewerScoreDto) => !dto.recused || dto.scores !== undefined)
  @IsDefined()
  @ValidateNested()
  @Type(() => CategoryScoresDto)
  scores?: CategoryScoresDto;

  @ApiPropertyOptional()
  @IsOptional()
  @apply(...text(500))
  recusalReason?: string;
}

export class ScoredReviewDto extends CommandDto {
  @ApiProperty({ type: [ReviewerScoreDto] })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(50)
  @ValidateNested({ each: true })
  @Type(() => ReviewerScoreDto)
  reviews!: ReviewerScoreDto[];
}

export class OralDefenceDto extends CommandDto {
  @ApiPropertyOptional({ description: 'Outcome in words, where the defence is not scored' })
  @IsOptional()
  @apply(...text())
  outcome?: string;

  @ApiPropertyOptional({ type: [ReviewerScoreDto] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(50)
  @ValidateNested({ each: true })
  @Type(() => ReviewerScoreDto)
  reviews?: ReviewerScoreDto[];
}

export class CandidateDto extends CommandDto {
  @ApiPropertyOptional({ description: 'Rank in the composite evaluation' })
  @IsOptional()
  @IsInt()
  @Min(1)
  rank?: number;
}

export class ReasonDto extends CommandDto {
  @ApiProperty()
  @apply(...text())
  reason!: string;
}

export class EmptyCommandDto extends CommandDto {}

export class RevokeDto extends CommandDto {
  @ApiProperty({ description: "Coded ground of the programme's policy (GET /api/programmes/{id} lists them with their articles)", example: 'fraud' })
  @apply(...text(60))
  ground!: string;

  @ApiPropertyOptional({
    description: 'When the ground arose; a ground limited to years after the award counts from it (瀍河 第二十九条, 朝阳 第三十六条). Defaults to the revocation date.',
    example: '2026-03-15',
  })
  @IsOptional()
  @IsCalendarDate()
  incidentOn?: string;
}

export class ClosePublicityDto extends CommandDto {
  @ApiPropertyOptional({ description: 'Publicity round being closed; when given it must be the running one (a guard against closing the wrong round)' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(5)
  round?: number;
}

export class AnnualReportDto extends CommandDto {
  @ApiProperty({ description: 'Year the quality-performance report covers (瀍河 第二十四条)', example: 2024 })
  @IsInt()
  @Min(2000)
  @Max(2200)
  year!: number;
}
