// A namespace import lets esbuild tree-shake zod; `import { z }` keeps all of it (every locale) in the bundle.
import * as z from 'zod';
import { settingsSlice, splitList } from '../settingsSlice';

/** Browser origins allowed to call the API; empty means CORS is off, ['*'] means any origin. */
export interface CorsSettings {
  allowedOrigins: string[];
}

/** An origin is scheme://host[:port]: no path, query, fragment or credentials. */
function originProblem(value: string, count: number): string | undefined {
  if (value === '*') return count === 1 ? undefined : "'*' allows every origin, so it must be the only entry";
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  const bare = url && url.pathname === '/' && !url.search && !url.hash && !url.username && !url.password;
  if (!url || !/^https?:$/.test(url.protocol) || !bare || value.endsWith('?') || value.endsWith('#')) {
    return `'${value}' is not an origin (scheme://host[:port], no path)`;
  }
  return undefined;
}

/** Browsers send Origin serialised (lower-case host, no default port); URL.origin gives the same form. */
function normaliseOrigin(value: string): string {
  return value === '*' ? value : new URL(value).origin;
}

/** CORS for browser callers, answered by the pipeline's CORS stage (src/pipeline/cors.ts). */
export const corsSettings = settingsSlice({
  shape: { CORS_ALLOWED_ORIGINS: z.string().optional() },
  check(s, ctx) {
    const origins = splitList(s.CORS_ALLOWED_ORIGINS);
    for (const origin of origins) {
      const problem = originProblem(origin, origins.length);
      if (problem) ctx.addIssue({ code: 'custom', path: ['CORS_ALLOWED_ORIGINS'], message: problem });
    }
  },
  read: (s): CorsSettings => ({ allowedOrigins: splitList(s.CORS_ALLOWED_ORIGINS).map(normaliseOrigin) }),
});
