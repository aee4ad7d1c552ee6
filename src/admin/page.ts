import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { notFound } from '../graph/errors';
import type { GraphResult } from '../graph/response';
import type { RequestContext } from '../pipeline/context';

/**
 * The admin page (GET /__admin/) and its assets (GET /__admin/assets/{file}): files that the build
 * (build/admin-page.mts) writes beside the code that serves them: `page-assets/` next to this module
 * when compiled by tsc, next to app.js in the deployment bundle. The page's script, style sheet and
 * icon carry a hash of their content in their names, so they are cached for good; the page itself is
 * revalidated by its ETag, so a new build is seen at once.
 *
 * The page and its assets hold no data and no secret, and a browser cannot add a bearer token to a
 * navigation or to a <script src>: they are served without the admin key, and the page asks for the
 * key and sends it on every call to the endpoints that do hold data.
 */

export const ASSETS_FOLDER = 'page-assets';
export const PAGE_FILE = 'index.html';

/**
 * Nothing but the mock's own files, no inline script or style, no framing, no form posts. Trusted
 * Types make the page's code unable to turn text into markup: what it shows (request bodies, headers,
 * URLs: whatever a caller sent) only ever becomes text.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "require-trusted-types-for 'script'",
  "trusted-types 'none'",
].join('; ');

/** Headers on the page and every asset. */
export const PAGE_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy': CONTENT_SECURITY_POLICY,
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml; charset=utf-8',
};

/** A year, and never revalidated: a changed file gets a new name. */
const IMMUTABLE = 'public, max-age=31536000, immutable';
/** The page names the current assets, so it is asked for again every time (a 304 while unchanged). */
const REVALIDATE = 'no-cache';

interface Asset {
  contentType: string;
  body: string;
  etag: string;
  cacheControl: string;
}

function loadAssets(folder: string): Map<string, Asset> | undefined {
  if (!existsSync(path.join(folder, PAGE_FILE))) return undefined;
  const assets = new Map<string, Asset>();
  for (const name of readdirSync(folder)) {
    const contentType = CONTENT_TYPES[path.extname(name)];
    if (contentType === undefined) continue;
    const body = readFileSync(path.join(folder, name), 'utf8');
    const etag = `"${createHash('sha256').update(body, 'utf8').digest('base64url').slice(0, 22)}"`;
    assets.set(name, { contentType, body, etag, cacheControl: name === PAGE_FILE ? REVALIDATE : IMMUTABLE });
  }
  return assets;
}

/** Whether an If-None-Match names this ETag (a list, weak or strong, or `*`). */
function matches(ifNoneMatch: string | null, etag: string): boolean {
  if (ifNoneMatch === null) return false;
  return ifNoneMatch.split(',').some((tag) => {
    const t = tag.trim();
    return t === '*' || t.replace(/^W\//, '') === etag;
  });
}

export interface PageRoutes {
  page: (ctx: RequestContext) => Promise<GraphResult>;
  asset: (ctx: RequestContext) => Promise<GraphResult>;
}

/** The handlers, reading the built files once, on the first request for them. */
export function pageRoutes(folder = path.join(__dirname, ASSETS_FOLDER)): PageRoutes {
  let assets: Map<string, Asset> | undefined;
  const serve = (ctx: RequestContext, name: string, servable = true): Promise<GraphResult> => {
    assets ??= loadAssets(folder);
    if (assets === undefined) throw notFound('The admin page is not built: run npm run build.');
    const asset = servable ? assets.get(name) : undefined;
    if (asset === undefined) throw notFound(`The admin page has no file '${name}'.`);
    const headers = { ...PAGE_HEADERS, ETag: asset.etag, 'Cache-Control': asset.cacheControl };
    if (matches(ctx.request.headers.get('if-none-match'), asset.etag)) return Promise.resolve({ status: 304, headers });
    return Promise.resolve({ status: 200, headers, text: { contentType: asset.contentType, body: asset.body, odata: false } });
  };
  return {
    page: (ctx) => serve(ctx, PAGE_FILE),
    // The page is only ever served at /__admin/; its own name is not an asset's.
    asset: (ctx) => serve(ctx, ctx.params.file ?? '', ctx.params.file !== PAGE_FILE),
  };
}
