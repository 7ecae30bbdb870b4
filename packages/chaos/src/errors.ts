import { DocumentError, UserError } from '@gauntlet/action-kit';

/**
 * A bad experiment file. The message names the file and the field path (`experiments[1].spec.steps[0].faults[2].type`)
 * so the user can fix it without reading our code.
 */
export class ExperimentError extends DocumentError {
  constructor(origin: string, path: string, problem: string) {
    super(origin, path, problem);
    this.name = 'ExperimentError';
    Object.setPrototypeOf(this, new.target.prototype);
  }
}

/** A blast-radius refusal: raised before the first write, naming the selector and the namespace it reached. */
export class BlastRadiusError extends UserError {
  constructor(message: string) {
    super(message);
    this.name = 'BlastRadiusError';
    Object.setPrototypeOf(this, new.target.prototype);
  }
}
