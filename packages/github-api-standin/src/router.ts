/** Matches a request path against the OpenAPI path templates of the served operations. */
import type { CompiledOperation } from './openapi-schema.js';

export interface RouteMatch {
  op: CompiledOperation;
  /** Raw (decoded, uncoerced) path parameters. */
  params: Record<string, string>;
}

interface CompiledRoute {
  op: CompiledOperation;
  pattern: RegExp;
  names: string[];
}

export type Router = (method: string, pathname: string) => RouteMatch | undefined;

export function buildRouter(operations: readonly CompiledOperation[]): Router {
  const routes: CompiledRoute[] = operations.map((op) => {
    const names: string[] = [];
    const source = op.path.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{(\w+)\}/g, (_, name: string) => {
      names.push(name);
      // A git ref such as refs/heads/feature/x spans segments (x-multi-segment in GitHub's description).
      const multi = op.pathParams.find((p) => p.name === name)?.['x-multi-segment'] === true;
      return multi ? '(.+)' : '([^/]+)';
    });
    return { op, pattern: new RegExp(`^${source}$`), names };
  });
  return (method, pathname) => {
    for (const route of routes) {
      if (route.op.method !== method.toLowerCase()) continue;
      const match = route.pattern.exec(pathname);
      if (!match) continue;
      const params: Record<string, string> = {};
      route.names.forEach((name, i) => {
        params[name] = decodeURIComponent(match[i + 1] ?? '');
      });
      return { op: route.op, params };
    }
    return undefined;
  };
}
