import * as path from 'node:path';

/** The stand-in for `terraform` + the Genesys Cloud provider (see its README). */
export const STANDIN_TERRAFORM = path.resolve(__dirname, '../fixtures/terraform-standin/terraform');
