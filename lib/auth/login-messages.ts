/**
 * The only texts /login shows from its query string: `?error=` and `?message=` carry codes, never prose,
 * so a crafted link cannot put words in the page's mouth.
 */
const ERRORS = {
  confirmation_failed: 'Email confirmation failed: the link is invalid or has already been used. Sign in, or ask for a new link.',
  link_expired: 'Email confirmation failed: the link has expired. Ask for a new one.',
  session_expired: 'Your session has ended. Please sign in again.',
} as const;

const MESSAGES = {
  password_updated: 'Your password was changed. Sign in with the new one.',
  signed_out: 'You are signed out.',
} as const;

export type LoginErrorCode = keyof typeof ERRORS;

export function loginErrorText(code: string | string[] | undefined): string | null {
  return typeof code === 'string' && Object.hasOwn(ERRORS, code) ? ERRORS[code as LoginErrorCode] : null;
}

export function loginMessageText(code: string | string[] | undefined): string | null {
  return typeof code === 'string' && Object.hasOwn(MESSAGES, code) ? MESSAGES[code as keyof typeof MESSAGES] : null;
}

/** The code /auth/confirm sends to /login for what GoTrue reported (`error_code` on its redirect). */
export function confirmationErrorCode(gotrueCode: string | null | undefined): LoginErrorCode {
  return gotrueCode === 'otp_expired' || gotrueCode === 'flow_state_expired' ? 'link_expired' : 'confirmation_failed';
}
