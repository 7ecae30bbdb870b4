import type { InstantSample, QueryData, QueryFault, RangeSeries } from './types.js';
import { summarizeServerText, type SecretRedactor } from './redact.js';

/**
 * Turns an HTTP answer into typed data or a fault. Nothing is trusted: the body may be HTML from a proxy, JSON of
 * the wrong shape, or samples that are not numbers. Sample values are parsed strictly; anything that is not a
 * finite float (NaN, ±Inf, 1e309, "abc") is kept as NaN and counted, so evaluation can call it inconclusive.
 */
export type ParsedBody =
  | { ok: true; data: QueryData; warnings: string[]; infos: string[]; invalidSamples: number; invalidExample?: string }
  | { ok: false; fault: QueryFault; retryable: boolean };

const FLOAT = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

export function parsePrometheusBody(
  status: number,
  contentType: string,
  body: string,
  redactor: SecretRedactor,
  expect: 'query' | 'metadata' = 'query',
): ParsedBody {
  let json: unknown;
  let parsed = false;
  try {
    json = JSON.parse(body);
    parsed = true;
  } catch {
    // handled below
  }
  const serverError = parsed ? describeErrorJson(json, redactor) : undefined;
  if (status >= 500) {
    const detail = serverError ?? nonJsonDetail(contentType, body, redactor);
    return {
      ok: false,
      fault: { code: 'http-error', status, message: `HTTP ${status}${detail ? `: ${detail}` : ''}` },
      retryable: true,
    };
  }
  if (status === 400 || status === 422) {
    const detail = serverError ?? nonJsonDetail(contentType, body, redactor);
    return {
      ok: false,
      fault: { code: 'bad-request', status, message: `HTTP ${status}${detail ? `: ${detail}` : ''}` },
      retryable: false,
    };
  }
  if (status < 200 || status >= 300) {
    const detail = serverError ?? nonJsonDetail(contentType, body, redactor);
    return {
      ok: false,
      fault: { code: 'http-error', status, message: `HTTP ${status}${detail ? `: ${detail}` : ''}` },
      retryable: false,
    };
  }
  if (!parsed) {
    return {
      ok: false,
      fault: {
        code: 'bad-response',
        status,
        message: `HTTP ${status} but ${nonJsonDetail(contentType, body, redactor) || 'an empty body'}`,
      },
      retryable: false,
    };
  }
  return parseSuccessJson(json, status, redactor, expect);
}

function nonJsonDetail(contentType: string, body: string, redactor: SecretRedactor): string {
  if (body.trim() === '') return '';
  const type = (contentType.split(';')[0] ?? '').trim() || 'unknown type';
  return `non-JSON body (${summarizeServerText(type, redactor, 60)}): ${summarizeServerText(body, redactor, 120)}`;
}

function describeErrorJson(json: unknown, redactor: SecretRedactor): string | undefined {
  if (!isObject(json) || json.status !== 'error') return undefined;
  const type = typeof json.errorType === 'string' ? json.errorType : 'error';
  const error = typeof json.error === 'string' ? json.error : '';
  return summarizeServerText(`${type}: ${error}`, redactor);
}

