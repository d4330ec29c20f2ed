import { USCC_CHARSET, usccCheckCharacter, validateUscc, withUsccCheck } from './uscc.js';
import { singleSubstitutions } from './test-helpers.js';

describe('统一社会信用代码 (GB 32100-2015)', () => {
  // The first is the example commonly cited for the standard; the others appear in public
  // business registrations. A random 18th character passes 1 time in 31.
  it.each(['91350100M000100Y43', '914403001922038216', '91440300708461136T', '91110000802100433B', '91330000MA27U03Q1K'])(
    'accepts the published code %s',
    (code) => {
      expect(validateUscc(code)).toEqual({ ok: true, normalised: code });
      expect(withUsccCheck(code.slice(0, 17))).toBe(code);
    },
  );

  it('uses the 31 characters without I, O, Z, S, V', () => {
    expect(USCC_CHARSET).toHaveLength(31);
    expect(USCC_CHARSET).not.toMatch(/[IOZSV]/);
  });

  it('weights are 3^(i−1) mod 31, as the standard defines them', () => {
    // A single 1 at position i contributes exactly its weight W_i; check = (31 − W_i mod 31) mod 31.
    const expected = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];
    expected.forEach((w, i) => {
      const first17 = '0'.repeat(i) + '1' + '0'.repeat(16 - i);
      expect(w).toBe(3 ** i % 31);
      expect(usccCheckCharacter(first17)).toBe(USCC_CHARSET[(31 - w) % 31]);
    });
  });

  it('writes a check value of 31 as 0', () => {
    expect(usccCheckCharacter('0'.repeat(17))).toBe('0');
    // Find a non-trivial prefix whose weighted sum is a multiple of 31.
    const prefix = '91350100M000100Y';
    const last = [...USCC_CHARSET].find((ch) => usccCheckCharacter(prefix + ch) === '0');
    expect(last).toBeDefined();
    expect(validateUscc(`${prefix}${last}0`).ok).toBe(true);
  });

  it('gives letter check characters (value 30 → Y)', () => {
    const prefix = '91110000MA01ABCD';
    const last = [...USCC_CHARSET].find((ch) => usccCheckCharacter(prefix + ch) === 'Y');
    expect(last).toBeDefined();
    expect(validateUscc(`${prefix}${last}Y`).ok).toBe(true);
  });

  it('refuses a wrong check character', () => {
    expect(validateUscc('91350100M000100Y44')).toMatchObject({ ok: false, reason: 'check-character' });
    expect(validateUscc('91350100M000100Y40')).toMatchObject({ ok: false, reason: 'check-character' });
  });

  it('detects every single-character error', () => {
    const valid = '91350100M000100Y43';
    const wrong = singleSubstitutions(valid, USCC_CHARSET).filter((c) => validateUscc(c).ok);
    expect(wrong).toEqual([]);
  });

  it('detects every swap of two different adjacent characters', () => {
    const valid = '91350100M000100Y43';
    for (let i = 0; i < 17; i++) {
      if (valid[i] === valid[i + 1]) continue;
      const swapped = valid.slice(0, i) + valid[i + 1] + valid[i] + valid.slice(i + 2);
      expect(validateUscc(swapped).ok).toBe(false);
    }
  });

  it.each(['I', 'O', 'Z', 'S', 'V'])('refuses the forbidden letter %s', (letter) => {
    expect(validateUscc(`91350100M000100${letter}43`)).toMatchObject({
      ok: false,
      reason: 'forbidden-character',
      message: expect.stringContaining('never used'),
    });
  });

  it.each(['9135010 M000100Y43', '91350100M000100Y4-', '91350100m000100y43'])(
    'refuses other characters in %j (validateUscc expects normalised input)',
    (code) => {
      expect(validateUscc(code)).toMatchObject({ ok: false, reason: 'forbidden-character' });
    },
  );

  it.each(['', '91350100M000100Y4', '91350100M000100Y433', 'M000100Y4'])('refuses the length of %j', (code) => {
    expect(validateUscc(code)).toMatchObject({ ok: false, reason: 'wrong-length' });
  });

  it('check-character helpers refuse bad input', () => {
    expect(() => withUsccCheck('91350100M000100Y')).toThrow(RangeError);
    expect(() => withUsccCheck('91350100M000100YO')).toThrow(RangeError);
    expect(() => withUsccCheck('91350100m000100y4')).toThrow(RangeError);
  });
});
