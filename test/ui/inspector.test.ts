import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkChromium, launchChromium } from '../helpers/chromium.js';
import { type InspectorServer, startInspectorServer } from '../helpers/inspector-server.js';

/**
 * The memory inspector end to end: a real `strata serve` wiring on 127.0.0.1 over a seeded SQLite
 * data directory, a fresh Vite build of ui/, and headless Debian Chromium driven by playwright-core.
 */
const chromium = checkChromium();

describe.skipIf(!chromium.available)(`memory inspector in Chromium ${chromium.reason}`, () => {
  let s: InspectorServer;
  let browser: Awaited<ReturnType<typeof launchChromium>>;
  let page: Page;
  const problems: string[] = [];

  /** A new tab (its own sessionStorage), recording console errors and page errors (a CSP violation is one). */
  async function tab(width = 1280, height = 900): Promise<Page> {
    const next = await browser.context.newPage();
    await next.setViewportSize({ width, height });
    next.on('console', (message) => {
      if (message.type() === 'error' && !/status of 40[134]/.test(message.text())) problems.push(message.text());
    });
    next.on('pageerror', (error) => problems.push(error.message));
    return next;
  }

  async function signIn(target: Page, key: string): Promise<void> {
    await target.goto(`${s.url}/ui/`);
    await target.getByLabel('API key').fill(key);
    await target.getByRole('button', { name: 'Sign in' }).click();
  }

  const h1 = (target: Page) => target.locator('h1').first();

  beforeAll(async () => {
    s = await startInspectorServer({ statsIntervalMs: 200 });
    browser = await launchChromium();
    page = await tab();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await s?.close();
  });

  it('a wrong key is refused with a clear message, and nothing of the tenant shows', async () => {
    await signIn(page, 'strata_nope_notakey');
    const alert = page.getByRole('alert');
    await alert.waitFor();
    expect(await alert.textContent()).toContain('That API key was not accepted');
    expect(await page.locator('nav').count()).toBe(0);
    expect(await page.evaluate("sessionStorage.getItem('strata.apiKey')")).toBeNull();
  });

  it("signs in and lists the seeded tenant's users with their counts", async () => {
    await page.getByLabel('API key').fill(s.keys.acme);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByTestId('tenant').waitFor();
    expect(await page.getByTestId('tenant').textContent()).toBe('acme');
    const rows = page.locator('tbody tr');
    await rows.first().waitFor();
    expect(await rows.locator('th').allTextContents()).toEqual(['ada', 'grace']);
    expect(await rows.first().locator('td').first().textContent()).toBe('2');
    // The key lives in sessionStorage, never in the URL.
    expect(await page.evaluate("sessionStorage.getItem('strata.apiKey')")).toBe(s.keys.acme);
    expect(page.url()).not.toContain('strata_');
    // The filter narrows the list.
    await page.getByLabel('Filter users').fill('gra');
    await page.waitForFunction("document.querySelectorAll('tbody tr').length === 1");
    expect(await rows.locator('th').allTextContents()).toEqual(['grace']);
    await page.getByLabel('Filter users').fill('');
  });

  it('is keyboard navigable: skip link first, Tab reaches a row, Enter opens it', async () => {
    await page.goto(`${s.url}/ui/#/users`);
    await page.reload();
    await page.locator('tbody tr').first().waitFor();
    const focused = () => page.evaluate('document.activeElement?.textContent ?? null');
    await page.keyboard.press('Tab');
    expect(await focused()).toBe('Skip to content');
    let reached = false;
    for (let i = 0; i < 30 && !reached; i += 1) {
      await page.keyboard.press('Tab');
      reached = (await page.evaluate("document.activeElement?.closest('tbody tr')?.querySelector('th')?.textContent ?? null")) === 'ada';
    }
    expect(reached).toBe(true);
    // The focused link shows a visible focus ring.
    expect(await page.evaluate('getComputedStyle(document.activeElement).outlineStyle')).toBe('solid');
    await page.keyboard.press('Enter');
    await page.waitForURL(/#\/users\/ada$/);
    // The route renders after its fetch: the old page's heading may still be up when the URL changes.
    await page.locator('h1', { hasText: 'User ada' }).first().waitFor({ timeout: 5_000 });
    expect(await h1(page).textContent()).toBe('User ada');
    // Keyboard users land on the new page's heading.
    await page.waitForFunction("document.activeElement?.tagName === 'H1'", null, { timeout: 5_000 });
    expect(await page.evaluate('document.activeElement?.textContent')).toBe('User ada');
  });

  it('opens a session: its turns, summary and consolidation state', async () => {
    await page.getByRole('link', { name: 'ada-trip' }).click();
    await page.waitForURL(/#\/sessions\/ada-trip/);
    await page.locator('.turn').first().waitFor();
    expect(await page.locator('.turn').count()).toBe(5);
    expect(await page.locator('.turn p').first().textContent()).toBe('I want to plan a week in Lisbon in October.');
    expect(await page.getByTestId('consolidation').textContent()).toContain('through turn 5 of 5');
    expect(await page.locator('.summary').textContent()).toMatch(/\w+/);
  });

  it('lists memories with kind, tags, importance, model and provenance that leads to the source turns', async () => {
    await page.goto(`${s.url}/ui/#/memories?user=ada`);
    const card = page.locator(`[data-memory-id="${s.seed.allergy}"]`);
    await card.waitFor();
    const text = await card.textContent();
    expect(text).toContain('Ada is allergic to peanuts');
    expect(text).toContain('health');
    expect(text).toContain('0.95');
    expect(text).toMatch(/Model\S*\s*\S+/);
    await card.getByRole('link', { name: /source turn/ }).click();
    await page.waitForURL(/#\/sessions\/ada-trip\?highlight=/);
    const marked = page.locator('.turn.marked');
    await marked.first().waitFor();
    expect(await marked.count()).toBe(1);
    expect(await marked.locator('p').textContent()).toContain('allergic to peanuts');
  });

  it('shows facts: current values, the timeline, rules and the violation', async () => {
    await page.goto(`${s.url}/ui/#/facts?user=ada`);
    await page.getByTestId('timeline').waitFor();
    const current = await page.locator('table').first().textContent();
    expect(current).toContain('user.city');
    expect(current).toContain('Lisbon');
    expect(current).not.toContain('Berlin');
    // Both city versions are on the timeline; Berlin's bar ends where Lisbon's starts.
    const bars = await page.locator('.timeline-row', { hasText: 'user.city' }).locator('.timeline-bar').allTextContents();
    expect(bars).toEqual(['"Berlin"', '"Lisbon"'].map((v) => JSON.parse(v)));
    const violations = page.locator('table', { hasText: 'Severity' });
    expect(await violations.textContent()).toContain('370');
    expect(await violations.textContent()).toContain('error');
    expect(await page.locator('.rules').textContent()).toContain('user.diet');
  });

  it('runs a search and shows ranked results with the score per signal', async () => {
    await page.goto(`${s.url}/ui/#/search?user=ada`);
    await page.getByLabel('Query', { exact: true }).fill('peanut allergy restaurants');
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    const results = page.getByTestId('search-results').locator('> li');
    await results.first().waitFor();
    expect(await results.count()).toBeGreaterThan(1);
    expect(await results.first().textContent()).toMatch(/peanut/i);
    const signals = await results.first().locator('.signals th').allTextContents();
    expect(signals).toEqual(['keyword (BM25)', 'vector (cosine)', 'fused', 'soft match', 'recency', 'importance', 'relevance']);
    // The page shows the API's ranking, which is the score order diversified by MMR (search's
    // default): the best score first, then the same order as asking the API directly.
    const scores = await page.locator('.score').allTextContents();
    const values = scores.map((t) => Number(t.replace('score ', '')));
    expect(values[0]).toBe(Math.max(...values));
    const response = await fetch(`${s.url}/v1/search`, {
      method: 'POST',
      headers: { authorization: `Bearer ${s.keys.acme}`, 'content-type': 'application/json' },
      body: JSON.stringify({ query: 'peanut allergy restaurants', userId: 'ada', mode: 'hybrid', k: 10 }),
    });
    const api = (await response.json()) as { results: Array<{ score: number }> };
    expect(values).toEqual(api.results.map((r) => Number(r.score.toFixed(3))));
  });

  it('packs the context of a session against its token budget', async () => {
    await page.getByLabel('Session').selectOption('ada-trip');
    await page.waitForURL(/session=ada-trip/);
    await page.getByLabel('Token budget').fill('300');
    await page.getByRole('button', { name: 'Get context' }).click();
    const budget = page.getByTestId('budget');
    await budget.waitFor();
    const label = (await budget.locator('.budget-label strong').textContent()) ?? '';
    const [used, total] = label.split('/').map((part) => Number.parseInt(part, 10));
    expect(total).toBe(300);
    expect(used).toBeGreaterThan(0);
    expect(used).toBeLessThanOrEqual(300);
    expect(await budget.locator('.budget-seg').count()).toBeGreaterThan(0);
    expect(await page.locator('.context-items > li').count()).toBeGreaterThan(0);
  });

  it('edits a memory (tags and importance), as the API then reports', async () => {
    await page.goto(`${s.url}/ui/#/memories?user=ada`);
    const card = page.locator(`[data-memory-id="${s.seed.allergy}"]`);
    await card.getByRole('button', { name: /^Edit/ }).click();
    await page.getByLabel('Tags (comma-separated)').fill('health, food, severe');
    await page.getByLabel('Importance (0 to 1)').fill('1');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText(`Saved memory ${s.seed.allergy}.`).first().waitFor();
    const response = await fetch(`${s.url}/v1/memories/${s.seed.allergy}`, { headers: { authorization: `Bearer ${s.keys.acme}` } });
    expect(await response.json()).toMatchObject({ tags: ['health', 'food', 'severe'], importance: 1 });
    await card.locator('.tag', { hasText: 'severe' }).waitFor();
    expect(await card.locator('.tag').allTextContents()).toEqual(['health', 'food', 'severe']);
  });

  it('forgets a memory: it is gone from the page and from the API', async () => {
    const card = page.locator(`[data-memory-id="${s.seed.windowSeat}"]`);
    await card.getByRole('button', { name: /^Forget/ }).click();
    const dialog = page.getByRole('dialog');
    expect(await dialog.textContent()).toContain('Ada prefers a window seat on flights');
    await dialog.getByRole('button', { name: 'Forget' }).click();
    await page.getByText(`Forgot memory ${s.seed.windowSeat}.`).first().waitFor();
    await card.waitFor({ state: 'detached' });
    expect(await page.locator('.cards').textContent()).not.toContain('Ada prefers a window seat on flights');
    const response = await fetch(`${s.url}/v1/memories/${s.seed.windowSeat}`, { headers: { authorization: `Bearer ${s.keys.acme}` } });
    expect(response.status).toBe(404);
  });

  it('a read-only key is offered no edit or forget, and the server refuses one all the same', async () => {
    const other = await tab();
    await signIn(other, s.keys.acmeReadOnly);
    await other.getByTestId('tenant').waitFor();
    await other.goto(`${s.url}/ui/#/memories?user=ada`);
    await other.locator(`[data-memory-id="${s.seed.allergy}"]`).waitFor();
    expect(await other.getByTestId('read-only').textContent()).toContain('write scope');
    expect(await other.getByRole('button', { name: /^(Edit|Forget)/ }).count()).toBe(0);
    const refused = await fetch(`${s.url}/v1/memories/${s.seed.allergy}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${s.keys.acmeReadOnly}` },
    });
    expect(refused.status).toBe(403);
    await other.close();
  });

  it('a key revoked while signed in: forget is refused, the app signs out saying why, the memory stays', async () => {
    const doomed = await s.server.keys?.create({ tenantId: 'acme', scopes: ['read', 'write'], name: 'doomed' });
    expect(doomed).toBeDefined();
    const other = await tab();
    await signIn(other, doomed?.token ?? '');
    await other.getByTestId('tenant').waitFor();
    await other.goto(`${s.url}/ui/#/memories?user=ada`);
    const card = other.locator(`[data-memory-id="${s.seed.allergy}"]`);
    await card.getByRole('button', { name: /^Forget/ }).click();
    await s.server.keys?.revoke(doomed?.key.id ?? '', 'acme');
    await other.getByRole('dialog').getByRole('button', { name: 'Forget' }).click();
    const notice = other.getByTestId('signed-out');
    await notice.waitFor();
    expect(await notice.textContent()).toContain('no longer accepts this key');
    expect(await other.evaluate("sessionStorage.getItem('strata.apiKey')")).toBeNull();
    expect(await other.locator('nav').count()).toBe(0);
    const response = await fetch(`${s.url}/v1/memories/${s.seed.allergy}`, { headers: { authorization: `Bearer ${s.keys.acme}` } });
    expect(response.status).toBe(200);
    await other.close();
  });

  it("shows each tier's state and the latency and hit-rate charts", async () => {
    await page.goto(`${s.url}/ui/#/health`);
    await page.locator('.tier').first().waitFor();
    const tiers = await page.locator('.tier strong').allTextContents();
    expect(tiers).toEqual(expect.arrayContaining(['store', 'embedder', 'modes', 'keys']));
    await page.locator('.chart svg').first().waitFor();
    expect(await page.locator('.chart svg').count()).toBe(4);
    // The searches above were timed: the latency chart has a line.
    await page.waitForFunction(
      "[...document.querySelectorAll('.chart path')].some((p) => (p.getAttribute('d') ?? '').includes('M'))",
      null,
      {
        timeout: 15_000,
      },
    );
    expect(await page.locator('.counts').textContent()).toContain('users2');
  });

  it("a second tenant's key sees none of the first tenant's data", async () => {
    const other = await tab();
    await signIn(other, s.keys.globex);
    await other.getByTestId('tenant').waitFor();
    expect(await other.getByTestId('tenant').textContent()).toBe('globex');
    await other.locator('tbody tr').first().waitFor();
    expect(await other.locator('tbody th').allTextContents()).toEqual(['bob']);
    await other.goto(`${s.url}/ui/#/sessions/ada-trip`);
    const alert = other.getByRole('alert');
    await alert.waitFor();
    expect(await alert.textContent()).toContain('SESSION_NOT_FOUND');
    await other.goto(`${s.url}/ui/#/memories?user=ada`);
    await other.getByText('No memories match.').waitFor();
    await other.goto(`${s.url}/ui/#/facts?user=ada`);
    await other.getByText('No fact is valid now.').waitFor();
    await other.goto(`${s.url}/ui/#/search?user=ada`);
    await other.getByLabel('Query', { exact: true }).fill('peanut allergy');
    await other.getByRole('button', { name: 'Search', exact: true }).click();
    await other.getByText('Nothing matched.').waitFor();
    for (const secret of ['peanut', 'Lisbon', 'grace', 'ada-trip']) {
      expect(await other.locator('main').textContent()).not.toContain(secret === 'peanut' ? 'allergic to peanuts' : `${secret} `);
    }
    await other.goto(`${s.url}/ui/#/health`);
    await other.locator('.counts').waitFor();
    expect(await other.locator('.counts').textContent()).toContain('users1');
    await other.close();
  });

  it('fits a phone width (390 px) on every page without horizontal scrolling', async () => {
    const phone = await tab(390, 844);
    await signIn(phone, s.keys.acme);
    await phone.getByTestId('tenant').waitFor();
    for (const [route, ready] of [
      ['#/users', 'tbody tr'],
      ['#/users/ada', 'tbody tr'],
      ['#/sessions/ada-trip', '.turn'],
      ['#/memories?user=ada', '.card'],
      ['#/facts?user=ada', '.timeline-row'],
      ['#/search?user=ada&session=ada-trip', '#search-query'],
      ['#/health', '.chart'],
    ] as const) {
      await phone.goto(`${s.url}/ui/${route}`);
      await phone.locator(ready).first().waitFor();
      const widths = (await phone.evaluate('({ scroll: document.documentElement.scrollWidth, inner: window.innerWidth })')) as {
        scroll: number;
        inner: number;
      };
      expect(widths.scroll, route).toBeLessThanOrEqual(widths.inner);
    }
    await phone.close();
  });

  it('raised no script error and no CSP violation on any page', () => {
    expect(problems).toEqual([]);
  });
});
