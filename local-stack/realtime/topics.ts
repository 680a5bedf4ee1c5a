/**
 * Broadcast and presence between the channels joined to the same topic, in this process (hosted Realtime does
 * the same across its cluster with Phoenix PubSub and Presence). Public and private channels of one name are
 * different topics, as on hosted.
 */
import { randomUUID } from 'node:crypto';
import type { UserBroadcast } from './serializer.ts';

/** The channel side of a topic membership. */
export interface TopicMember {
  /** Sends a broadcast pushed by another member (or by this one, with `self`). */
  deliverBroadcast(broadcast: UserBroadcast | Record<string, unknown>): void;
  /** Sends a `presence_diff` to this member. */
  deliverPresenceDiff(diff: PresenceDiff): void;
}

export type PresenceMeta = Record<string, unknown> & { phx_ref: string; phx_ref_prev?: string };
export type PresenceEntries = Record<string, { metas: PresenceMeta[] }>;
export interface PresenceDiff {
  joins: PresenceEntries;
  leaves: PresenceEntries;
}

interface Topic {
  members: Set<TopicMember>;
  /** presence key → (tracking member → its meta). */
  presences: Map<string, Map<TopicMember, PresenceMeta>>;
}

const phxRef = () => randomUUID().replaceAll('-', '').slice(0, 20);

export class Topics {
  private readonly topics = new Map<string, Topic>();

  static key(subTopic: string, isPrivate: boolean): string {
    return `${isPrivate ? 'private' : 'public'}:${subTopic}`;
  }

  join(key: string, member: TopicMember): void {
    let topic = this.topics.get(key);
    if (!topic) this.topics.set(key, (topic = { members: new Set(), presences: new Map() }));
    topic.members.add(member);
  }

  leave(key: string, member: TopicMember): void {
    const topic = this.topics.get(key);
    if (!topic) return;
    this.untrackAll(key, member);
    topic.members.delete(member);
    if (topic.members.size === 0) this.topics.delete(key);
  }

  broadcast(key: string, from: TopicMember, message: UserBroadcast | Record<string, unknown>, self: boolean): void {
    for (const member of this.topics.get(key)?.members ?? []) {
      if (member !== from || self) member.deliverBroadcast(message);
    }
  }

  /** The topic's presences, as Phoenix.Presence lists them (`presence_state`). */
  presenceState(key: string): PresenceEntries {
    const state: PresenceEntries = {};
    for (const [presenceKey, metas] of this.topics.get(key)?.presences ?? []) state[presenceKey] = { metas: [...metas.values()] };
    return state;
  }

  /** Tracks (or updates) `member` under `presenceKey`; every member gets the diff, the tracker included. */
  track(key: string, member: TopicMember, presenceKey: string, payload: Record<string, unknown>): void {
    const topic = this.topics.get(key);
    if (!topic) return;
    let metas = topic.presences.get(presenceKey);
    if (!metas) topic.presences.set(presenceKey, (metas = new Map()));
    const previous = metas.get(member);
    const meta: PresenceMeta = { ...payload, phx_ref: phxRef() };
    if (previous) meta.phx_ref_prev = previous.phx_ref;
    metas.set(member, meta);
    // An update goes out as a leave, then a join: realtime-js's presence callbacks strip `phx_ref` from the metas
    // they are given, so a leave that arrives in the same diff as its join no longer matches the old meta.
    if (previous) {
      const leave: PresenceDiff = { joins: {}, leaves: { [presenceKey]: { metas: [previous] } } };
      for (const other of topic.members) other.deliverPresenceDiff(leave);
    }
    const join: PresenceDiff = { joins: { [presenceKey]: { metas: [meta] } }, leaves: {} };
    for (const other of topic.members) other.deliverPresenceDiff(join);
  }

  untrack(key: string, member: TopicMember, presenceKey: string): void {
    const topic = this.topics.get(key);
    const metas = topic?.presences.get(presenceKey);
    const previous = metas?.get(member);
    if (!topic || !metas || !previous) return;
    metas.delete(member);
    if (metas.size === 0) topic.presences.delete(presenceKey);
    const diff: PresenceDiff = { joins: {}, leaves: { [presenceKey]: { metas: [previous] } } };
    for (const other of topic.members) other.deliverPresenceDiff(diff);
  }

  private untrackAll(key: string, member: TopicMember): void {
    const topic = this.topics.get(key);
    for (const [presenceKey, metas] of topic?.presences ?? []) if (metas.has(member)) this.untrack(key, member, presenceKey);
  }
}
