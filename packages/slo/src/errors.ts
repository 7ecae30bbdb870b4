import { DocumentError, UserError } from '@gauntlet/action-kit';

/**
 * A bad SLO definition. `path` names the field (`slos[2].ratio.total`, `spec.objectives[0].target`) and `origin`
 * the file or input it came from, so the message alone tells the user what to fix.
 */
export class SloDefinitionError extends DocumentError {
  constructor(origin: string, path: string, problem: string) {
    super(origin, path, problem);
    this.name = 'SloDefinitionError';
    Object.setPrototypeOf(this, new.target.prototype);
  }
}

/** A template variable used where it could change the shape of a query, or a variable with no value. */
export class TemplateError extends UserError {
  constructor(message: string) {
    super(message);
    this.name = 'TemplateError';
    Object.setPrototypeOf(this, new.target.prototype);
  }
}
