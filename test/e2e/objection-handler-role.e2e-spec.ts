/**
 * Only the role a programme's policy names as the objections' handler (`objections.handledBy`:
 * 朝阳 第二十一条 the office, 忻州 第二十七条 the supervision group) records and decides
 * objections. An admin (operations) is not a handler: 403, and nothing is written, whether the
 * token is an admin's alone or an admin's with another role that is not the handler's.
 */
import { AwardClient, chaoyangInPublicity, expectOk, expectProblem } from './award-support.js';
import { startApp, type TestApp } from './harness.js';

describe('objections: only the programme’s handler role records and decides them', () => {
  let t: TestApp;
  let office: AwardClient;
  let gold: string;
  let objectionId: string;

  const objection = { objector: { anonymous: false, name: '张三', contact: '13800000000', consentToDisclose: false }, grounds: '材料造假', evidenceProvided: true };
  const events = async () => expectOk(await office.get(`/applications/${gold}/events`)) as Array<{ type: string }>;

  beforeAll(async () => {
    // 2024-10-02 10:00 in Shanghai: the publicity (09-30 … 10-06) is running.
    t = await startApp({ CLOCK: 'manual', CLOCK_START: '2024-10-02T02:00:00Z' }, { deadlineScheduler: false });
    office = new AwardClient(t, t.token('office', ['chaoyang-mayor'], '朝阳评定办'));
    ({ gold } = await chaoyangInPublicity(office));
    // The office (朝阳's handler) records one: admitted and open.
    const received = expectOk(await office.post(`/applications/${gold}/objections`, objection), 201);
    expect(received.objectionStatus).toBe('received');
    objectionId = received.objectionId;
  });
  afterAll(async () => t.close());

  it.each([
    ['an admin of every programme', ['admin'], '*'],
    ['an admin of 朝阳', ['admin'], 'chaoyang-mayor'],
    ['an admin who is also a supervisor (not 朝阳’s handler)', ['admin', 'supervisor'], '*'],
  ] as const)('refuses %s: 403 FORBIDDEN to record or decide, nothing written', async (_, roles, programme) => {
    const client = new AwardClient(t, t.token([...roles], [programme], '运维'));
    const before = await events();
    expectProblem(await client.post(`/applications/${gold}/objections`, objection), 403, 'FORBIDDEN');
    expectProblem(await client.post(`/applications/${gold}/objections`, objection, { 'Idempotency-Key': `admin-${roles.join('-')}` }), 403, 'FORBIDDEN');
    for (const [decision, body] of [['refuse', { reason: 'x' }], ['accept', {}], ['dismiss', { reason: 'x' }]] as const) {
      expectProblem(await client.post(`/applications/${gold}/objections/${objectionId}/${decision}`, body), 403, 'FORBIDDEN');
    }
    expect(await events()).toEqual(before);
  });

  it('the office, 朝阳’s handler, still decides it', async () => {
    expectOk(await office.post(`/applications/${gold}/objections/${objectionId}/refuse`, { reason: '异议不成立' }));
    const refused = (await events()).filter((e) => e.type === 'ObjectionRefused') as Array<{ type: string; actor?: { roles: string[] } }>;
    expect(refused).toHaveLength(1);
  });
});
