import { armErrors } from './errors';
import type { EmuRequest, Handler } from './http';

/** The ARM prefix of every workspace-scoped route. */
export const WORKSPACE_PATH =
  '/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.MachineLearningServices/workspaces/{workspaceName}';

/** How a route authenticates: ARM bearer tokens (the default) or not at all (the handler checks itself). */
export type RouteAuth = 'arm' | 'none';

export interface RouteOptions {
  auth?: RouteAuth;
  /** Whether the ARM api-version query parameter is required (default: true for 'arm' routes). */
  apiVersion?: boolean;
}

export interface Route {
  method: string;
  pattern: string;
  regex: RegExp;
  names: string[];
  handler: Handler;
  options: Required<RouteOptions>;
}

/**
 * Method + path patterns with `{name}` segments (one segment each) or a final `{*name}` (the rest).
 * Literal segments match case-insensitively, as ARM does; parameters keep their case.
 */
export class Router {
  private readonly routes: Route[] = [];

  add(method: string, pattern: string, handler: Handler, options: RouteOptions = {}): this {
    const names: string[] = [];
    const source = pattern
      .split('/')
      .map((seg) => {
        const rest = /^\{\*(\w+)\}$/.exec(seg);
        if (rest) {
          names.push(rest[1]);
          return '(.*)';
        }
        const one = /^\{(\w+)\}$/.exec(seg);
        if (one) {
          names.push(one[1]);
          return '([^/]+)';
        }
        return seg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      })
      .join('/');
    const auth = options.auth ?? 'arm';
    this.routes.push({
      method: method.toUpperCase(),
      pattern,
      regex: new RegExp(`^${source}/?$`, 'i'),
      names,
      handler,
      options: { auth, apiVersion: options.apiVersion ?? auth === 'arm' },
    });
    return this;
  }

  /** The route for a request, with its parameters; throws the ARM 404/405 when none matches. */
  match(method: string, path: string): { route: Route; params: Record<string, string> } {
    let pathMatched = false;
    for (const route of this.routes) {
      const m = route.regex.exec(path);
      if (!m) continue;
      pathMatched = true;
      if (route.method !== method.toUpperCase()) continue;
      const params: Record<string, string> = {};
      route.names.forEach((n, i) => (params[n] = decodeURIComponent(m[i + 1])));
      return { route, params };
    }
    throw pathMatched ? armErrors.methodNotAllowed(method, path) : armErrors.routeNotFound(method, path);
  }
}

export type { EmuRequest };
