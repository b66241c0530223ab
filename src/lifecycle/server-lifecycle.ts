import { Injectable, OnModuleDestroy } from '@nestjs/common';

/**
 * Knows when the server started to shut down. Nest runs every onModuleDestroy hook before any
 * beforeApplicationShutdown hook (where the job runner waits up to SHUTDOWN_GRACE), so readiness
 * turns 503 as soon as draining begins.
 */
@Injectable()
export class ServerLifecycle implements OnModuleDestroy {
  private shuttingDown = false;

  onModuleDestroy(): void {
    this.shuttingDown = true;
  }

  get draining(): boolean {
    return this.shuttingDown;
  }
}
