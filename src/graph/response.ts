import type { HttpResponseInit } from '@azure/functions';
import { errorBody, type GraphError } from './errors';

/** Graph's media type for success bodies; both official clients parse only when it starts with application/json. */
export const SUCCESS_CONTENT_TYPE = 'application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8';
export const ERROR_CONTENT_TYPE = 'application/json';

/** What an operation answers, before it is put on the wire in Graph's shape. */
export interface GraphResult {
  status: number;
  /** A JSON body. */
  body?: unknown;
  /**
   * A body that is not JSON ($metadata's XML, $count's number), sent as it is with its own Content-Type;
   * `odata: false` for one that is no OData payload at all (the admin page), which then has no OData-Version.
   */
  text?: { contentType: string; body: string; odata?: false };
  headers?: Record<string, string>;
}

/** The ids every answer carries, success or error. */
export interface ResponseIds {
  requestId: string;
  /** The client's client-request-id, else the request-id. */
  clientRequestId: string;
}

export function commonHeaders(ids: ResponseIds): Record<string, string> {
  return { 'request-id': ids.requestId, 'client-request-id': ids.clientRequestId, 'Cache-Control': 'no-cache' };
}

/** A result as Graph sends it: the ids, the headers the result and `extra` add, the media type. */
export function successResponse(result: GraphResult, ids: ResponseIds, extra: Record<string, string> = {}): HttpResponseInit {
  const headers: Record<string, string> = { ...commonHeaders(ids), ...extra, ...result.headers };
  if (result.text !== undefined) {
    headers['Content-Type'] = result.text.contentType;
    if (result.text.odata !== false) headers['OData-Version'] = '4.0';
    return { status: result.status, headers, body: result.text.body };
  }
  if (result.body === undefined) return { status: result.status, headers };
  headers['Content-Type'] = SUCCESS_CONTENT_TYPE;
  headers['OData-Version'] = '4.0';
  return { status: result.status, headers, body: JSON.stringify(result.body) };
}

/** An error in Graph's envelope, with the headers the error carries (Retry-After, WWW-Authenticate, Allow). */
export function errorResponse(err: GraphError, ids: ResponseIds): HttpResponseInit {
  return {
    status: err.status,
    headers: { ...commonHeaders(ids), ...err.headers, 'Content-Type': ERROR_CONTENT_TYPE },
    body: JSON.stringify(errorBody(err, ids.requestId, ids.clientRequestId)),
  };
}
