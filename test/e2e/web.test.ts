// The web page in real Chromium (Debian's package, driven by playwright-core) against a running
// daemon on the demo console: the page loads, live lines arrive in the terminal, a debug key
// press shows its decoded answer, a panic in the history is listed and jumps to its lines, a
// kernel hung while setting up its interrupts shows its setup as far as it went (still open), an
// RCU stall report a stuck kernel never ended is listed among the crashes (still open), a
// viewer cannot press keys, and the page fits 1280x800 and a phone (390x844) with no console
// errors. Screenshots go to a temporary folder; with XENUART_SCREENSHOTS=1 (npm run screenshots)
// they replace the ones in docs/screenshots/, so a test run leaves the working tree clean.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { startDaemon, type TestDaemon } from '../helpers/daemon.js';
import { hungDom0Boot } from '../helpers/fixtures.js';
import { REPO } from '../helpers/child-daemon.js';
import { horizontalOverflow, isChromiumAvailable, launchChromium, openPage, type WatchedPage } from './helpers/browser.js';

const T = { viewer: 'web-viewer-token-e2e', op: 'web-operator-token-e2e' };
const FIX = (f: string) => path.join(REPO, 'test/fixtures', f);
const SHOTS = process.env.XENUART_SCREENSHOTS ? path.join(REPO, 'docs/screenshots') : mkdtempSync(path.join(os.tmpdir(), 'xenuart-shots-'));
const available = isChromiumAvailable();
if (!available && process.env.CI) throw new Error('chromium is not installed: apt-get install -y chromium');

/** A dom0 hung while it set up its interrupts (helpers/fixtures.ts hungDom0Boot), as a file to replay. */
function hungBootLog(): string {
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'xenuart-hung-')), 'hung.log');
  writeFileSync(file, hungDom0Boot().join('\r\n') + '\r\n');
  return file;
}

let t: TestDaemon;
let browser: Browser;
const pages: WatchedPage[] = [];

async function open(width: number, height: number, token?: string): Promise<WatchedPage> {
  const w = await openPage(browser, { width, height, token });
  pages.push(w);
  return w;
}

/** A page on console `id` signed in with `token` (1280x800 unless given), once the page shows its role. */
async function openConsole(id: string, token: string, width = 1280, height = 800): Promise<WatchedPage> {
  const w = await open(width, height, token);
  await w.page.goto(`${t.url}/#${id}`);
  await w.page.locator(`[data-testid=role][data-role=${token === T.op ? 'operator' : 'viewer'}]`).waitFor();
  return w;
}

async function lastSeq(page: Page): Promise<number> {
  return Number((await page.getAttribute('[data-testid=view-status]', 'data-last')) ?? -1);
}

