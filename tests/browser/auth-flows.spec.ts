import { expect, test, type Page } from '@playwright/test';
import { Secret, TOTP } from 'otpauth';
import { DEMO_USER, followMailLink, PASSWORD, randomEmail, signIn, signUp } from './helpers';
import { APP_URL } from './ports';

/** What the user's authenticator app would show for this key right now. */
const totpCode = (secret: string) => new TOTP({ secret: Secret.fromBase32(secret), algorithm: 'SHA1', digits: 6, period: 30 }).generate();

async function signOut(page: Page) {
  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page).toHaveURL(/\/login$/);
}

test('sign-up with email confirmation: check your email, follow the link (PKCE via /auth/confirm), signed in', async ({ page }) => {
  const email = randomEmail();
  await page.goto('/login');
  const form = page.getByRole('form', { name: 'Create an account' });
  await form.getByLabel('Email').fill(email);
  await form.getByLabel('Password').fill(PASSWORD);
  await form.getByRole('button', { name: 'Sign up' }).click();
  await expect(form.getByRole('status')).toContainText('Check your email');
  // Not signed in yet.
  await page.goto('/jobs-test');
  await expect(page).toHaveURL(/\/login\?next=%2Fjobs-test$/);

  // /verify sends the browser to /auth/confirm with a PKCE code, which the app exchanges for a session.
  const confirmed = page.waitForRequest((request) => /\/auth\/confirm\?.*code=/.test(request.url()));
  await followMailLink(page, email, 'Confirm Your Email');
  await confirmed;
  await expect(page).toHaveURL(/\/jobs-test$/);
  await expect(page.getByTestId('user-email')).toHaveText(email);
});

test('password reset: forgot password, the mailed link, a new password, and signing in with it', async ({ page }) => {
  const email = await signUp(page);
  await signOut(page);
  await page.getByRole('link', { name: 'Forgot your password?' }).click();
  await expect(page).toHaveURL(/\/auth\/forgot-password$/);
  const form = page.getByRole('form', { name: 'Reset password' });
  await form.getByLabel('Email').fill(email);
  await form.getByRole('button', { name: 'Send reset link' }).click();
  await expect(form.getByRole('status')).toContainText(`If an account exists for ${email}`);

  await followMailLink(page, email, 'Reset Your Password');
  await expect(page).toHaveURL(/\/auth\/update-password$/);
  const update = page.getByRole('form', { name: 'Set a new password' });
  await update.getByLabel('New password', { exact: true }).fill('123');
  await update.getByLabel('Repeat the new password').fill('123');
  await update.getByRole('button', { name: 'Save new password' }).click();
  await expect(update.getByRole('alert')).toHaveAttribute('data-code', 'weak_password');
  await update.getByLabel('New password', { exact: true }).fill('a-brand-new-password');
  await update.getByLabel('Repeat the new password').fill('a-brand-new-password');
  await update.getByRole('button', { name: 'Save new password' }).click();
  await expect(page).toHaveURL(/\/jobs-test$/);

  await signOut(page);
  await signIn(page, email, PASSWORD);
  await expect(page.getByRole('form', { name: 'Sign in' }).getByRole('alert')).toHaveText('Invalid login credentials');
  await signIn(page, email, 'a-brand-new-password');
  await expect(page).toHaveURL(/\/jobs-test$/);
});

test('TOTP: enrolment with QR code and key, then signing in needs the second factor (AAL2)', async ({ page }) => {
  const email = await signUp(page);
  await page.getByRole('link', { name: 'Two-factor authentication' }).click();
  await expect(page).toHaveURL(/\/auth\/mfa\/enroll$/);
  await page.getByRole('button', { name: 'Set up an authenticator app' }).click();
  await expect(page.getByRole('img', { name: 'QR code for your authenticator app' })).toBeVisible();
  const secret = (await page.getByTestId('totp-secret').textContent())!.trim();
  expect(secret).toMatch(/^[A-Z2-7]{32}$/);
  const confirm = page.getByRole('form', { name: 'Confirm authenticator app' });
  await confirm.getByLabel('6-digit code').fill('000000');
  await confirm.getByRole('button', { name: 'Turn on two-factor authentication' }).click();
  await expect(confirm.getByRole('alert')).toHaveAttribute('data-code', 'mfa_verification_failed');
  await confirm.getByLabel('6-digit code').fill(totpCode(secret));
  await confirm.getByRole('button', { name: 'Turn on two-factor authentication' }).click();
  await expect(page).toHaveURL(/\/jobs-test$/);

  await signOut(page);
  await signIn(page, email, PASSWORD);
  await expect(page).toHaveURL(/\/auth\/mfa\?next=%2Fjobs-test$/);
  // The password alone (AAL1) does not open the dashboard.
  await page.goto('/jobs-test');
  await expect(page).toHaveURL(/\/auth\/mfa\?next=%2Fjobs-test$/);
  const challenge = page.getByRole('form', { name: 'Two-factor verification' });
  await challenge.getByLabel('6-digit code').fill(totpCode(secret));
  await challenge.getByRole('button', { name: 'Verify' }).click();
  await expect(page).toHaveURL(/\/jobs-test$/);
  await expect(page.getByTestId('user-email')).toHaveText(email);
});

test('next cannot leave the site: /\\t/host, CR/LF and /auth/confirm all fall back to the dashboard', async ({ page }) => {
  await page.goto('/login?next=/%09/evil.example');
  await signIn(page, DEMO_USER.email, DEMO_USER.password);
  await expect(page).toHaveURL(`${APP_URL}/jobs-test`);
  await signOut(page);

  await page.goto('/login?next=%2Fjobs-test%0D%0ASet-Cookie%3A%20x%3D1');
  await signIn(page, DEMO_USER.email, DEMO_USER.password);
  await expect(page).toHaveURL(`${APP_URL}/jobs-test`);
  await signOut(page);

  await page.goto('/auth/confirm?next=/%09/evil.example&token_hash=forged&type=email');
  await expect(page).toHaveURL(/\/login\?next=%2Fjobs-test&error=link_expired$/);
  expect(new URL(page.url()).origin).toBe(APP_URL);
});

test('/login shows only known messages from its query string', async ({ page }) => {
  await page.goto('/login?error=Your%20account%20is%20locked.%20Call%20%2B1%20555%200100');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Sign in to the jobs dashboard');
  await expect(page.getByText('Your account is locked')).toHaveCount(0);
  await expect(page.getByRole('main').getByRole('alert')).toHaveCount(0);
  await page.goto('/login?error=confirmation_failed');
  await expect(page.getByRole('main').getByRole('alert')).toContainText('Email confirmation failed');
});
