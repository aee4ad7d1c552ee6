/**
 * Calls to the admin endpoints. With MOCK_ADMIN_KEY set they need `Authorization: Bearer <key>`: the
 * page asks for the key once and keeps it in this tab's sessionStorage (never in a URL, never in a
 * cookie, gone when the tab closes).
 */

const KEY_ITEM = 'graph-mock-admin-key';

export const adminKey = {
  get: (): string | null => sessionStorage.getItem(KEY_ITEM),
  set: (key: string) => sessionStorage.setItem(KEY_ITEM, key),
  clear: () => sessionStorage.removeItem(KEY_ITEM),
};

/** The mock refused the call for want of the right admin key. */
export class NeedsKey extends Error {}

/** Any other refusal, with Graph's message. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

async function graphMessage(response: Response): Promise<string> {
  try {
    const body = (await response.json()) as { error?: { message?: string } };
    return body.error?.message ?? `${response.status} ${response.statusText}`;
  } catch {
    return `${response.status} ${response.statusText}`;
  }
}

export async function call<T>(path: string, init: { method?: string; body?: string } = {}): Promise<T> {
  const headers = new Headers({ Accept: 'application/json' });
  const key = adminKey.get();
  if (key) headers.set('Authorization', `Bearer ${key}`);
  if (init.body !== undefined) headers.set('Content-Type', 'application/json');
  let response: Response;
  try {
    response = await fetch(path, { ...init, headers, cache: 'no-store', credentials: 'omit', redirect: 'error' });
  } catch {
    throw new ApiError(0, 'The mock does not answer.');
  }
  if (response.status === 401) throw new NeedsKey(await graphMessage(response));
  if (!response.ok) throw new ApiError(response.status, await graphMessage(response));
  return (response.status === 204 ? undefined : await response.json()) as T;
}
