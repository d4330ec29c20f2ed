import { InvalidInputError } from '../errors.js';
import { assertApplicantId, validateApplicantId, withResidentIdCheck, withUsccCheck } from './index.js';

describe('validateApplicantId', () => {
  it('checks an organisation by its unified social credit code', () => {
    expect(validateApplicantId('organisation', '91350100M000100Y43')).toEqual({ ok: true, normalised: '91350100M000100Y43' });
    expect(validateApplicantId('organisation', '11010519491231002X')).toMatchObject({ ok: false, reason: 'check-character' });
  });

  it('checks an individual by the resident identity number', () => {
    expect(validateApplicantId('individual', '11010519491231002X')).toEqual({ ok: true, normalised: '11010519491231002X' });
    expect(validateApplicantId('individual', '91350100M000100Y43')).toMatchObject({ ok: false, reason: 'not-digits' });
  });

  it('normalises lower case and surrounding blanks', () => {
    expect(validateApplicantId('organisation', '  91350100m000100y43\n')).toEqual({ ok: true, normalised: '91350100M000100Y43' });
    expect(validateApplicantId('individual', '\t11010519491231002x ')).toEqual({ ok: true, normalised: '11010519491231002X' });
  });

  it('does not remove blanks inside the id', () => {
    expect(validateApplicantId('organisation', '91350100 M000100Y43')).toMatchObject({ ok: false, reason: 'wrong-length' });
  });

  it('refuses a value that is not a string', () => {
    expect(validateApplicantId('organisation', 91350100)).toMatchObject({ ok: false, reason: 'not-a-string' });
    expect(validateApplicantId('individual', undefined)).toMatchObject({ ok: false, reason: 'not-a-string' });
  });

  it('passes today on to the birth-date check', () => {
    const id = withResidentIdCheck('11010520300101002');
    expect(validateApplicantId('individual', id, { today: '2026-11-22' })).toMatchObject({ ok: false, reason: 'birth-date' });
  });

  it('generated ids are valid (for fixtures in other tests)', () => {
    expect(validateApplicantId('organisation', withUsccCheck('91370100MA3C00001')).ok).toBe(true);
    expect(validateApplicantId('individual', withResidentIdCheck('37010219800101001')).ok).toBe(true);
  });

  it('refuses an unknown kind', () => {
    expect(() => validateApplicantId('robot' as never, '91350100M000100Y43')).toThrow(InvalidInputError);
  });
});

describe('assertApplicantId', () => {
  it('returns the normalised id', () => {
    expect(assertApplicantId('organisation', '91350100m000100y43')).toBe('91350100M000100Y43');
  });

  it('throws InvalidInputError naming the field and reason, without the id', () => {
    try {
      assertApplicantId('individual', '110105194912310021', 'applicant.id');
      throw new Error('expected a refusal');
    } catch (e) {
      expect(e).toBeInstanceOf(InvalidInputError);
      const error = e as InvalidInputError;
      expect(error.field).toBe('applicant.id');
      expect(error.details).toMatchObject({ reason: 'check-character' });
      expect(JSON.stringify(error.details)).not.toContain('110105194912310021');
      expect(error.message).not.toContain('110105194912310021');
    }
  });
});
