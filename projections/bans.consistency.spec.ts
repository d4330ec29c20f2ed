/**
 * The ban read model must agree with the check made at submission (AwardService.submitApplication:
 * decideApply over the applicant stream, with evaluateBans for the term's year on the submission
 * date). Random histories across the five programmes and their terms — applications, awards in
 * every tier, revocations on every ground at various dates — are built the way the service builds
 * them (an application is only recorded when the submission check lets it through). Then, for many
 * (applicant, term, date) questions, the read model's answer over the WHOLE history (it answers
 * past questions later) is compared with the submission-time decision over the stream as it stood
 * on that date.
 *
 * Rules exercised: 济南 第六条, 忻州 第十二、二十八条, 瀍河 第二十八、二十九条,
 * 朝阳 第十五、二十七、三十六条, 淄博 第二十七、三十条 (no ban), one application per term
 * (朝阳 第十七条(三)).
 */
import type { StoredEvent } from '../src/event-store/event-store.port.js';
import { projectionSpec } from '../src/projections/testing/projection-spec.js';
import { RuleViolationError } from '../workflows/errors.js';
import { type ApplicantEvent, applicantFacts, applicantStreamId, decideApply } from '../workflows/applicant/applicant.js';
import { withResidentIdCheck, withUsccCheck } from '../workflows/identifiers/index.js';
import { evaluateBans } from '../workflows/policy/bans.js';
import type { ApplicantKind, ProgrammePolicy } from '../workflows/policy/policy.types.js';
import { PolicyRegistry } from '../workflows/policy/registry.js';
import { termIdFor } from '../workflows/term/events.js';
import { projectInMemory } from './projection.js';
import { type BanAnswer, banAnswer, bansKey, bansProjection } from './bans.js';

const policies = PolicyRegistry.fromDirectories();
const resolve = (programmeId: string, version: string) => policies.get(programmeId, version);

// --- a small seeded generator (mulberry32) ------------------------------------------------------

function random(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (min: number, max: number) => min + Math.floor(next() * (max - min + 1));
  return {
    int,
    pick: <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!,
    chance: (p: number) => next() < p,
    date: (year: number, fromMonth = 1, toMonth = 12) => `${year}-${pad(int(fromMonth, toMonth))}-${pad(int(1, 28))}`,
  };
}
type Random = ReturnType<typeof random>;
const pad = (n: number) => String(n).padStart(2, '0');

// --- the programmes' terms: every cycle whose notice (5 May) falls in a policy version -----------

interface Term {
  programmeId: string;
  termId: string;
  year: number;
  policy: ProgrammePolicy;
}

const LAST_YEAR = 2034;
const TERMS: Term[] = policies.programmes().flatMap((programmeId) => {
  const first = policies.versions(programmeId)[0]!;
  const terms: Term[] = [];
  let year = Number(first.validity.from.slice(0, 4));
  if (`${year}-05-05` < first.validity.from) year += 1;
  for (; year <= LAST_YEAR; year += first.cycle.years) {
    const policy = inForce(programmeId, `${year}-05-05`);
    if (!policy) break;
    terms.push({ programmeId, termId: termIdFor(programmeId, year), year, policy });
  }
  return terms;
});

function inForce(programmeId: string, date: string): ProgrammePolicy | undefined {
  try {
    return policies.inForce(programmeId, date);
  } catch {
    return undefined;
  }
}

// --- the submission-time decision, as AwardService.submitApplication makes it ---------------------

type Decision = { ok: true } | { ok: false; error: RuleViolationError };

function submissionDecision(term: Pick<Term, 'termId' | 'year' | 'policy'>, date: string, stream: readonly ApplicantEvent[]): Decision {
  const { policy } = term;
  try {
    decideApply(
      { applicationId: 'probe', termId: term.termId, termYear: term.year, policyVersion: policy.version, date },
      stream,
      policy,
      (facts) => evaluateBans(resolve, facts, { programmeId: policy.programmeId, termYear: term.year, date }),
    );
    return { ok: true };
  } catch (error) {
    if (error instanceof RuleViolationError) return { ok: false, error };
    throw error;
  }
}

// --- random histories ---------------------------------------------------------------------------

interface Applicant {
  id: string;
  kind: ApplicantKind;
}

interface History {
  /** Per applicant stream, its events in append order (dates never go back). */
  streams: Map<string, { programmeId: string; applicant: Applicant; events: ApplicantEvent[] }>;
  /** Submissions the simulated service refused (a ban or a second application). */
  refused: number;
}

