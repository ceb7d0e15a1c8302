/**
 * The login module of the reference sandbox's own login and consent page (`--login sandbox`): it signs in with the
 * profile's `authentication.login` (a subscriber of the sandbox's fixture: a test MSISDN and its password), when
 * the page asks, and accepts. Also a model for a module of another login page: fill, submit, say what went wrong.
 */
import type { LoginArguments } from './types.js';

export default async function sandboxLogin({ page, profile }: LoginArguments): Promise<void> {
  const msisdn = page.locator('input[name="msisdn"]');
  const accept = page.locator('button[name="decision"][value="grant"]');
  // The page shows the form, or it already redirected (a session that consented): then nothing is to be done.
  if (await accept.count() === 0) return;
  if (await msisdn.count() > 0) {
    const credentials = profile.authentication?.login;
    if (!credentials?.username || !credentials.password) {
      throw new Error("the sandbox's login page asks for a mobile number and a password: give the profile's authentication.login (or ORANGE_LOGIN_USERNAME and ORANGE_LOGIN_PASSWORD)");
    }
    await msisdn.fill(credentials.username);
    await page.locator('input[name="password"]').fill(credentials.password);
  }
  // The form posts, and the page that comes back (the redirect, or the form again) replaces this one.
  await Promise.all([page.waitForEvent('framenavigated', (frame) => frame === page.mainFrame()), accept.click()]);
  await page.waitForLoadState();
  // A refused sign-in shows the form again, with what was wrong.
  const alert = page.locator('[role="alert"]');
  if (await alert.count() > 0) throw new Error(`the sandbox's login page says: ${(await alert.first().textContent())?.trim()}`);
}
