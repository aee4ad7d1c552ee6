import { hostname } from 'node:os';
import type { HttpRequest, HttpResponseInit } from '@azure/functions';

/**
 * Headers Graph's front end puts on every answer (docs/wire-details.md): x-ms-ags-diagnostic, naming
 * the server that answered (here: this mock and its host), and over https Strict-Transport-Security.
 */

export const AGS_DIAGNOSTIC = JSON.stringify({
  ServerInfo: {
    DataCenter: 'Mock',
    Slice: 'E',
    Ring: 'Mock',
    ScaleUnit: '000',
    RoleInstance: `graph-enrollment-assignments-mock/${hostname()}`,
  },
});

export const HSTS = 'max-age=31536000';

/** https as the client used it: the request's scheme, or the platform front end's x-forwarded-proto on Azure. */
function overHttps(request: HttpRequest, url: URL): boolean {
  if (url.protocol === 'https:') return true;
  return request.headers.get('x-forwarded-proto')?.split(',')[0]?.trim().toLowerCase() === 'https';
}

export function withWireHeaders(request: HttpRequest, url: URL, response: HttpResponseInit): HttpResponseInit {
  const headers: Record<string, string> = {
    ...(response.headers as Record<string, string> | undefined),
    'x-ms-ags-diagnostic': AGS_DIAGNOSTIC,
  };
  if (overHttps(request, url)) headers['Strict-Transport-Security'] = HSTS;
  return { ...response, headers };
}
