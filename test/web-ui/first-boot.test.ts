/**
 * First boot in a real browser against the real daemon with no admin
 * password: the setup code from the log, the strength rules, the first-steps
 * wizard saving country and time zone, logout, login, and the lockout message.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type RunningDaemon, startDaemon } from '../harness/daemon.ts';
import {
  type BrowserSession,
  axeViolations,
  browserMissing,
  ensureWebUiBuilt,
  openBrowser,
  screenshots,
  seriousViolations,
} from './browser.ts';

const missing = browserMissing();
const NEW_PASSWORD = 'Installer-pw-2026';
const CHANGED_PASSWORD = 'Second-pw-2027!';
let daemon: RunningDaemon | undefined;
let browser: BrowserSession | undefined;
let setupCode = '';

before(async () => {
  if (missing) return;
  ensureWebUiBuilt();
  daemon = await startDaemon({ env: { LINEGATE_ADMIN_PASSWORD: '' } });
  const line = await daemon.waitForLog((l) => typeof l.setupCode === 'string');
  setupCode = String(line.setupCode);
  browser = await openBrowser();
});

after(async () => {
  await browser?.close();
  await daemon?.stop();
});

test('first boot: setup code, new password with strength rules, then the wizard', {
  skip: missing,
}, async () => {
  const { page } = browser!;
  const url = daemon!.url;
  await page.goto(url);
  await page.getByRole('heading', { name: 'Welcome to Linegate' }).waitFor();
  assert.equal(seriousViolations(await axeViolations(page)).length, 0);
  await screenshots(page, 'first-boot');

  // A wrong code is refused by the daemon and said so.
  await page.getByLabel('Setup code').fill('00000000' === setupCode ? '11111111' : '00000000');
  await page.getByLabel('New admin password').fill(NEW_PASSWORD);
  await page.getByLabel('Repeat the password').fill(NEW_PASSWORD);
  await page.getByRole('button', { name: 'Set password and continue' }).click();
  await page.getByRole('alert').filter({ hasText: 'wrong setup code' }).waitFor();

  // A weak password is refused before it is sent, with the rule that failed.
  await page.getByLabel('Setup code').fill(setupCode);
  await page.getByLabel('New admin password').fill('short');
  assert.match(
    (await page.locator('#setup-strength').textContent()) ?? '',
    /too weak[\s\S]*at least 10 characters/,
  );
  await page.getByLabel('Repeat the password').fill('short');
  await page.getByRole('button', { name: 'Set password and continue' }).click();
  await page.getByRole('alert').filter({ hasText: 'needs at least 10 characters' }).waitFor();

  await page.getByLabel('New admin password').fill(NEW_PASSWORD);
  assert.match((await page.locator('#setup-strength').textContent()) ?? '', /Strength: (good|strong)/);
  await page.getByLabel('Repeat the password').fill(NEW_PASSWORD);
  await page.getByRole('button', { name: 'Set password and continue' }).click();

  // Logged in and on the first-steps wizard.
  await page.getByRole('heading', { name: 'First steps' }).waitFor();
  assert.equal(new URL(page.url()).pathname, '/welcome');
  assert.equal(seriousViolations(await axeViolations(page)).length, 0);
  await screenshots(page, 'wizard');
  await page.getByLabel('Country').selectOption('de');
  await page.getByLabel('Time zone').selectOption('Europe/Berlin');
  await page.getByRole('button', { name: 'Save and continue' }).click();
  await page.getByRole('heading', { name: 'SIP trunk' }).waitFor();

  // The daemon runs with the new values (read with the browser's own session).
  const config = (await (await page.request.get(`${url}/api/v1/config`)).json()) as Record<string, unknown>;
  assert.equal(config.country, 'de');
  assert.equal(config.timezone, 'Europe/Berlin');
  // The setup endpoint no longer accepts the code.
  const again = await fetch(`${url}/api/v1/auth/login`);
  assert.deepEqual(await again.json(), { setupRequired: false });
});

test('logout, login, password change, and the lockout message', { skip: missing }, async () => {
  const { page } = browser!;
  await page.getByRole('link', { name: 'Finish later: go to the dashboard' }).click();
  await page.getByRole('heading', { name: 'Dashboard' }).waitFor();
  await page.getByRole('button', { name: 'Log out', exact: true }).click();
  await page.getByRole('heading', { name: 'Log in to Linegate' }).waitFor();
  assert.equal(seriousViolations(await axeViolations(page)).length, 0);
  await screenshots(page, 'login');

  // The cookie is gone: the API refuses.
  assert.equal((await page.request.get(`${daemon!.url}/api/v1/config`)).status(), 401);

  await page.getByLabel('Password').fill(NEW_PASSWORD);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByRole('heading', { name: 'Dashboard' }).waitFor();
  // A reload keeps the session (HttpOnly cookie) and fetches the CSRF token again.
  await page.reload();
  await page.getByRole('heading', { name: 'Dashboard' }).waitFor();

  // Changing the password ends every session, this one included.
  await page.getByRole('link', { name: 'System' }).click();
  await page.getByLabel('Current password').fill(NEW_PASSWORD);
  await page.getByLabel('New password', { exact: true }).fill(CHANGED_PASSWORD);
  await page.getByLabel('Repeat the new password').fill(CHANGED_PASSWORD);
  await page.getByRole('button', { name: 'Change password' }).click();
  await page.getByText('Every session was ended. Log in again.').waitFor();
  await page.getByLabel('Password').fill(CHANGED_PASSWORD);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByRole('heading', { name: 'System' }).waitFor();
  await page.getByRole('button', { name: 'Log out', exact: true }).click();

  // Five wrong passwords (the default limit), then the lockout with its Retry-After.
  for (let i = 0; i < 5; i++) {
    await page.getByLabel('Password').fill(`wrong-password-${i}`);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page
      .getByRole('alert')
      .filter({ hasText: /Wrong user name or password|locked/ })
      .waitFor();
  }
  await page.getByLabel('Password').fill(NEW_PASSWORD);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page
    .getByRole('alert')
    .filter({ hasText: /locked for \d+ s/ })
    .waitFor();
  assert.ok(
    await page.getByRole('button', { name: 'Log in' }).isDisabled(),
    'the button waits out the lockout',
  );
  assert.deepEqual(browser!.problems, []);
});
