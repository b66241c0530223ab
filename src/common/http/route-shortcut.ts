import {
  ArgumentMetadata,
  CallHandler,
  CanActivate,
  ForbiddenException,
  NestInterceptor,
  PipeTransform,
  Type,
} from '@nestjs/common';
import { GUARDS_METADATA, HTTP_CODE_METADATA, INTERCEPTORS_METADATA } from '@nestjs/common/constants';
import { ApplicationConfig, ModuleRef } from '@nestjs/core';
import { ExecutionContextHost } from '@nestjs/core/helpers/execution-context-host';
import { Request, Response } from 'express';
import { from, lastValueFrom, Observable } from 'rxjs';
import { PreRoute } from './pre-router';
import { sendJson } from './send-json';

/** Runs a value through the application's global pipes, as Nest does for a decorated parameter. */
export type ApplyPipes = (value: unknown, metadata: ArgumentMetadata) => Promise<unknown>;

/** The handler's arguments, as its parameter decorators take them from the request. */
export type RouteArguments = (
  req: Request,
  res: Response,
  pipes: ApplyPipes,
) => unknown[] | Promise<unknown[]>;

type Enhancer = Type | object;

/**
 * A controller route answered outside Nest's router (by the pre-router, pre-router.ts, which has
 * already logged, timed and given the request Express's prototypes). The route's guards (global,
 * controller, method, in that order) and interceptors are read from its metadata and called with
 * the same execution context, then its handler (with the route's @HttpCode status set after the
 * guards, as Nest sets it), and the answer is sent as Nest's Express adapter
 * sends it; errors are thrown to the caller, which hands them to the exception filter. What is
 * left out is Nest's per-request machinery (parameter factories and the pipe, guard and
 * interceptor consumers), a good part of a short read's cost.
 *
 * `args` stands for the handler's parameter decorators; parameters that Nest runs through pipes
 * must go through `pipes` (plain strings may not: the validation pipe hands them back unchanged).
 */
export class RouteShortcut<C extends object> {
  constructor(
    private readonly controllerType: Type<C>,
    private readonly method: keyof C & string,
    private readonly args: RouteArguments,
  ) {}

  /**
   * The route for the pre-router. It is bound at its first request: the application's global
   * guards, pipes and interceptors are registered after the modules are built.
   */
  asPreRoute(
    route: Pick<PreRoute, 'method' | 'template' | 'pattern'>,
    moduleRef: ModuleRef,
    config: ApplicationConfig,
    /** What the application's middleware does for this route before its guards (reading a body). */
    before?: (req: Request, res: Response) => Promise<void>,
  ): PreRoute {
    let answer: ((req: Request, res: Response) => Promise<void>) | undefined;
    return {
      ...route,
      answer: async (req, res) => {
        answer ??= this.bind(moduleRef, config);
        await before?.(req, res);
        return answer(req, res);
      },
    };
  }

  /** The answering function, once the application (its guards, interceptors and controller) exists. */
  bind(moduleRef: ModuleRef, config: ApplicationConfig): (req: Request, res: Response) => Promise<void> {
    const controller = moduleRef.get(this.controllerType, { strict: false });
    const handler = controller[this.method] as (...args: unknown[]) => unknown;
    const resolve = <T>(enhancers: Enhancer[]): T[] =>
      enhancers.map((enhancer) =>
        typeof enhancer === 'function'
          ? moduleRef.get(enhancer as Type<T>, { strict: false })
          : (enhancer as T),
      );
    const declared = (key: string): Enhancer[] => [
      ...((Reflect.getMetadata(key, this.controllerType) as Enhancer[] | undefined) ?? []),
      ...((Reflect.getMetadata(key, handler) as Enhancer[] | undefined) ?? []),
    ];
    const guards = [...config.getGlobalGuards(), ...resolve<CanActivate>(declared(GUARDS_METADATA))];
    const interceptors = [
      ...config.getGlobalInterceptors(),
      ...resolve<NestInterceptor>(declared(INTERCEPTORS_METADATA)),
    ];
    const globalPipes: PipeTransform[] = config.getGlobalPipes();
    const pipes: ApplyPipes = async (value, metadata) => {
      let piped = value;
      for (const pipe of globalPipes) piped = await pipe.transform(piped, metadata);
      return piped;
    };

    // @HttpCode, else Nest's default for the method; the handler may still set another.
    const status = Reflect.getMetadata(HTTP_CODE_METADATA, handler) as number | undefined;
    return async (req, res) => {
      const context = new ExecutionContextHost([req, res], this.controllerType, handler);
      context.setType('http');
      for (const guard of guards) {
        // What Nest's guards consumer throws for a guard that answers false.
        if (!(await guard.canActivate(context))) throw new ForbiddenException('Forbidden resource');
      }
      res.status(status ?? (req.method === 'POST' ? 201 : 200));
      const call = async () => handler.apply(controller, await this.args(req, res, pipes));
      const chain = (index: number): Observable<unknown> => {
        if (index === interceptors.length) return from(call());
        const next: CallHandler = { handle: () => chain(index + 1) };
        return from(interceptors[index].intercept(context, next) as Observable<unknown>);
      };
      const body = await lastValueFrom(chain(0), { defaultValue: undefined });
      // ExpressAdapter.reply, with the status the handler set.
      if (body === undefined || body === null) res.end();
      else sendJson(res, body);
    };
  }
}
