/** The boolean attributes of genesyscloud_tf_export (reference §1), as the tests restate them. */
export const BOOLEAN_ATTRIBUTES = [
  'include_state_file',
  'export_as_hcl',
  'split_files_by_resource',
  'log_permission_errors',
  'enable_dependency_resolution',
  'ignore_cyclic_deps',
  'compress',
  'export_computed',
  'use_legacy_architect_flow_exporter',
  'export_deprecated',
  'export_omit_unresolved_refs',
];
