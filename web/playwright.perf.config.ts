import { defineConfig } from '@playwright/test';
import base from './playwright.config';

// The console's performance figures, run by `make bench`
// (test/bench/listengine starts the stack with 50,000 pods and passes
// CONSOLE_URL, CONSOLE_USER, CONSOLE_PASSWORD and CONSOLE_PROJECT).
export default defineConfig({
  ...base,
  testDir: './perf',
  testMatch: /.*\.perf\.ts/,
  globalSetup: undefined,
  globalTeardown: undefined,
  reporter: [['list']],
  outputDir: './test-results/perf',
  // Tracing records a snapshot of the page around every action, in the
  // page: it would be measured with the console.
  use: { ...base.use, trace: 'off', screenshot: 'off', video: 'off' },
});
