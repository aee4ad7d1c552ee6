import type { HttpRequest } from '@azure/functions';
import { findDuplicateKey, MAX_BODY_BYTES, readJsonObject } from '../../src/graph/body';

describe('duplicate JSON member names', () => {
  it.each([
    ['{"a":1,"a":2}', 'a'],
    ['{"t":{"x":1,"y":{"z":[1,{"q":1,"q":2}]}}}', 'q'],
    ['{"a\\u0062":1,"ab":2}', 'ab'],
  ])('finds the duplicate in %s', (text, key) => {
    expect(findDuplicateKey(text)).toBe(key);
  });

  it.each(['{"a":1,"b":{"a":2}}', '[{"a":1},{"a":1}]', '{"a":"{\\"a\\":1,\\"a\\":2}","b":["a","a"]}', '{"a":[{"b":1},{"b":2}],"c":1}'])(
    'accepts %s',
    (text) => {
      expect(findDuplicateKey(text)).toBeUndefined();
    },
  );
});

describe('reading a body over the limit', () => {
  /** An endless body, as a client that never stops sending: counts what the reader pulled from it. */
  function endlessRequest(chunkBytes: number, headers: Record<string, string> = {}) {
    const pulled = { bytes: 0, cancelled: false };
    const chunk = new Uint8Array(chunkBytes).fill(0x20);
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulled.bytes += chunk.byteLength;
        controller.enqueue(chunk);
      },
      cancel() {
        pulled.cancelled = true;
      },
    });
    // What readJsonObject uses of an HttpRequest: its headers and its body stream.
    const request = { headers: new Headers({ 'content-type': 'application/json', ...headers }), body } as unknown as HttpRequest;
    return { request, pulled };
  }

  it('answers 413 after reading just past the limit, and cancels the rest instead of buffering it', async () => {
    const { request, pulled } = endlessRequest(64 * 1024);
    await expect(readJsonObject(request)).rejects.toMatchObject({ status: 413, code: 'RequestEntityTooLarge' });
    expect(pulled.cancelled).toBe(true);
    // The stream may have queued one chunk ahead (highWaterMark), never more.
    expect(pulled.bytes).toBeLessThanOrEqual(MAX_BODY_BYTES + 2 * 64 * 1024);
  });

  it('answers 413 from a declared Content-Length over the limit without reading the body at all', async () => {
    const { request, pulled } = endlessRequest(64 * 1024, { 'content-length': String(MAX_BODY_BYTES + 1) });
    await expect(readJsonObject(request)).rejects.toMatchObject({ status: 413 });
    expect(pulled.bytes).toBeLessThanOrEqual(64 * 1024); // at most what the stream pulled on creation
  });
});
