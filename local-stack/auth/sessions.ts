import { randomUUID } from 'node:crypto';
import type { Db } from './db.ts';

export interface SessionRow {
  id: string;
  user_id: string;
  created_at: Date;
  aal: string | null;
  not_after: Date | null;
}

export async function createSession(tx: Db, userId: string, client: { userAgent: string | undefined; ip: string }): Promise<SessionRow> {
  const [session] = await tx<SessionRow[]>`
    insert into auth.sessions (id, user_id, created_at, updated_at, aal, user_agent, ip)
    values (${randomUUID()}, ${userId}, now(), now(), 'aal1', ${client.userAgent ?? null}, ${client.ip}::inet)
    returning id, user_id, created_at, aal::text as aal, not_after`;
  return session;
}

export async function findSession(db: Db, id: string, options: { forUpdate?: boolean } = {}): Promise<SessionRow | null> {
  const [session] = options.forUpdate
    ? await db<SessionRow[]>`
        select id, user_id, created_at, aal::text as aal, not_after from auth.sessions where id = ${id} for update`
    : await db<SessionRow[]>`
        select id, user_id, created_at, aal::text as aal, not_after from auth.sessions where id = ${id}`;
  return session ?? null;
}

export async function markRefreshed(tx: Db, sessionId: string, userAgent: string | undefined): Promise<void> {
  await tx`
    update auth.sessions
    set refreshed_at = now() at time zone 'utc', updated_at = now(), user_agent = coalesce(${userAgent ?? null}, user_agent)
    where id = ${sessionId}`;
}

/** After refresh-token reuse the session may not be refreshed any more (GoTrue's `not_after` rule). */
export async function expireSession(tx: Db, sessionId: string): Promise<void> {
  await tx`update auth.sessions set not_after = now(), updated_at = now() where id = ${sessionId}`;
}

export type LogoutScope = 'global' | 'local' | 'others';

/**
 * Sign-out deletes session rows (their refresh tokens follow by cascade), so the session's access tokens
 * are refused from then on (`session_not_found`) and its refresh tokens are unknown.
 */
export async function logout(tx: Db, userId: string, sessionId: string | null, scope: LogoutScope): Promise<void> {
  if (sessionId === null || scope === 'global') {
    await tx`delete from auth.sessions where user_id = ${userId}`;
    await tx`delete from auth.refresh_tokens where user_id = ${userId} and session_id is null`;
  } else if (scope === 'local') {
    await tx`delete from auth.sessions where id = ${sessionId}`;
  } else {
    await tx`delete from auth.sessions where user_id = ${userId} and id <> ${sessionId}`;
  }
}
