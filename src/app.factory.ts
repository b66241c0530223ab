import { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ExecutionContextHost } from '@nestjs/core/helpers/execution-context-host';
import { NestExpressApplication } from '@nestjs/platform-express';
import { NextFunction, Request, Response } from 'express';
import { Logger } from 'nestjs-pino';
import pino from 'pino';
import { AppModule } from './app.module';
import { AuditTrail } from './audit/audit-trail';
import { installPreRouter } from './common/http/pre-router';
import { parseJsonBody, requireJsonBody } from './common/http/json-body';
import { ProblemDetailsFilter } from './common/problem-details/problem-details.filter';
import { createValidationPipe } from './common/validation/validation-pipe';
import { AppConfig } from './config/app-config';
import { ExportPreRoutes } from './exports/pre-routes';
import { createRequestLog, loggerOptions } from './logging/request-log';
import { HttpMetrics } from './metrics/http-metrics';
import { RejectedRequests } from './metrics/rejected-requests';
import { setUpOpenApi } from './openapi/openapi';

/** Builds the whole application; main.ts and the tests both start it this way. */
export async function createApp(config: AppConfig): Promise<INestApplication> {
  // Start-up messages wait for the pino logger, so they are JSON lines at LOG_LEVEL too.
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config), {
    bodyParser: false,
    bufferLogs: true,
    // Start-up errors reach the caller (main.ts prints them as one line) instead of exiting here.
    abortOnError: false,
  });
  app.useLogger(app.get(Logger));
  // First, so that every request has its id and its log line, those refused by the body parser too.
  const logRequest = createRequestLog(pino(loggerOptions(config)));
  app.use((req: Request, res: Response, next: NextFunction) => {
    logRequest(req, res);
    next();
  });
  app.use(requireJsonBody);
  app.use(parseJsonBody);
  app.set('x-powered-by', false);
  // Only job answers and the zip carry an ETag (documented in openapi.json). Express would add one
  // to every body, problem documents included, and answer 304 where none is declared; a function
  // that makes none keeps that off while sendFile (which only asks whether ETags are on) still sends the zip's.
  app.set('etag', () => undefined);
  app.useGlobalPipes(createValidationPipe());
  const problems = new ProblemDetailsFilter(app.get(AuditTrail), app.get(RejectedRequests));
  app.useGlobalFilters(problems);
  setUpOpenApi(app);
  // The routes answered ahead of Express get the same request log line, metrics and problem
  // documents as the others.
  const metrics = app.get(HttpMetrics);
  installPreRouter(app, app.get(ExportPreRoutes).routes, {
    onRequest: (req, res, route) => {
      logRequest(req, res);
      metrics.track(req, res, route.template);
    },
    onError: (error, req, res) => problems.catch(error, new ExecutionContextHost([req, res])),
  });
  return app;
}