function parseSuccessJson(
  json: unknown,
  status: number,
  redactor: SecretRedactor,
  expect: 'query' | 'metadata',
): ParsedBody {
  const bad = (message: string): ParsedBody => ({
    ok: false,
    fault: { code: 'bad-response', status, message },
    retryable: false,
  });
  if (!isObject(json)) return bad('response is JSON but not an object');
  if (json.status === 'error')
    return bad(`status error in an HTTP ${status} response: ${describeErrorJson(json, redactor) ?? ''}`);
  if (json.status !== 'success')
    return bad(`unexpected status ${summarizeServerText(JSON.stringify(json.status) ?? 'missing', redactor, 40)}`);
  const warnings = stringList(json.warnings).map((w) => summarizeServerText(w, redactor));
  const infos = stringList(json.infos).map((w) => summarizeServerText(w, redactor));
  const data = json.data;
  if (!isObject(data)) return bad('response has no data object');
  if (expect === 'metadata') {
    const metrics = Object.keys(data).filter((name) => Array.isArray(data[name]));
    return { ok: true, data: { resultType: 'metadata', metrics }, warnings, infos, invalidSamples: 0 };
  }
  const counter = { invalid: 0, example: undefined as string | undefined };
  const value = (raw: unknown): number => {
    if (typeof raw === 'string' && FLOAT.test(raw)) {
      const n = Number(raw);
      if (Number.isFinite(n)) return n;
    }
    counter.invalid += 1;
    counter.example ??= summarizeServerText(
      typeof raw === 'string' ? raw : (JSON.stringify(raw) ?? 'undefined'),
      redactor,
      40,
    );
    return Number.NaN;
  };
  const pair = (raw: unknown): [number, number] | undefined => {
    if (!Array.isArray(raw) || raw.length !== 2 || typeof raw[0] !== 'number' || !Number.isFinite(raw[0]))
      return undefined;
    return [raw[0], value(raw[1])];
  };
  const result = data.result;
  let parsedData: QueryData;
  switch (data.resultType) {
    case 'matrix': {
      if (!Array.isArray(result)) return bad('matrix result is not a list');
      const series: RangeSeries[] = [];
      for (const item of result) {
        if (!isObject(item) || !isLabels(item.metric)) return bad('matrix series without a metric label set');
        if (item.histograms !== undefined && item.values === undefined)
          return bad('native histogram series are not supported');
        if (!Array.isArray(item.values)) return bad('matrix series without values');
        const points: Array<readonly [number, number]> = [];
        for (const raw of item.values) {
          const p = pair(raw);
          if (!p) return bad('matrix sample is not [timestamp, "value"]');
          points.push(p);
        }
        series.push({ labels: item.metric, points });
      }
      parsedData = { resultType: 'matrix', series };
      break;
    }
    case 'vector': {
      if (!Array.isArray(result)) return bad('vector result is not a list');
      const samples: InstantSample[] = [];
      for (const item of result) {
        if (!isObject(item) || !isLabels(item.metric)) return bad('vector sample without a metric label set');
        if (item.histogram !== undefined && item.value === undefined)
          return bad('native histogram samples are not supported');
        const p = pair(item.value);
        if (!p) return bad('vector sample is not [timestamp, "value"]');
        samples.push({ labels: item.metric, t: p[0], v: p[1] });
      }
      parsedData = { resultType: 'vector', samples };
      break;
    }
    case 'scalar': {
      const p = pair(result);
      if (!p) return bad('scalar result is not [timestamp, "value"]');
      parsedData = { resultType: 'scalar', sample: { t: p[0], v: p[1] } };
      break;
    }
    case 'string': {
      if (!Array.isArray(result) || typeof result[1] !== 'string')
        return bad('string result is not [timestamp, "text"]');
      parsedData = { resultType: 'string', value: summarizeServerText(result[1], redactor, 80) };
      break;
    }
    default:
      return bad(
        `unknown resultType ${summarizeServerText(JSON.stringify(data.resultType) ?? 'missing', redactor, 40)}`,
      );
  }
  return {
    ok: true,
    data: parsedData,
    warnings,
    infos,
    invalidSamples: counter.invalid,
    ...(counter.example !== undefined ? { invalidExample: counter.example } : {}),
  };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isLabels(value: unknown): value is Record<string, string> {
  return isObject(value) && Object.values(value).every((v) => typeof v === 'string');
}

function stringList(value: unknown): string[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) return [typeof value === 'string' ? value : (JSON.stringify(value) ?? 'warning')];
  return value.map((v) => (typeof v === 'string' ? v : (JSON.stringify(v) ?? '')));
}
