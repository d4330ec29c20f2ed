import { createHash } from 'node:crypto';
import { ChainLinkEncoder, canonicalJson, chainHash, GENESIS_HASH, hashableEvent, verifyChain } from './hash.js';
import { referenceCanonical } from './spec-helpers.js';

/**
 * Hashes computed before the hashing was rewritten for speed (createHash, the hand-written
 * canonical JSON), and equal to scripts/verify-export.mjs's: they must never change.
 */
const GOLDEN = [
  {
    fields: {
      streamId: 'application-1',
      revision: 0,
      id: 'e-0',
      type: 'ApplicationSubmitted',
      data: { applicant: { name: '朝阳市某某股份有限公司', creditCode: '91110105MA01' }, score: 812.5, tags: ['制造业', '😀'], note: 'line\nbreak "quoted" \\ tab\t' },
      metadata: { actor: { sub: 'u', name: '王芳', roles: ['office'] }, occurredAt: '2025-03-01', schemaVersion: 1 },
    },
    hash: 'f8b465729d2e5604dbb0eae4d6fd3681a51d691b5458f1540303897395052a94',
  },
  {
    fields: {
      streamId: 'application-1',
      revision: 1,
      id: 'e-1',
      type: 'Scored',
      data: { '10': 'ten', '9': 'nine', b: -0, a: [1, null, 'x'], é: 'e-acute', 中: { z: 1e21, y: 1.5e-7, x: false } },
      metadata: { schemaVersion: 2, lone: '\ud800' },
    },
    hash: '7da259a4dcbd5ae4cf3bb57528b7a8089e5d31b50e015f81ee43421bc4970279',
  },
];

describe('the hash chain', () => {
  it('still yields the hashes of the original implementation', () => {
    let previous = GENESIS_HASH;
    for (const { fields, hash } of GOLDEN) {
      expect(chainHash(previous, fields)).toBe(hash);
      previous = hash;
    }
  });

  it('is SHA-256 over the previous hash and the canonical JSON, computed independently', () => {
    let previous = GENESIS_HASH;
    for (let revision = 0; revision < 200; revision++) {
      const event = {
        id: `e-${revision}`,
        type: revision % 2 ? 'Scored' : '评审',
        data: { [`k${revision % 7}`]: revision, b: [revision, '😀', undefined], a: { z: -0, y: `"${revision}"` } },
        metadata: { schemaVersion: 1, actor: { name: '王芳', sub: 'u' }, occurredAt: new Date(Date.UTC(2025, 0, 1 + revision)) },
      } as never;
      const fields = hashableEvent(event, 'stream-中', revision);
      const expected = createHash('sha256').update(previous).update(referenceCanonical(fields)).digest('hex');
      expect(chainHash(previous, fields)).toBe(expected);
      previous = expected;
    }
  });

  it('encodes pre-serialised parts once, hashing exactly as the generic chain hash does', () => {
    const encoder = new ChainLinkEncoder();
    const big = '质'.repeat(40_000); // past the initial buffer
    const huge = 'é'.repeat(1_500_000); // past what the encoder keeps between batches
    const metadata = { actor: { sub: 'u', name: '王芳', roles: ['office'] }, occurredAt: '2025-03-01', lone: '\ud800' };
    const batches = [
      [
        { streamId: 'application-1', id: 'e-1', type: 'MaterialsReviewScored', data: { applicant: { name: '朝阳市某某股份有限公司' }, score: 812.5 } },
        { streamId: '流-"1"', id: 'ид-\u2028', type: '评审😀', data: { note: big } },
        { streamId: 's', id: 'e-2', type: 'T', data: { note: big, more: big } },
      ],
      [{ streamId: 's', id: 'e-3', type: 'T', data: { note: huge } }],
      [{ streamId: 's', id: 'e-4', type: 'T', data: {} }, { streamId: 's', id: 'e-5', type: 'T', data: { n: 5 } }],
    ];
    let previous = GENESIS_HASH;
    let revision = 0;
    for (const batch of batches) {
      encoder.startBatch();
      // Every range of a batch must still hold its event's bytes once the whole batch is encoded.
      const ranges = batch.map(({ streamId, id, type, data }) => {
        const fields = { streamId, revision, id, type, data, metadata };
        const hash = encoder.encode(previous, streamId, revision, id, type, canonicalJson(data), canonicalJson(metadata));
        expect(hash).toBe(chainHash(previous, fields));
        previous = hash;
        revision += 1;
        return { data, dataBytes: encoder.data, metadataBytes: encoder.metadata };
      });
      for (const { data, dataBytes, metadataBytes } of ranges) {
        expect(dataBytes.toString('utf8')).toBe(canonicalJson(data));
        expect(metadataBytes.toString('utf8')).toBe(canonicalJson(metadata));
      }
    }
  });

  it('reports the first altered, removed or reordered event', () => {
    let previous = GENESIS_HASH;
    const events = [0, 1, 2].map((revision) => {
      const fields = { streamId: 's', revision, id: `e${revision}`, type: 'T', data: { n: revision }, metadata: {} };
      previous = chainHash(previous, fields);
      return { ...fields, hash: previous };
    });
    expect(verifyChain(events).ok).toBe(true);
    expect(verifyChain([events[0]!, { ...events[1]!, data: { n: 9 } }, events[2]!]).firstMismatch).toMatchObject({ revision: 1, reason: 'hash mismatch' });
    expect(verifyChain([events[0]!, events[2]!]).firstMismatch).toMatchObject({ revision: 2, reason: 'missing or reordered event' });
    expect(verifyChain([events[1]!, events[0]!]).ok).toBe(false);
  });
});
