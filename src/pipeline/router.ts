import type { HttpMethod } from '@azure/functions';
import { badRequest, methodNotAllowed, unknownSegment, type GraphError } from '../graph/errors';
import type { Route, RouteParams } from './context';

/**
 * The app's own router: Graph's rules for picking the operation a request means. The Functions host
 * only ever sees one catch-all function (src/functions/graph.ts says why); this module does what the
 * host's router cannot: the most specific template wins, then the method decides.
 *
 * Templates: literal segments match case-insensitively (as Graph and the host do), `{name}` takes one
 * segment, `{*name}` takes the rest of the path.
 */

function splitPath(path: string): string[] {
  return path.split('/').filter((s) => s.length > 0);
}

/** A segment as the client meant it; undefined when its percent-escapes are malformed (or not UTF-8). */
function decodeSegment(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

/** A template's segment: a literal (lower-cased), `{name}` or `{*name}`. */
type TemplatePart = { literal: string } | { param: string } | { rest: string };

/** Each template split and classified once: the table is fixed, and every request tries several templates. */
const compiledTemplates = new Map<string, readonly TemplatePart[]>();

function templateParts(template: string): readonly TemplatePart[] {
  let parts = compiledTemplates.get(template);
  if (!parts) {
    parts = splitPath(template).map((part): TemplatePart => {
      const rest = /^\{\*(\w+)\}$/.exec(part);
      if (rest) return { rest: rest[1]! };
      const param = /^\{(\w+)\}$/.exec(part);
      return param ? { param: param[1]! } : { literal: part.toLowerCase() };
    });
    compiledTemplates.set(template, parts);
  }
  return parts;
}

/**
 * Matches decoded path segments (and the same lower-cased) against a template. Parameters get the
 * decoded segment; a catch-all the rest of the path joined with `/`.
 */
function matchSegments(template: string, segments: readonly string[], lowered: readonly string[]): RouteParams | undefined {
  const parts = templateParts(template);
  const params: RouteParams = {};
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]!;
    if ('rest' in part) {
      params[part.rest] = segments.slice(i).join('/');
      return params;
    }
    const segment = segments[i];
    if (segment === undefined) return undefined;
    if ('param' in part) params[part.param] = segment;
    else if (part.literal !== lowered[i]) return undefined;
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

/** The route a request reaches, or the Graph error it gets instead. */
export type Resolution = { route: Route; params: RouteParams } | { error: GraphError };

/** The table in the order resolve() expects: the most specific template first. */
export function routeTable(routes: readonly Route[]): Route[] {
  return [...routes].sort((a, b) => compareRoutes(a.route, b.route));
}

/**
 * Picks the operation for a method and URL: the most specific template that matches the path owns it;
 * among the routes with that template the method decides, else 405 with their methods in Allow.
 * A path that no template matches is Graph's unknown-segment answer. A malformed percent-escape in any
 * segment or query parameter is a 400 naming it, before anything is matched.
 */
export function resolve(routes: readonly Route[], method: string, url: string | URL): Resolution {
  const parsed = typeof url === 'string' ? new URL(url) : url;
  const raw = splitPath(parsed.pathname);
  const segments: string[] = [];
  for (const segment of raw) {
    const decoded = decodeSegment(segment);
    if (decoded === undefined) return { error: badRequest(`The segment '${segment}' of the request path has a malformed percent-escape.`) };
    segments.push(...keySyntax(decoded));
  }
  const malformed = malformedQueryParameter(parsed.search);
  if (malformed !== undefined) {
    return { error: badRequest(`The query parameter '${malformed}' has a malformed percent-escape.`) };
  }
  const lowered = segments.map((s) => s.toLowerCase());
  let owner: string | undefined;
  const allowed: HttpMethod[] = [];
  for (const route of routes) {
    if (owner !== undefined && route.route !== owner) break; // sorted: the owner's routes are adjacent
    const params = matchSegments(route.route, segments, lowered);
    if (!params) continue;
    owner = route.route;
    if (route.methods.includes(method.toUpperCase() as HttpMethod)) return { route, params };
    allowed.push(...route.methods);
  }
  if (owner !== undefined) return { error: methodNotAllowed(method, [...new Set(allowed)]) };
  return { error: unknownSegment(firstUnknownSegment(routes, segments)) };
}

/** Graph names the first segment it cannot resolve: the one after the longest prefix any template matches. */
function firstUnknownSegment(routes: readonly Route[], segments: readonly string[]): string {
  let known = 0;
  for (const route of routes) {
    const parts = splitPath(route.route);
    let i = 0;
    while (i < parts.length && i < segments.length) {
      const part = parts[i]!;
      if (part.startsWith('{*')) break;
      if (!part.startsWith('{') && part.toLowerCase() !== segments[i]!.toLowerCase()) break;
      i++;
    }
    known = Math.max(known, i);
  }
  return segments[Math.min(known, segments.length - 1)] ?? '';
}

/**
 * OData key syntax: `deviceEnrollmentConfigurations('c')` addresses what `deviceEnrollmentConfigurations/c`
 * does, with `''` inside the quotes standing for one `'`. The segment is split into the two the
 * templates name; the key stays one segment whatever it holds.
 */
function keySyntax(segment: string): string[] {
  const m = /^([^()']+)\('((?:[^']|'')*)'\)$/.exec(segment);
  return m ? [m[1]!, m[2]!.replace(/''/g, "'")] : [segment];
}

/** The first query parameter (name or value, as sent) whose percent-escapes do not decode, if any. */
function malformedQueryParameter(search: string): string | undefined {
  for (const pair of search.replace(/^\?/, '').split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const name = eq < 0 ? pair : pair.slice(0, eq);
    const value = eq < 0 ? '' : pair.slice(eq + 1);
    if (decodeSegment(name.replace(/\+/g, ' ')) === undefined || decodeSegment(value.replace(/\+/g, ' ')) === undefined) {
      return decodeSegment(name.replace(/\+/g, ' ')) ?? name;
    }
  }
  return undefined;
}
