import { Injectable } from '@nestjs/common';
import { ApplicationConfig, ModuleRef } from '@nestjs/core';
import { RequestWithCaller } from '../auth/caller.guard';
import { PreRoute } from '../common/http/pre-router';
import { RouteShortcut } from '../common/http/route-shortcut';
import { ListExportsQuery } from './export-queries';
import { ExportsController } from './exports.controller';

/**
 * The reads clients repeat most, a job's status and the list, answered through the pre-router by
 * their controller routes' own guards, pipes, interceptors and handlers (RouteShortcut). Each
 * lists its handler's parameters as its decorators take them.
 */
@Injectable()
export class ExportReadRoutes {
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
      ]).asPreRoute('/api/v1/exports/:id', /^\/api\/v1\/exports\/(?<id>[0-9A-Fa-f-]{36})$/, moduleRef, config),
      new RouteShortcut(ExportsController, 'list', async (req, res, pipes) => [
        await pipes(req.query, { type: 'query', metatype: ListExportsQuery, data: undefined }),
        (req as RequestWithCaller).caller,
        res,
      ]).asPreRoute('/api/v1/exports', /^\/api\/v1\/exports$/, moduleRef, config),
    ];
  }
}
