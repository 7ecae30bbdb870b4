import { loadYamlDocuments } from '@gauntlet/action-kit';
import { Field } from './fields.js';
import { parseInlineDocument } from './inline.js';
import { parseOpenSloDocuments } from './openslo.js';
import { SLOTH_DEFAULT_WINDOWS, parseSlothAlertWindows, parseSlothSpec, type SlothForm } from './sloth.js';
import { SloDefinitionError } from '../errors.js';
import type { SloDefinition, SloSet } from '../model.js';

export interface SloSource {
  /** YAML text: inline schema, OpenSLO v1 (multi-document) or a Sloth prometheus/v1 spec. */
  readonly text: string;
  /** File name or input name, used in error messages. */
  readonly origin: string;
}

const SLOTH_API_VERSION = 'sloth.slok.dev/v1';

/** Largest definition we parse: a guard against YAML alias bombs and accidental binary input. */
const MAX_SOURCE_CHARS = 1_000_000;

/**
 * Loads and validates SLO definitions from one or more sources, detecting the format per document:
 * `apiVersion: openslo/v1` is OpenSLO, `version: prometheus/v1` or `apiVersion: sloth.slok.dev/v1` is Sloth,
 * anything with `slos:` is the inline schema. Throws SloDefinitionError naming the source and the field path.
 */
export function loadSlos(sources: readonly SloSource[]): SloSet {
  const slos: SloDefinition[] = [];
  const vars: Record<string, string> = {};
  let baseline: Record<string, string> | undefined;
  // OpenSLO documents refer to each other by name (indicatorRef, metricSourceRef) across the whole file set, and
  // Sloth's AlertWindows apply to every Sloth SLO of it: both are resolved once every source is read.
  const openSlo: Field[] = [];
  const sloth: Array<{ spec: Field; form: SlothForm }> = [];
  const alertWindows: Field[] = [];
  for (const source of sources) {
    if (source.text.length > MAX_SOURCE_CHARS)
      throw new SloDefinitionError(source.origin, '', `larger than ${MAX_SOURCE_CHARS} characters`);
    let docs: unknown[];
    try {
      // The bounded loader: aliases cannot expand past its caps, and the message quotes no text of the file.
      docs = loadYamlDocuments(source.text, { origin: source.origin, limits: { maxChars: MAX_SOURCE_CHARS } });
    } catch (error) {
      const message = (error as Error).message.replace(`${source.origin}: `, '');
      throw new SloDefinitionError(
        source.origin,
        '',
        message.replace(/^not valid YAML \((.*)\)$/, 'not valid YAML: $1'),
      );
    }
    const fields = docs
      .map((doc, i) => new Field(source.origin, docs.length > 1 ? `(document ${i + 1})` : '', doc))
      .filter((f) => f.present);
    if (fields.length === 0) throw new SloDefinitionError(source.origin, '', 'contains no SLO definitions');
    for (const doc of fields) {
      const map = doc.map();
      const apiVersion = typeof map.apiVersion === 'string' ? map.apiVersion : undefined;
      if (apiVersion === 'openslo/v1') {
        openSlo.push(doc);
      } else if (apiVersion === SLOTH_API_VERSION) {
        const kind = doc.child('kind').string();
        if (kind === 'PrometheusServiceLevel') {
          doc.onlyKeys(['apiVersion', 'kind', 'metadata', 'spec', 'status']);
          sloth.push({ spec: doc.child('spec'), form: 'kubernetes' });
        } else if (kind === 'AlertWindows') {
          alertWindows.push(doc);
        } else {
          doc
            .child('kind')
            .fail(`unsupported ${SLOTH_API_VERSION} kind '${kind}'; expected PrometheusServiceLevel or AlertWindows`);
        }
      } else if (apiVersion !== undefined) {
        doc
          .child('apiVersion')
          .fail(
            `unsupported apiVersion '${apiVersion}'; supported: openslo/v1 (OpenSLO) and ${SLOTH_API_VERSION} ` +
              "(Sloth's PrometheusServiceLevel)",
          );
      } else if (map.version === 'prometheus/v1') {
        sloth.push({ spec: doc, form: 'file' });
      } else if (typeof map.version === 'string' && map.version.includes('/')) {
        doc.child('version').fail(`unsupported Sloth version '${map.version}'; only prometheus/v1 is supported`);
      } else if ('slos' in map) {
        const set = parseInlineDocument(doc);
        slos.push(...set.slos);
        Object.assign(vars, set.vars);
        if (set.baseline) baseline = { ...(baseline ?? {}), ...set.baseline };
      } else {
        doc.fail(
          `unrecognised document: expected apiVersion: openslo/v1, apiVersion: ${SLOTH_API_VERSION}, ` +
            'version: prometheus/v1 (Sloth), or a slos: list',
        );
      }
    }
  }
  if (alertWindows.length > 1)
    (alertWindows[1] as Field).fail(
      `a second kind: AlertWindows (the first is in ${(alertWindows[0] as Field).origin}); give one`,
    );
  const windows = alertWindows.length === 1 ? parseSlothAlertWindows(alertWindows[0] as Field) : SLOTH_DEFAULT_WINDOWS;
  if (alertWindows.length === 1 && sloth.length === 0)
    (alertWindows[0] as Field).fail('kind: AlertWindows applies to Sloth SLOs, and none were loaded');
  for (const { spec, form } of sloth) slos.push(...parseSlothSpec(spec, form, windows));
  if (openSlo.length > 0) {
    const parsed = parseOpenSloDocuments(openSlo);
    if (parsed.length === 0)
      throw new SloDefinitionError((openSlo[0] as Field).origin, '', 'OpenSLO documents contain no kind: SLO');
    slos.push(...parsed);
  }
  const seen = new Map<string, string>();
  for (const slo of slos) {
    const previous = seen.get(slo.name);
    if (previous)
      throw new SloDefinitionError(slo.origin, slo.name, `duplicate SLO name (also defined in ${previous})`);
    seen.set(slo.name, slo.origin);
  }
  return baseline ? { slos, vars, baseline } : { slos, vars };
}

/** Convenience for one inline YAML string (the action's `slos:` input). */
export function loadSlosFromYaml(text: string, origin = 'slos'): SloSet {
  return loadSlos([{ text, origin }]);
}
