/**
 * The two wire formats realtime-js speaks (Phoenix's socket protocol):
 * - vsn 1.0.0: each frame is a JSON object `{join_ref, ref, topic, event, payload}`;
 * - vsn 2.0.0: each text frame is a JSON array `[join_ref, ref, topic, event, payload]`, and broadcasts travel as
 *   binary frames: a client pushes "user broadcast push" frames (kind 3) and receives "user broadcast" frames
 *   (kind 4), whose user payload is JSON text or raw bytes.
 */

export type Vsn = '1.0.0' | '2.0.0';

/** A broadcast whose user payload was pushed in a binary frame (2.0.0): JSON text or raw bytes. */
export interface UserBroadcast {
  event: string;
  encoding: 'json' | 'binary';
  data: Buffer;
}

export interface InboundMessage {
  joinRef: string | null;
  ref: string | null;
  topic: string;
  event: string;
  /** The JSON payload; for a binary broadcast push, `{type: 'broadcast', event}` without the user payload. */
  payload: Record<string, unknown>;
  userBroadcast?: UserBroadcast;
}

export interface OutboundMessage {
  joinRef: string | null;
  ref: string | null;
  topic: string;
  event: string;
  payload: unknown;
}

export class ProtocolError extends Error {}

const USER_BROADCAST_PUSH = 3;
const USER_BROADCAST = 4;
const JSON_ENCODING = 1;

/** Accepts the versions realtime-js can ask for (`vsn` query parameter); Phoenix defaults to 1.0.0. */
export function parseVsn(raw: string | null): Vsn | null {
  if (raw === null || raw === '' || /^1\.\d+\.\d+$/.test(raw)) return '1.0.0';
  if (/^2\.\d+\.\d+$/.test(raw)) return '2.0.0';
  return null;
}

const isRef = (value: unknown): value is string | null => value === null || value === undefined || typeof value === 'string';
const asRef = (value: unknown): string | null => (typeof value === 'string' ? value : typeof value === 'number' ? String(value) : null);

function checkedMessage(joinRef: unknown, ref: unknown, topic: unknown, event: unknown, payload: unknown): InboundMessage {
  if (typeof topic !== 'string' || typeof event !== 'string') throw new ProtocolError('topic and event must be strings');
  if (!(isRef(joinRef) || typeof joinRef === 'number') || !(isRef(ref) || typeof ref === 'number')) {
    throw new ProtocolError('join_ref and ref must be strings or null');
  }
  const body = payload !== null && typeof payload === 'object' && !Array.isArray(payload) ? (payload as Record<string, unknown>) : {};
  return { joinRef: asRef(joinRef), ref: asRef(ref), topic, event, payload: body };
}

function decodeText(vsn: Vsn, text: string): InboundMessage {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new ProtocolError('frame is not JSON');
  }
  if (vsn === '2.0.0') {
    if (!Array.isArray(value) || value.length < 5) throw new ProtocolError('expected [join_ref, ref, topic, event, payload]');
    return checkedMessage(value[0], value[1], value[2], value[3], value[4]);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new ProtocolError('expected a message object');
  const object = value as Record<string, unknown>;
  return checkedMessage(object.join_ref, object.ref, object.topic, object.event, object.payload);
}

/** Kind 3: kind, join_ref, ref, topic, user event, metadata sizes, encoding, then those strings and the payload. */
function decodeBinary(frame: Buffer): InboundMessage {
  if (frame.length < 7 || frame[0] !== USER_BROADCAST_PUSH) throw new ProtocolError('unsupported binary frame');
  const sizes = [frame[1], frame[2], frame[3], frame[4], frame[5]];
  const encoding = frame[6];
  let offset = 7;
  const [joinRef, ref, topic, event, metadata] = sizes.map((size) => {
    if (offset + size > frame.length) throw new ProtocolError('truncated binary frame');
    const text = frame.subarray(offset, offset + size).toString('utf8');
    offset += size;
    return text;
  });
  if (metadata !== '') {
    try {
      JSON.parse(metadata);
    } catch {
      throw new ProtocolError('broadcast metadata is not JSON');
    }
  }
  const data = frame.subarray(offset);
  if (encoding === JSON_ENCODING) {
    try {
      JSON.parse(data.toString('utf8'));
    } catch {
      throw new ProtocolError('broadcast payload is not JSON');
    }
  }
  return {
    joinRef: joinRef === '' ? null : joinRef,
    ref: ref === '' ? null : ref,
    topic,
    event: 'broadcast',
    payload: { type: 'broadcast', event },
    userBroadcast: { event, encoding: encoding === JSON_ENCODING ? 'json' : 'binary', data: Buffer.from(data) },
  };
}

export function decode(vsn: Vsn, frame: Buffer, isBinary: boolean): InboundMessage {
  if (isBinary) {
    if (vsn !== '2.0.0') throw new ProtocolError('binary frames need vsn 2.0.0');
    return decodeBinary(frame);
  }
  return decodeText(vsn, frame.toString('utf8'));
}

/**
 * Encodes a message whose payload is already JSON text (`payloadJson`), so a change fanned out to many sockets is
 * stringified once.
 */
export function encodeRaw(vsn: Vsn, message: Omit<OutboundMessage, 'payload'>, payloadJson: string): string {
  const head = (value: string | null) => (value === null ? 'null' : JSON.stringify(value));
  if (vsn === '2.0.0') {
    return `[${head(message.joinRef)},${head(message.ref)},${JSON.stringify(message.topic)},${JSON.stringify(message.event)},${payloadJson}]`;
  }
  return `{"join_ref":${head(message.joinRef)},"ref":${head(message.ref)},"topic":${JSON.stringify(message.topic)},"event":${JSON.stringify(message.event)},"payload":${payloadJson}}`;
}

export function encode(vsn: Vsn, message: OutboundMessage): string {
  return encodeRaw(vsn, message, JSON.stringify(message.payload ?? {}));
}

/**
 * A broadcast to one subscriber. 2.0.0 sockets get a kind-4 binary frame (what hosted Realtime sends for user
 * broadcasts); 1.0.0 sockets get JSON, and cannot receive binary payloads at all (null).
 */
export function encodeUserBroadcast(vsn: Vsn, topic: string, broadcast: UserBroadcast): string | Buffer | null {
  if (vsn === '1.0.0') {
    if (broadcast.encoding === 'binary') return null;
    const payloadJson = `{"type":"broadcast","event":${JSON.stringify(broadcast.event)},"payload":${broadcast.data.toString('utf8')}}`;
    return encodeRaw(vsn, { joinRef: null, ref: null, topic, event: 'broadcast' }, payloadJson);
  }
  const topicBytes = Buffer.from(topic, 'utf8');
  const eventBytes = Buffer.from(broadcast.event, 'utf8');
  if (topicBytes.length > 255 || eventBytes.length > 255) {
    if (broadcast.encoding === 'binary') return null;
    const payloadJson = `{"type":"broadcast","event":${JSON.stringify(broadcast.event)},"payload":${broadcast.data.toString('utf8')}}`;
    return encodeRaw(vsn, { joinRef: null, ref: null, topic, event: 'broadcast' }, payloadJson);
  }
  const header = Buffer.from([
    USER_BROADCAST,
    topicBytes.length,
    eventBytes.length,
    0,
    broadcast.encoding === 'json' ? JSON_ENCODING : 0,
  ]);
  return Buffer.concat([header, topicBytes, eventBytes, broadcast.data]);
}
