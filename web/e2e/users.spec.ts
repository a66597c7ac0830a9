import { expect, test, type Browser, type Page } from '@playwright/test';
import { accessible, ensure, login, loginAdmin, rowAction, rowOf, shot, shotAt, shotDark } from './pages';
import { stack } from './stack';

// Access management in the console, as issue 13 tells it: an administrator
// makes a user with a platform role and manages them from the user's page,
// invites members by searching users, and the user lands on their own
// workspaces and projects, keeps a profile, and meets refusals that say
// why.
test.describe.configure({ mode: 'serial' });

const ws = 'access-ws';
const project = 'access-proj';
const ada = 'ada';
const adaPassword = 'Lovelace-1815-e2e';
const mona = 'mona';
const monaPassword = 'M0na-user-manager';

let admin: Page;

async function newPage(browser: Browser) {
  const ctx = await browser.newContext({ locale: 'en-US' });
  return ctx.newPage();
}

test.beforeAll(async ({ browser }) => {
  const s = stack();
  admin = await newPage(browser);
  await loginAdmin(admin, s.consoleURL, s.adminPassword);
  await ensure(admin, s.consoleURL, '/kapis/tenant.superkube.io/v1beta1/workspaces', { metadata: { name: ws }, spec: {} });
  await ensure(admin, s.consoleURL, `/kapis/tenant.superkube.io/v1beta1/workspaces/${ws}/namespaces`, { metadata: { name: project } });
});

test('the administrator creates a user with a platform role and opens the user’s page', async () => {
  const s = stack();
  await admin.goto(`${s.consoleURL}/platform/users`);
  await admin.getByTestId('create-user').click();
  // The rules are said before anything is typed.
  await expect(admin.getByTestId('user-name-rule')).toContainText('Lower-case letters');
  await expect(admin.getByTestId('user-password-rule')).toContainText('8 to 72 characters');
  await admin.getByTestId('user-name').fill(ada);
  await admin.getByTestId('user-email').fill('ada@example.com');
  await admin.getByTestId('user-title').fill('Ada Lovelace');
  await admin.getByTestId('user-password').fill(adaPassword);
  await expect(admin.getByTestId('user-password')).toHaveAttribute('type', 'password');
  await admin.getByTestId('user-password-toggle').click();
  await expect(admin.getByTestId('user-password')).toHaveAttribute('type', 'text');
  await admin.getByTestId('user-role').selectOption('platform-self-provisioner');
  await admin.getByTestId('user-form-submit').click();
  await expect(admin.getByTestId('toast').filter({ hasText: `User ${ada} is created.` })).toBeVisible();
  await expect(rowOf(admin, ada).getByTestId('user-platform-role')).toHaveText('Workspace creator');
  await rowOf(admin, ada).getByRole('link').click();
  await expect(admin.getByTestId('page-title')).toContainText('Ada Lovelace');
  await expect(admin.getByTestId('user-platform-role')).toHaveText('Workspace creator');
  await expect(admin.getByTestId('user-workspaces-empty')).toBeVisible();
});

test('the server’s objections are shown at the field, in words', async () => {
  const s = stack();
  await admin.goto(`${s.consoleURL}/platform/users`);
  await admin.getByTestId('create-user').click();
  await admin.getByTestId('user-name').fill('ada-twin');
  await admin.getByTestId('user-email').fill('ada@example.com');
  await admin.getByTestId('user-password').fill('Twin-Passw0rd-e2e');
  await admin.getByTestId('user-form-submit').click();
  await expect(admin.getByTestId('user-email-error')).toContainText('Another user has this e-mail address.');
  await expect(admin.getByTestId('user-form').getByText('Something went wrong')).toHaveCount(0);
  await admin.getByRole('button', { name: 'Cancel' }).click();
});

test('members are invited by searching users', async () => {
  const s = stack();
  await admin.goto(`${s.consoleURL}/projects/${project}/members`);
  await admin.getByTestId('invite').click();
  await admin.getByTestId('member-user').fill('Lovelace');
  await expect(admin.getByTestId(`user-option-${ada}`)).toContainText('Ada Lovelace');
  await expect(admin.getByTestId(`user-option-${ada}`)).toContainText('ada@example.com');
  // By e-mail too.
  await admin.getByTestId('member-user').fill('ada@exa');
  await expect(admin.getByTestId(`user-option-${ada}`)).toBeVisible();
  await shot(admin, 'invite-by-search');
  await admin.getByTestId(`user-option-${ada}`).click();
  await expect(admin.getByTestId('member-user-rule')).toContainText(`Chosen: ${ada}`);
  // Roles by their names, not their ids.
  await admin.getByTestId('member-role-select').selectOption({ label: 'Project operator' });
  await admin.getByTestId('member-form-submit').click();
  await expect(admin.getByTestId('toast').filter({ hasText: `${ada} is invited as Project operator.` })).toBeVisible();
  await expect(rowOf(admin, ada).getByTestId('member-role')).toHaveText('Project operator');
});

