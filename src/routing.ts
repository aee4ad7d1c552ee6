/**
 * Route templates as the Functions host reads them: literal segments match case-insensitively,
 * `{name}` takes one segment, `{*name}` takes the rest of the path. Shared by the catch-all route
 * (to tell 404 from 405) and the local runner (to pick the function for a request).
 */

export type RouteParams = Record<string, string>;

function splitPath(path: string): string[] {
  return path.split('/').filter((s) => s.length > 0);
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment; // a malformed escape stays as sent; the handler's key check decides
  }
}

export function matchRoute(template: string, pathname: string): RouteParams | undefined {
  const parts = splitPath(template);
  const segments = splitPath(pathname);
  const params: RouteParams = {};
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]!;
    const catchAll = /^\{\*(\w+)\}$/.exec(part);
    if (catchAll) {
      params[catchAll[1]!] = segments.slice(i).map(decodeSegment).join('/');
      return params;
    }
    const segment = segments[i];
    if (segment === undefined) return undefined;
    const param = /^\{(\w+)\}$/.exec(part);
    if (param) params[param[1]!] = decodeSegment(segment);
    else if (part.toLowerCase() !== segment.toLowerCase()) return undefined;
  }
  return segments.length === parts.length ? params : undefined;
}

/** More specific templates first: literals beat parameters, and a catch-all comes last. */
export function routePrecedence(template: string): number[] {
  const parts = splitPath(template);
  const catchAlls = parts.filter((p) => p.startsWith('{*')).length;
  const params = parts.filter((p) => p.startsWith('{')).length - catchAlls;
  return [catchAlls, -(parts.length - params - catchAlls), params];
}

export function compareRoutes(a: string, b: string): number {
  const pa = routePrecedence(a);
  const pb = routePrecedence(b);
  for (let i = 0; i < pa.length; i++) if (pa[i] !== pb[i]) return pa[i]! - pb[i]!;
  return 0;
}
