/**
 * Audit history, chain verification, the term's audit export and the objection log, through HTTP:
 * every query endpoint × every role × in-scope and out-of-scope programmes, and who sees an
 * objector's identity (朝阳 第二十五条: the office; 忻州 第二十七条: the supervision group; anyone
 * when the objector consented).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Role } from '../../src/auth/jwt.js';
import { EVENT_STORE, type EventStore } from '../../src/event-store/event-store.port.js';
import { AwardClient, candidates, chaoyangInPublicity, expectOk, expectProblem, uscc } from './award-support.js';
import { startApp, tamperStoredEvent, type TestApp } from './harness.js';

const run = promisify(execFile);
const VERIFIER = join(process.cwd(), 'scripts/verify-export.mjs');
const ROLES: Role[] = ['office', 'auditor', 'supervisor', 'admin'];
const CHAOYANG = 'chaoyang-mayor';
const XINZHOU = 'xinzhou-mayor';

/** Exit code and report of the offline verifier. */
async function verifyFile(file: string): Promise<{ code: number; report: any }> {
  try {
    const { stdout } = await run(process.execPath, [VERIFIER, file]);
    return { code: 0, report: JSON.parse(stdout) };
  } catch (error) {
    const e = error as { code: number; stdout: string };
    return { code: e.code, report: e.stdout ? JSON.parse(e.stdout) : null };
  }
}

