import { Controller, Get, Inject, Param, Query, Req, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import {
  AUDIT_PROJECTION,
  type AnyAuditHistoryDoc,
  type AuditEntry,
  auditKey,
  historyAsOf,
  historyEntries,
  parseAsOf,
} from '../../projections/audit.js';
import { NotFoundError } from '../../workflows/errors.js';
import { applicationStreamId } from '../../workflows/application/events.js';
import type { PolicyRegistry } from '../../workflows/policy/registry.js';
import { type AwardService, applicationScope } from '../awards/award.service.js';
import { type AuthenticatedRequest, JWT_SECRET, Roles } from '../auth/auth.guard.js';
import { CLOCK, type Clock } from '../clock/clock.js';
import { assertTermAccess } from '../common/access.js';
import { IdPipe } from '../common/id.pipe.js';
import { AWARD_SERVICE, POLICY_REGISTRY } from '../domain.tokens.js';
import { EVENT_STORE, type EventStore, type StoredEvent } from '../event-store/event-store.port.js';
import { verifyChain } from '../event-store/hash.js';
import { ValidationFailedError } from '../http/http-errors.js';
import { type Fresh, ProjectionReader } from '../projections/projection-reader.js';
import { EXPORT_CONTENT_TYPE, commitmentKey } from './audit-export.js';
import { writeTermExport } from './audit-export-writer.js';
import { type ObjectorRule, type Viewer, maskEvent } from './objector-masking.js';

export type HistoryEntryView = AuditEntry;

const NOBODY: ObjectorRule = { handledBy: 'nobody' as ObjectorRule['handledBy'], confidentialityArticle: 'unknown policy' };

export interface HistoryView {
  applicationId: string;
  programmeId: string | null;
  policyVersion: string | null;
  termId: string | null;
  entries: HistoryEntryView[];
}

export interface AsOfView {
  applicationId: string;
  asOf: { kind: string; value: string | number };
  /** False when the application had no event yet at that point. */
  existed: boolean;
  revision: number | null;
  position: number | null;
  occurredAt: string | null;
  recordedAt: string | null;
  state: string | null;
  context: AuditEntry['contextAfter'];
  /** The last event at or before asOf, masked like the history. */
  lastEvent: HistoryEntryView | null;
}

export interface VerifyView {
  applicationId: string;
  streamId: string;
  /** Read from the event store, not from the projection. */
  source: 'event-store';
  ok: boolean;
  events: number;
  checked: number;
  firstMismatch: null | {
    revision: number;
    position: number | null;
    eventId: string;
    type: string | null;
    reason: string;
    expected: string;
    stored: string;
  };
}

/**
 * Audit read models, for auditors and the office. Objector identities are masked for every viewer
 * but the programme's handler (朝阳 第二十五条: the office; 忻州 第二十七条: the supervision group,
 * which is not allowed here, so always masked in 忻州 unless the objector consented).
 */
@ApiTags('read-models')
@Controller()
export class AuditController {
  private readonly key: Buffer;

  constructor(
    @Inject(ProjectionReader) private readonly reader: ProjectionReader,
    @Inject(POLICY_REGISTRY) private readonly policies: PolicyRegistry,
    @Inject(AWARD_SERVICE) private readonly awards: AwardService,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(JWT_SECRET) secret: string,
  ) {
    this.key = commitmentKey(secret);
  }

  @Get('applications/:id/history')
  @Roles('auditor', 'office')
  @ApiOperation({
    summary:
      'Every event of the application with actor, occurredAt, recordedAt, command/correlation ids, revision, position, hash and the state after it; ' +
      'with ?asOf= the state and context as they stood then',
  })
  @ApiQuery({ name: 'minPosition', required: false, description: 'Global position of your own write: waits briefly until the read model has it' })
  @ApiQuery({
    name: 'asOf',
    required: false,
    description: 'YYYY-MM-DD: business date (occurredAt) on or before; ISO instant: recordedAt at or before; digits: global position at or before',
  })
  @ApiOkResponse({ description: '{ checkpoint, stale, data: HistoryView | AsOfView }' })
  async history(
    @Param('id', IdPipe) id: string,
    @Query('minPosition') minPosition: string | undefined,
    @Query('asOf') asOfRaw: string | undefined,
    @Req() req: AuthenticatedRequest,
  ): Promise<Fresh<HistoryView | AsOfView>> {
    const asOf = asOfRaw === undefined ? undefined : parseAsOf(asOfRaw);
    if (asOf === null) {
      throw new ValidationFailedError([{ field: 'asOf', message: 'must be a date YYYY-MM-DD, an ISO 8601 instant or a global position' }]);
    }
    // Scope from the stream itself (404 when unknown), not from a possibly lagging document; the
    // events read for it are the ones shown, so the stream is read once.
    const streamId = applicationStreamId(id);
    const read = await this.store.readStream(streamId);
    await assertTermAccess(req.user, applicationScope(id, read), this.awards);
    type Doc = AnyAuditHistoryDoc;
    const answer = await this.reader.read<Doc, Doc | null>(AUDIT_PROJECTION, { minPosition }, (view) => view.get(auditKey(id)));
    const doc = answer.data;
    if (!doc) {
      throw new NotFoundError(`Application ${id} is not in the audit read model yet; retry with ?minPosition=`, {
        applicationId: id,
        checkpoint: answer.checkpoint,
      });
    }
    const rule = this.ruleOf(doc);
    const mask = (entry: AuditEntry): HistoryEntryView => maskEvent(entry, req.user, rule);
    // The document says how far the read model has come; the events come from the store (cut at
    // the document's revision) and are folded through the statechart here, once. Waiting for
    // ?minPosition= may have taken the document past the events read above: read the rest.
    const readUpTo = read.at(-1)!.revision;
    const events = doc.lastRevision > readUpTo ? read.concat(await this.store.readStream(streamId, { fromRevision: readUpTo + 1 })) : read;
    const resolvePolicy = (programmeId: string, version: string) => this.policies.get(programmeId, version);
    if (asOf === undefined) {
      const data: HistoryView = {
        applicationId: doc.applicationId,
        programmeId: doc.programmeId,
        policyVersion: doc.policyVersion,
        termId: doc.termId,
        entries: historyEntries(doc, events, resolvePolicy).map(mask),
      };
      return { ...answer, data };
    }
    const entry = historyAsOf(doc, events, asOf, resolvePolicy);
    const data: AsOfView = {
      applicationId: doc.applicationId,
      asOf,
      existed: entry !== null,
      revision: entry?.revision ?? null,
      position: entry?.position ?? null,
      occurredAt: entry?.occurredAt ?? null,
      recordedAt: entry?.recordedAt ?? null,
      state: entry?.stateAfter ?? null,
      context: entry?.contextAfter ?? null,
      lastEvent: entry ? mask(entry) : null,
    };
    return { ...answer, data };
  }

  @Get('applications/:id/history/verify')
  @Roles('auditor', 'office', 'admin')
  @ApiOperation({ summary: 'Recomputes the hash chain of the application’s stream from the event store; reports the first event that does not match' })
  @ApiOkResponse({ description: 'VerifyView (ok: false is still 200: the check ran, the stream failed it)' })
  async verify(@Param('id', IdPipe) id: string, @Req() req: AuthenticatedRequest): Promise<VerifyView> {
    // One read of the store, for the scope and for the check (never a held copy: this is the check).
    const streamId = applicationStreamId(id);
    const events = await this.store.readStream(streamId);
    await assertTermAccess(req.user, applicationScope(id, events), this.awards);
    const check = verifyChain(events);
    const bad = check.firstMismatch;
    const event = bad ? events.find((e) => e.id === bad.id) : undefined;
    return {
      applicationId: id,
      streamId,
      source: 'event-store',
      ok: check.ok,
      events: events.length,
      checked: check.checked,
      firstMismatch: bad
        ? {
            revision: bad.revision,
            position: event?.position ?? null,
            eventId: bad.id,
            type: event?.type ?? null,
            reason: bad.reason,
            expected: bad.expected,
            stored: bad.stored,
          }
        : null,
    };
  }

  @Get('terms/:termId/audit-export')
  @Roles('auditor', 'office')
  @ApiOperation({
    summary:
      'The whole term (term stream, its applications, the applicants’ histories) as JSON Lines, streamed, one stored event with its hash per line, ' +
      'then an export-end trailer; verify offline with `node scripts/verify-export.mjs <file>`',
  })
  @ApiProduces('application/x-ndjson')
  async export(@Param('termId', IdPipe) termId: string, @Req() req: AuthenticatedRequest, @Res() res: Response): Promise<void> {
    const { programmeId } = await this.awards.scopeOfTerm(termId);
    await assertTermAccess(req.user, { programmeId, termId }, this.awards);
    const termPolicyRule = this.policies.get(programmeId, (await this.awards.getTerm(termId)).policyVersion).objections;
    const viewer: Viewer = { roles: [...req.user.roles] };
    const exportedAt = this.clock.now().toISOString();
    res.status(200);
    res.setHeader('content-type', EXPORT_CONTENT_TYPE);
    res.setHeader('content-disposition', `attachment; filename="${termId}-audit.jsonl"`);
    res.setHeader('cache-control', 'no-store');
    try {
      await writeTermExport(this.store, res, {
        termId,
        programmeId,
        exportedAt,
        viewer,
        ruleFor: (events) => this.ruleOfStream(events) ?? termPolicyRule,
        commitmentKey: this.key,
      });
      res.end();
    } catch {
      // Headers are gone: cut the connection so the file lacks its trailer and fails verification.
      res.destroy();
    }
  }

  private ruleOf(doc: { programmeId: string | null; policyVersion: string | null }): ObjectorRule {
    // A stream that does not begin with its submission names no policy: mask for everyone.
    if (doc.programmeId === null || doc.policyVersion === null) return NOBODY;
    return this.policies.get(doc.programmeId, doc.policyVersion).objections;
  }

  private ruleOfStream(events: readonly StoredEvent[]): ObjectorRule | undefined {
    const first = events[0];
    if (first?.type !== 'ApplicationSubmitted') return undefined;
    const { programmeId, policyVersion } = first.data as { programmeId: string; policyVersion: string };
    return this.policies.get(programmeId, policyVersion).objections;
  }
}
