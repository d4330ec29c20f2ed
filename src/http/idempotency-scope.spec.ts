import { canonicalTarget } from './idempotency.interceptor.js';

const routed = (path: unknown, params: Record<string, string>, originalUrl: string, baseUrl = '') =>
  canonicalTarget({ route: { path }, params, baseUrl, originalUrl } as never);

describe('canonicalTarget: the Idempotency-Key scope names the routed handler and params, not the spelling', () => {
  it('gives every spelling Express routes to one handler and params the same target', () => {
    const pattern = '/api/applications/:id/objections';
    for (const url of ['/api/applications/A1/objections', '/api/applications/A1/objections/', '/API/Applications/A1/OBJECTIONS?x=1']) {
      expect(routed(pattern, { id: 'A1' }, url)).toBe('/api/applications/A1/objections');
    }
    expect(routed('/api/applications', {}, '/api/applications/')).toBe('/api/applications');
  });

  it('is the path as documented for the documented spelling (records and command ids made before stay valid)', () => {
    const url = '/api/applications/app-1_x.2/objections/obj-9/accept';
    expect(routed('/api/applications/:id/objections/:objectionId/:decision', { id: 'app-1_x.2', objectionId: 'obj-9', decision: 'accept' }, url)).toBe(url);
  });

  it('keeps params apart from separators and from one another', () => {
    expect(routed('/api/x/:a/:b', { a: 'p/q', b: 'r' }, '/api/x/p%2Fq/r')).toBe('/api/x/p%2Fq/r');
    expect(routed('/api/x/:a/:b', { a: 'p', b: 'q/r' }, '/api/x/p/q%2Fr')).toBe('/api/x/p/q%2Fr');
  });

  it('falls back to the pattern and its params for wildcards, and to the path as sent without a route', () => {
    expect(routed('/api/files/*rest', { rest: 'a/b' } as never, '/api/files/a/b')).toBe('/api/files/*rest {"rest":"a/b"}');
    expect(canonicalTarget({ params: {}, baseUrl: '', originalUrl: '/api/none?x=1' } as never)).toBe('/api/none');
  });
});
