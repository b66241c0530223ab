import { Module } from '@nestjs/common';
import { DatabaseModule } from '../database/database.module';
import { GenesysModule } from '../genesys/genesys.module';
import { CallerGuard } from './caller.guard';
import { CallerResolver } from './caller-resolver';
import { ServerCredentialsCheck } from './server-credentials-check';
import { TokenVerifier } from './token-verifier';

/**
 * Who the caller is (a verified Genesys Cloud identity, an unverified token, or the server's
 * credentials) and what their exports run with; and whether the server's own credentials work.
 */
@Module({
  imports: [DatabaseModule, GenesysModule],
  providers: [CallerResolver, CallerGuard, TokenVerifier, ServerCredentialsCheck],
  exports: [CallerResolver, CallerGuard, ServerCredentialsCheck],
})
export class AuthModule {}
