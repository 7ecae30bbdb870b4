/**
 * Malformed payloads derived from a message's schema, as Microcks and Specmatic derive negative cases: for an
 * example that is valid, each required property removed, each typed property given a value of another type, and
 * each enum given a value outside it. Each case says what it broke, for the journal and the verdict.
 */
export interface SchemaMalformation {
  readonly kind: 'missing-field' | 'wrong-type' | 'enum-out-of-range';
  /** JSON pointer of the property changed. */
  readonly path: string;
  readonly payload: unknown;
}

type Json = Record<string, unknown>;
const isMap = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

function wrongValue(type: unknown): unknown {
  const t: unknown = Array.isArray(type) ? (type as unknown[])[0] : type;
  switch (t) {
    case 'string':
      return 12345;
    case 'integer':
    case 'number':
      return 'not-a-number';
    case 'boolean':
      return 'not-a-boolean';
    case 'array':
      return { not: 'an array' };
    case 'object':
      return ['not', 'an', 'object'];
    default:
      return undefined;
  }
}

/** Top-level and nested object properties (depth-first), bounded to 200 cases. */
export function schemaMalformations(schema: unknown, example: unknown, limit = 200): SchemaMalformation[] {
  const out: SchemaMalformation[] = [];
  const visit = (s: unknown, value: unknown, pointer: string, replace: (v: unknown) => unknown): void => {
    if (out.length >= limit || !isMap(s) || !isMap(value)) return;
    const props = isMap(s.properties) ? s.properties : {};
    const required = Array.isArray(s.required) ? s.required.filter((r): r is string => typeof r === 'string') : [];
    for (const name of required) {
      if (!Object.hasOwn(value, name)) continue;
      const copy = { ...value };
      delete copy[name];
      out.push({ kind: 'missing-field', path: `${pointer}/${name}`, payload: replace(copy) });
    }
    for (const [name, p] of Object.entries(props)) {
      if (!isMap(p) || !Object.hasOwn(value, name)) continue;
      const bad = wrongValue(p.type);
      if (bad !== undefined)
        out.push({ kind: 'wrong-type', path: `${pointer}/${name}`, payload: replace({ ...value, [name]: bad }) });
      if (Array.isArray(p.enum)) {
        const outside = `not-one-of-${p.enum.length}-values`;
        out.push({
          kind: 'enum-out-of-range',
          path: `${pointer}/${name}`,
          payload: replace({ ...value, [name]: outside }),
        });
      }
      visit(p, value[name], `${pointer}/${name}`, (v) => replace({ ...value, [name]: v }));
    }
  };
  visit(schema, example, '', (v) => v);
  return out.slice(0, limit);
}
