import { expect, type Locator, type Page } from '@playwright/test';
import AxeBuilder from '@axe-core/playwright';
import { copyFileSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const newAdminPassword = 'Adm1n-e2e-Passw0rd';
export const viewerPassword = 'V1ewer-e2e-Passw0rd';

/** login fills the login form. */
export async function login(page: Page, consoleURL: string, user: string, password: string) {
  await page.goto(consoleURL + '/login');
  await page.getByTestId('username').fill(user);
  await page.getByTestId('password').fill(password);
  await page.getByTestId('login').click();
}

/** shot keeps a screenshot as a test artifact, and under docs/screenshots when SCREENSHOTS=docs. */
export async function shot(page: Page, name: string) {
  // A page that streams (a live tail) never goes quiet: wait for the
  // network a few seconds at most.
  await page.waitForLoadState('networkidle', { timeout: 5_000 }).catch(() => undefined);
  const dir = resolve(import.meta.dirname, '..', 'test-results', 'screenshots');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${name}.png`);
  await page.screenshot({ path: file });
  if (process.env.SCREENSHOTS === 'docs') {
    const docs = resolve(import.meta.dirname, '..', '..', 'docs', 'screenshots');
    mkdirSync(docs, { recursive: true });
    copyFileSync(file, join(docs, `${name}.png`));
  }
}

/** accessible fails on serious or critical axe-core violations of the page. */
export async function accessible(page: Page, name: string) {
  const r = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa']).analyze();
  const bad = r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(bad.map((v) => `${name}: ${v.id} (${v.impact}) ${v.help} — ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join('; ')}`)).toEqual([]);
}

/** rowOf is a table row by the object's name. */
export function rowOf(page: Page, name: string) {
  return page.getByTestId(`row-${name}`);
}

/** rowAction opens a row's kebab menu and clicks an action. */
export async function rowAction(page: Page, name: string, action: string) {
  await rowOf(page, name).getByRole('button', { name: /kebab|actions/i }).click();
  await page.getByRole('menuitem', { name: action }).click();
}

/**
 * tabTo presses Tab until the element (or something inside it) has the
 * focus, and fails when it is not reached: what a keyboard user can get to.
 */
export async function tabTo(page: Page, target: Locator, what: string, max = 120) {
  await pressTo(page, 'Tab', target, what, max);
}

/** pressTo presses a key (Tab, ArrowDown in a menu) until the element has the focus. */
export async function pressTo(page: Page, key: string, target: Locator, what: string, max: number) {
  await target.waitFor();
  for (let i = 0; i < max; i++) {
    if (await target.evaluate((el) => el === document.activeElement || el.contains(document.activeElement), undefined, { timeout: 2_000 })) return;
    await page.keyboard.press(key);
  }
  throw new Error(`${what} was not reached with ${max} presses of ${key}`);
}

/**
 * loginAdmin logs the administrator in, whichever test file runs first: on
 * the first login of a fresh stack it changes the initial password to
 * newAdminPassword, as the console asks.
 */
export async function loginAdmin(page: Page, consoleURL: string, initialPassword: string) {
  await page.goto(consoleURL + '/login');
  await page.getByTestId('username').fill('admin');
  await page.getByTestId('password').fill(newAdminPassword);
  await page.getByTestId('login').click();
  const outcome = await Promise.race([
    page.getByTestId('page-title').waitFor().then(() => 'in' as const),
    page.getByTestId('login-error').waitFor().then(() => 'wrong' as const),
  ]);
  if (outcome === 'in') return;
  await page.getByTestId('password').fill(initialPassword);
  await page.getByTestId('login').click();
  await page.getByTestId('current-password').fill(initialPassword);
  await page.getByTestId('new-password').fill(newAdminPassword);
  await page.getByTestId('new-password-again').fill(newAdminPassword);
  await page.getByTestId('change-password').click();
  await page.getByTestId('page-title').waitFor();
}

/** csrf is the page's CSRF token, for API calls made with its session. */
export async function csrf(page: Page): Promise<string> {
  return (await page.context().cookies()).find((c) => c.name === 'ke-csrf')?.value ?? '';
}

/** call sends an API request with the page's session, as the console would, and fails on an error answer. */
export async function call(page: Page, consoleURL: string, method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, data?: unknown) {
  const r = await page.request.fetch(consoleURL + path, { method, headers: { 'X-CSRF-Token': await csrf(page), 'Content-Type': 'application/json' }, data: data === undefined ? undefined : JSON.stringify(data) });
  if (!r.ok()) throw new Error(`${method} ${path}: ${r.status()} ${await r.text()}`);
  return r.status() === 204 ? undefined : ((await r.json()) as unknown);
}

/** ensure creates an object for a test's setup, and accepts that it exists (409) from an earlier run. */
export async function ensure(page: Page, consoleURL: string, path: string, data: unknown) {
  const r = await page.request.fetch(consoleURL + path, { method: 'POST', headers: { 'X-CSRF-Token': await csrf(page), 'Content-Type': 'application/json' }, data: JSON.stringify(data) });
  if (!r.ok() && r.status() !== 409) throw new Error(`POST ${path}: ${r.status()} ${await r.text()}`);
}

/** contrast is the WCAG contrast ratio of two CSS colours (rgb() or rgba() strings). */
export function contrast(fg: string, bg: string): number {
  const rgb = (c: string) => (c.match(/[\d.]+/g) ?? []).slice(0, 3).map(Number);
  const lum = (c: string) => {
    const [r, g, b] = rgb(c).map((v) => {
      const s = v / 255;
      return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const [a, b] = [lum(fg), lum(bg)].sort((x, y) => y - x);
  return (a + 0.05) / (b + 0.05);
}

/** shotAt keeps a screenshot at a viewport width (768, 1024 ...), then restores the viewport. */
export async function shotAt(page: Page, name: string, width: number) {
  const before = page.viewportSize();
  await page.setViewportSize({ width, height: 900 });
  await page.waitForTimeout(300);
  await shot(page, name);
  if (before) await page.setViewportSize(before);
}

/** shotDark keeps a screenshot in the dark theme, then goes back to the light one. */
export async function shotDark(page: Page, name: string) {
  const dark = (on: boolean) =>
    page.evaluate((v) => {
      document.documentElement.classList.toggle('pf-v6-theme-dark', v);
      localStorage.setItem('ke-theme', v ? 'dark' : 'light');
    }, on);
  await dark(true);
  await page.waitForTimeout(200);
  await shot(page, name);
  await dark(false);
}
