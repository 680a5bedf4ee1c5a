/**
 * One joined channel of one socket (a Phoenix channel `realtime:<name>`): join with its config and token,
 * leave, token refresh, broadcast, presence, and the `postgres_changes` it subscribed to. Replies, system messages
 * and errors are those of hosted Realtime (`RealtimeWeb.RealtimeChannel`).
 */
import type postgres from 'postgres';
import { randomUUID } from 'node:crypto';
import { channelPolicies, type ChannelPolicies } from './channel-policies.ts';
import { encode, encodeRaw, encodeUserBroadcast, type InboundMessage, type UserBroadcast, type Vsn } from './serializer.ts';
import {
  bindingId,
  currentLsn,
  resolveSubscription,
  SubscriptionError,
  type ChangeSubscriber,
  type PostgresChangesParams,
  type PostgresSubscription,
  type SubscriptionRegistry,
} from './subscriptions.ts';
import { TokenError, verifyChannelToken, type ChannelClaims } from './tokens.ts';
import { Topics, type PresenceDiff, type TopicMember } from './topics.ts';

/** What every channel of the server shares. */
export interface RealtimeContext {
  jwtSecret: string;
  admin: postgres.Sql;
  registry: SubscriptionRegistry;
  topics: Topics;
  /** Starts the WAL reader if needed; resolves when changes committed from now on will be read. */
  startChanges(): Promise<void>;
  log: (line: string) => void;
}

/** The socket side of a channel. */
export interface ChannelSocket {
  readonly vsn: Vsn;
  /** The token the socket connected with (its `apikey`): a channel's token when the join carries none. */
  readonly token: string;
  send(frame: string | Buffer): void;
  /** Called when the channel is closed from the server side (error, expired token, leave). */
  forget(channel: Channel): void;
}

/** Bindings one channel may hold: each costs catalog queries at join and work for every change of its tables. */
const MAX_BINDINGS = 100;

/** Hosted Realtime's cap on a timer (tokens can expire far in the future). */
const MAX_TIMER_MS = 60 * 60 * 1000;

const asObject = (value: unknown): Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};

const encodeCache = new WeakMap<object, Map<string, string | Buffer | null>>();

export class Channel implements ChangeSubscriber, TopicMember {
  readonly subTopic: string;
  private claims: ChannelClaims | null = null;
  private token: string | null = null;
  private isPrivate = false;
  private policies: ChannelPolicies | null = null;
  private selfBroadcast = false;
  private ackBroadcast = false;
  private presenceKey = '';
  private presenceEnabled = false;
  private joined = false;
  private closed = false;
  private tokenTimer: NodeJS.Timeout | null = null;
  private bindings: PostgresChangesParams[] = [];
  /** Messages for this channel run one after another, as in a Phoenix channel process. */
  private queue: Promise<void> = Promise.resolve();
  private queued = 0;

  constructor(
    readonly topic: string,
    readonly joinRef: string | null,
    private readonly socket: ChannelSocket,
    private readonly context: RealtimeContext,
  ) {
    this.subTopic = topic.slice('realtime:'.length);
  }

  get role(): string {
    return this.claims?.role ?? 'anon';
  }

  /** The claims as `request.jwt.claims` holds them; also the key that groups subscribers for RLS checks. */
  claimsJson = '{}';
  groupKey = '';

  private setClaims(claims: ChannelClaims, token: string): void {
    this.claims = claims;
    this.token = token;
    this.claimsJson = JSON.stringify(claims);
    this.groupKey = `${claims.role}\u0000${this.claimsJson}`;
  }

  get isJoined(): boolean {
    return this.joined && !this.closed;
  }

  private get topicKey(): string {
    return Topics.key(this.subTopic, this.isPrivate);
  }

  /** Runs `work` after the channel's earlier messages; false when too many are waiting (the socket is flooding). */
  enqueue(work: () => Promise<void>): boolean {
    if (this.queued >= 1000) return false;
    this.queued++;
    this.queue = this.queue
      .then(work)
      .catch((error: unknown) => this.context.log(`[realtime] ${this.topic}: ${error instanceof Error ? error.message : String(error)}`))
      .finally(() => this.queued--);
    return true;
  }

  // ── outbound ──────────────────────────────────────────────────────────────────────────────────────────────

  private push(event: string, payload: unknown): void {
    if (this.closed) return;
    this.socket.send(encode(this.socket.vsn, { joinRef: this.joinRef, ref: null, topic: this.topic, event, payload }));
  }

  reply(ref: string | null, status: 'ok' | 'error', response: Record<string, unknown> = {}): void {
    this.socket.send(encode(this.socket.vsn, { joinRef: this.joinRef, ref, topic: this.topic, event: 'phx_reply', payload: { status, response } }));
  }

  private system(extension: 'system' | 'postgres_changes', status: 'ok' | 'error', message: string): void {
    this.push('system', { extension, status, message, channel: this.subTopic });
  }

