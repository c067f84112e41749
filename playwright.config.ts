// Playwright e2e config: responder journeys in Debian's Chromium (no browser downloads exist on test machines).
import { defineConfig } from '@playwright/test';

export default defineConfig({
  testDir: 'test/e2e',
  testMatch: '**/*.spec.ts',
  // Journeys share one Docker engine and one host; running them one at a time keeps them independent.
  workers: 1,
  fullyParallel: false,
  // A flaky journey is a bug to fix, not to retry past.
  retries: 0,
  reporter: [['list'], ['html', { open: 'never', outputFolder: 'test-results/html' }]],
  outputDir: 'test-results/artifacts',
  use: {
    browserName: 'chromium',
    launchOptions: {
      executablePath: process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium',
      // --no-sandbox: CI runs as root; the rest keep Chromium off the network and quiet (no registry, no updates).
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-quic',
        '--no-first-run',
        '--disable-component-update',
        '--disable-sync',
      ],
    },
    screenshot: 'only-on-failure',
    trace: 'retain-on-failure',
  },
});
