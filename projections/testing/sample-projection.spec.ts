import { projectionSpec } from '../../src/projections/testing/projection-spec.js';
import { sampleProjection } from './sample-projection.js';

const submitted = (applicationId: string, programmeId = 'jinan-mayor', title = '质量管理') => ({
  type: 'SampleApplicationSubmitted',
  data: { applicationId, programmeId, title },
  streamId: `application-${applicationId}`,
});
const withdrawn = (applicationId: string, programmeId = 'jinan-mayor') => ({
  type: 'SampleApplicationWithdrawn',
  data: { applicationId, programmeId },
  streamId: `application-${applicationId}`,
  recordedAt: '2025-03-02T09:00:00.000Z',
});

describe('sample projection through the engine', () => {
  describe('when nothing was submitted', () => {
    it('has no documents, and ignores events it does not handle', async () => {
      await projectionSpec(sampleProjection).given({ type: 'SomethingElse', data: { applicationId: 'x', programmeId: 'p' } }).then({});
    });
  });

  describe('when applications were submitted', () => {
    it('tallies the programme and writes one card per application (one event, two documents)', async () => {
      await projectionSpec(sampleProjection)
        .given(submitted('a1'), submitted('a2'), submitted('b1', 'zibo-leader', '淄博'))
        .then({
          'programme:jinan-mayor': { kind: 'programme', programmeId: 'jinan-mayor', submitted: 2, withdrawn: 0, lastRecordedAt: '2025-03-01T08:00:00.000Z' },
          'programme:zibo-leader': { kind: 'programme', programmeId: 'zibo-leader', submitted: 1, withdrawn: 0, lastRecordedAt: '2025-03-01T08:00:00.000Z' },
          'application:a1': { kind: 'application', applicationId: 'a1', programmeId: 'jinan-mayor', title: '质量管理', status: 'submitted' },
          'application:a2': { kind: 'application', applicationId: 'a2', programmeId: 'jinan-mayor', title: '质量管理', status: 'submitted' },
          'application:b1': { kind: 'application', applicationId: 'b1', programmeId: 'zibo-leader', title: '淄博', status: 'submitted' },
        });
    });
  });

  describe('when an application was withdrawn, then erased', () => {
    it('counts the withdrawal and deletes the card (evolve returned null)', async () => {
      const docs = await projectionSpec(sampleProjection)
        .given(submitted('a1'), withdrawn('a1'), { type: 'SampleApplicationErased', data: { applicationId: 'a1', programmeId: 'jinan-mayor' } })
        .documents();
      expect(docs).toEqual({
        'programme:jinan-mayor': { kind: 'programme', programmeId: 'jinan-mayor', submitted: 1, withdrawn: 1, lastRecordedAt: '2025-03-02T09:00:00.000Z' },
      });
    });
  });
});
