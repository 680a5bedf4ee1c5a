/**
 * Private channels: RLS policies on `realtime.messages` decide who may read (join, receive) and write (send,
 * track) on a topic, with `realtime.topic()` naming it, as on hosted Realtime. Checked the way hosted checks them:
 * in a transaction that is always rolled back, a broadcast and a presence row are written for the topic; the
 * subscriber's role and claims then SELECT them (read) and INSERT new ones (write).
 */
import type postgres from 'postgres';

export interface ChannelPolicies {
  broadcast: { read: boolean; write: boolean };
  presence: { read: boolean; write: boolean };
}

class Rollback extends Error {
  constructor(readonly policies: ChannelPolicies) {
    super('rollback');
  }
}

/**
 * `admin` is a superuser connection (it writes the probe rows past RLS, then switches to `role`, which the caller
 * has checked is one the API may use).
 */
export async function channelPolicies(admin: postgres.Sql, topic: string, role: string, claimsJson: string): Promise<ChannelPolicies> {
  try {
    await admin.begin(async (tx) => {
      const probes = await tx<{ id: string; extension: string }[]>`
        insert into realtime.messages (topic, extension, private)
        values (${topic}, 'broadcast', true), (${topic}, 'presence', true)
        returning id::text, extension`;
      await tx`select set_config('role', ${role}, true), set_config('request.jwt.claims', ${claimsJson}, true),
                      set_config('realtime.topic', ${topic}, true), set_config('statement_timeout', '5000', true)`;
      const readable = await tx<{ extension: string }[]>`
        select extension from realtime.messages where id = any(${probes.map((probe) => probe.id)}::uuid[])`;
      const canWrite = async (extension: string) => {
        try {
          await tx.savepoint((sp) => sp`insert into realtime.messages (topic, extension, private) values (${topic}, ${extension}, true)`);
          return true;
        } catch {
          return false;
        }
      };
      const has = (extension: string) => readable.some((row) => row.extension === extension);
      throw new Rollback({
        broadcast: { read: has('broadcast'), write: await canWrite('broadcast') },
        presence: { read: has('presence'), write: await canWrite('presence') },
      });
    });
  } catch (error) {
    if (error instanceof Rollback) return error.policies;
    throw error;
  }
  throw new Error('unreachable');
}
