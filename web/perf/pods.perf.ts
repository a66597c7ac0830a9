import { expect, test, type Page } from '@playwright/test';

// Measures what a user waits for in the console, and prints it as
// "FIGURE name value" lines that the benchmark collects.
const consoleURL = process.env.CONSOLE_URL ?? '';
const user = process.env.CONSOLE_USER ?? '';
const password = process.env.CONSOLE_PASSWORD ?? '';
const project = process.env.CONSOLE_PROJECT ?? '';
const runs = 5;

function figure(name: string, value: number, unit: string) {
  console.log(`FIGURE ${name} ${value.toFixed(unit === 'KB' ? 1 : 0)} ${unit}`);
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function firstRow(page: Page): Promise<string> {
  return (await page.getByTestId('list-pods').locator('tbody tr').first().getAttribute('data-test')) ?? '';
}

test.skip(!consoleURL, 'CONSOLE_URL is not set: run through make bench');

test('console figures at scale', async ({ browser }) => {
  // First-load JavaScript: what the login page loads, as transferred (gzip or brotli).
  const ctx = await browser.newContext({ locale: 'en-US' });
  const page = await ctx.newPage();
  const js: Promise<number>[] = [];
  page.on('requestfinished', (r) => {
    if (r.resourceType() === 'script') js.push(r.sizes().then((s) => s.responseBodySize));
  });
  await page.goto(consoleURL + '/login');
  await expect(page.getByTestId('login-form')).toBeVisible();
  await page.waitForLoadState('networkidle');
  const bytes = (await Promise.all(js)).reduce((a, b) => a + b, 0);
  figure('first-load-js', bytes / 1024, 'KB');

  await page.getByTestId('username').fill(user);
  await page.getByTestId('password').fill(password);
  await page.getByTestId('login').click();
  await expect(page.getByTestId('page-title')).toBeVisible();

  // The project's pod list, from navigation (a full page load) to rows on screen.
  const load: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = Date.now();
    await page.goto(`${consoleURL}/projects/${project}/pods`);
    await expect(page.getByTestId('list-pods').locator('tbody tr').first()).toBeVisible();
    load.push(Date.now() - t0);
  }
  figure('pod-list-after-navigation-p50', median(load), 'ms');
  figure('pod-list-after-navigation-max', Math.max(...load), 'ms');

  // A page change and a sort change, until the rows on screen have changed.
  const pageChange: number[] = [];
  const sortChange: number[] = [];
  for (let i = 0; i < runs; i++) {
    await page.goto(`${consoleURL}/projects/${project}/pods`);
    await expect(page.getByTestId('list-pods').locator('tbody tr').first()).toBeVisible();
    let before = await firstRow(page);
    let t0 = Date.now();
    await page.getByRole('button', { name: /next page/i }).click();
    await expect.poll(() => firstRow(page), { intervals: [5] }).not.toBe(before);
    pageChange.push(Date.now() - t0);

    before = await firstRow(page);
    t0 = Date.now();
    await page.getByTestId('list-pods').getByRole('button', { name: 'Name' }).click();
    await expect.poll(() => firstRow(page), { intervals: [5] }).not.toBe(before);
    sortChange.push(Date.now() - t0);
  }
  figure('page-change-p50', median(pageChange), 'ms');
  figure('page-change-max', Math.max(...pageChange), 'ms');
  figure('sort-change-p50', median(sortChange), 'ms');
  figure('sort-change-max', Math.max(...sortChange), 'ms');
  await ctx.close();
});
