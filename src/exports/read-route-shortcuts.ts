import { Injectable, NestMiddleware } from '@nestjs/common';
import { ApplicationConfig, ModuleRef } from '@nestjs/core';
import { NextFunction, Request, Response } from 'express';
import { RequestWithCaller } from '../auth/caller.guard';
import { RouteShortcut } from '../common/http/route-shortcut';
import { ListExportsQuery } from './export-queries';
import { ExportsController } from './exports.controller';

const callerOf = (req: Request) => (req as RequestWithCaller).caller;

/**
 * Reads dashboards repeat, by Express path: the list (status polls go through the pre-router, see
 * StatusPollRoute). Each lists its handler's parameters as the decorators take them.
 */
const SHORTCUTS: Record<string, RouteShortcut<ExportsController>> = {
  '/api/v1/exports': new RouteShortcut(ExportsController, 'list', async (req, res, pipes) => [
    await pipes(req.query, { type: 'query', metatype: ListExportsQuery, data: undefined }),
    callerOf(req),
    res,
  ]),
};

/** The Express paths (and method) the middleware is mounted on. */
export const READ_ROUTE_SHORTCUT_PATHS = Object.keys(SHORTCUTS);

/** Answers the SHORTCUTS routes through their RouteShortcut, before Nest's router would. */
@Injectable()
export class ReadRouteShortcuts implements NestMiddleware {
  private readonly bound = new Map<string, (req: Request, res: Response) => Promise<void>>();

  constructor(
    private readonly moduleRef: ModuleRef,
    private readonly config: ApplicationConfig,
  ) {}

  async use(req: Request, res: Response, next: NextFunction): Promise<void> {
    // Express names the route it matched; Nest may mount a middleware on further paths than those given.
    const path = (req.route as { path?: unknown } | undefined)?.path;
    const shortcut = typeof path === 'string' ? SHORTCUTS[path] : undefined;
    if (!shortcut) return next();
    let answer = this.bound.get(path as string);
    if (!answer) {
      answer = shortcut.bind(this.moduleRef, this.config);
      this.bound.set(path as string, answer);
    }
    await answer(req, res);
  }
}
