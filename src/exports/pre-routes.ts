import { Injectable } from '@nestjs/common';
import { ApplicationConfig, ModuleRef } from '@nestjs/core';
import { RequestWithCaller } from '../auth/caller.guard';
import { PreRoute } from '../common/http/pre-router';
import { readJsonBody } from '../common/http/json-body';
import { RouteShortcut } from '../common/http/route-shortcut';
import { CreateExportBodyDto } from './dto/create-export-body.dto';
import { ListExportsQuery } from './export-queries';
import { ExportsController } from './exports.controller';

/**
 * The routes answered through the pre-router by their controller routes' own guards, pipes,
 * interceptors and handlers (RouteShortcut): the reads clients repeat most, a job's status and
 * the list, and the create, whose every millisecond delays the export. Each lists its handler's
 * parameters as its decorators take them.
 */
@Injectable()
export class ExportPreRoutes {
  readonly routes: PreRoute[];

  constructor(moduleRef: ModuleRef, config: ApplicationConfig) {
    this.routes = [
      // A job id as the controller takes it; other ids and encodings go through Nest (404, 400).
      new RouteShortcut(ExportsController, 'status', (req, res) => [
        req.params.id,
        req.headers['prefer'],
        req.headers['if-none-match'],
        (req as RequestWithCaller).caller,
        res,
      ]).asPreRoute(
        {
          method: 'GET',
          template: '/api/v1/exports/:id',
          pattern: /^\/api\/v1\/exports\/(?<id>[0-9A-Fa-f-]{36})$/,
        },
        moduleRef,
        config,
      ),
      new RouteShortcut(ExportsController, 'list', async (req, res, pipes) => [
        await pipes(req.query, { type: 'query', metatype: ListExportsQuery, data: undefined }),
        (req as RequestWithCaller).caller,
        res,
      ]).asPreRoute({ method: 'GET', template: '/api/v1/exports', pattern: EXPORTS }, moduleRef, config),
      new RouteShortcut(ExportsController, 'create', async (req, res, pipes) => [
        await pipes(req.body, { type: 'body', metatype: CreateExportBodyDto, data: undefined }),
        req.headers['idempotency-key'],
        (req as RequestWithCaller).caller,
        req,
        res,
      ]).asPreRoute({ method: 'POST', template: '/api/v1/exports', pattern: EXPORTS }, moduleRef, config, readJsonBody),
    ];
  }
}

const EXPORTS = /^\/api\/v1\/exports$/;
