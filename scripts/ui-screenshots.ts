// `npm run screenshots`: seeds a demo tenant on a fresh local server (the test helpers' wiring),
// opens each page of the memory inspector in headless Debian Chromium and saves PNGs to
// docs/ui/ (1280 px wide, and phone-width ones at 390 px). Needs /usr/bin/chromium (or
// STRATA_TEST_CHROMIUM).
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Page } from 'playwright-core';
import { launchChromium } from '../test/helpers/chromium.js';
import { startInspectorServer } from '../test/helpers/inspector-server.js';

const out = resolve(import.meta.dirname, '..', 'docs', 'ui');
mkdirSync(out, { recursive: true });

const s = await startInspectorServer({ statsIntervalMs: 1000 });
const browser = await launchChromium();
try {
  // Traffic for the health charts: searches and contexts over a few sampling intervals.
  const headers = { authorization: `Bearer ${s.keys.acme}`, 'content-type': 'application/json' };
  for (let round = 0; round < 8; round += 1) {
    for (const query of ['peanut allergy', 'window seat', 'trip to Lisbon', 'quarterly report']) {
      await fetch(`${s.url}/v1/search`, { method: 'POST', headers, body: JSON.stringify({ query, userId: 'ada' }) });
    }
    await fetch(`${s.url}/v1/sessions/ada-trip/context`, { method: 'POST', headers, body: JSON.stringify({ tokenBudget: 400 }) });
    await new Promise((done) => setTimeout(done, 700));
  }

  const shoot = async (page: Page, name: string, fullPage = true) => {
    await page.evaluate('document.activeElement?.blur()');
    await page.screenshot({ path: join(out, `${name}.png`), fullPage });
    console.log(`docs/ui/${name}.png`);
  };
  const open = async (width: number, height: number) => {
    const page = await browser.context.newPage();
    await page.setViewportSize({ width, height });
    await page.goto(`${s.url}/ui/`);
    return page;
  };
  const signIn = async (page: Page) => {
    await page.getByLabel('API key').fill(s.keys.acme);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByTestId('tenant').waitFor();
  };

  const page = await open(1280, 800);
  await page.getByLabel('API key').fill('strata_wrong_key');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('alert').waitFor();
  await shoot(page, 'sign-in');
  await page.getByLabel('API key').fill('');
  await signIn(page);
  await page.locator('tbody tr').first().waitFor();
  await shoot(page, 'users');

  await page.goto(`${s.url}/ui/#/users/ada`);
  await page.getByRole('link', { name: 'ada-work' }).waitFor();
  await shoot(page, 'user');

  await page.goto(`${s.url}/ui/#/memories?user=ada&kind=note`);
  await page.locator('.card').first().waitFor();
  await shoot(page, 'memories');

  await page
    .locator(`[data-memory-id="${s.seed.allergy}"]`)
    .getByRole('link', { name: /source turn/ })
    .click();
  await page.locator('.turn.marked').waitFor();
  await page.evaluate('window.scrollTo(0, 0)');
  await shoot(page, 'session');

  await page.goto(`${s.url}/ui/#/facts?user=ada`);
  await page.getByTestId('timeline').waitFor();
  await shoot(page, 'facts');

  await page.goto(`${s.url}/ui/#/search?user=ada&session=ada-trip`);
  await page.getByLabel('Query', { exact: true }).fill('peanut allergy restaurants');
  await page.getByRole('button', { name: 'Search', exact: true }).click();
  await page.getByTestId('search-results').waitFor();
  await page.getByLabel('Results').fill('3');
  await page.getByRole('button', { name: 'Search', exact: true }).click();
  await page.waitForFunction("document.querySelectorAll('[data-testid=search-results] > li').length <= 3");
  await page.getByLabel('Token budget').fill('300');
  await page.getByRole('button', { name: 'Get context' }).click();
  await page.getByTestId('budget').waitFor();
  await shoot(page, 'search');

  await page.goto(`${s.url}/ui/#/health`);
  await page.locator('.chart svg').first().waitFor();
  await shoot(page, 'health');

  const phone = await open(390, 844);
  await signIn(phone);
  await phone.goto(`${s.url}/ui/#/memories?user=ada&kind=note`);
  await phone.locator('.card').first().waitFor();
  await shoot(phone, 'phone-memories', false);
  await phone.goto(`${s.url}/ui/#/users/ada`);
  await phone.locator('tbody tr').first().waitFor();
  await shoot(phone, 'phone-user', false);
} finally {
  await browser.close();
  await s.close();
}