  deliverChange(ids: number[], dataJson: string): void {
    if (!this.isJoined) return;
    this.socket.send(
      encodeRaw(this.socket.vsn, { joinRef: null, ref: null, topic: this.topic, event: 'postgres_changes' }, `{"ids":${JSON.stringify(ids)},"data":${dataJson}}`),
    );
  }

  deliverBroadcast(broadcast: UserBroadcast | Record<string, unknown>): void {
    if (!this.isJoined || (this.policies && !this.policies.broadcast.read)) return;
    // Encoded once per wire format for every recipient of the same message.
    let frames = encodeCache.get(broadcast);
    if (!frames) encodeCache.set(broadcast, (frames = new Map()));
    const key = `${this.socket.vsn}|${this.topic}`;
    let frame = frames.get(key);
    if (frame === undefined) {
      frame =
        'data' in broadcast && Buffer.isBuffer(broadcast.data)
          ? encodeUserBroadcast(this.socket.vsn, this.topic, broadcast as UserBroadcast)
          : encode(this.socket.vsn, { joinRef: null, ref: null, topic: this.topic, event: 'broadcast', payload: broadcast });
      frames.set(key, frame);
    }
    if (frame !== null) this.socket.send(frame);
  }

  deliverPresenceDiff(diff: PresenceDiff): void {
    if (!this.isJoined || !this.presenceEnabled || (this.policies && !this.policies.presence.read)) return;
    this.push('presence_diff', diff);
  }

  // ── inbound ───────────────────────────────────────────────────────────────────────────────────────────────

  async join(message: InboundMessage): Promise<void> {
    const payload = message.payload;
    const config = asObject(payload.config);
    if (this.subTopic === '') return this.reply(message.ref, 'error', { reason: 'TopicNameRequired: You must provide a topic name' });

    const given = typeof payload.access_token === 'string' ? payload.access_token : typeof payload.user_token === 'string' ? payload.user_token : null;
    const token = given === null || given.startsWith('sb_') ? this.socket.token : given;
    try {
      this.setClaims(await verifyChannelToken(token, this.context.jwtSecret), token);
    } catch (error) {
      if (error instanceof TokenError) return this.reply(message.ref, 'error', { reason: error.reason });
      throw error;
    }

    const broadcast = asObject(config.broadcast);
    const presence = asObject(config.presence);
    this.isPrivate = config.private === true;
    this.selfBroadcast = broadcast.self === true;
    this.ackBroadcast = broadcast.ack === true;
    this.presenceKey = typeof presence.key === 'string' && presence.key !== '' ? presence.key : randomUUID();
    this.presenceEnabled = presence.enabled === true;

    if (this.isPrivate) {
      this.policies = await channelPolicies(this.context.admin, this.subTopic, this.role, this.claimsJson).catch((error: Error) => {
        this.context.log(`[realtime] private channel check failed for ${this.subTopic}: ${error.message}`);
        return null;
      });
      if (!this.policies || !(this.policies.broadcast.read || this.policies.presence.read)) {
        return this.reply(message.ref, 'error', {
          reason: `Unauthorized: You do not have permissions to read from this Channel topic: ${this.subTopic}`,
        });
      }
    }

    this.bindings = (Array.isArray(config.postgres_changes) ? config.postgres_changes : [])
      .filter((binding): binding is PostgresChangesParams => binding !== null && typeof binding === 'object' && !Array.isArray(binding));
    const subscribed = this.bindings.length > 0 ? await this.subscribe() : null;
    if (this.closed) return;

    this.joined = true;
    this.context.topics.join(this.topicKey, this);
    this.reply(message.ref, 'ok', { postgres_changes: this.bindings.map((binding) => ({ ...binding, id: bindingId(binding) })) });
    if (subscribed === true) this.system('postgres_changes', 'ok', 'Subscribed to PostgreSQL');
    else if (typeof subscribed === 'string') this.system('postgres_changes', 'error', subscribed);
    if (this.presenceEnabled) this.push('presence_state', this.context.topics.presenceState(this.topicKey));
    this.armTokenTimer();
  }

  /** Validates and registers the channel's bindings (all or none); true, or the error message for the client. */
  private async subscribe(): Promise<true | string> {
    if (this.bindings.length > MAX_BINDINGS) return `Too many postgres_changes bindings on one channel (at most ${MAX_BINDINGS})`;
    try {
      const resolved: Omit<PostgresSubscription, 'since'>[] = [];
      for (const binding of this.bindings) resolved.push({ ...(await resolveSubscription(this.context.admin, binding, this.role)), subscriber: this });
      await this.context.startChanges();
      const since = await currentLsn(this.context.admin);
      this.context.registry.removeSubscriber(this);
      if (this.closed) return true;
      for (const subscription of resolved) this.context.registry.add({ ...subscription, since });
      return true;
    } catch (error) {
      if (error instanceof SubscriptionError) return error.message;
      this.context.log(`[realtime] postgres_changes subscription failed: ${(error as Error).message}`);
      return 'Realtime was unable to connect to the project database';
    }
  }