test('the user’s page shows the projects, the logins, and what an administrator does to a user', async ({ browser }) => {
  const s = stack();
  // Ada logs in once, so that there is a login to show.
  const page = await newPage(browser);
  await login(page, s.consoleURL, ada, 'wrong-password');
  await expect(page.getByTestId('login-error')).toBeVisible();
  await login(page, s.consoleURL, ada, adaPassword);
  await expect(page.getByTestId('page-title')).toBeVisible();
  await page.context().close();

  await admin.goto(`${s.consoleURL}/platform/users/${ada}`);
  await expect(admin.getByTestId('list-user-projects').getByText(project)).toBeVisible();
  await expect(admin.getByTestId('list-user-projects')).toContainText('Project operator');
  await expect(admin.getByTestId('list-login-records').getByTestId('login-result').first()).toBeVisible();
  await expect(admin.getByTestId('list-login-records').getByTestId('login-result').filter({ hasText: 'Failed' })).toHaveCount(1);
  await accessible(admin, 'user detail');
  await shot(admin, 'user-detail');
  await shotDark(admin, 'user-detail-dark');
  await shotAt(admin, 'user-detail-768', 768);

  // Reset the password: the rule first, then the toast.
  await admin.getByTestId('reset-password').click();
  await expect(admin.getByTestId('reset-password-value-rule')).toContainText('8 to 72 characters');
  await admin.getByTestId('reset-password-value').fill('Reset-Passw0rd-1843');
  await admin.getByTestId('reset-password-dialog-submit').click();
  await expect(admin.getByTestId('toast').filter({ hasText: `The password of ${ada} is reset.` })).toBeVisible();
  // Disable asks first; enable again.
  await admin.getByTestId('disable-user').click();
  await expect(admin.getByTestId('disable-dialog-confirm')).toBeVisible();
  await admin.getByTestId('disable-dialog-confirm').click();
  await expect(admin.getByTestId('page-title').getByTestId('status')).toHaveText('Disabled');
  await admin.getByTestId('enable-user').click();
  await admin.getByTestId('enable-dialog-confirm').click();
  await expect(admin.getByTestId('page-title').getByTestId('status')).toHaveText('Active');
  // Change the platform role from the user's page.
  await admin.getByTestId('change-platform-role').click();
  await admin.getByTestId('user-role').selectOption('platform-regular');
  await admin.getByTestId('user-form-submit').click();
  await expect(admin.getByTestId('user-platform-role')).toHaveText('Platform regular user');
  await admin.getByTestId('change-platform-role').click();
  await admin.getByTestId('user-role').selectOption('platform-self-provisioner');
  await admin.getByTestId('user-form-submit').click();
  await expect(admin.getByTestId('user-platform-role')).toHaveText('Workspace creator');
  // Built-in roles say what they allow.
  await admin.goto(`${s.consoleURL}/platform/roles`);
  await expect(rowOf(admin, 'platform-admin').getByTestId('role-permissions')).toHaveText('All permissions, everywhere');
  await expect(rowOf(admin, 'platform-admin').getByTestId('role-title')).toContainText('Platform administrator');
  await shot(admin, 'platform-roles');
});

