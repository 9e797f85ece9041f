// Debian's chromium for the browser tests (through playwright-core): where it is and how it starts
// here (headless, no sandbox inside a container, nothing fetched from the network by itself).
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
