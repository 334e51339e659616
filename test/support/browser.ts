import { existsSync } from 'node:fs';
import { chromium } from 'playwright-core';
import type { Browser } from 'playwright-core';

/** Debian's chromium, which .ci/run installs; the browser tests skip with a message where it cannot be. */
export const CHROMIUM = '/usr/bin/chromium';
export const haveBrowser = existsSync(CHROMIUM);

/** `describe` where a browser is installed, `describe.skip` with a warning naming the missing binary elsewhere. */
export function describeInBrowser<D extends (...args: never[]) => unknown>(describe: D & { skip: D }): D {
  if (haveBrowser) return describe;
  console.warn(
    `SKIPPED: the browser tests need Debian's chromium at ${CHROMIUM} (apt-get install -y chromium)`,
  );
  return describe.skip;
}

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}
