import { defineConfig } from '@playwright/test';

// End-to-end tests of the console in Debian's Chromium against the real
// stack: e2e/global-setup.ts starts the local cluster with ke-apiserver,
// ke-controller-manager and ke-console (bin/ke-dev) on free ports.
export default defineConfig({
  testDir: './e2e',
  outputDir: './test-results',
  timeout: 120_000,
  expect: { timeout: 30_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  reporter: [['list'], ['html', { open: 'never', outputFolder: 'playwright-report' }]],
  globalSetup: './e2e/global-setup.ts',
  // console.spec.ts is the first story: the administrator's first login,
  // which must change the initial password. Every other story logs in
  // with whichever password the administrator has (loginAdmin), so it runs
  // first whatever the files are called: alphabetical order put
  // alerting.spec.ts before it, which changed the password first.
  projects: [
    { name: 'first-login', testMatch: /console\.spec\.ts$/ },
    { name: 'stories', testIgnore: /console\.spec\.ts$/, dependencies: ['first-login'] },
  ],
  globalTeardown: './e2e/global-teardown.ts',
  use: {
    ignoreHTTPSErrors: true,
    testIdAttribute: 'data-test',
    screenshot: 'only-on-failure',
    trace: 'retain-on-failure',
    viewport: { width: 1440, height: 900 },
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
    },
  },
});
