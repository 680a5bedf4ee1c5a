import AxeBuilder from '@axe-core/playwright';
import { expect, type Locator, type Page } from '@playwright/test';
import sharp from 'sharp';
import { linkIn, waitForMail } from '../support/inbox';
import { MAIL_URL } from './ports';

export const DEMO_USER = { email: 'demo@example.com', password: 'demo-password' } as const;
export const PASSWORD = 'correct-horse-battery';

export function randomEmail(): string {
  return `user-${crypto.randomUUID()}@example.com`;
}

/**
 * Signs up a fresh user on /login as a new customer would with email confirmation on: "check your email",
 * then the link from the local inbox, through /auth/confirm, to the dashboard.
 */
export async function signUp(page: Page, email = randomEmail()): Promise<string> {
  await page.goto('/login');
  const form = page.getByRole('form', { name: 'Create an account' });
  await form.getByLabel('Email').fill(email);
  await form.getByLabel('Password').fill(PASSWORD);
  await form.getByRole('button', { name: 'Sign up' }).click();
  await expect(form.getByRole('status')).toContainText(`Check your email: we sent a confirmation link to ${email}`);
  await followMailLink(page, email, 'Confirm Your Email');
  await expect(page).toHaveURL(/\/jobs-test$/);
  await expect(page.getByTestId('user-email')).toHaveText(email);
  return email;
}

/** Opens the link of the newest mail to `email` about `subject` in this browser, as the user would. */
export async function followMailLink(page: Page, email: string, subject: string): Promise<void> {
  const link = linkIn(await waitForMail(MAIL_URL, email, { subject }));
  await page.goto(link);
}

export async function signIn(page: Page, email: string, password: string): Promise<void> {
  const form = page.getByRole('form', { name: 'Sign in' });
  await form.getByLabel('Email').fill(email);
  await form.getByLabel('Password').fill(password);
  await form.getByRole('button', { name: 'Sign in' }).click();
}

export async function createProject(page: Page, name: string): Promise<void> {
  await page.getByLabel('New project name').fill(name);
  await page.getByRole('button', { name: 'Create project' }).click();
  await expect(page.getByLabel('Selected project', { exact: true })).toHaveValue(/.+/);
  await expect(page.getByLabel('Selected project', { exact: true }).locator('option:checked')).toHaveText(name);
}

/** A real image file, made with sharp (never downloaded). */
export async function pngFile(width = 320, height = 240, color = '#e4572e'): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: color } }).png().toBuffer();
}

/** Uploads a product photo through the file picker and waits for it in the asset list. */
export async function uploadPhoto(page: Page, file: { name: string; buffer: Buffer; mimeType?: string }): Promise<void> {
  await page.getByLabel('Product photo', { exact: true }).setInputFiles({ name: file.name, mimeType: file.mimeType ?? 'image/png', buffer: file.buffer });
  await expect(page.getByRole('list', { name: 'Assets of the selected project' })).toContainText(file.name);
}

export interface JobInput {
  mode: string;
  /** A manual job's cost; giving one makes the job manual unless `provider` says otherwise. */
  dollars?: string;
  asset?: string;
  provider?: 'manual' | 'simulated';
  /** Simulated jobs: how long an attempt takes, and how it ends. */
  seconds?: string;
  outcome?: 'succeed' | 'fail-permanent' | 'fail-retryable';
}

export async function createJob(page: Page, job: JobInput): Promise<void> {
  const provider = job.provider ?? (job.dollars !== undefined ? 'manual' : 'simulated');
  await page.getByLabel('Provider', { exact: true }).selectOption(provider);
  const modeSelect = page.getByLabel('Mode', { exact: true });
  if ((await modeSelect.locator(`option[value="${job.mode}"]`).count()) > 0) {
    await modeSelect.selectOption(job.mode);
  } else {
    await modeSelect.selectOption('__custom__');
    await page.getByLabel('Custom mode').fill(job.mode);
  }
  if (provider === 'manual') {
    await page.getByLabel('Cost (USD)').fill(job.dollars ?? '1.00');
  } else {
    await page.getByLabel('Duration (seconds)').fill(job.seconds ?? '1');
    await page.getByLabel('Outcome', { exact: true }).selectOption(job.outcome ?? 'succeed');
  }
  await page.getByLabel('Input asset (optional)').selectOption(job.asset ? { label: job.asset } : { value: '' });
  await page.getByRole('button', { name: 'Queue job' }).click();
  await expect(jobCard(page, job.mode).first()).toBeVisible();
}

/** The job card of one mode (tests give each job a distinct mode). */
export function jobCard(page: Page, mode: string): Locator {
  return page.getByRole('article', { name: mode, exact: true });
}

export function statisticsRow(page: Page, status: string): Locator {
  return page.getByTestId(`statistics-${status}`);
}

/** Collects uncaught errors and console errors (hydration mismatches included) for a final check. */
export function collectPageErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  return errors;
}

/** axe's serious and critical findings (WCAG 2.1 A/AA and best practices) on the page as it is now. */
export async function seriousViolations(page: Page) {
  const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']).analyze();
  return results.violations
    .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
    .map((violation) => ({ id: violation.id, impact: violation.impact, targets: violation.nodes.map((node) => node.target.join(' ')) }));
}
