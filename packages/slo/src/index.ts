/**
 * @gauntlet/slo — the SLO core of slo-check: definitions (inline YAML, OpenSLO v1, Sloth), a hardened Prometheus
 * client, evaluation with error budgets and multi-window burn rates, a watch loop, and the result model.
 */
export type {
  BurnRateTier,
  Comparison,
  EventQuery,
  LatencySli,
  Objective,
  PromqlSli,
  RatioSli,
  RelativeObjective,
  SliSpec,
  SloDefinition,
  SloSet,
  WindowSpec,
  CalendarWindow,
} from './model.js';
export { loadSlos, loadSlosFromYaml, type SloSource } from './definitions/load.js';
export { readSloSources } from './definitions/sources.js';
export { SloDefinitionError, TemplateError } from './errors.js';
export { parseQueryTemplate, renderQueryTemplate, type QueryTemplate, type TemplateVars } from './template.js';
export { escapePromqlString, quoteRegexMeta } from './promql-string.js';
export {
  createPrometheusClient,
  type ClientStats,
  type PrometheusAuth,
  type PrometheusClient,
  type PrometheusClientOptions,
  type RangeParams,
} from './prometheus/client.js';
export {
  readPrometheusConnection,
  prometheusHeaderSecrets,
  PROMETHEUS_SECRET_INPUTS,
  type PrometheusConnection,
  type PrometheusSecretInput,
} from './prometheus/inputs.js';
export type { FaultCode, QueryData, QueryFault, QueryOutcome } from './prometheus/types.js';
export { evaluateSlos, aggregate, type EvaluateSlosParams } from './evaluate.js';
export type { EvaluationOptions } from './options.js';
export { watchSlos, type WatchResult, type WatchSlosParams } from './watch.js';
export {
  toJsonOutput,
  worst,
  type BaselineResult,
  type BudgetInfo,
  type BurnRateResult,
  type BurnWindowInfo,
  type DataProblem,
  type QueryRecord,
  type SeriesPoint,
  type SloCheckResult,
  type SloResult,
  type Verdict,
  type WindowInfo,
} from './result.js';
export { chartData, downsample, type ChartData } from './chart.js';
export { WORKBOOK_TIERS } from './burn-rate-policy.js';
export { scaleBurnTiers, chooseStepMs } from './windows.js';
export { promDuration } from './duration.js';
export {
  startSampleService,
  generateLoad,
  firstSampleMs,
  SAMPLE_BUCKETS,
  type SampleService,
  type SampleServiceOptions,
  type LoadOptions,
} from './sample-service.js';
