/**
 * A small read model used to prove the engine: submissions per programme, plus one document per
 * application. Event types are the sample's own, so engine tests do not depend on the workflows.
 * One event may touch two documents (`programme:<id>` and `application:<id>`).
 */
import type { StoredEvent } from '../../src/event-store/event-store.port.js';
import { defineProjection } from '../projection.js';

export interface ProgrammeTally {
  kind: 'programme';
  programmeId: string;
  submitted: number;
  withdrawn: number;
  lastRecordedAt: string;
}

export interface ApplicationCard {
  kind: 'application';
  applicationId: string;
  programmeId: string;
  title: string;
  status: 'submitted' | 'withdrawn';
}

export type SampleDoc = ProgrammeTally | ApplicationCard;

export type SampleEventType = 'SampleApplicationSubmitted' | 'SampleApplicationWithdrawn' | 'SampleApplicationErased';

interface SampleData {
  applicationId: string;
  programmeId: string;
  title?: string;
}

const data = (event: StoredEvent) => event.data as unknown as SampleData;

export const sampleProjection = defineProjection<SampleDoc>({
  name: 'sample-submissions',
  version: 1,
  handles: ['SampleApplicationSubmitted', 'SampleApplicationWithdrawn', 'SampleApplicationErased'],
  keys(event) {
    const { applicationId, programmeId } = data(event);
    // Erasure removes the card only; the tally keeps its counts.
    if (event.type === 'SampleApplicationErased') return [`application:${applicationId}`];
    return [`programme:${programmeId}`, `application:${applicationId}`];
  },
  evolve(document, event, key) {
    const { applicationId, programmeId, title } = data(event);
    if (key.startsWith('programme:')) {
      const tally: ProgrammeTally =
        document?.kind === 'programme'
          ? document
          : { kind: 'programme', programmeId, submitted: 0, withdrawn: 0, lastRecordedAt: '' };
      return {
        ...tally,
        submitted: tally.submitted + (event.type === 'SampleApplicationSubmitted' ? 1 : 0),
        withdrawn: tally.withdrawn + (event.type === 'SampleApplicationWithdrawn' ? 1 : 0),
        lastRecordedAt: event.metadata.recordedAt,
      };
    }
    switch (event.type as SampleEventType) {
      case 'SampleApplicationSubmitted':
        return { kind: 'application', applicationId, programmeId, title: title ?? '', status: 'submitted' };
      case 'SampleApplicationWithdrawn':
        return document?.kind === 'application' ? { ...document, status: 'withdrawn' } : document;
      case 'SampleApplicationErased':
        return null;
    }
    return document;
  },
});
