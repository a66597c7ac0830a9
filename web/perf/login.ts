import { expect, type Page } from '@playwright/test';

/** login logs in on the console's login page and waits for the first screen. */
export async function login(page: Page, consoleURL: string, user: string, password: string) {
  await page.goto(consoleURL + '/login');
  await page.getByTestId('username').fill(user);
  await page.getByTestId('password').fill(password);
  await page.getByTestId('login').click();
  await expect(page.getByTestId('page-title')).toBeVisible();
}