  async leave(ref: string | null): Promise<void> {
    this.reply(ref, 'ok');
    this.close();
  }

  async accessToken(payload: Record<string, unknown>): Promise<void> {
    const token = payload.access_token;
    if (typeof token !== 'string' || token === this.token || token.startsWith('sb_')) return;
    let claims: ChannelClaims;
    try {
      claims = await verifyChannelToken(token, this.context.jwtSecret);
    } catch (error) {
      if (error instanceof TokenError) return this.shutdown(error.message);
      throw error;
    }
    this.setClaims(claims, token);
    if (this.isPrivate) {
      const before = this.policies;
      this.policies = await channelPolicies(this.context.admin, this.subTopic, this.role, this.claimsJson).catch(() => null);
      const revoked = (was: boolean | undefined, now: boolean | undefined) => was === true && now !== true;
      if (!this.policies || revoked(before?.broadcast.read, this.policies.broadcast.read) || revoked(before?.presence.read, this.policies.presence.read)) {
        return this.shutdown(`You no longer have permission to read from this Channel topic: ${this.subTopic}`);
      }
    }
    // Subscriptions now run with the new claims; re-checked for the (possibly new) role, as hosted re-subscribes.
    if (this.bindings.length > 0) {
      const subscribed = await this.subscribe();
      if (subscribed === true) this.system('postgres_changes', 'ok', 'Subscribed to PostgreSQL');
      else this.system('postgres_changes', 'error', subscribed);
    }
    this.armTokenTimer();
  }

  async broadcast(message: InboundMessage): Promise<void> {
    if (!this.policies || this.policies.broadcast.write) {
      const outgoing: UserBroadcast | Record<string, unknown> = message.userBroadcast ?? message.payload;
      this.context.topics.broadcast(this.topicKey, this, outgoing, this.selfBroadcast);
    }
    if (this.ackBroadcast && message.ref !== null) this.reply(message.ref, 'ok');
  }

  async presence(message: InboundMessage): Promise<void> {
    const event = typeof message.payload.event === 'string' ? message.payload.event.toLowerCase() : '';
    if (this.policies && !this.policies.presence.write) return this.reply(message.ref, 'ok');
    if (event === 'track') {
      const payload = message.payload.payload ?? {};
      if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) {
        return this.reply(message.ref, 'error', { reason: 'Presence track payload must be a map' });
      }
      if (!this.presenceEnabled) {
        // Tracking turns presence on for a channel that joined without it: it needs the state first.
        this.presenceEnabled = true;
        this.push('presence_state', this.context.topics.presenceState(this.topicKey));
      }
      this.context.topics.track(this.topicKey, this, this.presenceKey, payload as Record<string, unknown>);
      return this.reply(message.ref, 'ok');
    }
    if (event === 'untrack') {
      this.context.topics.untrack(this.topicKey, this, this.presenceKey);
      return this.reply(message.ref, 'ok');
    }
    this.reply(message.ref, 'error', {});
  }

  // ── lifecycle ─────────────────────────────────────────────────────────────────────────────────────────────

  private armTokenTimer(): void {
    if (this.tokenTimer) clearTimeout(this.tokenTimer);
    const exp = this.claims?.exp;
    if (typeof exp !== 'number') return;
    const delay = Math.min(MAX_TIMER_MS, Math.max(0, exp * 1000 - Date.now()));
    this.tokenTimer = setTimeout(() => {
      this.tokenTimer = null;
      this.enqueue(async () => {
        if (this.closed) return;
        if ((this.claims?.exp ?? 0) * 1000 > Date.now()) return this.armTokenTimer();
        this.shutdown(`Token has expired ${Math.max(0, Math.floor(Date.now() / 1000) - (this.claims?.exp ?? 0))} seconds ago`);
      });
    }, delay);
    this.tokenTimer.unref();
  }

  /** Hosted's `shutdown_response`: a system error, then the channel closes. */
  private shutdown(message: string): void {
    this.system('system', 'error', message);
    this.close();
  }

  /** Closes from the server side: tells the client (`phx_close`) and releases everything. */
  close(): void {
    if (this.closed) return;
    if (this.joined) this.socket.send(encode(this.socket.vsn, { joinRef: this.joinRef, ref: this.joinRef, topic: this.topic, event: 'phx_close', payload: {} }));
    this.dispose();
    this.socket.forget(this);
  }

  /** Releases the channel's subscriptions, presence and timers (the socket went away, or close()). */
  dispose(): void {
    this.closed = true;
    if (this.tokenTimer) clearTimeout(this.tokenTimer);
    this.tokenTimer = null;
    this.context.registry.removeSubscriber(this);
    this.context.topics.leave(this.topicKey, this);
  }
}
