import type { HttpRequest } from '@azure/functions';
import { badRequest, payloadTooLarge, unsupportedMediaType } from './errors';

/** Graph's own request size limit. */
export const MAX_BODY_BYTES = 4 * 1024 * 1024;

const UNREADABLE_JSON =
  'Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.';

function checkContentType(request: HttpRequest): void {
  const contentType = request.headers.get('content-type');
  if (!contentType || contentType.trim() === '') {
    throw badRequest('Write requests (excluding DELETE) must contain the Content-Type header declaration.');
  }
  const mediaType = contentType.split(';')[0]!.trim().toLowerCase();
  if (mediaType !== 'application/json') throw unsupportedMediaType(mediaType);
}

/** What reading a body gave: its bytes (only the first MAX_BODY_BYTES and `tooLarge` past them), or a stream that failed. */
type BodyRead = { bytes: Buffer; tooLarge?: true } | { unreadable: true };

/**
 * Reads at most MAX_BODY_BYTES: a longer body stops being read as soon as it passes the limit (before
 * reading at all when Content-Length says so), rather than after buffering it.
 */
async function readCapped(request: HttpRequest): Promise<BodyRead> {
  const declared = Number(request.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > MAX_BODY_BYTES) return { bytes: Buffer.alloc(0), tooLarge: true };
  const stream = request.body;
  if (!stream) return { bytes: Buffer.alloc(0) };
  const chunks: Uint8Array[] = [];
  let total = 0;
  const reader = (stream as ReadableStream<Uint8Array>).getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.byteLength;
      if (total > MAX_BODY_BYTES) {
        await reader.cancel().catch(() => undefined);
        return { bytes: Buffer.concat(chunks), tooLarge: true };
      }
      chunks.push(value);
    }
  } catch {
    return { unreadable: true };
  } finally {
    reader.releaseLock();
  }
  return { bytes: Buffer.concat(chunks) };
}

const reads = new WeakMap<HttpRequest, Promise<BodyRead>>();

/**
 * A request's body, read from its stream once however many stages want it (the journal keeps a copy,
 * the handler parses it): cloning the request instead costs a tee of web streams per request.
 */
function readOnce(request: HttpRequest): Promise<BodyRead> {
  let read = reads.get(request);
  if (!read) reads.set(request, (read = readCapped(request)));
  return read;
}

/** The body as text, for keeping (the request journal): as much as was read, decoded leniently; '' when unreadable. */
export async function bodyText(request: HttpRequest): Promise<string> {
  const read = await readOnce(request);
  return 'unreadable' in read ? '' : read.bytes.toString('utf8');
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

/**
 * Duplicate member names make a payload ambiguous; OData readers refuse them, and so do we. JSON.parse
 * silently keeps the last one, so this scans text that JSON.parse has already accepted as valid.
 */
export function findDuplicateKey(text: string): string | undefined {
  const stack: Array<{ keys: Set<string>; expectKey: boolean } | null> = [];
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      let j = i + 1;
      while (text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      const top = stack[stack.length - 1];
      if (top?.expectKey) {
        const key = JSON.parse(text.slice(i, j + 1)) as string;
        if (top.keys.has(key)) return key;
        top.keys.add(key);
        top.expectKey = false;
      }
      i = j;
    } else if (c === '{') {
      stack.push({ keys: new Set(), expectKey: true });
    } else if (c === '[') {
      stack.push(null);
    } else if (c === '}' || c === ']') {
      stack.pop();
    } else if (c === ',') {
      const top = stack[stack.length - 1];
      if (top) top.expectKey = true;
    }
  }
  return undefined;
}

/**
 * The body of a write: checks the Content-Type, the size, UTF-8, JSON syntax and that the payload is
 * a JSON object, each with Graph's answer. What comes back is plain parsed JSON for the schemas to judge.
 */
export async function readJsonObject(request: HttpRequest): Promise<Record<string, unknown>> {
  checkContentType(request);
  const read = await readOnce(request);
  if ('unreadable' in read) throw badRequest(UNREADABLE_JSON);
  if (read.tooLarge) throw payloadTooLarge(MAX_BODY_BYTES);
  let text: string;
  try {
    text = utf8.decode(read.bytes);
  } catch {
    throw badRequest(UNREADABLE_JSON);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw badRequest(UNREADABLE_JSON);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw badRequest(UNREADABLE_JSON);
  const duplicate = findDuplicateKey(text);
  if (duplicate !== undefined) {
    throw badRequest(`Multiple properties with the name '${duplicate}' were found in the payload.`);
  }
  return value as Record<string, unknown>;
}