function generate(rnd: Random, seed: number, applicants: number): History {
  const streams: History['streams'] = new Map();
  let refused = 0;
  let appSeq = 0;
  for (let i = 0; i < applicants; i++) {
    const kind: ApplicantKind = rnd.chance(0.7) ? 'organisation' : 'individual';
    const n = seed * 1000 + i;
    const applicant = {
      kind,
      id: kind === 'organisation' ? withUsccCheck(`91370100${String(n).padStart(9, '0')}`) : withResidentIdCheck(`37010219750101${String(n % 1000).padStart(3, '0')}`),
    };
    for (const programmeId of policies.programmes()) {
      const terms = TERMS.filter((t) => t.programmeId === programmeId && t.policy.applicantKinds.kinds.includes(kind));
      if (terms.length === 0) continue;
      const events: ApplicantEvent[] = [];
      const pending: ApplicantEvent[] = [];
      // Revocations wait in `pending` until the history reaches their date.
      const append = (event: ApplicantEvent) => {
        pending.sort((a, b) => (a.data.date < b.data.date ? -1 : 1));
        while (pending.length > 0 && pending[0]!.data.date <= event.data.date) events.push(pending.shift()!);
        events.push(event);
      };
      for (const term of terms) {
        const attempts = rnd.chance(0.65) ? (rnd.chance(0.15) ? 2 : 1) : 0;
        for (let a = 0; a < attempts; a++) {
          const date = rnd.date(term.year, 5, 6);
          const stream = [...events, ...pending.filter((p) => p.data.date <= date)].sort((x, y) => (x.data.date < y.data.date ? -1 : 1));
          if (!submissionDecision(term, date, stream).ok) {
            refused += 1;
            continue;
          }
          const applicationId = `app-${seed}-${++appSeq}`;
          const base = { applicationId, termId: term.termId, termYear: term.year };
          append({ type: 'ApplicantApplied', data: { ...base, policyVersion: term.policy.version, date } });
          if (!rnd.chance(0.55)) continue;
          const tier = rnd.pick(term.policy.tiers).id;
          const awardedOn = rnd.date(term.year, 11, 12);
          append({ type: 'ApplicantAwarded', data: { ...base, tier, date: awardedOn } });
          if (!rnd.chance(0.45)) continue;
          let revokedOn = rnd.date(term.year + rnd.int(0, 6));
          if (revokedOn <= awardedOn) revokedOn = `${term.year + 1}${revokedOn.slice(4)}`;
          const ground = rnd.pick(term.policy.revocation.grounds).code;
          pending.push({ type: 'ApplicantAwardRevoked', data: { ...base, tier, ground, date: revokedOn, awardedOn } });
        }
      }
      events.push(...pending.sort((a, b) => (a.data.date < b.data.date ? -1 : 1)));
      if (events.length > 0) streams.set(applicantStreamId(programmeId, applicant.id), { programmeId, applicant, events });
    }
  }
  return { streams, refused };
}

/** The streams as the event store would hold them, interleaved in one global order. */
function stored(history: History, rnd: Random): StoredEvent[] {
  const queues = [...history.streams.entries()].map(([streamId, s]) => ({ streamId, events: [...s.events], revision: 0 }));
  const out: StoredEvent[] = [];
  while (queues.some((q) => q.events.length > 0)) {
    const q = rnd.pick(queues.filter((x) => x.events.length > 0));
    const event = q.events.shift()!;
    out.push({
      id: `evt-${out.length + 1}`,
      type: event.type,
      data: event.data as unknown as Record<string, unknown>,
      metadata: { actor: { sub: 't', name: 't', roles: [] }, occurredAt: event.data.date, recordedAt: `${event.data.date}T02:00:00.000Z`, commandId: 'c', correlationId: 'c', causationId: 'c', schemaVersion: 1 },
      streamId: q.streamId,
      revision: q.revision++,
      position: out.length + 1,
      hash: '',
    });
  }
  return out;
}

// --- the comparison -----------------------------------------------------------------------------

const withoutSources = (answer: BanAnswer) =>
  answer.bans.map(({ restsOn, ...rule }) => ({ ...rule, restsOn: restsOn.map(({ eventId: _e, streamId: _s, position: _p, ...r }) => r) }));

interface Tally {
  questions: number;
  barred: number;
  alreadyApplied: number;
  articles: Set<string>;
}

function compare(
  answer: BanAnswer,
  decision: Decision,
  term: Pick<Term, 'termId' | 'year' | 'policy'>,
  date: string,
  prefix: readonly ApplicantEvent[],
  events: ReadonlyMap<string, StoredEvent>,
  tally: Tally,
): void {
  const { programmeId } = term.policy;
  // The same findings as the submission's evaluateBans over applicant-stream facts …
  expect(withoutSources(answer)).toEqual(evaluateBans(resolve, applicantFacts(programmeId, prefix), { programmeId, termYear: term.year, date }));
  // … each resting on events that exist, with their id and position …
  for (const rests of answer.bans.flatMap((b) => b.restsOn)) {
    const event = events.get(rests.eventId ?? '');
    expect(event).toMatchObject({ streamId: rests.streamId, position: rests.position, type: { awarded: 'ApplicantAwarded', revoked: 'ApplicantAwardRevoked', applied: 'ApplicantApplied' }[rests.type] });
  }
  // … and the same outcome as decideApply: refused exactly when barred or already applied in the term.
  expect(!decision.ok).toBe(!answer.allowed || answer.alreadyAppliedInTerm !== null);
  if (!decision.ok) {
    const { ban, bans, applicationId } = decision.error.details as { ban?: { ruleId: string; from: string; until: string }; bans?: number; applicationId?: string };
    if (answer.alreadyAppliedInTerm) {
      expect(applicationId).toBe(answer.alreadyAppliedInTerm.applicationId);
    } else {
      expect(decision.error.rule).toEqual({ programme: answer.bans[0]!.programme, version: answer.bans[0]!.version, article: answer.bans[0]!.article });
      expect(ban).toMatchObject({ ruleId: answer.bans[0]!.ruleId, from: answer.bans[0]!.from, until: answer.bans[0]!.until });
      expect(bans).toBe(answer.bans.length);
    }
  }
  tally.questions += 1;
  if (!answer.allowed) tally.barred += 1;
  if (answer.alreadyAppliedInTerm) tally.alreadyApplied += 1;
  for (const b of answer.bans) tally.articles.add(`${b.programme} ${b.article}`);
}

