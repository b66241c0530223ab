import { Inject, Injectable } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';

/** Counts the follow streams each principal holds open on this server, up to MAX_FOLLOW_STREAMS. */
@Injectable()
export class FollowStreamSlots {
  private readonly open = new Map<string, number>();

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  /** A slot for `principal`, or null when it holds the maximum; the function returned frees it (once). */
  acquire(principal: string): (() => void) | null {
    const held = this.open.get(principal) ?? 0;
    if (held >= this.config.maxFollowStreams) return null;
    this.open.set(principal, held + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const remaining = (this.open.get(principal) ?? 1) - 1;
      if (remaining > 0) this.open.set(principal, remaining);
      else this.open.delete(principal);
    };
  }
}
