import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { ExportsModule } from '../exports/exports.module';
import { FilesModule } from '../files/files.module';
import { ChangesController } from './changes.controller';
import { ChangesService } from './changes.service';

/** Change reports between two completed exports, found with the exports module's visibility rule. */
@Module({
  imports: [AuthModule, ExportsModule, FilesModule],
  controllers: [ChangesController],
  providers: [ChangesService],
  // Scheduled runs record the totals of the report against their schedule's previous run.
  exports: [ChangesService],
})
export class ChangesModule {}
