// Debian's chromium for the browser tests (through playwright-core): where it is and how it starts
// here (headless, no sandbox inside a container, nothing fetched from the network by itself).
import { existsSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';
import { findTool } from './require-tool';

export const CHROMIUM = '/usr/bin/chromium';
export const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Why a browser test is skipped here (false: chromium is installed). In CI it is required: throws. */
export function chromiumSkip(): string | false {
  const skip = !existsSync(CHROMIUM) || !findTool('chromium') ? 'chromium not installed (.ci/apt-packages)' : false;
  if (skip && process.env.CI) throw new Error(`${skip}: required in CI`);
  return skip;
}

export const launchChromium = (): Promise<Browser> =>
  chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_FLAGS, headless: true });
