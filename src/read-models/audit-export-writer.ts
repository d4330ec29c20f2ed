/**
 * Streams a term's audit export from the event store (never from a projection: the export is
 * evidence). One res.write per line, waiting for 'drain' when the socket's buffer is full, so a
 * large term never sits in memory as one string.
 */
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import type { EventStore, StoredEvent } from '../event-store/event-store.port.js';
import { applicationStreamId } from '../../workflows/application/events.js';
import { applicantStreamId } from '../../workflows/applicant/applicant.js';
import { termStreamId } from '../../workflows/term/events.js';
import { type ExportTrailer, exportLine } from './audit-export.js';
import type { ObjectorRule, Viewer } from './objector-masking.js';

const PAGE = 500;

/** The term's stream, then each application of the term, then each applicant's history involved. */
export async function termStreamIds(store: EventStore, termId: string, programmeId: string): Promise<string[]> {
  const applications: string[] = [];
  const applicants: string[] = [];
  // The term stream does not list submissions; the ApplicationSubmitted events do.
  for (let from = 0; ; ) {
    const page = await store.readAll({ fromPosition: from, limit: PAGE });
    for (const event of page) {
      if (event.type !== 'ApplicationSubmitted') continue;
      const data = event.data as { applicationId: string; termId: string; applicant: { id: string } };
      if (data.termId !== termId) continue;
      applications.push(applicationStreamId(data.applicationId));
      applicants.push(applicantStreamId(programmeId, data.applicant.id));
    }
    if (page.length < PAGE) break;
    from = page.at(-1)!.position + 1;
  }
  return [termStreamId(termId), ...new Set(applications), ...new Set(applicants)];
}

export interface ExportRequest {
  termId: string;
  programmeId: string;
  exportedAt: string;
  viewer: Viewer;
  /** The objection rule of an application's policy version; term and applicant streams carry no objector. */
  ruleFor(applicationStreamEvents: readonly StoredEvent[]): ObjectorRule;
  commitmentKey: Buffer;
}

async function writeLine(out: Writable, value: unknown): Promise<void> {
  if (out.destroyed) throw new Error('the client went away');
  if (!out.write(`${JSON.stringify(value)}\n`)) await once(out, 'drain');
}

export async function writeTermExport(store: EventStore, out: Writable, request: ExportRequest): Promise<ExportTrailer> {
  const trailer: ExportTrailer = {
    kind: 'export-end',
    termId: request.termId,
    programmeId: request.programmeId,
    exportedAt: request.exportedAt,
    lines: 0,
    maskedLines: 0,
    streams: {},
  };
  for (const streamId of await termStreamIds(store, request.termId, request.programmeId)) {
    // One stream at a time: a stream is tens of events, the term is what grows.
    const events = await store.readStream(streamId);
    if (events.length === 0) continue;
    const rule = request.ruleFor(events);
    for (const event of events) {
      const line = exportLine(event, request.viewer, rule, request.commitmentKey);
      await writeLine(out, line);
      trailer.lines += 1;
      if (line.masked) trailer.maskedLines += 1;
    }
    const head = events.at(-1)!;
    trailer.streams[streamId] = { events: events.length, headRevision: head.revision, headHash: head.hash };
  }
  await writeLine(out, trailer);
  return trailer;
}
