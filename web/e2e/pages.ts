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
  await page.waitForLoadState('networkidle').catch(() => undefined);
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
