import { expect, test, type Page } from '@playwright/test';
import { login } from './login';

// Measures what a user waits for in the console, and prints it as
// "FIGURE name value unit" lines that the benchmark collects.
//
// The times are taken inside the page, as a user would see them: from the
// start of the navigation, or from the click's event, until the first
// frame painted after the rows on screen changed. The times the test
// driver saw around the same steps (which add Playwright's own round trips
// and its checks of the element before a click) are printed as well, as
// "driver-*" figures.
const consoleURL = process.env.CONSOLE_URL ?? '';
const user = process.env.CONSOLE_USER ?? '';
const password = process.env.CONSOLE_PASSWORD ?? '';
const project = process.env.CONSOLE_PROJECT ?? '';
const admin = process.env.CONSOLE_ADMIN_USER ?? '';
const adminPassword = process.env.CONSOLE_ADMIN_PASSWORD ?? '';
const pickProjects = (process.env.CONSOLE_PICK_PROJECTS ?? '').split(',').filter(Boolean);
const runs = 5;

function figure(name: string, value: number, unit: string) {
  console.log(`FIGURE ${name} ${value.toFixed(unit === 'KB' ? 1 : 0)} ${unit}`);
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function report(name: string, xs: number[]) {
  figure(`${name}-p50`, median(xs), 'ms');
  figure(`${name}-max`, Math.max(...xs), 'ms');
}

const table = '[data-test=list-pods] tbody';

// Installed before any of the page's scripts: notes when the first row of
// the pod table is first on screen (performance.now() counts from the
// start of the navigation).
function watchFirstRows(sel: string) {
  const w = window as unknown as { __rowsPainted?: number };
  const ob = new MutationObserver(() => {
    if (!document.querySelector(`${sel} tr`)) return;
    ob.disconnect();
    requestAnimationFrame(() => setTimeout(() => (w.__rowsPainted = performance.now())));
  });
  ob.observe(document, { subtree: true, childList: true });
}

// Arms the page to time the next click: from the click's event until the
// first frame painted after the first row of the table changed.
async function armClickTimer(page: Page) {
  await page.evaluate((sel) => {
    const w = window as unknown as { __click?: { at?: number; painted?: number } };
    const t: { at?: number; painted?: number } = {};
    w.__click = t;
    document.addEventListener('click', (e) => (t.at = e.timeStamp), { capture: true, once: true });
    const tbody = document.querySelector(sel)!;
    const before = tbody.querySelector('tr')?.getAttribute('data-test');
    const ob = new MutationObserver(() => {
      if (tbody.querySelector('tr')?.getAttribute('data-test') === before) return;
      ob.disconnect();
      requestAnimationFrame(() => setTimeout(() => (t.painted = performance.now())));
    });
    ob.observe(tbody, { subtree: true, childList: true, attributes: true });
  }, table);
}

async function clickTime(page: Page): Promise<number> {
  const h = await page.waitForFunction(() => {
    const t = (window as unknown as { __click?: { at?: number; painted?: number } }).__click;
    return t?.painted && t.at ? t.painted - t.at : 0;
  });
  return await h.jsonValue();
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
  await page.addInitScript(watchFirstRows, table);

  // The project's pod list, from navigation (a full page load) to rows on screen.
  const load: number[] = [];
  const driverLoad: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = Date.now();
    await page.goto(`${consoleURL}/projects/${project}/pods`);
    await expect(page.getByTestId('list-pods').locator('tbody tr').first()).toBeVisible();
    driverLoad.push(Date.now() - t0);
    const h = await page.waitForFunction(() => (window as unknown as { __rowsPainted?: number }).__rowsPainted);
    load.push((await h.jsonValue()) as number);
  }
  report('pod-list-after-navigation', load);

  // A page change and a sort change, until the rows on screen have changed.
  const pageChange: number[] = [];
  const sortChange: number[] = [];
  const driverPage: number[] = [];
  const driverSort: number[] = [];
  for (let i = 0; i < runs; i++) {
    await page.goto(`${consoleURL}/projects/${project}/pods`);
    await expect(page.getByTestId('list-pods').locator('tbody tr').first()).toBeVisible();
    const next = page.getByRole('button', { name: /next page/i });
    const byName = page.getByTestId('list-pods').getByRole('button', { name: 'Name' });
    await next.waitFor();

    await armClickTimer(page);
    let t0 = Date.now();
    await next.click();
    pageChange.push(await clickTime(page));
    driverPage.push(Date.now() - t0);

    await armClickTimer(page);
    t0 = Date.now();
    await byName.click();
    sortChange.push(await clickTime(page));
    driverSort.push(Date.now() - t0);
  }
  report('page-change', pageChange);
  report('sort-change', sortChange);
  await ctx.close();

  // The project picker as the platform admin, who sees every project: from
  // the last keystroke of a project's name to the first frame painted with
  // that project offered (the picker waits for a 150 ms pause in typing).
  if (admin && pickProjects.length > 0) {
    const actx = await browser.newContext({ locale: 'en-US' });
    const apage = await actx.newPage();
    await login(apage, consoleURL, admin, adminPassword);
    const input = apage.getByTestId('project-picker-input').locator('input');
    const pick: number[] = [];
    for (const name of pickProjects) {
      await input.fill('');
      await input.click();
      await apage.evaluate((want) => {
        const t: { at?: number; painted?: number } = {};
        (window as unknown as { __pick?: typeof t }).__pick = t;
        document.addEventListener('input', (e) => (t.at = e.timeStamp), { capture: true });
        const ob = new MutationObserver(() => {
          if (!document.querySelector(`[data-test="pick-${want}"]`)) return;
          ob.disconnect();
          requestAnimationFrame(() => setTimeout(() => (t.painted = performance.now())));
        });
        ob.observe(document.body, { subtree: true, childList: true });
      }, name);
      await apage.keyboard.type(name);
      const h = await apage.waitForFunction(() => {
        const t = (window as unknown as { __pick?: { at?: number; painted?: number } }).__pick;
        return t?.painted && t.at ? t.painted - t.at : 0;
      });
      pick.push(await h.jsonValue());
      await apage.keyboard.press('Escape');
    }
    report('project-picker', pick);
    await actx.close();
  }

  report('driver-pod-list-after-navigation', driverLoad);
  report('driver-page-change', driverPage);
  report('driver-sort-change', driverSort);
});
