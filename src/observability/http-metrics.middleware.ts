import type { NextFunction, Request, Response } from 'express';
import type { Metrics } from './metrics.js';

/** Counts and times every request by route pattern (never the raw URL: ids would explode labels). */
export function httpMetricsMiddleware(metrics: Metrics) {
  return (request: Request, response: Response, next: NextFunction) => {
    const start = process.hrtime.bigint();
    response.on('finish', () => {
      const route = (request.route?.path as string | undefined) ?? (response.statusCode === 404 ? 'unmatched' : 'other');
      const labels = { method: request.method, route: `${request.baseUrl ?? ''}${route}`, status: String(response.statusCode) };
      metrics.httpRequests.inc(labels);
      metrics.httpDuration.observe(labels, Number(process.hrtime.bigint() - start) / 1e9);
    });
    next();
  };
}
