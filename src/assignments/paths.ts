import { badRequest } from '../graph/errors';

/**
 * Path ids become Table Storage keys (or properties next to them), so they must be keys the service
 * accepts: no / \ # ?, no control characters, at most 512 characters (Azurite's limit; the service
 * allows 1 KiB), and well-formed UTF-16. Anything else is the caller's mistake: a 400 naming the
 * segment, never a storage error.
 */
export const MAX_KEY_LENGTH = 512;
// `%` too: the Functions host rewrites a malformed escape such as `%zz` to `%25zz` before the app sees
// the URL, so an id holding a literal `%` cannot be told from a client's malformed escape, which Graph
// refuses. Graph's ids are GUIDs; refusing `%` keeps `%zz` a 400 under the host as well.
// eslint-disable-next-line no-control-regex -- control characters are exactly what a key may not hold
const FORBIDDEN_IN_KEY = /[/\\#?%\u0000-\u001f\u007f-\u009f]/;
/**
 * A surrogate without its pair cannot be encoded as UTF-8: encodeURIComponent (the SDK's key URLs and
 * our @odata.context) throws URIError on it, which surfaced as a 500 or a 503.
 */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Whether a string can be encoded as UTF-8 (and so be put in a storage URL) at all. */
export function isWellFormedText(value: string): boolean {
  return !LONE_SURROGATE.test(value);
}

export function keySegment(params: Record<string, string | undefined>, name: string): string {
  const value = params[name];
  if (value === undefined || value.length === 0) throw badRequest(`The segment '${name}' of the request path is empty.`);
  if (value.length > MAX_KEY_LENGTH) {
    throw badRequest(`The segment '${name}' of the request path is longer than ${MAX_KEY_LENGTH} characters.`);
  }
  if (FORBIDDEN_IN_KEY.test(value)) {
    throw badRequest(
      `The segment '${name}' of the request path contains a character that is not allowed in an id: / \\ # ? % or a control character.`,
    );
  }
  if (!isWellFormedText(value)) {
    throw badRequest(`The segment '${name}' of the request path is not valid Unicode: it holds an unpaired surrogate.`);
  }
  return value;
}

/** An id inside an OData key literal: quotes doubled, then URL-escaped, as Graph writes them. */
export function keyLiteral(id: string): string {
  return `('${encodeURIComponent(id.replace(/'/g, "''"))}')`;
}
