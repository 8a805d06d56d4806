// Routes of the restJson1 operations: method, path (with the identifier label taken from the raw path
// and URL-decoded, so an ARN with encoded slashes is one identifier) and the handler.
import { ApiError, validation } from './errors';
import type { ReplyFault } from './reply-faults';
import type { JsonObject, Query } from './wire';

export interface RequestContext {
  query: Query;
  /** The JSON body, parsed on first use (GET and DELETE carry none). */
  body(): JsonObject;
  /** The body as sent (InvokeModel's payload is the model's own JSON, parsed by the handler). */
  raw: string;
  /** Request headers, names in lower case. */
  headers: Record<string, string | string[] | undefined>;
}

export interface Reply {
  status: number;
  /** Undefined for operations whose output structure is empty: an empty body. */
  body?: object;
  /** What happens to this answer after the operation has committed (held, lost). */
  afterCommit?: ReplyFault;
  /** Response headers besides the content type and request id (InvokeModel's). */
  headers?: Record<string, string>;
}

export type Handler = (ctx: RequestContext, label: string | undefined) => Promise<Reply> | Reply;

export interface Route {
  operation: string;
  method: 'GET' | 'POST' | 'DELETE' | 'PATCH';
  /** `/model-customization-jobs/{label}/stop` style: at most one label, which may hold `/` when not encoded. */
  path: string;
  handler: Handler;
}

interface CompiledRoute extends Route {
  prefix: string;
  suffix: string;
  hasLabel: boolean;
}

export class Router {
  private readonly routes: CompiledRoute[];

  constructor(routes: Route[]) {
    this.routes = routes.map((r) => {
      const at = r.path.indexOf('{');
      if (at < 0) return { ...r, prefix: r.path, suffix: '', hasLabel: false };
      return { ...r, prefix: r.path.slice(0, at), suffix: r.path.slice(r.path.indexOf('}') + 1), hasLabel: true };
    });
  }

  /** The route and its decoded label, or an UnknownOperationException as AWS answers unknown routes. */
  match(method: string, rawPath: string): { route: Route; label?: string } {
    const path = rawPath.length > 1 ? rawPath.replace(/\/+$/, '') : rawPath;
    // Longest prefix first, so `/model-customization-jobs/{id}/stop` wins over `/model-customization-jobs/{id}`.
    const candidates = this.routes
      .filter((r) => r.method === method)
      .sort((a, b) => b.prefix.length + b.suffix.length - (a.prefix.length + a.suffix.length));
    for (const route of candidates) {
      if (!route.hasLabel) {
        if (path === route.prefix) return { route };
        continue;
      }
      if (!path.startsWith(route.prefix) || !path.endsWith(route.suffix)) continue;
      const raw = path.slice(route.prefix.length, path.length - route.suffix.length);
      if (raw === '' || (route.suffix === '' && raw.endsWith('/stop') && method === 'POST')) continue;
      let label: string;
      try {
        label = decodeURIComponent(raw);
      } catch {
        throw validation(`The path label '${raw}' is not valid percent-encoding.`);
      }
      return { route, label };
    }
    throw new ApiError('UnknownOperationException', `No operation matches ${method} ${rawPath}.`);
  }
}
