/**
 * Where a value lives in an event: a header, a JSON pointer into the payload, or the record key. Correlation
 * ids, ordering keys and sequence numbers are all read through one of these.
 */
import { bodyJson, type ObservedEvent } from '../model.js';
import { getPointer, parsePointer, scalarText } from './json-pointer.js';

export type ValueLocation = { header: string } | { payload: string } | { key: true };

export interface ValueReader {
  readonly location: ValueLocation;
  read(event: ObservedEvent): string | undefined;
  describe(): string;
}

export function valueReader(location: ValueLocation): ValueReader {
  if ('header' in location) {
    const name = location.header.toLowerCase();
    return {
      location,
      read: (e) => {
        for (const [k, v] of Object.entries(e.headers)) if (k.toLowerCase() === name) return v;
        return undefined;
      },
      describe: () => `header ${location.header}`,
    };
  }
  if ('payload' in location) {
    const tokens = parsePointer(location.payload);
    return {
      location,
      read: (e) => {
        const body = bodyJson(e);
        if (!body.ok) return undefined;
        return scalarText(getPointer(body.value, tokens));
      },
      describe: () => `payload ${location.payload}`,
    };
  }
  return { location, read: (e) => e.key, describe: () => 'record key' };
}
