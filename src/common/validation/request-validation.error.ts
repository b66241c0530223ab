/** One reason a request was rejected, in the shape of an RFC 9457 `errors` entry. */
export interface FieldProblem {
  detail: string;
  /** RFC 6901 JSON Pointer into the request body; `''` is the whole body. */
  pointer: string;
}

/** A request body that failed validation; mapped to a problem-details response in one place. */
export class RequestValidationError extends Error {
  constructor(readonly problems: FieldProblem[]) {
    // The details echo caller input, so the message (which ends up in logs) only counts them.
    super(`Request validation failed with ${problems.length} problem(s)`);
    this.name = 'RequestValidationError';
  }
}