/** Poll a condition from the test side (the page's CSP forbids string evaluation in the page). */
async function until(what: string, cond: () => Promise<boolean>, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const statusText = (page: Page) => page.textContent('[data-testid=view-status]').then((s) => s ?? '');

async function termText(page: Page): Promise<string> {
  return page.locator('[data-testid=terminal] .xterm-rows').innerText();
}

describe.skipIf(!available)('web page in Chromium', () => {
  beforeAll(async () => {
    if (!existsSync(path.join(REPO, 'web/dist/index.html')) || process.env.CI) execFileSync(process.execPath, [path.join(REPO, 'web/build.mjs')], { cwd: REPO, stdio: 'inherit' });
    mkdirSync(SHOTS, { recursive: true });
    t = await startDaemon({
      auth: { tokens: [{ name: 'vera', token: T.viewer, role: 'viewer' }, { name: 'otto', token: T.op, role: 'operator' }] },
      consoles: [
        {
          id: 'demo',
          description: 'Replay of a real Xen 4.17 arm64 boot (QEMU virt, GICv3), answering debug keys',
          source: {
            type: 'replay', file: FIX('qemu/xen417-arm64-gicv3-smp2-keys.log'), speed: 6, loop: true, loopGapMs: 1500,
            answers: [FIX('qemu/xen417-arm64-gicv3-smp2-keys.log'), FIX('qemu-debug/xen417-debug-gic3.log')],
          },
        },
        { id: 'oops', description: 'dom0 Linux panics (sysrq crash) under Xen 4.17', source: { type: 'replay', file: FIX('qemu/xen417-arm64-gicv3-dom0-oops.log'), speed: 0 } },
        { id: 'hung', description: 'dom0 Linux hung before its CPUs came up', source: { type: 'replay', file: hungBootLog(), speed: 0 } },
        { id: 'stalled', description: 'the missing-interrupt capture: dom0 stuck in an RCU stall', source: { type: 'replay', file: FIX('captured/xen417-arm64-gicv2-vtimer-disabled.log'), speed: 0 } },
      ],
    });
    browser = await launchChromium();
  });

  afterAll(async () => {
    for (const p of pages) await p.context.close().catch(() => {});
    await browser?.close();
    await t?.stop();
  });

  it('serves the page without a token, with a CSP, and keeps the API behind auth', async () => {
    const res = await fetch(`${t.url}/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-security-policy')).toMatch(/script-src 'self'/);
    const html = await res.text();
    expect(html).not.toMatch(/<script>(?!<)/); // no inline script bodies
    expect((await fetch(`${t.url}/api/v1/consoles`)).status).toBe(401);
    expect((await fetch(`${t.url}/assets/..%2f..%2fpackage.json`)).status).toBeGreaterThanOrEqual(400);
  });

  it('operator at 1280x800: token entry, live lines, a debug key with its decoded answer', async () => {
    const { page, errors } = await open(1280, 800);
    await page.goto(`${t.url}/#demo`);
    // Tokens are configured and none is stored: the page asks for one before any API call.
    await page.locator('[data-testid=token-dialog]').waitFor({ state: 'visible' });
    await page.fill('[data-testid=token-input]', T.op);
    await page.click('[data-testid=token-save]');
    await page.locator('[data-testid=role][data-role=operator]').waitFor({ timeout: 15_000 });

    // History then live: the seq shown grows while the replay runs.
    await until('history lines', async () => (await lastSeq(page)) > 0);
    const first = await lastSeq(page);
    await until('live lines', async () => (await lastSeq(page)) > first, 20_000);
    expect(await termText(page)).toMatch(/\S/);
    expect(await page.textContent('[data-testid=view-status]')).toMatch(/^live/);

    // Key q: the answer is decoded (GIC list registers per vCPU, the domain).
    const q = page.locator('[data-testid=keys] [data-key=q]');
    expect(await q.isEnabled()).toBe(true);
    await q.click();
    const answer = page.locator('[data-testid=key-answer]');
    await answer.locator('.key-answer-one[data-key=q]').waitFor({ timeout: 30_000 });
    expect(await answer.innerText()).toMatch(/dumping domain info/);
    expect(await answer.locator('.lr-table').count()).toBeGreaterThan(0);
    expect(await answer.innerText()).toMatch(/domain 0/);

    // Key h: the board's own key list replaces the default buttons.
    await page.click('[data-testid=keys] [data-key=h]');
    await answer.locator('.key-answer-one[data-key=h]').waitFor({ timeout: 30_000 });
    expect(await answer.innerText()).toMatch(/show this message/);
    await page.locator('text=Keys from the board').waitFor();
    expect(await page.locator('[data-testid=keys] [data-key=w]').count()).toBe(1);
    // Key e: the event channels as a table, one row per port.
    await page.click('[data-testid=keys] [data-key=e]');
    const ev = answer.locator('.key-answer-one[data-key=e] [data-testid=evtchn-view]').first();
    await ev.waitFor({ timeout: 30_000 });
    expect(await ev.innerText()).toMatch(/domain 0 event channels[\s\S]*VIRQ 2 console/);
    await page.click('[data-testid=keys] [data-key=q]');
    await answer.locator('.key-answer-one[data-key=q]').waitFor({ timeout: 30_000 });

    // Jumping from the answer to its lines highlights them in the terminal.
    await answer.locator('[data-testid=seq-link]').first().click();
    await until('the jump', async () => /^at line/.test(await statusText(page)));
    // The terminal's rows are painted on the next animation frame after the view moves.
    await until('the key answer in the terminal', async () => /'q' pressed -> dumping domain info/.test(await termText(page)));
    await page.click('[data-testid=follow]');
    await until('following again', async () => /^live/.test(await statusText(page)));

    expect(await horizontalOverflow(page)).toBeLessThanOrEqual(0);
    await page.screenshot({ path: path.join(SHOTS, 'console-1280.png') });

    // The other panels render from the history: boot timeline, LRs (from the q above),
    // /proc/interrupts differences, the diagnosis.
    await page.click('[data-tab=boot]');
    await page.locator('[data-testid=timeline]').waitFor();
    await page.click('[data-tab=lrs]');
    await page.locator('[data-testid=panel] [data-testid=lrs-view]').first().waitFor();
    await page.click('[data-tab=diag]');
    await until('the diagnosis', async () => /finding|diagnosis/i.test(await page.locator('[data-testid=panel]').innerText()));
    await page.click('[data-tab=irqs]');
    await page.locator('[data-testid=panel] .irq-table').waitFor();
    // Above the tables: how dom0's kernel set up its interrupts at boot (linux.irq.setup).
    expect(await page.locator('[data-testid=panel] [data-testid=irq-setup]').first().innerText()).toMatch(/interrupt setup[\s\S]*GICv[23][\s\S]*\(virt\)[\s\S]*FIFO event channels[\s\S]*2 online/);
    await page.screenshot({ path: path.join(SHOTS, 'interrupts-1280.png') });
    expect(errors).toEqual([]);
  });

  it('a panic in the history is listed and jumps to its lines', async () => {
    const { page, errors } = await openConsole('oops', T.op);
    await page.click('[data-tab=crashes]');
    const item = page.locator('[data-testid=crash-item][data-kind="linux.panic"]');
    await item.waitFor({ timeout: 15_000 });
    const ev = ((await (await fetch(`${t.url}/api/v1/consoles/oops/events?kind=linux.panic`, { headers: { authorization: `Bearer ${T.viewer}` } })).json()) as { events: Array<{ firstSeq: number; lastSeq: number }> }).events[0];
    expect(await item.getAttribute('data-seq')).toBe(String(ev.firstSeq));
    expect(await item.innerText()).toMatch(/sysrq triggered crash/);
    await item.locator('button').click();
    await until('the jump to the panic', async () => (await statusText(page)).startsWith(`at line ${ev.firstSeq}-${ev.lastSeq}`));
    // The terminal's rows are painted on the next animation frame after the view moves.
    await until('the panic in the terminal', async () => /Kernel panic - not syncing: sysrq triggered crash/.test(await termText(page)));
    await page.screenshot({ path: path.join(SHOTS, 'panic-1280.png') });
    expect(errors).toEqual([]);
  });

  it('a kernel hung while setting up its interrupts: its setup shows as far as it went, and the diagnosis names the problem', async () => {
    const { page, errors } = await openConsole('hung', T.viewer);
    await page.click('[data-tab=irqs]');
    const setup = page.locator('[data-testid=panel] [data-testid=irq-setup]');
    await until('the open interrupt setup', async () => /still open/.test(await setup.first().innerText().catch(() => '')));
    expect(await setup.count()).toBe(1);
    expect(await setup.innerText()).toMatch(/dom0 Linux interrupt setup\s*\(still open: its CPUs are not up yet\)[\s\S]*GICv3[\s\S]*62\.5 MHz \(virt\)[\s\S]*FIFO event channels[\s\S]*no event-channel interrupt/);
    await page.click('[data-tab=diag]');
    await until('the finding', async () => /Linux found no Xen event-channel interrupt/.test(await page.locator('[data-testid=panel]').innerText()));
    expect(errors).toEqual([]);
  });

  it('a report the stuck kernel never ended is listed as still open among the crashes', async () => {
    const { page, errors } = await openConsole('stalled', T.viewer);
    await page.click('[data-tab=crashes]');
    const rcu = page.locator('[data-testid=crash-item][data-kind="linux.rcu_stall"]');
    await rcu.waitFor({ timeout: 15_000 });
    expect(await rcu.getAttribute('data-seq')).toBe('417');
    expect(await rcu.innerText()).toMatch(/lines 417-445 · still open/);
    expect(errors).toEqual([]);
  });

  it('a viewer cannot press keys or take the lease: disabled with a reason, a forced attempt is refused', async () => {
    const { page, errors } = await openConsole('demo', T.viewer);
    const q = page.locator('[data-testid=keys] [data-key=q]');
    expect(await q.isDisabled()).toBe(true);
    expect(await q.getAttribute('title')).toMatch(/needs role operator; your role is viewer/);
    expect(await page.textContent('[data-testid=keys-reason]')).toMatch(/needs role operator/);
    expect(await page.isDisabled('[data-testid=lease-take]')).toBe(true);
    expect(await page.getAttribute('[data-testid=lease-take]', 'title')).toMatch(/operator/);

    // Forced: enable the button in the DOM and click; the daemon refuses over the WebSocket.
    // In one step: the panel re-renders as events arrive, which would restore `disabled` between
    // an attribute change and a separate click.
    await q.evaluate((b) => {
      const el = b as unknown as { removeAttribute(n: string): void; click(): void };
      el.removeAttribute('disabled');
      el.click();
    });
    await page.locator('[data-testid=key-error]').waitFor({ timeout: 10_000 });
    expect(await page.textContent('[data-testid=key-error]')).toMatch(/refused: .*operator/);
    // And over REST.
    const r = await fetch(`${t.url}/api/v1/consoles/demo/xen/keys`, { method: 'POST', headers: { authorization: `Bearer ${T.viewer}`, 'content-type': 'application/json' }, body: '{"keys":"q"}' });
    expect(r.status).toBe(403);
    await page.screenshot({ path: path.join(SHOTS, 'viewer-1280.png') });
    expect(errors).toEqual([]);
  });

  it('works on a narrow screen (390x844) without horizontal overflow', async () => {
    const { page, errors } = await openConsole('demo', T.op, 390, 844);
    await until('history lines', async () => (await lastSeq(page)) > 0);
    await page.click('[data-testid=keys] [data-key=q]');
    await page.locator('[data-testid=key-answer] .key-answer-one[data-key=q]').waitFor({ timeout: 30_000 });
    expect(await horizontalOverflow(page)).toBeLessThanOrEqual(0);
    expect(await termText(page)).toMatch(/\S/);
    await page.screenshot({ path: path.join(SHOTS, 'console-narrow.png') });
    await page.screenshot({ path: path.join(SHOTS, 'console-narrow-full.png'), fullPage: true });
    expect(errors).toEqual([]);
  });

  it('search jumps to a line; typing needs the lease; with input on Xen the guard keeps keystrokes back', async () => {
    const { page, errors } = await openConsole('demo', T.op);
    await until('history lines', async () => (await lastSeq(page)) > 0);
    const audits = async (): Promise<Array<{ action: string; text?: string }>> =>
      ((await (await fetch(`${t.url}/api/v1/consoles/demo/events?kind=audit`, { headers: { authorization: `Bearer ${T.op}` } })).json()) as { events: Array<{ data: { action: string; text?: string } }> }).events.map((e) => e.data);

    // Search the history, jump to a hit: the terminal shows that line.
    await page.fill('[data-testid=search-input]', 'Freed 348kB init memory');
    await page.click('[data-testid=search-button]');
    const hit = page.locator('[data-testid=search-results] .hit').first();
    await hit.waitFor({ timeout: 10_000 });
    const seq = Number(await hit.getAttribute('data-seq'));
    await hit.click();
    await until('the jump to the hit', async () => (await statusText(page)).startsWith(`at line ${seq}`));
    // The terminal's rows are painted on the next animation frame after the view moves.
    await until('the hit in the terminal', async () => /Freed 348kB init memory/.test(await termText(page)));
    await page.click('[data-testid=follow]');
    await until('following again', async () => /^live/.test(await statusText(page)));

    // Without the lease, typing sends nothing.
    const before = (await audits()).filter((a) => a.action === 'input').length;
    await page.click('[data-testid=terminal]');
    await page.keyboard.type('ls');
    await page.waitForTimeout(300);
    expect((await audits()).filter((a) => a.action === 'input').length).toBe(before);

    // With it, keystrokes reach the console (each is an audited input; `text` is JSON-quoted).
    await page.click('[data-testid=lease-take]');
    await until('the lease', async () => (await page.textContent('[data-testid=lease-holder]')) === 'you');
    await page.click('[data-testid=terminal]');
    await page.keyboard.type('echo web');
    await until('the typed input', async () => (await audits()).filter((a) => a.action === 'input').map((a) => JSON.parse(a.text ?? '""') as string).join('') === 'echo web');

    // CTRL-a three times moves input to Xen; then a typed letter would be a debug key: the page
    // holds it back and shows the guard, and nothing is sent.
    for (let i = 0; i < 3; i++) await page.keyboard.press('Control+a');
    await page.locator('[data-testid=focus-guard]').waitFor({ state: 'visible', timeout: 10_000 });
    const n = (await audits()).filter((a) => a.action === 'input').length;
    await page.click('[data-testid=terminal]');
    await page.keyboard.type('R');
    await page.waitForTimeout(300);
    expect((await audits()).filter((a) => a.action === 'input').length).toBe(n);
    // The guard's button switches input back to DOM0.
    await page.click('[data-testid=focus-guard] button');
    await page.locator('[data-testid=focus-guard]').waitFor({ state: 'hidden', timeout: 10_000 });
    await page.click('[data-testid=lease-release]');
    await until('the lease released', async () => (await page.textContent('[data-testid=lease-holder]')) === 'free');
    expect(errors).toEqual([]);
  });
});
