import type { AuthConfig } from './auth-config.ts';
import { AuthError } from './errors.ts';

/** Buckets idle for this long are forgotten (tollbooth's DefaultExpirationTTL), which bounds memory. */
const IDLE_TTL_MS = 60 * 60 * 1000;
/** A flood of distinct keys cannot grow the map without bound: the oldest buckets go first. */
const MAX_KEYS = 100_000;

interface Bucket {
  tokens: number;
  updatedAt: number;
}

/**
 * A token bucket per key (golang.org/x/time/rate, which GoTrue's tollbooth limiters use): `ratePerSecond`
 * tokens flow in continuously up to `burst`, and every request spends one.
 */
export class TokenBucketLimiter {
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    private readonly ratePerSecond: number,
    private readonly burst: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Spends a token for `key`; false when the bucket is empty. */
  allow(key: string): boolean {
    const now = this.now();
    let bucket = this.buckets.get(key);
    if (bucket && now - bucket.updatedAt > IDLE_TTL_MS) bucket = undefined;
    const tokens = bucket
      ? Math.min(this.burst, bucket.tokens + ((now - bucket.updatedAt) / 1000) * this.ratePerSecond)
      : this.burst;
    // Delete and re-insert keeps the Map in least-recently-used order for the eviction below.
    this.buckets.delete(key);
    const allowed = tokens >= 1;
    this.buckets.set(key, { tokens: allowed ? tokens - 1 : tokens, updatedAt: now });
    if (this.buckets.size > MAX_KEYS) this.buckets.delete(this.buckets.keys().next().value as string);
    return allowed;
  }
}

/** GoTrue's limiters (api/options.go), with the CLI's config.toml values. */
export interface AuthLimiters {
  token: TokenBucketLimiter;
  verify: TokenBucketLimiter;
  /** Sign-up, OTP, magic link, recover, resend and PUT /user share RATE_LIMIT_OTP (`sign_in_sign_ups`). */
  otp: TokenBucketLimiter;
  anonymous: TokenBucketLimiter;
  factorChallenge: TokenBucketLimiter;
  factorVerify: TokenBucketLimiter;
  web3: TokenBucketLimiter;
  /** One bucket for the whole server: mails per hour. */
  email: TokenBucketLimiter;
}

const FIVE_MINUTES = 5 * 60;
/** GoTrue gives every per-IP limiter a burst of 30 (SetBurst(30)); anonymous sign-ins burst to their hourly limit. */
const BURST = 30;

export function createLimiters(config: AuthConfig['rateLimits']): AuthLimiters {
  const per5Minutes = (events: number) => new TokenBucketLimiter(events / FIVE_MINUTES, BURST);
  return {
    token: per5Minutes(config.tokenRefresh),
    verify: per5Minutes(config.tokenVerifications),
    otp: per5Minutes(config.signInSignUps),
    anonymous: new TokenBucketLimiter(config.anonymousUsersPerHour / 3600, config.anonymousUsersPerHour),
    factorChallenge: new TokenBucketLimiter(config.mfaChallengeAndVerify / 60, BURST),
    factorVerify: new TokenBucketLimiter(config.mfaChallengeAndVerify / 60, BURST),
    web3: per5Minutes(config.web3),
    email: new TokenBucketLimiter(config.emailSentPerHour / 3600, config.emailSentPerHour),
  };
}

/** GoTrue's answer when a per-IP limiter refuses a request. */
export function enforceRateLimit(limiter: TokenBucketLimiter, key: string): void {
  if (!limiter.allow(key)) throw new AuthError(429, 'over_request_rate_limit', 'Request rate limit reached');
}
