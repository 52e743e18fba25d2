// Real Chromium for the web page tests: Debian's `chromium` package driven by playwright-core
// (no browser download). Collects console errors and page errors so tests can assert none.
import { existsSync } from 'node:fs';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM = process.env.XENUART_CHROMIUM ?? ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));

export function isChromiumAvailable(): boolean {
  return CHROMIUM !== undefined && existsSync(CHROMIUM);
}

export async function launchChromium(): Promise<Browser> {
  if (!CHROMIUM) throw new Error('chromium not found: apt-get install -y chromium (or set XENUART_CHROMIUM)');
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

export interface WatchedPage {
  page: Page;
  context: BrowserContext;
  /** Console messages of type error and uncaught page errors, in order. */
  errors: string[];
}

/** A new context and page at the given viewport, optionally with a token in localStorage. */
export async function openPage(browser: Browser, opts: { width: number; height: number; token?: string; isMobile?: boolean }): Promise<WatchedPage> {
  const context = await browser.newContext({ viewport: { width: opts.width, height: opts.height }, isMobile: opts.isMobile, hasTouch: opts.isMobile, deviceScaleFactor: 1 });
  if (opts.token) await context.addInitScript(`try { localStorage.setItem('xenuart.token', ${JSON.stringify(opts.token)}); } catch {}`);
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()} ${JSON.stringify(m.location())}`);
  });
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('requestfailed', (r) => {
    // A WebSocket or fetch aborted by a page navigation is not an error of the page.
    if (!/ERR_ABORTED/.test(r.failure()?.errorText ?? '')) errors.push(`requestfailed: ${r.url()} ${r.failure()?.errorText}`);
  });
  return { page, context, errors };
}

/** Width of the page's content beyond the viewport (0 = no horizontal overflow). */
export async function horizontalOverflow(page: Page): Promise<number> {
  return page.evaluate('Math.max(document.documentElement.scrollWidth, document.body.scrollWidth) - window.innerWidth') as Promise<number>;
}
