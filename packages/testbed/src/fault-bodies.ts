// Response bodies the fault proxy sends, shaped like the real servers' errors so client code parses
// them exactly as it would in production.

const kubeReasons: Record<number, string> = {
  400: 'BadRequest',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'NotFound',
  405: 'MethodNotAllowed',
  409: 'Conflict',
  410: 'Expired',
  422: 'Invalid',
  429: 'TooManyRequests',
  500: 'InternalError',
  503: 'ServiceUnavailable',
  504: 'Timeout',
};

/** A `meta/v1 Status` failure, as the API server returns for errors. */
export function kubeStatus(code: number, message?: string, reason?: string, details?: object): object {
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message: message ?? `injected ${code} by gauntlet fault proxy`,
    reason: reason ?? kubeReasons[code] ?? (code >= 500 ? 'InternalError' : 'Unknown'),
    ...(details ? { details } : {}),
    code,
  };
}

/** The watch event the API server sends when a watch's resourceVersion has been compacted away. */
export function expiredWatchEvent(): string {
  return `${JSON.stringify({
    type: 'ERROR',
    object: kubeStatus(410, 'too old resource version: injected by gauntlet fault proxy', 'Expired'),
  })}\n`;
}

/** Prometheus HTTP API error envelope (`errorType`: bad_data, execution, timeout, unavailable, ...). */
export function prometheusError(errorType: string, error: string): object {
  return { status: 'error', errorType, error };
}
