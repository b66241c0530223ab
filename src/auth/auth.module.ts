import { Module } from '@nestjs/common';
import { DatabaseModule } from '../database/database.module';
import { CallerGuard } from './caller.guard';
import { CallerResolver } from './caller-resolver';

/** Who the caller is (bearer token or the server's credentials) and what their exports run with. */
@Module({
  imports: [DatabaseModule],
  providers: [CallerResolver, CallerGuard],
  exports: [CallerResolver, CallerGuard],
})
export class AuthModule {}
