import { Injectable } from '@nestjs/common';
import { ApplicationConfig, ModuleRef } from '@nestjs/core';
import { Request, Response } from 'express';
import { RequestWithCaller } from '../auth/caller.guard';
import { PreRoute } from '../common/http/pre-router';
import { RouteShortcut } from '../common/http/route-shortcut';
import { ListExportsQuery } from './export-queries';
import { ExportsController } from './exports.controller';

/** The list's handler, with its parameters as its decorators take them. */
const LIST = new RouteShortcut(ExportsController, 'list', async (req, res, pipes) => [
  await pipes(req.query, { type: 'query', metatype: ListExportsQuery, data: undefined }),
  (req as RequestWithCaller).caller,
  res,
]);

/**
 * `GET /api/v1/exports`, which dashboards repeat, answered through the pre-router by its own
 * guards, pipes, interceptors and handler (see RouteShortcut), bound at its first request, once
 * the application's global enhancers are all in place.
 */
@Injectable()
export class ListRoute implements PreRoute {
  readonly template = '/api/v1/exports';
  readonly pattern = /^\/api\/v1\/exports$/;
  private bound: ((req: Request, res: Response) => Promise<void>) | undefined;

  constructor(
    private readonly moduleRef: ModuleRef,
    private readonly config: ApplicationConfig,
  ) {}

  answer(req: Request, res: Response): Promise<void> {
    this.bound ??= LIST.bind(this.moduleRef, this.config);
    return this.bound(req, res);
  }
}
