import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium } from 'playwright-core';

/** The Debian package `chromium` (apt-get install chromium chromium-driver); STRATA_TEST_CHROMIUM overrides. */
export const CHROMIUM = process.env.STRATA_TEST_CHROMIUM ?? '/usr/bin/chromium';

export interface ChromiumCheck {
  readonly available: boolean;
  /** Why the tests skip, when they do. */
  readonly reason: string;
}

/**
 * Like checkService (services.ts): on a laptop without Chromium the browser tests skip, saying
 * why; with `CI=true` a missing Chromium fails the file, because in CI those tests must run.
 */
export function checkChromium(): ChromiumCheck {
  const available = existsSync(CHROMIUM);
  if (!available && process.env.CI === 'true') {
    throw new Error(
      `Chromium is missing at ${CHROMIUM}, and CI=true: the UI tests must run in CI (apt-get install chromium chromium-driver, see .ci/run)`,
    );
  }
  if (!available)
    console.warn(`[strata tests] skipping UI tests: no Chromium at ${CHROMIUM} (apt-get install chromium, or set STRATA_TEST_CHROMIUM)`);
  return { available, reason: available ? '' : `(skipped: no Chromium at ${CHROMIUM})` };
}

/**
 * Headless Debian Chromium through playwright-core, in a fresh user-data-dir that is removed on
 * close. Each page of the context is its own tab, with its own sessionStorage (so its own sign-in).
 */
export async function launchChromium(): Promise<{ context: BrowserContext; close(): Promise<void> }> {
  const profile = mkdtempSync(join(tmpdir(), 'strata-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    viewport: { width: 1280, height: 900 },
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-quic',
      '--no-first-run',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  return {
    context,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
