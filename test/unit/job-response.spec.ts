import { fileTypeOf } from '../../src/files/export-file';
import { prefersRepresentation } from '../../src/exports/job-response';

describe('prefersRepresentation', () => {
  it.each([
    ['return=representation', true],
    ['respond-async, return=representation', true],
    ['RETURN=REPRESENTATION; foo=bar', true],
    ['return=minimal', false],
    ['', false],
    [undefined, false],
  ])('%s -> %s', (header, expected) => expect(prefersRepresentation(header)).toBe(expected));
});

describe('fileTypeOf', () => {
  it.each([
    ['genesyscloud/genesyscloud.tf', 'hcl'],
    ['genesyscloud/genesyscloud.tf.json', 'json'],
    ['genesyscloud/terraform.tfstate', 'state'],
    ['genesyscloud/terraform.tfstate.1700000000.backup', 'state'],
    ['genesyscloud/terraform.tfvars', 'tfvars'],
    ['archive_genesyscloud_tf_export1234.zip', 'zip'],
    ['genesyscloud/export_errors.json', 'json'],
    ['genesyscloud/architect_flows/a-inboundcall-1.yaml', 'yaml'],
    ['genesyscloud/cyclicDepends.txt', 'text'],
    ['genesyscloud/audio_prompts/p.wav', 'other'],
  ])('%s is %s', (name, type) => expect(fileTypeOf(name)).toBe(type));
});
