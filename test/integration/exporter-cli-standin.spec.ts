import { cliStandinVariant } from '../support/exporters';
import { describeExporterScenarios } from './exporter-scenarios';

describe('exporter scenarios: CLI stand-in', () => {
  describeExporterScenarios(cliStandinVariant);
});
