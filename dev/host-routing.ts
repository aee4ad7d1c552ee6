/**
 * The Functions host's routing rule, copied for the local runner and for tests that check the app's
 * route table against it (../shared/functions-host/README.md, "Routing"):
 *
 * - functions are sorted by name with StringComparer.OrdinalIgnoreCase (FunctionMetadataManager), and one
 *   ASP.NET Core route per HTTP function is added in that order; the first route whose template and method
 *   constraint match wins. There is no specificity ranking.
 * - literal segments match case-insensitively; `{name}` takes one non-empty segment; `{*name}` the rest
 *   of the path (possibly empty), empty segments included. A path that starts with `//` matches no
 *   template (measured: 404), though `/a//b` reaches a catch-all.
 * - no match, by path or by method: 404 with an empty body.
 *
 * This module is not the app's router (src/pipeline/router.ts is): it is what stands in front of the app.
 */

export interface HostRoute {
  name: string;
  route: string;
  methods: string[];
}

/** StringComparer.OrdinalIgnoreCase for the names the host accepts (^[a-z][a-z0-9_-]*$): UTF-16 order of the upper-cased names. */
export function compareFunctionNames(a: string, b: string): number {
  const ua = a.toUpperCase();
  const ub = b.toUpperCase();
  return ua < ub ? -1 : ua > ub ? 1 : 0;
}

export function hostOrder<T extends HostRoute>(routes: readonly T[]): T[] {
  return [...routes].sort((a, b) => compareFunctionNames(a.name, b.name));
}

/**
 * Matches a decoded request path (as Kestrel hands it to routing: `/a/b`) against a template; the
 * parameters as the host passes them to the worker.
 */
export function matchHostTemplate(template: string, decodedPath: string): Record<string, string> | undefined {
  if (decodedPath.startsWith('//')) return undefined;
  const path = decodedPath.replace(/^\//, '');
  const segments = path === '' ? [] : path.split('/');
  // A trailing slash is no segment of its own.
  if (segments.length > 0 && segments[segments.length - 1] === '') segments.pop();
  const parts = template.split('/').filter((p) => p.length > 0);
  const params: Record<string, string> = {};
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]!;
    const catchAll = /^\{\*(\w+)\}$/.exec(part);
    if (catchAll) {
      // The host passes the catch-all as the rest of the path as it was decoded, trailing slash included.
      const rest = path.split('/').slice(i).join('/');
      if (rest !== '') params[catchAll[1]!] = rest;
      return params;
    }
    const segment = segments[i];
    if (segment === undefined) return undefined;
    const param = /^\{(\w+)\}$/.exec(part);
    if (param) params[param[1]!] = segment;
    else if (part.toLowerCase() !== segment.toLowerCase()) return undefined;
  }
  return segments.length === parts.length ? params : undefined;
}

/** The function the host would invoke for a method and decoded path, with its parameters; undefined: 404. */
export function pickHostRoute<T extends HostRoute>(
  ordered: readonly T[],
  method: string,
  decodedPath: string,
): { fn: T; params: Record<string, string> } | undefined {
  for (const fn of ordered) {
    if (!fn.methods.includes(method.toUpperCase())) continue;
    const params = matchHostTemplate(fn.route, decodedPath);
    if (params) return { fn, params };
  }
  return undefined;
}
