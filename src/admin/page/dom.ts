/**
 * The page builds its elements with these and sets text only as text: what it shows (URLs, headers,
 * bodies) is whatever callers sent the mock, so nothing of it is ever parsed as markup. The page's
 * Content-Security-Policy enforces it too (Trusted Types: no string reaches an HTML sink).
 */

type Child = Node | string | number | null | undefined | false;
type Attributes = Record<string, string | number | boolean | null | undefined>;

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Attributes = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === false || value === null || value === undefined) continue;
    element.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    element.append(child instanceof Node ? child : String(child));
  }
  return element;
}

export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const element = document.getElementById(id);
  if (!element) throw new Error(`The page has no #${id}`);
  return element as T;
}

const two = (n: number) => String(n).padStart(2, '0');

/** 14:03:07.123, in the viewer's time zone. */
export function clock(iso: string): string {
  const d = new Date(iso);
  return `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}.${String(d.getMilliseconds()).padStart(3, '0')}`;
}

/** 230 ms, 1.05 s, 2 min 5 s. */
export function duration(ms: number): string {
  if (Math.abs(ms) < 1000) return `${Math.round(ms)} ms`;
  if (Math.abs(ms) < 60_000) return `${(ms / 1000).toFixed(2)} s`;
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}

/** The first 8 characters of a GUID: enough to tell tenants apart at a glance; the title has all of it. */
export const shortId = (id: string) => (id.length > 9 ? `${id.slice(0, 8)}…` : id);

/** A body as the journal keeps it (parsed JSON, else text), indented for reading. */
export function bodyText(body: unknown): string {
  if (body === null || body === undefined || body === '') return '';
  return typeof body === 'string' ? body : JSON.stringify(body, null, 2);
}

/** The value of a header, whatever case its name was recorded in. */
export function header(headers: Record<string, string>, name: string): string | undefined {
  const wanted = name.toLowerCase();
  return Object.entries(headers).find(([k]) => k.toLowerCase() === wanted)?.[1];
}

export function statusClass(status: number): string {
  return `status s${Math.floor(status / 100)}xx`;
}
