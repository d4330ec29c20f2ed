import 'reflect-metadata';
import { type INestApplication, RequestMethod } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { AppModule, type AppOverrides } from './app.module.js';
import type { AppConfig } from './config/config.js';
import { METRICS, type Metrics } from './observability/metrics.js';
import { bodyParsers } from './http/body-parsing.js';
import { PrototypedExpressAdapter } from './http/express-adapter.js';
import { httpMetricsMiddleware } from './observability/http-metrics.middleware.js';
import { PinoLoggerService, createLogger, requestLogger } from './observability/logging.js';

/** Builds the configured application (used by main.ts and the e2e tests alike). */
export async function createApp(config: AppConfig, overrides: AppOverrides = {}): Promise<INestApplication> {
  const logger = createLogger(config.logLevel, overrides.logDestination);
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config, overrides), new PrototypedExpressAdapter(), {
    bufferLogs: true,
    abortOnError: false,
    // Ours instead (bodyParsers): Nest's also read form bodies and let other types through unread.
    bodyParser: false,
  });
  app.useLogger(new PinoLoggerService(logger));
  app.use(requestLogger(logger));
  app.set('query parser', 'simple');
  app.disable('x-powered-by');
  app.use(httpMetricsMiddleware(app.get<Metrics>(METRICS)));
  app.use(bodyParsers());
  app.setGlobalPrefix('api', { exclude: [{ path: '/', method: RequestMethod.GET }] });
  app.enableShutdownHooks();

  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Quality award administration API')
      .setDescription(
        'Event-sourced administration of municipal quality awards (市长质量奖). Errors are RFC 7807 ' +
          'application/problem+json with a stable `code`. Commands accept `Idempotency-Key`; responses for ' +
          'an aggregate carry its revision as `ETag`, and `If-Match` refuses stale writes with 412.',
      )
      .setVersion('1')
      .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' })
      .addSecurityRequirements('bearer')
      .build(),
  );
  SwaggerModule.setup('api/docs', app, document, { jsonDocumentUrl: 'api/docs-json' });
  return app;
}
