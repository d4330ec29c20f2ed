/**
 * The award API's contract: the OpenAPI document lists every endpoint with its DTO schemas, and
 * no input, however wrong, gets a 500.
 */
import { AwardClient, candidates, expectOk, uscc } from './award-support.js';
import { startApp, type TestApp } from './harness.js';

const APPLICATION_COMMANDS = [
  'recommend',
  'qualification-review',
  'opinion-survey',
  'department-opinions',
  'materials-review',
  'shortlist',
  'eliminate',
  'on-site-review',
  'oral-defence',
  'candidate',
  'withdraw',
  'revoke',
  'close-publicity',
  'annual-reports',
];

describe('award API contract (HTTP)', () => {
  let t: TestApp;
  let office: AwardClient;
  let termId: string;
  let applicationId: string;

  beforeAll(async () => {
    t = await startApp({ CLOCK: 'manual', CLOCK_START: '2024-10-02T02:00:00Z' });
    office = new AwardClient(t, t.token(['office', 'admin'], ['*']));
    termId = await office.openTerm('chaoyang-mayor', 2024, '2024-03-01', '2024-04-30');
    [applicationId] = await candidates(office, 'chaoyang-mayor', termId, [{ kind: 'organisation', id: uscc('211300', 1), name: '朝阳企业' }], {
      submittedOn: '2024-03-15',
      reviewedOn: '2024-06-15',
    });
  });
  afterAll(async () => t.close());

  describe('OpenAPI', () => {
    it('lists every endpoint of the award API with its DTO schemas', async () => {
      const doc = expectOk(await t.request('GET', '/api/docs-json'));
      const paths = doc.paths as Record<string, Record<string, { requestBody?: { content: Record<string, { schema: { $ref?: string } }> } }>>;
      const expected: Array<[string, string, string?]> = [
        ['/api/programmes', 'get'],
        ['/api/programmes/{id}', 'get'],
        ['/api/programmes/{id}/statechart', 'get'],
        ['/api/programmes/{programmeId}/terms', 'post', 'OpenTermDto'],
        ['/api/terms/{termId}', 'get'],
        ['/api/terms/{termId}/proposed-list', 'post', 'ProposedListDto'],
        ['/api/terms/{termId}/publicity', 'post', 'StartPublicityDto'],
        ['/api/terms/{termId}/approval', 'post', 'ApprovalDto'],
        ['/api/applications', 'post', 'SubmitApplicationDto'],
        ['/api/applications/{id}', 'get'],
        ['/api/applications/{id}/events', 'get'],
        ['/api/applications/{id}/objections', 'post', 'ReceiveObjectionDto'],
        ['/api/applications/{id}/objections/{objectionId}/{decision}', 'post', 'ObjectionDecisionDto'],
        ...APPLICATION_COMMANDS.map((c): [string, string] => [`/api/applications/{id}/${c}`, 'post']),
      ];
      for (const [path, method, dto] of expected) {
        expect({ path, method, present: Boolean(paths[path]?.[method]) }).toEqual({ path, method, present: true });
        if (dto) expect(paths[path]![method]!.requestBody!.content['application/json']!.schema.$ref).toBe(`#/components/schemas/${dto}`);
      }
      const schemas = doc.components.schemas as Record<string, { properties: Record<string, unknown>; required?: string[] }>;
      // Nested DTOs are documented too, with the fields the service reads.
      expect(Object.keys(schemas.DeclarationDto!.properties)).toEqual(
        expect.arrayContaining(['operatingSince', 'qualityWorkSince', 'fourNewField', 'waiver', 'exclusions']),
      );
      expect(schemas.WaiverDto!.required).toEqual(expect.arrayContaining(['grantedBy', 'documentNo', 'date']));
      expect(Object.keys(schemas.StartPublicityDto!.properties)).toEqual(expect.arrayContaining(['round', 'startDate', 'candidates']));
      expect(Object.keys(schemas.RevokeDto!.properties)).toEqual(expect.arrayContaining(['ground', 'incidentOn', 'occurredAt']));
      expect(Object.keys(schemas.ReviewerScoreDto!.properties)).toEqual(expect.arrayContaining(['reviewerId', 'recused', 'scores']));
      expect(schemas.ApplicantDto!.required).toEqual(expect.arrayContaining(['kind', 'id', 'name']));
    });
  });

  describe('no 500 for any bad input', () => {
    const garbage: Array<{ label: string; body?: unknown; raw?: string }> = [
      { label: 'array', body: [] },
      { label: 'array of objects', body: [{ termId: 'x' }, 1] },
      { label: 'json null', raw: 'null' },
      { label: 'json string', raw: '"text"' },
      { label: 'json number', raw: '42' },
      { label: 'truncated json', raw: '{"a":' },
      { label: 'empty object', body: {} },
      { label: 'nulls', body: { termId: null, applicant: null, channel: null, declaration: null, occurredAt: null, reviews: null, entries: null, objector: null } },
      { label: 'wrong types', body: { termId: 5, applicant: [], channel: 'x', declaration: 'x', round: '1', year: '2025', reviews: 'x', entries: {}, opinions: 3, outcome: 1 } },
      { label: 'nested wrong types', body: { reviews: [null, 1, 'x', { scores: [] }], entries: [null, 'x'], opinions: [[]], objector: [], candidates: [1, null] } },
      { label: 'huge strings', body: { opinion: '质'.repeat(30_000), ground: 'x'.repeat(30_000), termId: 'y'.repeat(30_000) } },
      { label: 'too large', raw: JSON.stringify({ opinion: 'x'.repeat(300_000) }) },
      { label: 'prototype keys', raw: '{"__proto__":{"admin":true},"constructor":{"prototype":{"x":1}},"declaration":{"exclusions":{"__proto__":true}}}' },
      { label: 'odd dates', body: { occurredAt: '9999-99-99', startDate: '2024-02-30', decisionDate: '0000-00-00', noticeDate: '20240101' } },
      { label: 'numbers out of range', body: { year: 1e308, round: -1, rank: 1.5, candidates: [] } },
    ];

    const endpoints = (): string[] => [
      '/api/applications',
      ...APPLICATION_COMMANDS.map((c) => `/api/applications/${applicationId}/${c}`),
      `/api/applications/${applicationId}/objections`,
      `/api/applications/${applicationId}/objections/obj-1/accept`,
      `/api/applications/${applicationId}/objections/obj-1/request-evidence`,
      '/api/programmes/chaoyang-mayor/terms',
      `/api/terms/${termId}/proposed-list`,
      `/api/terms/${termId}/publicity`,
      `/api/terms/${termId}/approval`,
    ];

    it('answers every endpoint with a problem document below 500', async () => {
      const failures: string[] = [];
      for (const path of endpoints()) {
        for (const { label, body, raw } of garbage) {
          const res = await t.request('POST', path, { token: office.token, ...(raw !== undefined ? { rawBody: raw } : { body }) });
          const problem = /^application\/problem\+json/.test(res.headers.get('content-type') ?? '');
          if (res.status >= 500 || (res.status >= 400 && !problem)) failures.push(`${path} ${label}: ${res.status} ${res.text.slice(0, 200)}`);
        }
      }
      expect(failures).toEqual([]);
      // Nothing above reached the application's history.
      expect((await office.application(applicationId)).state).toBe('candidate');
    });

    it('answers odd paths, ids, queries and headers below 500', async () => {
      const requests: Array<[string, string, Record<string, string>?]> = [
        ['GET', `/api/applications/${'a'.repeat(300)}`],
        ['GET', "/api/applications/' OR 1=1 --"],
        ['GET', '/api/applications/%00'],
        ['GET', '/api/applications/..%2F..%2Fetc%2Fpasswd'],
        ['GET', '/api/terms/%E2%80%8B'],
        ['GET', '/api/programmes/nope'],
        ['GET', '/api/programmes/nope/statechart'],
        ['GET', '/api/programmes/chaoyang-mayor/statechart?version=1999'],
        ['GET', '/api/programmes/chaoyang-mayor/statechart?version=a&version=b'],
        ['GET', '/api/programmes/chaoyang-mayor?date=garbage'],
        ['GET', '/api/programmes/chaoyang-mayor?date=a&date=b'],
        ['GET', '/api/programmes/chaoyang-mayor?date=1900-01-01'],
        ['POST', '/api/programmes/nope/terms'],
        ['POST', `/api/applications/${applicationId}/objections/obj-1/%F0%9F%92%A5`],
        ['POST', `/api/applications/${applicationId}/recommend`, { 'If-Match': '"999999999999999999999999"' }],
        ['POST', `/api/applications/${applicationId}/recommend`, { 'If-Match': '"-1"' }],
        ['POST', `/api/applications/${applicationId}/recommend`, { 'Idempotency-Key': '' }],
        ['POST', `/api/applications/${applicationId}/recommend`, { 'content-type': 'text/plain' }],
        ['POST', `/api/applications/${applicationId}/recommend`, { 'content-type': 'application/json; charset=latin1' }],
        ['GET', `/api/applications/${applicationId}`, { authorization: 'Bearer a.b.c' }],
        ['GET', `/api/applications/${applicationId}`, { authorization: `Bearer ${'x'.repeat(5000)}` }],
      ];
      const failures: string[] = [];
      for (const [method, path, headers] of requests) {
        const res = await t.request(method, path, { token: headers?.authorization ? undefined : office.token, headers, rawBody: method === 'POST' ? '{"opinion":"同意"}' : undefined });
        const problem = /^application\/problem\+json/.test(res.headers.get('content-type') ?? '');
        if (res.status >= 500 || (res.status >= 400 && !problem)) failures.push(`${method} ${path}: ${res.status} ${res.text.slice(0, 200)}`);
      }
      expect(failures).toEqual([]);
    });
  });
});