describe('read models: audit history and objection log (HTTP)', () => {
  let t: TestApp;
  let tmp: string;
  let head: number;
  let chaoyangTerm: string;
  let xinzhouTerm: string;
  let gold: string; // 朝阳, objection by 张三 without consent, dismissed
  let silver: string; // 朝阳, objection by 李四 who consented to disclosure
  let candidate: string; // 忻州, objection by 王五 to the supervision group
  let complaintId: string;
  const token = (role: Role, programme: string) => t.token(role, [programme], `${role}-${programme}`);
  const get = (role: Role, programme: string, path: string) => t.request('GET', `/api${path}`, { token: token(role, programme) });

  beforeAll(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'audit-export-'));
    // 2024-10-02 10:00 in Shanghai: both publicity periods are running.
    t = await startApp({ CLOCK: 'manual', CLOCK_START: '2024-10-02T02:00:00Z' });
    const chaoyangOffice = new AwardClient(t, token('office', CHAOYANG));
    ({ termId: chaoyangTerm, gold, silver } = await chaoyangInPublicity(chaoyangOffice));
    const org = (region: string, n: number) => ({ kind: 'organisation' as const, id: uscc(region, n), name: `企业${region}-${n}` });
    const first = expectOk(
      await chaoyangOffice.post(`/applications/${gold}/objections`, {
        objector: { anonymous: false, name: '张三', contact: '13800000000', consentToDisclose: false },
        grounds: '申报材料中的质量数据与实际不符',
        evidenceProvided: true,
      }),
      201,
    );
    const decide = (decision: string, body: Record<string, unknown> = {}) =>
      chaoyangOffice.post(`/applications/${gold}/objections/${first.objectionId}/${decision}`, { occurredAt: '2024-10-02', ...body });
    expectOk(await decide('accept'));
    expectOk(await decide('request-evidence', { from: 'applicant' }));
    expectOk(await decide('record-evidence', { from: 'applicant', summary: '企业提交了第三方检测报告' }));
    expectOk(await decide('dismiss', { reason: '经核查，申报数据属实' }));
    expectOk(
      await chaoyangOffice.post(`/applications/${silver}/objections`, {
        objector: { anonymous: false, name: '李四', contact: 'lisi@example.cn', consentToDisclose: true },
        grounds: '近3年内质量抽查不合格',
        evidenceProvided: true,
      }),
      201,
    );

    // 忻州: the candidate list is publicised first (第十八条); objections go to the supervision group (第二十七条).
    const xinzhouOffice = new AwardClient(t, token('office', XINZHOU));
    xinzhouTerm = await xinzhouOffice.openTerm(XINZHOU, 2024, '2024-03-10', '2024-05-10');
    [candidate] = await candidates(xinzhouOffice, XINZHOU, xinzhouTerm, [org('140900', 3)], { submittedOn: '2024-04-01', reviewedOn: '2024-07-01' });
    expectOk(await xinzhouOffice.post(`/terms/${xinzhouTerm}/publicity`, { round: 1, startDate: '2024-09-30', candidates: [candidate], occurredAt: '2024-09-30' }));
    const supervisor = new AwardClient(t, token('supervisor', XINZHOU));
    const complaint = expectOk(
      await supervisor.post(`/applications/${candidate}/objections`, {
        objector: { anonymous: false, name: '王五', contact: '13900000000', consentToDisclose: false },
        grounds: '存在未披露的环保处罚',
        evidenceProvided: true,
      }),
      201,
    );
    complaintId = complaint.objectionId;
    expectOk(await supervisor.post(`/applications/${candidate}/objections/${complaintId}/accept`, {}));
    head = await t.app.get<EventStore>(EVENT_STORE).headPosition();
  });

  afterAll(async () => {
    await t.close();
    rmSync(tmp, { recursive: true, force: true });
  });

  // Every query endpoint, in the scope of 朝阳; who may call it.
  const endpoints: Array<{ name: string; path: () => string; roles: Role[] }> = [
    { name: 'history', path: () => `/applications/${gold}/history?minPosition=${head}`, roles: ['auditor', 'office'] },
    { name: 'history asOf', path: () => `/applications/${gold}/history?asOf=2024-09-25&minPosition=${head}`, roles: ['auditor', 'office'] },
    { name: 'verify', path: () => `/applications/${gold}/history/verify`, roles: ['auditor', 'office', 'admin'] },
    { name: 'audit export', path: () => `/terms/${chaoyangTerm}/audit-export`, roles: ['auditor', 'office'] },
    { name: 'objection log', path: () => `/objections?programmeId=${CHAOYANG}&minPosition=${head}`, roles: ['supervisor', 'office'] },
  ];

  describe('authorization: every endpoint × every role × in-scope and out-of-scope programme', () => {
    for (const endpoint of endpoints) {
      for (const role of ROLES) {
        const allowed = endpoint.roles.includes(role);
        it(`${endpoint.name} as ${role}: ${allowed ? '200' : '403'} in scope, 403 out of scope`, async () => {
          const inScope = await get(role, CHAOYANG, endpoint.path());
          if (allowed) expectOk(inScope);
          else expectProblem(inScope, 403, 'FORBIDDEN');
          expectProblem(await get(role, XINZHOU, endpoint.path()), 403, 'FORBIDDEN');
        });
      }
    }

    it('answers 401 without a token', async () => {
      for (const endpoint of endpoints) expect((await t.request('GET', `/api${endpoint.path()}`)).status).toBe(401);
    });

    it('lists only the programmes the token holds when the objection log is not filtered', async () => {
      const log = expectOk(await get('supervisor', XINZHOU, `/objections?minPosition=${head}`));
      expect(log.data.objections.map((o: { applicationId: string }) => o.applicationId)).toEqual([candidate]);
    });
  });

  describe('objector identity', () => {
    // 朝阳 第二十五条: the office handles objections and sees who objected; others only with consent.
    // 忻州 第二十七条: the supervision group handles them; the office does not see the complainant.
    const cases: Array<{ programme: string; role: Role; path: () => string; what: string; sees: string[]; hidden: string[] }> = [
      { programme: CHAOYANG, role: 'office', path: () => `/objections?programmeId=${CHAOYANG}&minPosition=${head}`, what: '/objections', sees: ['张三', '13800000000', '李四'], hidden: [] },
      { programme: CHAOYANG, role: 'supervisor', path: () => `/objections?programmeId=${CHAOYANG}&minPosition=${head}`, what: '/objections', sees: ['李四'], hidden: ['张三', '13800000000'] },
      { programme: CHAOYANG, role: 'office', path: () => `/applications/${gold}/history?minPosition=${head}`, what: '/applications/{id}/history', sees: ['张三'], hidden: [] },
      { programme: CHAOYANG, role: 'auditor', path: () => `/applications/${gold}/history?minPosition=${head}`, what: '/applications/{id}/history', sees: [], hidden: ['张三', '13800000000'] },
      { programme: CHAOYANG, role: 'auditor', path: () => `/applications/${silver}/history?minPosition=${head}`, what: '/applications/{id}/history', sees: ['李四'], hidden: [] },
      { programme: CHAOYANG, role: 'auditor', path: () => `/terms/${chaoyangTerm}/audit-export`, what: '/terms/{id}/audit-export', sees: ['李四'], hidden: ['张三', '13800000000'] },
      { programme: CHAOYANG, role: 'office', path: () => `/terms/${chaoyangTerm}/audit-export`, what: '/terms/{id}/audit-export', sees: ['张三', '李四'], hidden: [] },
      { programme: XINZHOU, role: 'supervisor', path: () => `/objections?programmeId=${XINZHOU}&minPosition=${head}`, what: '/objections', sees: ['王五', '13900000000'], hidden: [] },
      { programme: XINZHOU, role: 'office', path: () => `/objections?programmeId=${XINZHOU}&minPosition=${head}`, what: '/objections', sees: [], hidden: ['王五', '13900000000'] },
      { programme: XINZHOU, role: 'office', path: () => `/applications/${candidate}/history?minPosition=${head}`, what: '/applications/{id}/history', sees: [], hidden: ['王五'] },
      { programme: XINZHOU, role: 'auditor', path: () => `/applications/${candidate}/history?minPosition=${head}`, what: '/applications/{id}/history', sees: [], hidden: ['王五'] },
      { programme: XINZHOU, role: 'auditor', path: () => `/terms/${xinzhouTerm}/audit-export`, what: '/terms/{id}/audit-export', sees: [], hidden: ['王五', '13900000000'] },
      { programme: XINZHOU, role: 'office', path: () => `/applications/${candidate}/events`, what: '/applications/{id}/events', sees: [], hidden: ['王五', '13900000000'] },
      { programme: XINZHOU, role: 'auditor', path: () => `/applications/${candidate}/events`, what: '/applications/{id}/events', sees: [], hidden: ['王五', '13900000000'] },
      { programme: CHAOYANG, role: 'office', path: () => `/applications/${gold}/events`, what: '/applications/{id}/events', sees: ['张三', '13800000000'], hidden: [] },
      { programme: CHAOYANG, role: 'auditor', path: () => `/applications/${gold}/events`, what: '/applications/{id}/events', sees: [], hidden: ['张三', '13800000000'] },
      { programme: CHAOYANG, role: 'auditor', path: () => `/applications/${silver}/events`, what: '/applications/{id}/events', sees: ['李四'], hidden: [] },
    ];
    for (const c of cases) {
      it(`${c.programme} ${c.role} ${c.what}: sees ${c.sees.join(', ') || 'no identity'}`, async () => {
        const res = await get(c.role, c.programme, c.path());
        expectOk(res);
        for (const text of c.sees) expect(res.text).toContain(text);
        for (const text of c.hidden) expect(res.text).not.toContain(text);
      });
    }

    it('says that, and why, an identity was masked', async () => {
      const log = expectOk(await get('supervisor', CHAOYANG, `/objections?programmeId=${CHAOYANG}&minPosition=${head}`));
      const masked = log.data.objections.find((o: { applicationId: string }) => o.applicationId === gold);
      expect(masked.objector).toEqual({ anonymous: false, consentToDisclose: false, masked: true, confidentialityArticle: '第二十五条' });
    });
  });

  describe('audit history', () => {
    it('lists every event with actor, dates, ids, revision, position, hash and the state after it, with the checkpoint', async () => {
      const res = expectOk(await get('auditor', CHAOYANG, `/applications/${gold}/history?minPosition=${head}`));
      expect(res).toMatchObject({ stale: false, checkpoint: expect.any(Number) });
      expect(res.checkpoint).toBeGreaterThanOrEqual(head);
      const { entries } = res.data;
      expect(entries.map((e: { revision: number }) => e.revision)).toEqual(entries.map((_: unknown, i: number) => i));
      expect(entries[0]).toMatchObject({
        type: 'ApplicationSubmitted',
        actor: { sub: expect.any(String), name: `office-${CHAOYANG}`, roles: ['office'] },
        occurredAt: '2024-03-15',
        recordedAt: expect.any(String),
        commandId: expect.any(String),
        correlationId: expect.any(String),
        hash: expect.stringMatching(/^[0-9a-f]{64}$/),
        stateAfter: 'submitted',
      });
      const types = entries.map((e: { type: string; stateAfter: string }) => [e.type, e.stateAfter]);
      expect(types).toContainEqual(['ApplicationProposed', 'proposed']);
      expect(types).toContainEqual(['ObjectionReceived', 'objected']);
      expect(types.at(-1)).toEqual(['ObjectionDismissed', 'publicized']);
    });

    it('answers the state and data as of a business date, an instant or a global position', async () => {
      const before = expectOk(await get('auditor', CHAOYANG, `/applications/${gold}/history?asOf=2024-09-25&minPosition=${head}`)).data;
      expect(before).toMatchObject({ existed: true, state: 'proposed', context: { tier: 'gold' }, lastEvent: { type: 'ApplicationProposed' } });
      expect(before.context.objections).toEqual({});
      const during = expectOk(await get('auditor', CHAOYANG, `/applications/${gold}/history?asOf=2024-10-02T02:00:00.000Z`)).data;
      expect(during.state).toBe('publicized');
      const history = expectOk(await get('auditor', CHAOYANG, `/applications/${gold}/history`)).data.entries;
      const received = history.find((e: { type: string }) => e.type === 'ObjectionReceived');
      const atPosition = expectOk(await get('auditor', CHAOYANG, `/applications/${gold}/history?asOf=${received.position}`)).data;
      expect(atPosition).toMatchObject({ state: 'objected', revision: received.revision, position: received.position });
      expect(JSON.stringify(atPosition)).not.toContain('张三');
      const beforeSubmission = expectOk(await get('auditor', CHAOYANG, `/applications/${gold}/history?asOf=2024-01-01`)).data;
      expect(beforeSubmission).toMatchObject({ existed: false, state: null, context: null });
      expectProblem(await get('auditor', CHAOYANG, `/applications/${gold}/history?asOf=soon`), 400, 'VALIDATION_FAILED');
      expectProblem(await get('auditor', CHAOYANG, `/applications/${gold}/history?asOf=2026-02-30`), 400, 'VALIDATION_FAILED');
    });

    it('answers 404 for an unknown application', async () => {
      expectProblem(await get('auditor', CHAOYANG, '/applications/no-such-application/history'), 404);
    });
  });

  describe('audit export', () => {
    it('streams JSON Lines, one stored event with its hash per line, and an auditor verifies it offline', async () => {
      const res = await fetch(`${t.baseUrl}/api/terms/${chaoyangTerm}/audit-export`, { headers: { authorization: `Bearer ${token('auditor', CHAOYANG)}` } });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^application\/x-ndjson/);
      // Streamed: chunked, no length known up front.
      expect(res.headers.get('transfer-encoding')).toBe('chunked');
      expect(res.headers.get('content-length')).toBeNull();
      const text = await res.text();
      const lines = text.trimEnd().split('\n').map((l) => JSON.parse(l));
      const trailer = lines.at(-1);
      expect(trailer).toMatchObject({ kind: 'export-end', termId: chaoyangTerm, programmeId: CHAOYANG, maskedLines: 1 });
      const streams = Object.keys(trailer.streams);
      expect(streams).toEqual(expect.arrayContaining([`term-${chaoyangTerm}`, `application-${gold}`, `application-${silver}`]));
      expect(streams.filter((s) => s.startsWith(`applicant-${CHAOYANG}-`))).toHaveLength(2);
      expect(streams.some((s) => s.includes(xinzhouTerm) || s.includes(candidate))).toBe(false);
      const masked = lines.filter((l) => l.masked);
      expect(masked).toEqual([
        expect.objectContaining({
          type: 'ObjectionReceived',
          streamId: `application-${gold}`,
          masked: expect.objectContaining({ fields: ['data.objector.name', 'data.objector.contact'], commitment: expect.stringMatching(/^[0-9a-f]{64}$/) }),
        }),
      ]);

      const file = join(tmp, 'auditor.jsonl');
      writeFileSync(file, text);
      const { code, report } = await verifyFile(file);
      expect(code).toBe(0);
      expect(report).toMatchObject({ ok: true, events: lines.length - 1, streams: streams.length, verified: lines.length - 2, unanchored: [] });
      expect(report.chainLinkOnly).toEqual([expect.objectContaining({ streamId: `application-${gold}` })]);
    });

    it('gives the handler (朝阳: the office) the original lines, every one re-hashable', async () => {
      const text = (await get('office', CHAOYANG, `/terms/${chaoyangTerm}/audit-export`)).text;
      const file = join(tmp, 'office.jsonl');
      writeFileSync(file, text);
      const { code, report } = await verifyFile(file);
      expect(code).toBe(0);
      expect(report.chainLinkOnly).toEqual([]);
      expect(report.verified).toBe(report.events);
    });

    it('rejects a tampered copy, a forged masked hash and a truncated copy with a non-zero exit', async () => {
      const original = readFileSync(join(tmp, 'auditor.jsonl'), 'utf8');
      const lines = original.trimEnd().split('\n');

      const edited = lines.map((l) => (l.includes('"ObjectionDismissed"') ? l.replace('经核查，申报数据属实', '经核查，异议成立') : l));
      writeFileSync(join(tmp, 'edited.jsonl'), `${edited.join('\n')}\n`);
      const editedRun = await verifyFile(join(tmp, 'edited.jsonl'));
      expect(editedRun.code).toBe(1);
      expect(editedRun.report.errors[0]).toMatchObject({ message: 'hash mismatch', streamId: `application-${gold}` });

      // A masked line is proven by the next event, whose hash covers the masked line's hash.
      const forged = lines.map((l) => {
        const line = JSON.parse(l);
        return line.masked ? JSON.stringify({ ...line, hash: 'f'.repeat(64) }) : l;
      });
      writeFileSync(join(tmp, 'forged.jsonl'), `${forged.join('\n')}\n`);
      expect((await verifyFile(join(tmp, 'forged.jsonl'))).code).toBe(1);

      writeFileSync(join(tmp, 'truncated.jsonl'), `${lines.slice(0, -3).join('\n')}\n`);
      const truncated = await verifyFile(join(tmp, 'truncated.jsonl'));
      expect(truncated.code).toBe(1);
      expect(truncated.report.errors).toContainEqual(expect.objectContaining({ message: expect.stringContaining('trailer') }));
    });
  });

  describe('objection log', () => {
    it('shows each objection with application, dates, period, status, deadlines, steps with who took them, outcome', async () => {
      const log = expectOk(await get('office', CHAOYANG, `/objections?programmeId=${CHAOYANG}&termId=${chaoyangTerm}&minPosition=${head}`));
      expect(log.stale).toBe(false);
      const [dismissed, pending] = log.data.objections;
      expect(dismissed).toMatchObject({
        applicationId: gold,
        termId: chaoyangTerm,
        applicant: { name: '企业211300-1' },
        receivedOn: '2024-10-02',
        withinPublicity: true,
        publicity: { list: 'proposed', startDate: '2024-09-30', endDate: '2024-10-06' },
        status: 'dismissed',
        deadlines: [expect.objectContaining({ from: 'applicant', status: 'recorded', summary: '企业提交了第三方检测报告' })],
        outcome: { result: 'dismissed', reason: '经核查，申报数据属实', on: '2024-10-02' },
      });
      expect(dismissed.steps.map((s: { step: string }) => s.step)).toEqual([
        'ObjectionReceived',
        'ObjectionAccepted',
        'ObjectionEvidenceRequested',
        'ObjectionEvidenceRecorded',
        'ObjectionDismissed',
      ]);
      expect(dismissed.steps[0].by).toMatchObject({ name: `office-${CHAOYANG}`, roles: ['office'] });
      expect(pending).toMatchObject({ applicationId: silver, status: 'received', outcome: null });
    });

    it('filters by status and received date, and refuses bad filters', async () => {
      const q = (query: string) => get('supervisor', CHAOYANG, `/objections?programmeId=${CHAOYANG}&minPosition=${head}&${query}`);
      expect(expectOk(await q('status=dismissed')).data.objections.map((o: { applicationId: string }) => o.applicationId)).toEqual([gold]);
      expect(expectOk(await q('from=2024-10-02&to=2024-10-02')).data.objections).toHaveLength(2);
      expect(expectOk(await q('from=2024-10-03')).data.objections).toHaveLength(0);
      expectProblem(await q('status=maybe'), 400, 'VALIDATION_FAILED');
      expectProblem(await q('from=02.10.2024'), 400, 'VALIDATION_FAILED');
      // A day the month does not have (the shape alone let it through).
      expectProblem(await q('from=2024-02-30'), 400, 'VALIDATION_FAILED');
      expectProblem(await q('to=9999-99-99'), 400, 'VALIDATION_FAILED');
    });
  });

  // Last: it tampers the store's file under the running app.
  describe('verify', () => {
    it('recomputes the chain from the store and reports ok', async () => {
      const res = expectOk(await get('auditor', CHAOYANG, `/applications/${gold}/history/verify`));
      expect(res).toMatchObject({ ok: true, source: 'event-store', firstMismatch: null });
      expect(res.checked).toBe(res.events);
    });

    it('detects an event tampered in the store and names the first one that does not match', async () => {
      const changed = await tamperStoredEvent(t, `application-${gold}`, 'ApplicationRecommended', '"opinion":"', '"opinion":"不');
      expect(changed).toBe(1);
      const res = expectOk(await get('auditor', CHAOYANG, `/applications/${gold}/history/verify`));
      expect(res).toMatchObject({
        ok: false,
        checked: 1,
        firstMismatch: { revision: 1, type: 'ApplicationRecommended', reason: 'hash mismatch', position: expect.any(Number) },
      });
      // The other application's chain is untouched.
      expect(expectOk(await get('auditor', CHAOYANG, `/applications/${silver}/history/verify`)).ok).toBe(true);
    });
  });
  describe('history while the read model catches up', () => {
    it('shows the events appended while it waited for ?minPosition=', async () => {
      const store = t.app.get<EventStore>(EVENT_STORE);
      const before = await store.readStream(`application-${candidate}`);
      const pending = get('auditor', XINZHOU, `/applications/${candidate}/history?minPosition=${(await store.headPosition()) + 1}`);
      // By now the query has read the stream; the next event lands while it waits for the read model.
      await new Promise((resolve) => setTimeout(resolve, 200));
      const supervisor = new AwardClient(t, token('supervisor', XINZHOU));
      expectOk(await supervisor.post(`/applications/${candidate}/objections/${complaintId}/dismiss`, { reason: '经核查，反映内容不属实' }));
      const res = await pending;
      expect(res.status).toBe(200);
      expect(res.body.stale).toBe(false);
      const entries = res.body.data.entries as Array<{ revision: number; type: string }>;
      expect(entries.map((entry) => entry.revision)).toEqual([...before.map((event) => event.revision), before.length]);
      expect(entries.at(-1)!.type).toBe('ObjectionDismissed');
    });
  });
});
