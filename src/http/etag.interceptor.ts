import { type CallHandler, type ExecutionContext, Injectable, type NestInterceptor } from '@nestjs/common';
import type { Response } from 'express';
import { map, type Observable } from 'rxjs';

/** Responses for an aggregate (a body with a numeric `revision`) carry that revision as ETag. */
@Injectable()
export class EtagInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const response = context.switchToHttp().getResponse<Response>();
    return next.handle().pipe(
      map((body) => {
        const revision = (body as { revision?: unknown } | null)?.revision;
        if (typeof revision === 'number' && !response.headersSent) response.setHeader('ETag', `"${revision}"`);
        return body;
      }),
    );
  }
}
