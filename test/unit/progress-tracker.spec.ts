import { ProgressTracker } from '../../src/exporter/progress-tracker';

const PREFIX = '2026-11-21T05:00:00.000Z [INFO]  provider.terraform-provider-genesyscloud_v1.84.1: ';
const log = (message: string) =>
  `${PREFIX}${message}: @module=genesyscloud tf_rpc=ApplyResourceChange timestamp=2026-11-21T05:00:00.000Z`;

function feed(tracker: ProgressTracker, messages: string[]): number[] {
  return messages.map((message) => {
    tracker.onLogLine(log(message));
    return tracker.progress;
  });
}

describe('ProgressTracker', () => {
  it('follows a whole export through its phases with counters, never reaching 100', () => {
    const tracker = new ProgressTracker();
    expect(tracker.detail.phase).toBe('initializing');
    const seen = feed(tracker, [
      'Setting up export directory path',
      'Starting to build sanitized resource maps for 2 exporters',
      'Getting all resources for type genesyscloud_user',
      'Found 3 resources for type genesyscloud_user',
      'Found 1 resources for type genesyscloud_group',
      'Successfully completed building sanitized resource maps',
      'Starting to retrieve Genesys Cloud objects from Genesys Cloud',
      'Number of exporters to process: 2',
      'Found 3 resources for type genesyscloud_user',
      'Successfully processed resource ID: a on attempt 1',
      'Successfully processed resource ID: b on attempt 1',
      'Successfully processed resource ID: c on attempt 1',
      'Successfully retrieved 3 resources for type genesyscloud_user',
      'Found 1 resources for type genesyscloud_group',
      'Successfully processed resource ID: d on attempt 1',
      'Successfully retrieved 1 resources for type genesyscloud_group',
      'Successfully built resource config map with 4 resources',
    ]);
    expect(tracker.detail).toEqual({
      phase: 'writing',
      types_total: 2,
      types_listed: 2,
      types_done: 2,
      resources_found: 4,
      resources_done: 4,
    });
    for (let i = 1; i < seen.length; i++) expect(seen[i]).toBeGreaterThanOrEqual(seen[i - 1]);
    expect(seen[3]).toBeGreaterThan(seen[1]); // listing advances per type
    expect(seen[11]).toBeGreaterThan(seen[9]); // exporting advances per resource
    tracker.packaging();
    expect(tracker.detail.phase).toBe('packaging');
    expect(tracker.progress).toBeGreaterThan(seen[seen.length - 1]);
    expect(tracker.progress).toBeLessThan(100);
  });

  it('counts "Found ... resources" only once, in the listing phase', () => {
    const tracker = new ProgressTracker();
    feed(tracker, [
      'Starting to build sanitized resource maps for 1 exporters',
      'Found 5 resources for type genesyscloud_user',
      'Starting to retrieve Genesys Cloud objects from Genesys Cloud',
      'Found 5 resources for type genesyscloud_user',
    ]);
    expect(tracker.detail).toMatchObject({ types_listed: 1, resources_found: 5 });
  });

  it('never goes backwards when dependency resolution lists again', () => {
    const tracker = new ProgressTracker();
    const seen = feed(tracker, [
      'Starting to build sanitized resource maps for 1 exporters',
      'Found 2 resources for type genesyscloud_flow',
      'Starting to retrieve Genesys Cloud objects from Genesys Cloud',
      'Successfully processed resource ID: a on attempt 1',
      'Starting to build sanitized resource maps for 3 exporters',
      'Found 2 resources for type genesyscloud_group',
    ]);
    for (let i = 1; i < seen.length; i++) expect(seen[i]).toBeGreaterThanOrEqual(seen[i - 1]);
  });

  it('ignores unknown and malformed lines and says nothing changed', () => {
    const tracker = new ProgressTracker();
    for (const line of [
      '',
      'garbage',
      log('Found many resources for type x'),
      '\u0000\u0001',
      log('a new message'),
    ]) {
      expect(tracker.onLogLine(line)).toBe(false);
    }
    expect(tracker.progress).toBe(1);
  });
});

describe('ProgressTracker during flow downloads', () => {
  it('moves through the writing phase as the new Architect exporter downloads each flow', () => {
    const tracker = new ProgressTracker();
    feed(tracker, [
      'Starting to build sanitized resource maps for 1 exporters',
      'Found 4 resources for type genesyscloud_flow',
      'Starting to retrieve Genesys Cloud objects from Genesys Cloud',
      'Successfully retrieved 4 resources for type genesyscloud_flow',
      'Build Genesys Cloud Resources Map',
    ]);
    const atStart = tracker.progress;
    const seen = [1, 2, 3, 4].map((n) => {
      tracker.onLogLine(
        `${PREFIX}2026/11/21 05:00:0${n} Downloading export flow 'id-${n}' to 'out/architect_flows/f${n}.yaml' ...: timestamp=2026-11-21T05:00:00.000Z`,
      );
      return tracker.progress;
    });
    expect(atStart).toBe(90);
    expect(seen).toEqual([91, 93, 95, 97]);
    expect(tracker.detail.phase).toBe('writing');
  });
});
