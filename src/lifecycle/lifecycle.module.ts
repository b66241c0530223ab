import { Global, Module } from '@nestjs/common';
import { ServerLifecycle } from './server-lifecycle';

/** Whether the server is shutting down, for any module that needs to know. */
@Global()
@Module({ providers: [ServerLifecycle], exports: [ServerLifecycle] })
export class LifecycleModule {}