test('a limited user lands on their workspaces and projects, and keeps a profile', async ({ browser }) => {
  const s = stack();
  const page = await newPage(browser);
  await login(page, s.consoleURL, ada, 'Reset-Passw0rd-1843');
  // The reset password must be changed first.
  await page.getByTestId('current-password').fill('Reset-Passw0rd-1843');
  await page.getByTestId('new-password').fill(adaPassword);
  await page.getByTestId('new-password-again').fill(adaPassword);
  await page.getByTestId('change-password').click();
  await expect(page.getByTestId('page-title')).toHaveText('My workspaces and projects');
  await expect(page.getByTestId('nav-cluster')).toHaveCount(0);
  await expect(page.getByTestId('nav-users')).toHaveCount(0);
  await expect(rowOf(page, project)).toBeVisible();
  // No workspace yet: the empty state says what to do, and offers it to a workspace creator.
  await expect(page.getByTestId('table-my-workspaces').getByTestId('empty')).toContainText('You are in no workspace yet');
  await expect(page.getByTestId('create-first-workspace')).toBeVisible();
  await accessible(page, 'my workspaces and projects');
  await shot(page, 'my-projects');
  await shotDark(page, 'my-projects-dark');
  await shotAt(page, 'my-projects-768', 768);

  // The project's navigation offers what an operator may open.
  await rowOf(page, project).getByRole('link').first().click();
  await expect(page.getByTestId('nav-deployments')).toBeVisible();
  await expect(page.getByTestId('nav-secrets')).toBeVisible();

  // The profile: display name, e-mail, language, own logins.
  await page.getByTestId('user-menu').click();
  await page.getByTestId('menu-profile').click();
  await expect(page.getByTestId('profile-username')).toHaveValue(ada);
  await page.getByTestId('profile-title').fill('Ada King');
  await page.getByTestId('profile-save').click();
  await expect(page.getByTestId('toast').filter({ hasText: 'Your profile is saved.' })).toBeVisible();
  await expect(page.getByTestId('user-menu')).toHaveText('Ada King');
  await expect(page.getByTestId('list-login-records').getByTestId('login-result').first()).toBeVisible();
  await shot(page, 'profile');
  await shotDark(page, 'profile-dark');
  await page.getByTestId('profile-lang').selectOption('ko');
  await page.getByTestId('profile-save').click();
  await expect(page.getByTestId('page-title')).toHaveText('프로필');
  await page.getByTestId('profile-lang').selectOption('en');
  await page.getByTestId('profile-save').click();
  await expect(page.getByTestId('page-title')).toHaveText('Profile');

  // A workspace of her own, and a member for it: she may not look users up,
  // so she types the exact name, told why.
  await page.goto(`${s.consoleURL}/home`);
  await page.getByTestId('create-first-workspace').click();
  await page.getByTestId('ws-name').fill('ada-lab');
  await page.getByTestId('workspace-create-submit').click();
  await expect(page.getByTestId('page-title')).toHaveText('Workspace ada-lab');
  await page.getByTestId('nav-members').click();
  await page.getByTestId('invite').click();
  await expect(page.getByTestId('member-user-rule')).toContainText('You may not look users up');
  await page.getByTestId('member-user').fill('admin');
  await page.getByTestId('member-role-select').selectOption({ label: 'Workspace viewer' });
  await page.getByTestId('member-form-submit').click();
  await expect(rowOf(page, 'admin').getByTestId('member-role')).toHaveText('Workspace viewer');
  await page.context().close();
});

test('a refusal says why: a user manager may not act on the administrator', async ({ browser }) => {
  const s = stack();
  await ensure(admin, s.consoleURL, '/kapis/iam.superkube.io/v1beta1/globalroles', {
    metadata: { name: 'user-manager', annotations: { 'superkube.io/display-name': 'User manager' } },
    templates: ['global-view-users', 'global-manage-users'],
  });
  await admin.goto(`${s.consoleURL}/platform/users`);
  await admin.getByTestId('create-user').click();
  await admin.getByTestId('user-name').fill(mona);
  await admin.getByTestId('user-email').fill('mona@example.com');
  await admin.getByTestId('user-password').fill(monaPassword);
  await admin.getByTestId('user-role').selectOption('user-manager');
  await admin.getByTestId('user-form-submit').click();
  await expect(rowOf(admin, mona).getByTestId('user-platform-role')).toHaveText('User manager');

  const page = await newPage(browser);
  await login(page, s.consoleURL, mona, monaPassword);
  await expect(page.getByTestId('nav-users')).toBeVisible();
  await page.getByTestId('nav-users').click();
  await rowAction(page, 'admin', 'Disable');
  await page.getByTestId('disable-dialog-confirm').click();
  const error = page.getByTestId('disable-dialog').getByTestId('error');
  await expect(error).toHaveAttribute('data-kind', 'forbidden');
  await expect(error).toContainText('admin holds permissions that you do not hold');
  await expect(error).not.toContainText('Something went wrong');
  await shot(page, 'refused-with-reason');
  await page.context().close();
});

test('addresses that name nothing, or what the user may not see, have their pages', async ({ browser }) => {
  const s = stack();
  await admin.goto(`${s.consoleURL}/no/such/page`);
  await expect(admin.getByTestId('not-found')).toBeVisible();
  await admin.goto(`${s.consoleURL}/projects/${project}/deployments/gone`);
  await expect(admin.getByTestId('not-found')).toBeVisible();
  await shot(admin, 'not-found');
  const page = await newPage(browser);
  await login(page, s.consoleURL, ada, adaPassword);
  await expect(page.getByTestId('page-title')).toBeVisible();
  await page.goto(`${s.consoleURL}/workspaces/${ws}/overview`);
  await expect(page.getByTestId('no-access')).toBeVisible();
  await shot(page, 'no-access');
  await page.context().close();
});
