import { isMaskedFor, maskEvent, maskObjector } from './objector-masking.js';

const chaoyang = { handledBy: 'office', confidentialityArticle: '第二十五条' } as const; // 朝阳 第二十一、二十五条
const xinzhou = { handledBy: 'supervisor', confidentialityArticle: '第二十七条' } as const; // 忻州 第二十七条
const named = { anonymous: false, name: '张三', contact: '13800000000', consentToDisclose: false };
const received = (objector: object) => ({ type: 'ObjectionReceived', data: { objectionId: 'o1', grounds: 'g', objector } });

describe('objector masking', () => {
  it('shows the identity to the handler role only: the office in 朝阳, the supervision group in 忻州', () => {
    expect(maskObjector(named, { roles: ['office'] }, chaoyang)).toBe(named);
    for (const roles of [['supervisor'], ['auditor'], ['admin'], []]) {
      expect(maskObjector(named, { roles }, chaoyang)).toEqual({ anonymous: false, consentToDisclose: false, masked: true, confidentialityArticle: '第二十五条' });
    }
    expect(maskObjector(named, { roles: ['supervisor'] }, xinzhou)).toBe(named);
    expect(maskObjector(named, { roles: ['office'] }, xinzhou)).toMatchObject({ masked: true, confidentialityArticle: '第二十七条' });
  });

  it('shows it to everyone allowed on the endpoint when the objector consented (朝阳 第二十五条)', () => {
    const consenting = { ...named, consentToDisclose: true };
    expect(maskObjector(consenting, { roles: ['auditor'] }, chaoyang)).toBe(consenting);
  });

  it('leaves an anonymous objection as it is: nothing to hide (忻州 第二十七条 allows it)', () => {
    const anonymous = { anonymous: true, consentToDisclose: false };
    expect(maskObjector(anonymous, { roles: ['auditor'] }, xinzhou)).toBe(anonymous);
    expect(isMaskedFor(received(anonymous), { roles: ['auditor'] }, xinzhou)).toBe(false);
  });

  it('masks only the objector of ObjectionReceived and never mutates the event', () => {
    const event = received(named);
    const masked = maskEvent(event, { roles: ['auditor'] }, chaoyang);
    expect(JSON.stringify(masked)).not.toContain('张三');
    expect(JSON.stringify(masked)).not.toContain('13800000000');
    expect(masked.data).toMatchObject({ objectionId: 'o1', grounds: 'g' });
    expect(event.data.objector).toBe(named);
    const other = { type: 'ObjectionAccepted', data: { objectionId: 'o1' } };
    expect(maskEvent(other, { roles: [] }, chaoyang)).toBe(other);
  });

  // 朝阳 第二十五条: an objection recorded as not admitted (朝阳 第二十条) keeps its objector as confidential.
  it('masks the objector of ObjectionNotAdmitted exactly as of ObjectionReceived', () => {
    const notAdmitted = { type: 'ObjectionNotAdmitted', data: { objectionId: 'o2', grounds: 'g', objector: named, refusal: { reason: 'r', article: '第二十条' } } };
    expect(isMaskedFor(notAdmitted, { roles: ['supervisor'] }, chaoyang)).toBe(true);
    expect(JSON.stringify(maskEvent(notAdmitted, { roles: ['supervisor'] }, chaoyang))).not.toContain('张三');
    expect(maskEvent(notAdmitted, { roles: ['office'] }, chaoyang)).toBe(notAdmitted);
    expect(isMaskedFor(notAdmitted, { roles: ['office'] }, xinzhou)).toBe(true);
    expect(maskEvent(notAdmitted, { roles: ['supervisor'] }, xinzhou)).toBe(notAdmitted);
  });
});
