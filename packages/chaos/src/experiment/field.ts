/**
 * The experiment documents' Field: action-kit's one document reader (errors name the file and the field path; an
 * unknown key names the nearest allowed one), throwing ExperimentError.
 */
import { Field as DocumentField } from '@gauntlet/action-kit';
import { ExperimentError } from '../errors.js';

export class Field extends DocumentField {
  constructor(origin: string, path: string, value: unknown) {
    super(origin, path, value, ExperimentError);
  }
}