function checkSeed(seed: number, tally: Tally): void {
  const rnd = random(seed);
  const history = generate(rnd, seed, 12);
  const events = stored(history, rnd);
  const documents = projectInMemory(bansProjection, events);
  const byId = new Map(events.map((e) => [e.id, e]));
  for (const [streamId, { programmeId, applicant, events: stream }] of history.streams) {
    const document = documents.get(bansKey(programmeId, applicant.id)) ?? null;
    // The document's facts are the submission's applicantFacts, event for event.
    expect(document?.facts.map(({ source: _s, ...fact }) => fact)).toEqual(applicantFacts(programmeId, stream));
    expect(document?.facts.every((f) => f.source.streamId === streamId)).toBe(true);
    const asOf = (date: string) => stream.filter((e) => e.data.date <= date);
    // Submissions to the programme's real terms, on a date of their application window.
    for (const term of TERMS.filter((t) => t.programmeId === programmeId)) {
      for (let k = 0; k < 2; k++) {
        const date = rnd.date(term.year, 5, 6);
        const prefix = asOf(date);
        const answer = banAnswer(document, { programmeId, termYear: term.year, date, termId: term.termId }, resolve);
        compare(answer, submissionDecision(term, date, prefix), term, date, prefix, byId, tally);
      }
    }
    // Any date, for a term noticed in that year (the ?onDate= question), later versions included.
    for (let k = 0; k < 6; k++) {
      const date = rnd.date(rnd.int(2019, LAST_YEAR));
      const year = Number(date.slice(0, 4));
      const policy = inForce(programmeId, date) ?? policies.versions(programmeId).at(-1)!;
      const term = { termId: termIdFor(programmeId, year), year, policy };
      const prefix = asOf(date);
      const answer = banAnswer(document, { programmeId, termYear: year, date, termId: term.termId }, resolve);
      compare(answer, submissionDecision(term, date, prefix), term, date, prefix, byId, tally);
      // Without a term the answer is the same, minus the one-application-per-term note.
      const dateOnly = banAnswer(document, { programmeId, termYear: year, date }, resolve);
      expect(dateOnly).toEqual({ ...answer, asOf: { ...answer.asOf, termId: null }, alreadyAppliedInTerm: null });
    }
  }
}

describe('ban read model agrees with the submission-time check', () => {
  it('on random histories across programmes, terms, tiers, grounds and dates', () => {
    const tally: Tally = { questions: 0, barred: 0, alreadyApplied: 0, articles: new Set() };
    for (let seed = 1; seed <= 12; seed++) checkSeed(seed, tally);
    expect(tally.questions).toBeGreaterThan(5000);
    // The histories reach every ban rule, and both answers often enough to mean something.
    expect(tally.barred).toBeGreaterThan(tally.questions / 20);
    expect(tally.questions - tally.barred).toBeGreaterThan(tally.questions / 5);
    expect(tally.alreadyApplied).toBeGreaterThan(50);
    expect([...tally.articles].sort()).toEqual(
      [
        'chanhe-district 第二十八条',
        'chanhe-district 第二十九条',
        'chaoyang-mayor 第十五条',
        'chaoyang-mayor 第二十七条',
        'chaoyang-mayor 第三十六条',
        'jinan-mayor 第六条',
        'xinzhou-mayor 第十二条',
        'xinzhou-mayor 第二十八条',
      ].sort(),
    );
  });

  it('gives the same documents through the engine as in memory (one random history)', async () => {
    const rnd = random(7);
    const history = generate(rnd, 7, 4);
    const events = stored(history, rnd);
    const documents = await projectionSpec(bansProjection)
      .given(...events.map(({ type, data, streamId, metadata }) => ({ type, data, streamId, recordedAt: metadata.recordedAt })))
      .documents();
    expect(Object.keys(documents).sort()).toEqual([...history.streams.values()].map((s) => bansKey(s.programmeId, s.applicant.id)).sort());
  });
});
