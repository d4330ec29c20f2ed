import { existsSync, readFileSync } from 'node:fs';
import type { AppConfig } from './config/config.js';

/**
 * Working-day data for years the chinese-days package does not cover yet, as the State Council
 * publishes them: a JSON array of { year, holidays[], adjustedWorkdays[], source } in
 * CALENDAR_EXTRA_FILE (validated by WorkingDayCalendar; a malformed file stops the start).
 */
export function loadExtraCalendarYears(config: AppConfig): unknown {
  const file = config.calendarExtraFile;
  if (!file) return undefined;
  if (!existsSync(file)) throw new Error(`CALENDAR_EXTRA_FILE ${file} does not exist`);
  return JSON.parse(readFileSync(file, 'utf8'));
}
