/**
 * What the edge refuses before any command runs: bodies that are not JSON, JSON nested too deep
 * for the layers after it, and causation ids that would be stored for good in the hash-chained
 * event metadata. Each refusal is a problem document with a stable code, and nothing is written.
 */
import { request } from 'node:http';
import { AwardClient, DEFAULT_CHANNEL, expectOk, expectProblem, REVIEW_STEPS, submissionBody, uscc } from './award-support.js';
import { startApp, type TestApp } from './harness.js';

describe('request edges (HTTP)', () => {
  let t: TestApp;
  let office: AwardClient;
  let applicationId: string;
  /** Shortlisting takes an empty body: a command that runs whenever its body is dropped. */
  let shortlist: string;

  beforeAll(async () => {
    t = await startApp({ CLOCK: 'manual', CLOCK_START: '2024-10-02T02:00:00Z' });
    office = new AwardClient(t, t.token('office', ['*']));
    const termId = await office.openTerm('chaoyang-mayor', 2024, '2024-03-01', '2024-04-30');
    const applicant = { kind: 'organisation' as const, id: uscc('211300', 7), name: '朝阳企业' };
    applicationId = await office.submit({ ...submissionBody('chaoyang-mayor', termId, applicant, DEFAULT_CHANNEL['chaoyang-mayor']), occurredAt: '2024-03-15' });
    const steps = REVIEW_STEPS['chaoyang-mayor'];
    await office.runSteps(applicationId, steps.slice(0, steps.indexOf('shortlist')), '2024-06-15');
    shortlist = `/api/applications/${applicationId}/shortlist`;
  });
  afterAll(async () => t.close());

  const revision = async () => (await office.application(applicationId)).revision as number;

  describe('content types', () => {
    it.each([
      ['text/plain', '{"occurredAt":"2026-13-01","bogus":true}'],
      ['application/xml', '<shortlist/>'],
      ['application/octet-stream', '{}'],
      ['application/x-www-form-urlencoded', 'occurredAt=2024-06-16'],
      ['multipart/form-data; boundary=x', '--x\r\nContent-Disposition: form-data; name="a"\r\n\r\n1\r\n--x--\r\n'],
    ])('refuses a command body of %s with 415 UNSUPPORTED_MEDIA_TYPE, writing nothing', async (type, raw) => {
      const before = await revision();
      const res = await t.request('POST', shortlist, { token: office.token, rawBody: raw, headers: { 'content-type': type } });
      expectProblem(res, 415, 'UNSUPPORTED_MEDIA_TYPE');
      expect(await revision()).toBe(before);
    });

    it('refuses a body without a content type (415), writing nothing', async () => {
      const before = await revision();
      // A byte array: fetch sends it without a Content-Type.
      const res = await fetch(`${t.baseUrl}${shortlist}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${office.token}` },
        body: new TextEncoder().encode('{}'),
      });
      expect(res.status).toBe(415);
      expect(((await res.json()) as { code: string }).code).toBe('UNSUPPORTED_MEDIA_TYPE');
      expect(await revision()).toBe(before);
    });

    it('does not judge the body of a read (GET): it is not read', async () => {
      // fetch sends no body with a GET; node:http does.
      const status = await new Promise<number>((resolve, reject) => {
        const req = request(`${t.baseUrl}/api/applications/${applicationId}`, {
          method: 'GET',
          headers: { authorization: `Bearer ${office.token}`, 'content-type': 'text/plain', 'content-length': '8' },
        });
        req.on('response', (res) => (res.resume(), resolve(res.statusCode ?? 0)));
        req.on('error', reject);
        req.end('not json');
      });
      expect(status).toBe(200);
    });

    it('reads application/*+json as JSON: its unknown properties are refused like any other', async () => {
      const res = await t.request('POST', shortlist, { token: office.token, rawBody: '{"bogus":true}', headers: { 'content-type': 'application/merge-patch+json' } });
      expectProblem(res, 400, 'VALIDATION_FAILED');
      expect(res.body.errors).toEqual([expect.objectContaining({ field: 'bogus' })]);
    });
  });

  describe('nesting depth', () => {
    const nested = (depth: number) => `{"occurredAt":"2024-06-16","deep":${'['.repeat(depth)}${']'.repeat(depth)}}`;

    it.each([
      ['', {}],
      [' with an Idempotency-Key', { 'Idempotency-Key': 'deep-1' }],
    ])('refuses a body nested 1,500 deep with 400 BODY_TOO_DEEP%s, writing nothing', async (_label, headers) => {
      const before = await revision();
      const res = await t.request('POST', shortlist, { token: office.token, rawBody: nested(1500), headers });
      expectProblem(res, 400, 'BODY_TOO_DEEP');
      expect(res.body.maxDepth).toBe(32);
      expect(await revision()).toBe(before);
    });

    it('reads a body at the limit as usual (its unknown property refused by validation)', async () => {
      // The body is level 1, the lists of `deep` levels 2 to 32.
      const res = await t.request('POST', shortlist, { token: office.token, rawBody: nested(31) });
      expectProblem(res, 400, 'VALIDATION_FAILED');
      expectProblem(await t.request('POST', shortlist, { token: office.token, rawBody: nested(32) }), 400, 'BODY_TOO_DEEP');
    });
  });

  describe('X-Causation-Id', () => {
    it.each([
      ['8,000 characters with markup', `<script>alert(1)</script>${'x'.repeat(7975)}`],
      ['markup', '<script>'],
      ['spaces', 'a b'],
      ['empty', ''],
    ])('refuses %s with 400 VALIDATION_FAILED naming the header, writing nothing', async (_label, value) => {
      const before = await revision();
      const res = await t.request('POST', shortlist, { token: office.token, body: {}, headers: { 'X-Causation-Id': value } });
      expectProblem(res, 400, 'VALIDATION_FAILED');
      expect(res.body.errors).toEqual([expect.objectContaining({ field: 'X-Causation-Id' })]);
      expect(await revision()).toBe(before);
    });
  });

  it('still runs a command sent without a body, and records a valid X-Causation-Id', async () => {
    const before = await revision();
    const res = await t.request('POST', shortlist, { token: office.token, headers: { 'X-Causation-Id': 'upstream:event-42' } });
    expect(expectOk(res).revision).toBe(before + 1);
    const events = expectOk(await office.get(`/applications/${applicationId}/events`)) as Array<{ type: string; metadata: { causationId: string } }>;
    expect(events.at(-1)!.metadata.causationId).toBe('upstream:event-42');
  });
});
