import { randomUUID } from 'node:crypto';
import { Secret, TOTP } from 'otpauth';
import QRCode from 'qrcode';
import type { AuthConfig } from './auth-config.ts';
import type { Db } from './db.ts';
import { notFound } from './errors.ts';
import { parseUuid } from './validation.ts';
import type { FactorRow } from './user-json.ts';

/** GoTrue's TOTP parameters (pquerna/otp defaults): SHA-1, 6 digits, 30 s, one step of clock skew. */
const TOTP_PARAMETERS = { algorithm: 'SHA1', digits: 6, period: 30 } as const;

export interface TotpEnrollment {
  secret: string;
  uri: string;
  /** An SVG document; supabase-js turns it into a data: URL, so it must not contain `#`. */
  qrCode: string;
}

/** A new TOTP key for an authenticator app (issuer defaults to the site URL's host, as in GoTrue). */
export async function newTotpKey(config: Pick<AuthConfig, 'siteUrl'>, issuer: string, accountName: string): Promise<TotpEnrollment> {
  const secret = new Secret({ size: 20 });
  const totp = new TOTP({ ...TOTP_PARAMETERS, issuer: issuer || new URL(config.siteUrl).host, label: accountName, secret });
  const uri = totp.toString();
  const svg = await QRCode.toString(uri, { type: 'svg', errorCorrectionLevel: 'H', margin: 1 });
  return { secret: secret.base32, uri, qrCode: svg.replaceAll('#ffffff', 'white').replaceAll('#000000', 'black').trim() };
}

export function totpCodeIsValid(secret: string, code: string): boolean {
  if (!/^\d{6}$/.test(code)) return false;
  const totp = new TOTP({ ...TOTP_PARAMETERS, secret: Secret.fromBase32(secret) });
  return totp.validate({ token: code, window: 1 }) !== null;
}

export interface StoredFactor extends FactorRow {
  secret: string | null;
}

/** GoTrue's loadFactor: the factor must be the user's own. */
export async function loadOwnFactor(db: Db, userId: string, rawId: string): Promise<StoredFactor> {
  const id = parseUuid(rawId);
  if (!id) throw notFound('validation_failed', 'factor_id must be an UUID');
  const [factor] = await db<StoredFactor[]>`
    select id, user_id, friendly_name, factor_type::text as factor_type, status::text as status, created_at, updated_at,
      phone, last_challenged_at, secret
    from auth.mfa_factors where id = ${id} and user_id = ${userId}`;
  if (!factor) throw notFound('mfa_factor_not_found', 'Factor not found');
  return factor;
}

export async function insertTotpFactor(tx: Db, userId: string, friendlyName: string, secret: string): Promise<FactorRow> {
  const [factor] = await tx<FactorRow[]>`
    insert into auth.mfa_factors (id, user_id, friendly_name, factor_type, status, created_at, updated_at, secret)
    values (${randomUUID()}, ${userId}, ${friendlyName}, 'totp', 'unverified', now(), now(), ${secret})
    returning id, user_id, friendly_name, factor_type::text as factor_type, status::text as status, created_at, updated_at,
      phone, last_challenged_at`;
  return factor;
}

/** Unverified factors are abandoned enrolments after `expirySeconds` (GoTrue's DeleteExpiredFactors). */
export async function deleteExpiredFactors(tx: Db, userId: string, expirySeconds: number): Promise<void> {
  await tx`
    delete from auth.mfa_factors
    where user_id = ${userId} and status = 'unverified' and created_at < now() - make_interval(secs => ${expirySeconds})`;
}

/** GoTrue's DowngradeSessionsToAAL1: sessions raised by this factor lose its claim and their AAL2. */
export async function downgradeSessions(tx: Db, factor: FactorRow): Promise<void> {
  await tx`
    delete from auth.mfa_amr_claims
    where authentication_method = ${factor.factor_type}
      and session_id in (select id from auth.sessions where factor_id = ${factor.id})`;
  await tx`update auth.sessions set aal = 'aal1', factor_id = null, updated_at = now() where factor_id = ${factor.id}`;
}
