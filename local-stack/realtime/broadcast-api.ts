/**
 * Broadcast over HTTP at /realtime/v1/api/broadcast, as realtime-js uses it: `channel.httpSend(event, payload)`
 * (`POST /api/broadcast/<topic>/events/<event>[?private=true]`, JSON or bytes) and `channel.send()` before the
 * channel has joined (`POST /api/broadcast` with `{messages: [{topic, event, payload, private}]}`). Both answer 202
 * and reach every channel joined to the topic; private topics need the caller's write permission on
 * `realtime.messages`, as on the socket.
 */
import type postgres from 'postgres';
import { json, type Api, type HttpRequest, type HttpResponse } from '../http/types.ts';
import { channelPolicies } from './channel-policies.ts';
import type { UserBroadcast } from './serializer.ts';
import { TokenError, verifyChannelToken, type ChannelClaims } from './tokens.ts';
import { Topics, type PresenceDiff, type TopicMember } from './topics.ts';

/** The sender of an HTTP broadcast: a member of no topic. */
const HTTP_SENDER: TopicMember = {
  deliverBroadcast: () => {},
  deliverPresenceDiff: (_diff: PresenceDiff) => {},
};

const MAX_MESSAGES = 100;

export function createBroadcastApi(context: { jwtSecret: string; admin: postgres.Sql; topics: Topics }): Api {
  const authorize = async (request: HttpRequest): Promise<ChannelClaims> => {
    const bearer = /^bearer\s+(.+)$/i.exec(request.headers.authorization ?? '')?.[1];
    return verifyChannelToken(bearer ?? request.headers.apikey, context.jwtSecret);
  };
  const mayWrite = async (claims: ChannelClaims, topic: string, isPrivate: boolean): Promise<boolean> =>
    !isPrivate || (await channelPolicies(context.admin, topic, claims.role, JSON.stringify(claims)).catch(() => null))?.broadcast.write === true;

  const handle = async (request: HttpRequest): Promise<HttpResponse> => {
    if (request.method !== 'POST') return json(405, { error: 'Method not allowed' });
    let claims: ChannelClaims;
    try {
      claims = await authorize(request);
    } catch (error) {
      if (error instanceof TokenError) return json(401, { error: error.message });
      throw error;
    }
    const single = /^\/api\/broadcast\/([^/]+)\/events\/([^/]+)$/.exec(request.path);
    if (single) {
      const [topic, event] = [decodeURIComponent(single[1]), decodeURIComponent(single[2])];
      const isPrivate = new URLSearchParams(request.query).get('private') === 'true';
      const binary = (request.headers['content-type'] ?? '').startsWith('application/octet-stream');
      if (!binary) {
        try {
          JSON.parse(request.body.toString('utf8'));
        } catch {
          return json(400, { error: 'Payload must be JSON (or application/octet-stream)' });
        }
      }
      if (!(await mayWrite(claims, topic, isPrivate))) {
        return json(403, { error: `You do not have permissions to write to this Channel topic: ${topic}` });
      }
      const message: UserBroadcast = { event, encoding: binary ? 'binary' : 'json', data: request.body };
      context.topics.broadcast(Topics.key(topic, isPrivate), HTTP_SENDER, message, true);
      return { status: 202 };
    }
    if (request.path !== '/api/broadcast') return json(404, { error: 'Not found' });
    let body: unknown;
    try {
      body = JSON.parse(request.body.toString('utf8'));
    } catch {
      return json(400, { error: 'Body must be JSON: {"messages": [{"topic", "event", "payload", "private"}]}' });
    }
    const messages = (body as { messages?: unknown })?.messages;
    if (!Array.isArray(messages) || messages.length > MAX_MESSAGES) {
      return json(400, { error: `Expected {"messages": [...]} with at most ${MAX_MESSAGES} messages` });
    }
    for (const message of messages as Record<string, unknown>[]) {
      if (typeof message?.topic !== 'string' || typeof message.event !== 'string') {
        return json(400, { error: 'Each message needs a string topic and event' });
      }
    }
    for (const message of messages as { topic: string; event: string; payload?: unknown; private?: unknown }[]) {
      const isPrivate = message.private === true;
      // As hosted: a message the caller may not write to a private topic is left out.
      if (!(await mayWrite(claims, message.topic, isPrivate))) continue;
      context.topics.broadcast(
        Topics.key(message.topic, isPrivate),
        HTTP_SENDER,
        { type: 'broadcast', event: message.event, payload: message.payload ?? {} },
        true,
      );
    }
    return { status: 202 };
  };
  return { handle, close: async () => {} };
}
