/**
 * The SLO documents' Field: action-kit's one document reader (errors name the file and the field path; an unknown
 * key names the nearest allowed one), throwing SloDefinitionError.
 */
import { Field as DocumentField } from '@gauntlet/action-kit';
import { SloDefinitionError } from '../errors.js';

export class Field extends DocumentField {
  constructor(origin: string, path: string, value: unknown) {
    super(origin, path, value, SloDefinitionError);
  }
}
