import { escapeHtml } from '../mail/html.ts';
import type { OutgoingMail } from '../mail/store.ts';
import type { AuthConfig } from './auth-config.ts';
import { tooManyRequests } from './errors.ts';
import type { TokenBucketLimiter } from './rate-limits.ts';

/** Where Auth's mail goes: the local inbox (what SMTP to Mailpit is for `supabase start`). */
export interface MailSink {
  deliver(mail: OutgoingMail): unknown;
}

/** The verification types a mail's link carries to /verify. */
export type LinkType = 'signup' | 'invite' | 'recovery' | 'magiclink' | 'email_change';

export interface LinkMail {
  type: LinkType;
  to: string;
  /** The stored token hash (with its `pkce_` prefix for PKCE flows): what the link carries. */
  tokenHash: string;
  /** The code the user may type instead of following the link. */
  otp: string;
  redirectTo: string;
  /** For email changes: the address being confirmed and the current one. */
  newEmail?: string;
  currentEmail?: string;
}

/** GoTrue's default subjects. */
const SUBJECTS: Record<LinkType | 'reauthentication', string> = {
  signup: 'Confirm Your Email',
  invite: 'You have been invited',
  recovery: 'Reset Your Password',
  magiclink: 'Your Magic Link',
  email_change: 'Confirm Email Change',
  reauthentication: 'Confirm reauthentication',
};

/**
 * Composes GoTrue's mails (its default templates' content: a link to /verify and the code) and hands them
 * to the inbox, after GoTrue's checks: the per-address frequency limit and the server-wide hourly limit.
 */
export class AuthMailer {
  constructor(
    private readonly config: AuthConfig,
    private readonly limiter: TokenBucketLimiter,
    private readonly sink: MailSink | null,
  ) {}

  /** GoTrue's validateSentWithinFrequencyLimit (`[auth.email] max_frequency`). */
  assertFrequency(sentAt: Date | null): void {
    if (!sentAt) return;
    const wait = sentAt.getTime() + this.config.email.maxFrequencyMs - Date.now();
    if (wait > 0) {
      throw tooManyRequests('over_email_send_rate_limit', `For security purposes, you can only request this after ${Math.floor(wait / 1000)} seconds.`);
    }
  }

  /** The link a mail (or admin.generateLink) carries: GoTrue's `{API}/verify?token=…&type=…&redirect_to=…`. */
  actionLink(type: LinkType, tokenHash: string, redirectTo: string): string {
    const query = new URLSearchParams({ token: tokenHash, type });
    return `${this.config.externalUrl}/verify?${query.toString()}&redirect_to=${encodeURIComponent(redirectTo)}`;
  }

  sendLink(mail: LinkMail): void {
    const link = this.actionLink(mail.type, mail.tokenHash, mail.redirectTo);
    const { heading, lead, action } = linkText(mail, this.config.siteUrl);
    this.send(mail.to, SUBJECTS[mail.type], [
      `<h2>${escapeHtml(heading)}</h2>`,
      `<p>${escapeHtml(lead)}</p>`,
      `<p><a href="${escapeHtml(link)}">${escapeHtml(action)}</a></p>`,
      `<p>Alternatively, enter the code: ${escapeHtml(mail.otp)}</p>`,
    ], `${heading}\n\n${lead}\n${action}: ${link}\n\nAlternatively, enter the code: ${mail.otp}\n`);
  }

  sendReauthentication(to: string, otp: string): void {
    this.send(to, SUBJECTS.reauthentication, ['<h2>Confirm reauthentication</h2>', `<p>Enter the code: ${escapeHtml(otp)}</p>`], `Confirm reauthentication\n\nEnter the code: ${otp}\n`);
  }

  private send(to: string, subject: string, htmlParts: string[], text: string): void {
    // GoTrue skips the hourly limit while sign-ups confirm themselves (autoconfirm).
    if (!this.config.email.autoconfirm && !this.limiter.allow('server')) {
      throw tooManyRequests('over_email_send_rate_limit', 'email rate limit exceeded');
    }
    this.sink?.deliver({
      from: { Name: this.config.email.sender.name, Address: this.config.email.sender.address },
      to: [{ Name: '', Address: to }],
      subject,
      html: `${htmlParts.join('\n')}\n`,
      text,
    });
  }
}

function linkText(mail: LinkMail, siteUrl: string): { heading: string; lead: string; action: string } {
  switch (mail.type) {
    case 'signup':
      return { heading: 'Confirm your email', lead: 'Follow this link to confirm your email:', action: 'Confirm your email address' };
    case 'invite':
      return { heading: 'You have been invited', lead: `You have been invited to create a user on ${siteUrl}. Follow this link to accept the invite:`, action: 'Accept the invite' };
    case 'recovery':
      return { heading: 'Reset password', lead: 'Follow this link to reset the password for your user:', action: 'Reset password' };
    case 'magiclink':
      return { heading: 'Magic Link', lead: 'Follow this link to login:', action: 'Log In' };
    case 'email_change':
      return {
        heading: 'Confirm email address change',
        lead: `Follow this link to confirm the update of your email address from ${mail.currentEmail ?? ''} to ${mail.newEmail ?? ''}:`,
        action: 'Change email address',
      };
  }
}
