/** A piece of SQL and its parameters, numbered from the `first` it was given, to splice into a statement. */
export interface SqlPart {
  sql: string;
  values: unknown[];
}
