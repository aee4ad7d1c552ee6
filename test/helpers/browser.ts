import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Page, type Request } from 'playwright-core';

/**
 * A real browser for the page tests: Debian's Chromium (.ci/run installs it), driven by playwright-core,
 * which downloads nothing. A fresh profile per launch, removed afterwards; no background traffic
 * (updates, sync, field trials), so every request the browser makes is one the page asked for.
 */

export const CHROMIUM = '/usr/bin/chromium';
export const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

export interface Chromium {
  context: BrowserContext;
  close(): Promise<void>;
}

export async function launchChromium(): Promise<Chromium> {
  const profile = mkdtempSync(path.join(os.tmpdir(), 'chromium-profile-'));
  try {
    const context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_FLAGS,
      viewport: { width: 1440, height: 960 },
      // Times on the page are the viewer's: one zone for every run.
      timezoneId: 'UTC',
      locale: 'en-GB',
    });
    return {
      context,
      close: async () => {
        await context.close();
        rmSync(profile, { recursive: true, force: true });
      },
    };
  } catch (err) {
    rmSync(profile, { recursive: true, force: true });
    throw err;
  }
}

/** What a page did: every request it made, what the console said, and any Content-Security-Policy violation. */
export interface Watched {
  page: Page;
  requests: Request[];
  consoleErrors: string[];
  violations(): Promise<string[]>;
}

/** A new page that records its traffic and reports CSP violations (listened for before any of the page's script runs). */
export async function watchedPage(browser: Chromium): Promise<Watched> {
  const page = await browser.context.newPage();
  const requests: Request[] = [];
  const consoleErrors: string[] = [];
  page.on('request', (r) => requests.push(r));
  page.on('console', (m) => {
    if (m.type() === 'error') consoleErrors.push(m.text());
  });
  page.on('pageerror', (err) => consoleErrors.push(String(err)));
  // Injected by the browser itself, not as a <script>, so the page's own CSP does not apply to it. (Code
  // run in the page is given as text: this project's types are Node's, not the DOM's.)
  await page.addInitScript({
    content: `window.__violations = [];
      document.addEventListener('securitypolicyviolation', (e) => window.__violations.push(e.effectiveDirective + ' ' + e.blockedURI));`,
  });
  return {
    page,
    requests,
    consoleErrors,
    violations: () => page.evaluate<string[]>('window.__violations'),
  };
}

/** Waits until `check` holds, asking again every 100 ms; fails with `what` and the last value after `timeoutMs`. */
export async function until<T>(what: string, read: () => Promise<T>, check: (value: T) => boolean, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  for (;;) {
    last = await read();
    if (check(last)) return last;
    if (Date.now() > deadline) throw new Error(`${what}: still ${JSON.stringify(last)} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
