/**
 * Typed errors. An entry point's error boundary prints a UserError's message alone (no stack trace): the user can
 * fix it. Anything else is a bug or an outage, printed with its message and, in debug mode, its stack.
 */
export class UserError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'UserError';
    Object.setPrototypeOf(this, new.target.prototype);
  }
}

/** A bad action input: names the input, the value and what was expected. */
export class InputError extends UserError {
  readonly input: string;
  constructor(input: string, message: string) {
    super(`Input '${input}': ${message}`);
    this.name = 'InputError';
    this.input = input;
    Object.setPrototypeOf(this, new.target.prototype);
  }
}

/**
 * A problem in a structured document the user wrote (an SLO file, an experiment): names the file, the field path
 * (`slos[1].objective.target`) and the problem. The packages' own errors (SloDefinitionError, ExperimentError) are
 * this, by name.
 */
export class DocumentError extends UserError {
  readonly origin: string;
  readonly path: string;
  constructor(origin: string, path: string, problem: string) {
    super(`${origin}: ${path || '(document)'}: ${problem}`);
    this.name = 'DocumentError';
    this.origin = origin;
    this.path = path;
    Object.setPrototypeOf(this, new.target.prototype);
  }
}

/** Turns anything thrown into a message; non-Error throws must never become a green step. */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message || error.name;
  if (typeof error === 'string') return error;
  try {
    return JSON.stringify(error) ?? String(error);
  } catch {
    return String(error);
  }
}
