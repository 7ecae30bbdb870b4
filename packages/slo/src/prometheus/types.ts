/** Parsed Prometheus query results, reduced to what evaluation needs. Times are Unix seconds (Prometheus's unit). */
export type Labels = Readonly<Record<string, string>>;

export interface RangeSeries {
  readonly labels: Labels;
  /** [unix seconds, value]; value is NaN where the sample was not a finite number. */
  readonly points: ReadonlyArray<readonly [number, number]>;
}

export interface InstantSample {
  readonly labels: Labels;
  readonly t: number;
  readonly v: number;
}

export type QueryData =
  | { readonly resultType: 'matrix'; readonly series: readonly RangeSeries[] }
  | { readonly resultType: 'vector'; readonly samples: readonly InstantSample[] }
  | { readonly resultType: 'scalar'; readonly sample: { readonly t: number; readonly v: number } }
  | { readonly resultType: 'string'; readonly value: string }
  /** /api/v1/metadata: the metric names Prometheus has metadata for (from its targets' HELP/TYPE lines). */
  | { readonly resultType: 'metadata'; readonly metrics: readonly string[] };

/** Why a query produced no usable answer. Every one of these makes the SLO inconclusive. */
export type FaultCode = 'timeout' | 'connection' | 'http-error' | 'bad-request' | 'bad-response' | 'aborted';

export interface QueryFault {
  readonly code: FaultCode;
  /** Allow-listed summary: status, error type, sanitised server text. Never headers, URLs with credentials, tokens. */
  readonly message: string;
  readonly status?: number;
}

export interface QuerySuccess {
  readonly ok: true;
  readonly data: QueryData;
  readonly warnings: readonly string[];
  readonly infos: readonly string[];
  /** Count of samples that were NaN, ±Inf, out of float range or not numbers at all, and one example. */
  readonly invalidSamples: number;
  readonly invalidExample?: string;
  readonly attempts: number;
}

export interface QueryFailure {
  readonly ok: false;
  readonly fault: QueryFault;
  readonly attempts: number;
}

export type QueryOutcome = QuerySuccess | QueryFailure;
