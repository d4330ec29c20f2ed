/**
 * 统一社会信用代码 (unified social credit code), GB 32100-2015: 18 characters from a 31-character
 * set (digits and capitals without I, O, Z, S, V), the last a check character over the first 17.
 */

/** GB 32100-2015 code characters; a character's value is its index (A = 10 … Y = 30). */
export const USCC_CHARSET = '0123456789ABCDEFGHJKLMNPQRTUWXY';

// GB 32100-2015 §4.3: W_i = 3^(i−1) mod 31.
const WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];
const FORBIDDEN = /[IOZSV]/;

export type UsccFailure = 'wrong-length' | 'forbidden-character' | 'check-character';

export type UsccResult = { ok: true; normalised: string } | { ok: false; reason: UsccFailure; message: string };

/** Check character for the first 17 characters (upper case, from USCC_CHARSET). */
export function usccCheckCharacter(first17: string): string {
  if (first17.length !== 17) throw new RangeError('A USCC check character needs exactly 17 characters');
  let sum = 0;
  for (let i = 0; i < 17; i++) {
    const value = USCC_CHARSET.indexOf(first17[i]);
    if (value < 0) throw new RangeError(`'${first17[i]}' is not a USCC character`);
    sum += value * WEIGHTS[i];
  }
  // GB 32100-2015: C18 = 31 − MOD(Σ, 31); a result of 31 is written 0.
  return USCC_CHARSET[(31 - (sum % 31)) % 31];
}

/** The 18-character code: `first17` plus its check character (for tests and fixtures). */
export function withUsccCheck(first17: string): string {
  return first17 + usccCheckCharacter(first17);
}

/** Validates an already trimmed, upper-cased code. Messages never repeat the code itself. */
export function validateUscc(code: string): UsccResult {
  if (code.length !== 18) {
    return { ok: false, reason: 'wrong-length', message: `A unified social credit code has 18 characters, not ${code.length}` };
  }
  for (const ch of code) {
    if (!USCC_CHARSET.includes(ch)) {
      const hint = FORBIDDEN.test(ch) ? ' (I, O, Z, S and V are never used)' : '';
      return { ok: false, reason: 'forbidden-character', message: `'${ch}' cannot occur in a unified social credit code${hint}` };
    }
  }
  if (usccCheckCharacter(code.slice(0, 17)) !== code[17]) {
    return { ok: false, reason: 'check-character', message: 'The check character of the unified social credit code is wrong (GB 32100-2015)' };
  }
  return { ok: true, normalised: code };
}
