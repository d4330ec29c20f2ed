/**
 * 公民身份号码 (citizen identity number), GB 11643-1999: 6-digit address code, 8-digit birth date
 * YYYYMMDD, 3-digit sequence, and a check character over the first 17 (ISO 7064 MOD 11-2).
 * Personal data: results and messages never repeat the number or the birth date.
 */
import { parseLocalDate } from '../calendar/local-date.js';

// ISO 7064 MOD 11-2: W_i = 2^(18−i) mod 11, i = 1..17.
const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
// Σ mod 11 → check character (GB 11643-1999 表1); 10 is written X.
const CHECK = ['1', '0', 'X', '9', '8', '7', '6', '5', '4', '3', '2'];

/** Nobody alive was born earlier; an earlier year is a mistyped number. */
const EARLIEST_BIRTH_YEAR = 1850;

export type ResidentIdFailure = 'wrong-length' | 'not-digits' | 'birth-date' | 'check-character';

export type ResidentIdResult =
  | { ok: true; normalised: string }
  | { ok: false; reason: ResidentIdFailure; message: string };

export interface ResidentIdOptions {
  /** Today in Asia/Shanghai ('YYYY-MM-DD'); when given, a birth date after it is refused. */
  today?: string;
}

export function residentIdCheckCharacter(first17: string): string {
  if (!/^\d{17}$/.test(first17)) throw new RangeError('A resident ID check character needs exactly 17 digits');
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(first17[i]) * WEIGHTS[i];
  return CHECK[sum % 11];
}

/** The 18-character number: `first17` plus its check character (for tests and fixtures). */
export function withResidentIdCheck(first17: string): string {
  return first17 + residentIdCheckCharacter(first17);
}

/** Validates an already trimmed, upper-cased number. */
export function validateResidentId(id: string, options: ResidentIdOptions = {}): ResidentIdResult {
  if (id.length === 15 && /^\d{15}$/.test(id)) {
    // The pre-1999 15-digit number has no check digit and a 2-digit year; ask for the current one.
    return { ok: false, reason: 'wrong-length', message: 'A 15-digit identity number is no longer accepted; give the 18-character number (GB 11643-1999)' };
  }
  if (id.length !== 18) {
    return { ok: false, reason: 'wrong-length', message: `A resident identity number has 18 characters, not ${id.length}` };
  }
  if (!/^\d{17}[\dX]$/.test(id)) {
    return { ok: false, reason: 'not-digits', message: 'A resident identity number is 17 digits followed by a digit or X' };
  }
  const birth = `${id.slice(6, 10)}-${id.slice(10, 12)}-${id.slice(12, 14)}`;
  const parts = parseLocalDate(birth);
  if (!parts || parts.year < EARLIEST_BIRTH_YEAR || (options.today !== undefined && birth > options.today)) {
    return { ok: false, reason: 'birth-date', message: 'Characters 7–14 of the resident identity number are not a possible birth date' };
  }
  if (residentIdCheckCharacter(id.slice(0, 17)) !== id[17]) {
    return { ok: false, reason: 'check-character', message: 'The check character of the resident identity number is wrong (GB 11643-1999)' };
  }
  return { ok: true, normalised: id };
}
