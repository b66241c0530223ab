import { Module } from '@nestjs/common';
import { GenesysCloudApi } from './genesys-cloud-api';

/** The HTTP client of the Genesys Cloud endpoints this server relies on. */
@Module({
  providers: [GenesysCloudApi],
  exports: [GenesysCloudApi],
})
export class GenesysModule {}
