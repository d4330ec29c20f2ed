import { Body, Controller, Get, HttpCode, Inject, Post, Req } from '@nestjs/common';
import { ApiOperation, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { IsOptional, IsString, MaxLength } from 'class-validator';
import { type AuthenticatedRequest, Roles } from '../auth/auth.guard.js';
import { assertEveryProgramme } from '../common/access.js';
import { isCalendarDate } from '../common/validators.js';
import { CLOCK, type Clock, ManualClock } from '../clock/clock.js';
import { HttpProblem, ValidationFailedError } from '../http/http-errors.js';

export class MoveClockDto {
  @ApiPropertyOptional({ description: 'Instant to move to (ISO 8601 with offset); never backwards', example: '2025-10-10T00:00:00+08:00' })
  @IsOptional()
  @IsString()
  @MaxLength(40)
  now?: string;

  @ApiPropertyOptional({ description: 'ISO 8601 duration to move forward: P3D, PT12H, P1W, P1DT2H30M', example: 'P3D' })
  @IsOptional()
  @IsString()
  @MaxLength(40)
  advance?: string;
}

export class ClockView {
  @ApiProperty()
  now!: string;
  @ApiProperty({ enum: ['manual', 'system'] })
  kind!: 'manual' | 'system';
}

export class ClockNotManualError extends HttpProblem {
  constructor() {
    super(409, 'CLOCK_NOT_MANUAL', 'The clock can be moved only when the server runs with CLOCK=manual (never in production)');
  }
}

/**
 * Rehearsals and tests move time forward (CLOCK=manual, which loadConfig refuses in production);
 * the deadline scheduler wakes on every move and fires what became due.
 */
@ApiTags('operations')
@Controller('admin/clock')
export class ClockController {
  constructor(@Inject(CLOCK) private readonly clock: Clock) {}

  @Get()
  @Roles('admin')
  @ApiOperation({ summary: 'The server clock and whether it is manual' })
  get(): ClockView {
    return { now: this.clock.now().toISOString(), kind: this.clock instanceof ManualClock ? 'manual' : 'system' };
  }

  @Post()
  @HttpCode(200)
  @Roles('admin')
  @ApiOperation({ summary: 'Move a manual clock forward: { now } or { advance: "P3D" }; 409 CLOCK_NOT_MANUAL otherwise; needs programmes ["*"]' })
  move(@Req() req: AuthenticatedRequest, @Body() dto: MoveClockDto): ClockView {
    // One clock for every programme: moving it fires their deadlines and ends their publicity.
    assertEveryProgramme(req.user, 'Moving the clock');
    if (!(this.clock instanceof ManualClock)) throw new ClockNotManualError();
    if ((dto.now === undefined) === (dto.advance === undefined)) {
      throw new ValidationFailedError([{ field: 'now', message: 'give exactly one of now or advance' }]);
    }
    const current = this.clock.now().getTime();
    const target = dto.now !== undefined ? parseInstant(dto.now) : current + parseDuration(dto.advance!);
    if (!(target <= LAST_INSTANT)) {
      throw new ValidationFailedError([{ field: dto.now !== undefined ? 'now' : 'advance', message: 'would move the clock past 9999-12-31T23:59:59.999+08:00' }]);
    }
    if (target < current) throw new ValidationFailedError([{ field: 'now', message: `a manual clock only moves forward (it is ${this.clock.now().toISOString()})` }]);
    return { now: this.clock.set(new Date(target)).toISOString(), kind: 'manual' };
  }
}

/**
 * The last instant the clock may show, the end of 9999 in Asia/Shanghai: after it the business
 * date (YYYY-MM-DD, shanghaiDate) has no four-digit year, and after year 275760 there is no Date
 * at all (a huge advance answered 500).
 */
const LAST_INSTANT = Date.parse('9999-12-31T23:59:59.999+08:00');

function parseInstant(value: string): number {
  // The date part a real day too: Date.parse rolls 2026-02-30 into March.
  const shaped = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(value) && isCalendarDate(value.slice(0, 10));
  const ms = shaped ? Date.parse(value) : NaN;
  if (Number.isNaN(ms)) throw new ValidationFailedError([{ field: 'now', message: 'must be an ISO instant with offset' }]);
  return ms;
}

/** ISO 8601 durations in weeks, days, hours, minutes and seconds (months and years vary in length: refused). */
export function parseDuration(value: string): number {
  const match = /^P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/.exec(value);
  if (!match || value === 'P' || value.endsWith('T')) {
    throw new ValidationFailedError([{ field: 'advance', message: 'must be an ISO 8601 duration such as P3D, PT12H or P1DT2H (no months or years)' }]);
  }
  const [, w = '0', d = '0', h = '0', m = '0', s = '0'] = match;
  return ((Number(w) * 7 + Number(d)) * 24 * 3600 + Number(h) * 3600 + Number(m) * 60 + Number(s)) * 1000;
}
