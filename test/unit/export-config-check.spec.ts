import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { findExportConfigProblem } from '../../src/exporter/export-config-check';

describe('findExportConfigProblem (the export’s config files exist and parse)', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'export-config-check-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  const files = (entries: Record<string, string>) =>
    Promise.all(Object.entries(entries).map(([name, text]) => writeFile(path.join(dir, name), text)));

  it('accepts a complete single-file JSON export', async () => {
    await files({ 'genesyscloud.tf.json': '{"terraform":{}}' });
    expect(await findExportConfigProblem(dir, {}, 'genesyscloud')).toBeNull();
  });

  it('names a missing single-file JSON config', async () => {
    expect(await findExportConfigProblem(dir, {}, 'genesyscloud')).toBe(
      "The export's configuration file genesyscloud/genesyscloud.tf.json is missing.",
    );
  });

  it('names a truncated JSON config', async () => {
    await files({ 'genesyscloud.tf.json': '{"terraform":{"required_prov' });
    expect(await findExportConfigProblem(dir, {}, 'out')).toBe(
      "The export's configuration file out/genesyscloud.tf.json is not valid JSON (it was not written completely).",
    );
  });

  it('json_hcl needs both files; an empty HCL file is refused', async () => {
    await files({ 'genesyscloud.tf.json': '{}' });
    expect(await findExportConfigProblem(dir, { export_format: 'json_hcl' }, 'g')).toBe(
      "The export's configuration file g/genesyscloud.tf is missing.",
    );
    await files({ 'genesyscloud.tf': '' });
    expect(await findExportConfigProblem(dir, { export_format: 'hcl_json' }, 'g')).toBe(
      "The export's configuration file g/genesyscloud.tf is empty.",
    );
  });

  it('split exports: the provider file must exist, an empty variables.tf is fine, every .tf.json parses', async () => {
    const split = { split_files_by_resource: true, export_as_hcl: true };
    expect(await findExportConfigProblem(dir, split, 'g')).toBe(
      "The export's configuration file g/provider.tf is missing.",
    );
    await files({
      'provider.tf': 'terraform {}\n',
      'variables.tf': '',
      'genesyscloud_user.tf': 'resource "x" "y" {}\n',
    });
    expect(await findExportConfigProblem(dir, split, 'g')).toBeNull();
    await files({ 'provider.tf.json': '{}', 'genesyscloud_user.tf.json': '{"resource":' });
    expect(await findExportConfigProblem(dir, { split_files_by_resource: true }, 'g')).toBe(
      "The export's configuration file g/genesyscloud_user.tf.json is not valid JSON (it was not written completely).",
    );
  });

  it('a missing export directory is reported as such', async () => {
    expect(await findExportConfigProblem(path.join(dir, 'nope'), {}, 'nope')).toBe(
      'The export wrote no files: its directory nope is missing.',
    );
  });
});
