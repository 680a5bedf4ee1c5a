import { expect, test } from '@playwright/test';
import { DEMO_USER, PASSWORD, randomEmail, signIn, signUp } from './helpers';

test('a signed-out visitor of /jobs-test is sent to /login with the way back', async ({ page }) => {
  await page.goto('/jobs-test');
  await expect(page).toHaveURL(/\/login\?next=%2Fjobs-test$/);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Sign in to the jobs dashboard');
  await expect(page.getByText('demo@example.com')).toBeVisible();
});

test('signing in after the redirect returns to the page asked for', async ({ page }) => {
  await page.goto('/jobs-test');
  await expect(page).toHaveURL(/\/login\?next=%2Fjobs-test$/);
  await signIn(page, DEMO_USER.email, DEMO_USER.password);
  await expect(page).toHaveURL(/\/jobs-test$/);
  await expect(page.getByTestId('user-email')).toHaveText(DEMO_USER.email);
});

test('a wrong password shows Supabase Auth’s error inline', async ({ page }) => {
  await page.goto('/login');
  await signIn(page, DEMO_USER.email, 'not-the-password');
  const form = page.getByRole('form', { name: 'Sign in' });
  await expect(form.getByRole('alert')).toHaveText('Invalid login credentials');
  await expect(page).toHaveURL(/\/login/);
  // The email stays, the password is cleared.
  await expect(form.getByLabel('Email')).toHaveValue(DEMO_USER.email);
});

test('sign-up errors from Supabase Auth show inline', async ({ page }) => {
  await page.goto('/login');
  const form = page.getByRole('form', { name: 'Create an account' });
  const alert = form.getByRole('alert');

  // With email confirmation on, Auth does not reveal that an address is taken: the same answer as a new one.
  await form.getByLabel('Email').fill(DEMO_USER.email);
  await form.getByLabel('Password').fill(PASSWORD);
  await form.getByRole('button', { name: 'Sign up' }).click();
  await expect(form.getByRole('status')).toContainText(`Check your email: we sent a confirmation link to ${DEMO_USER.email}`);

  await form.getByLabel('Email').fill(randomEmail());
  await form.getByLabel('Password').fill('123');
  await form.getByRole('button', { name: 'Sign up' }).click();
  await expect(alert).toHaveAttribute('data-code', 'weak_password');
  await expect(alert).toContainText('Password should be at least 6 characters');

  await form.getByLabel('Email').fill('not-an-email');
  await form.getByLabel('Password').fill(PASSWORD);
  await form.getByRole('button', { name: 'Sign up' }).click();
  await expect(alert).toHaveAttribute('data-code', 'email_address_invalid');
  await expect(alert).toContainText('Unable to validate email address');
});

test('sign out returns to /login and the dashboard is protected again', async ({ page }) => {
  await signUp(page);
  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page).toHaveURL(/\/login$/);
  await page.goto('/jobs-test');
  await expect(page).toHaveURL(/\/login\?next=%2Fjobs-test$/);
});

test('a broken email-confirmation link lands on /login with the reason', async ({ page }) => {
  await page.goto('/auth/confirm?token_hash=forged&type=email&next=%2Fjobs-test');
  await expect(page).toHaveURL(/\/login\?next=%2Fjobs-test&error=/);
  await expect(page.getByRole('alert').first()).toContainText('Email confirmation failed');
});
