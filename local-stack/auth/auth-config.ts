import type { ProjectConfig } from '../project-config.ts';

/**
 * GoTrue's settings, as the Supabase CLI derives them from `supabase/config.toml` (its GOTRUE_* env vars),
 * plus the GoTrue defaults the CLI leaves alone. Every handler reads its switches from here.
 */
export interface AuthConfig {
  /** GOTRUE_SITE_URL: the default redirect and the host always allowed as a redirect. */
  siteUrl: string;
  /** GOTRUE_URI_ALLOW_LIST (`additional_redirect_urls`): exact URLs or globs. */
  uriAllowList: string[];
  /** API_EXTERNAL_URL: public base of the Auth API, used in links and JWT `iss`. */
  externalUrl: string;
  jwtIssuer: string;
  jwtExpirySeconds: number;
  refreshTokenRotation: boolean;
  refreshTokenReuseIntervalSeconds: number;
  disableSignup: boolean;
  anonymousSignIns: boolean;
  manualLinking: boolean;
  password: { minLength: number; requiredCharacters: string[] };
  email: {
    /** GOTRUE_EXTERNAL_EMAIL_ENABLED (`[auth.email] enable_signup`). */
    enabled: boolean;
    /** GOTRUE_MAILER_AUTOCONFIRM: the opposite of `enable_confirmations`. */
    autoconfirm: boolean;
    /** GOTRUE_MAILER_SECURE_EMAIL_CHANGE_ENABLED (`double_confirm_changes`). */
    secureEmailChange: boolean;
    /** GOTRUE_SECURITY_UPDATE_PASSWORD_REQUIRE_REAUTHENTICATION (`secure_password_change`). */
    securePasswordChange: boolean;
    maxFrequencyMs: number;
    otpLength: number;
    otpExpirySeconds: number;
    sender: { name: string; address: string };
  };
  phoneEnabled: boolean;
  mfa: {
    maxEnrolledFactors: number;
    maxVerifiedFactors: number;
    totp: { enrollEnabled: boolean; verifyEnabled: boolean };
    phone: { enrollEnabled: boolean; verifyEnabled: boolean };
    challengeExpirySeconds: number;
    factorExpirySeconds: number;
  };
  rateLimits: {
    /** Mails per hour for the whole server (GoTrue's RATE_LIMIT_EMAIL_SENT). */
    emailSentPerHour: number;
    anonymousUsersPerHour: number;
    /** Per client IP and 5 minutes: token grants (password, refresh, PKCE, id_token). */
    tokenRefresh: number;
    /** Per client IP and 5 minutes: sign-up, OTP, magic link, recover, resend, user updates (RATE_LIMIT_OTP). */
    signInSignUps: number;
    /** Per client IP and 5 minutes: /verify. */
    tokenVerifications: number;
    web3: number;
    /** Per client IP and minute: MFA challenge and verify (GoTrue's default, not in config.toml). */
    mfaChallengeAndVerify: number;
  };
  /** GOTRUE_EXTERNAL_<NAME>_ENABLED for OAuth providers. */
  externalProviders: Record<string, boolean>;
  web3: { solana: boolean; ethereum: boolean };
  flowStateExpirySeconds: number;
}

/** The character sets behind `password_requirements`, as the CLI hands them to GoTrue. */
const REQUIRED_CHARACTERS: Record<string, string[]> = {
  '': [],
  letters_digits: ['abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ', '0123456789'],
  lower_upper_letters_digits: ['abcdefghijklmnopqrstuvwxyz', 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', '0123456789'],
  lower_upper_letters_digits_symbols: [
    'abcdefghijklmnopqrstuvwxyz',
    'ABCDEFGHIJKLMNOPQRSTUVWXYZ',
    '0123456789',
    '!@#$%^&*()_+-=[]{};\'\\:"|<>?,./`~',
  ],
};

/** What the CLI passes when no real SMTP server is configured: the mail catcher takes everything. */
const MAIL_CATCHER_EMAIL_RATE = 360_000;

export function authConfigFrom(project: ProjectConfig, apiUrl: string): AuthConfig {
  const auth = project.auth;
  const externalUrl = auth.external_url || `${apiUrl}/auth/v1`;
  const requiredCharacters = REQUIRED_CHARACTERS[auth.password_requirements];
  if (!requiredCharacters) {
    throw new Error(
      `config.toml: auth.password_requirements must be one of ${Object.keys(REQUIRED_CHARACTERS).filter(Boolean).join(', ')} (or empty)`,
    );
  }
  return {
    siteUrl: auth.site_url,
    uriAllowList: auth.additional_redirect_urls,
    externalUrl,
    jwtIssuer: auth.jwt_issuer || externalUrl,
    jwtExpirySeconds: auth.jwt_expiry,
    refreshTokenRotation: auth.enable_refresh_token_rotation,
    refreshTokenReuseIntervalSeconds: auth.refresh_token_reuse_interval,
    disableSignup: !auth.enable_signup,
    anonymousSignIns: auth.enable_anonymous_sign_ins,
    manualLinking: auth.enable_manual_linking,
    password: { minLength: Math.max(auth.minimum_password_length, 6), requiredCharacters },
    email: {
      enabled: auth.email.enable_signup,
      autoconfirm: !auth.email.enable_confirmations,
      secureEmailChange: auth.email.double_confirm_changes,
      securePasswordChange: auth.email.secure_password_change,
      maxFrequencyMs: auth.email.max_frequency,
      otpLength: auth.email.otp_length,
      otpExpirySeconds: auth.email.otp_expiry,
      sender: { name: project.mail.senderName, address: project.mail.adminEmail },
    },
    phoneEnabled: auth.sms.enable_signup,
    mfa: {
      maxEnrolledFactors: auth.mfa.max_enrolled_factors,
      maxVerifiedFactors: 10,
      totp: { enrollEnabled: auth.mfa.totp.enroll_enabled, verifyEnabled: auth.mfa.totp.verify_enabled },
      phone: { enrollEnabled: auth.mfa.phone.enroll_enabled, verifyEnabled: auth.mfa.phone.verify_enabled },
      challengeExpirySeconds: 300,
      factorExpirySeconds: 300,
    },
    rateLimits: {
      emailSentPerHour: auth.email.smtp?.enabled ? auth.rate_limit.email_sent : MAIL_CATCHER_EMAIL_RATE,
      anonymousUsersPerHour: auth.rate_limit.anonymous_users,
      tokenRefresh: auth.rate_limit.token_refresh,
      signInSignUps: auth.rate_limit.sign_in_sign_ups,
      tokenVerifications: auth.rate_limit.token_verifications,
      web3: auth.rate_limit.web3,
      mfaChallengeAndVerify: 15,
    },
    externalProviders: Object.fromEntries(Object.entries(auth.external).map(([name, provider]) => [name, provider.enabled])),
    web3: { solana: auth.web3.solana?.enabled ?? false, ethereum: auth.web3.ethereum?.enabled ?? false },
    flowStateExpirySeconds: 300,
  };
}
