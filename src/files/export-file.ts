/** A file of a finished export, as the results endpoint lists it. */
export interface ExportFile {
  /** Path relative to the job folder, with `/` separators. */
  name: string;
  size: number;
  type: ExportFileType;
}

export type ExportFileType = 'hcl' | 'json' | 'state' | 'tfvars' | 'zip' | 'yaml' | 'text' | 'other';

const TYPE_BY_SUFFIX: [string, ExportFileType][] = [
  ['.tf.json', 'json'],
  ['.tf', 'hcl'],
  ['.tfstate', 'state'],
  ['.tfvars', 'tfvars'],
  ['.zip', 'zip'],
  ['.json', 'json'],
  ['.yaml', 'yaml'],
  ['.yml', 'yaml'],
  ['.txt', 'text'],
];

export function fileTypeOf(name: string): ExportFileType {
  const lower = name.toLowerCase();
  if (/\.tfstate\.\d+\.backup$/.test(lower)) return 'state';
  return TYPE_BY_SUFFIX.find(([suffix]) => lower.endsWith(suffix))?.[1] ?? 'other';
}
