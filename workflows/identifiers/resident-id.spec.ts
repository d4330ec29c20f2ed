import { residentIdCheckCharacter, validateResidentId, withResidentIdCheck } from './resident-id.js';
import { singleSubstitutions } from './test-helpers.js';

describe('公民身份号码 (GB 11643-1999)', () => {
  // Both are the worked examples of GB 11643-1999.
  it.each(['11010519491231002X', '440524188001010014'])('accepts the standard example %s', (id) => {
    expect(validateResidentId(id)).toEqual({ ok: true, normalised: id });
    expect(withResidentIdCheck(id.slice(0, 17))).toBe(id);
  });

  it('weights are 2^(18−i) mod 11 (ISO 7064 MOD 11-2)', () => {
    const expected = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    expected.forEach((w, i) => {
      expect(w).toBe(2 ** (17 - i) % 11);
      // A single 1 at position i: Σ mod 11 = W_i.
      const first17 = '0'.repeat(i) + '1' + '0'.repeat(16 - i);
      expect(residentIdCheckCharacter(first17)).toBe(['1', '0', 'X', '9', '8', '7', '6', '5', '4', '3', '2'][w]);
    });
  });

  it('maps every remainder 0..10 to its check character', () => {
    // The remainder is Σ mod 11; vary the last digit (weight 2) and the one before (weight 4).
    const seen = new Map<string, string>();
    for (let a = 0; a <= 9; a++) {
      for (let b = 0; b <= 9; b++) {
        const first17 = `110105194912310${a}${b}`;
        seen.set(residentIdCheckCharacter(first17), first17);
      }
    }
    expect([...seen.keys()].sort()).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9', 'X']);
    for (const first17 of seen.values()) expect(validateResidentId(withResidentIdCheck(first17)).ok).toBe(true);
  });

  it('refuses a wrong check character', () => {
    expect(validateResidentId('110105194912310021')).toMatchObject({ ok: false, reason: 'check-character' });
    expect(validateResidentId('44052418800101001X')).toMatchObject({ ok: false, reason: 'check-character' });
  });

  it('detects every single-digit error and adjacent swap', () => {
    const valid = '440524188001010014';
    const substituted = singleSubstitutions(valid, '0123456789X').filter((id) => validateResidentId(id).ok);
    expect(substituted).toEqual([]);
    for (let i = 0; i < 16; i++) {
      if (valid[i] === valid[i + 1]) continue;
      const swapped = valid.slice(0, i) + valid[i + 1] + valid[i] + valid.slice(i + 2);
      // A swap may also break the birth date; either way it must not pass.
      expect(validateResidentId(swapped).ok).toBe(false);
    }
  });

  it.each([
    ['19490230', 'no 30 February'],
    ['19490229', '1949 is not a leap year'],
    ['19491301', 'no month 13'],
    ['19490001', 'no month 0'],
    ['19490100', 'no day 0'],
    ['19490431', 'April has 30 days'],
    ['18491231', 'before 1850'],
  ])('refuses the birth date %s (%s) even with a right check character', (birth) => {
    const id = withResidentIdCheck(`110105${birth}002`);
    expect(validateResidentId(id)).toMatchObject({ ok: false, reason: 'birth-date' });
  });

  it('accepts 29 February of a leap year', () => {
    expect(validateResidentId(withResidentIdCheck('11010520000229002')).ok).toBe(true);
    expect(validateResidentId(withResidentIdCheck('11010519000229002')).ok).toBe(false); // 1900 is not
  });

  it('refuses a birth date after today when today is given', () => {
    const id = withResidentIdCheck('11010520250927002');
    expect(validateResidentId(id, { today: '2025-09-26' })).toMatchObject({ ok: false, reason: 'birth-date' });
    expect(validateResidentId(id, { today: '2025-09-27' }).ok).toBe(true);
    expect(validateResidentId(id).ok).toBe(true);
  });

  it('refuses the old 15-digit number with an explanation', () => {
    expect(validateResidentId('110105491231002')).toMatchObject({
      ok: false,
      reason: 'wrong-length',
      message: expect.stringContaining('15-digit'),
    });
  });

  it.each(['', '11010519491231002', '11010519491231002XX'])('refuses the length of %j', (id) => {
    expect(validateResidentId(id)).toMatchObject({ ok: false, reason: 'wrong-length' });
  });

  it.each(['1101051949123100X2', 'A1010519491231002X', '11010519491231002Y', '11010519491231002x'])(
    'refuses a non-digit in %j (X only as the check character, upper case once normalised)',
    (id) => {
      expect(validateResidentId(id)).toMatchObject({ ok: false, reason: 'not-digits' });
    },
  );

  it('never repeats the number or the birth date in a message (personal data)', () => {
    const bad = ['110105194902300021', '110105194912310021', '1101051949123100'];
    for (const id of bad) {
      const result = validateResidentId(id);
      expect(result.ok).toBe(false);
      if (!result.ok) {
        expect(result.message).not.toContain(id);
        expect(result.message).not.toContain('1949');
      }
    }
  });

  it('check-character helper refuses bad input', () => {
    expect(() => withResidentIdCheck('1101051949123100')).toThrow(RangeError);
    expect(() => withResidentIdCheck('1101051949123100X')).toThrow(RangeError);
  });
});
