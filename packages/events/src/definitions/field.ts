/**
 * The events definitions' Field: action-kit's one document reader (errors name the file and the field path, an
 * unknown key names the nearest allowed one), throwing EventDefinitionError.
 */
import { DocumentError, Field as DocumentField } from '@gauntlet/action-kit';

/** A bad event probe, fault or broker definition, naming the file (or input) and the field path. */
export class EventDefinitionError extends DocumentError {
  constructor(origin: string, path: string, problem: string) {
    super(origin, path, problem);
    this.name = 'EventDefinitionError';
    Object.setPrototypeOf(this, new.target.prototype);
  }
}

export class Field extends DocumentField {
  constructor(origin: string, path: string, value: unknown) {
    super(origin, path, value, EventDefinitionError);
  }
}

/** A definition as the experiment loader keeps it (chaos' PluginDefinition): the body, its file and its path. */
export interface DefinitionSource {
  readonly origin: string;
  readonly path: string;
  readonly value: unknown;
}

export function fieldOf(source: DefinitionSource): Field {
  return new Field(source.origin, source.path, source.value);
}
