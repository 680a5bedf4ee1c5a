import type { HttpRequest, HttpResponse } from '../../http/types.ts';
import type { AuthContext } from '../context.ts';
import { transaction } from '../db.ts';
import { badRequest } from '../errors.ts';
import { requireUser } from '../request-auth.ts';
import { logout as endSessions, type LogoutScope } from '../sessions.ts';

function scopeOf(request: HttpRequest): LogoutScope {
  const scope = new URLSearchParams(request.query).get('scope') ?? '';
  if (scope === '' || scope === 'global') return 'global';
  if (scope === 'local' || scope === 'others') return scope;
  throw badRequest('validation_failed', `Unsupported logout scope "${scope}"`);
}

/** POST /logout?scope=global|local|others → 204 */
export async function logout(ctx: AuthContext, request: HttpRequest): Promise<HttpResponse> {
  const { user, session } = await requireUser(ctx, request);
  const scope = scopeOf(request);
  await transaction(ctx.sql, (tx) => endSessions(tx, user.id, session?.id ?? null, scope));
  return { status: 204 };
}
