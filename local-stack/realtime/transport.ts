/**
 * The WebSocket side: the handshake at `/realtime/v1/websocket` (apikey checked, serializer chosen by `vsn`),
 * Phoenix heartbeats, routing frames to channels, and bounded memory per socket: frames above 1 MiB are refused,
 * a socket whose unsent data passes the cap is dropped (a slow consumer, as hosted drops them), and a socket
 * silent for longer than the heartbeat window is closed.
 */
import type http from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { Channel, type ChannelSocket, type RealtimeContext } from './channel.ts';
import { decode, encode, parseVsn, ProtocolError, type InboundMessage, type Vsn } from './serializer.ts';
import { TokenError, verifyChannelToken } from './tokens.ts';

export interface TransportLimits {
  /** Largest frame a client may send (bytes). */
  maxFrameBytes: number;
  /** Unsent bytes after which a socket is dropped. */
  maxBufferedBytes: number;
  /** Channels one socket may join (hosted default: 100). */
  maxChannelsPerSocket: number;
  /** A socket that sends nothing (not even a heartbeat) for this long is closed. */
  idleTimeoutMs: number;
}

export const DEFAULT_LIMITS: TransportLimits = {
  maxFrameBytes: 1024 * 1024,
  maxBufferedBytes: 8 * 1024 * 1024,
  maxChannelsPerSocket: 100,
  idleTimeoutMs: 60_000,
};

function refuse(socket: Duplex, status: number, reason: string, body: Record<string, string>): void {
  const text = JSON.stringify(body);
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(text)}\r\nConnection: close\r\n\r\n${text}`,
  );
}

class Connection implements ChannelSocket {
  private readonly channels = new Map<string, Channel>();
  lastSeen = Date.now();

  constructor(
    readonly ws: WebSocket,
    readonly vsn: Vsn,
    readonly token: string,
    private readonly context: RealtimeContext,
    private readonly limits: TransportLimits,
  ) {
    ws.on('message', (data: RawData, isBinary: boolean) => this.receive(data, isBinary));
    ws.on('close', () => this.dispose());
    ws.on('error', () => ws.terminate());
  }

  send(frame: string | Buffer): void {
    if (this.ws.readyState !== this.ws.OPEN) return;
    if (this.ws.bufferedAmount > this.limits.maxBufferedBytes) {
      this.context.log(`[realtime] dropping a slow client: ${this.ws.bufferedAmount} bytes unsent`);
      this.ws.terminate();
      return;
    }
    this.ws.send(frame, { binary: typeof frame !== 'string' });
  }

  forget(channel: Channel): void {
    if (this.channels.get(channel.topic) === channel) this.channels.delete(channel.topic);
  }

  private receive(data: RawData, isBinary: boolean): void {
    this.lastSeen = Date.now();
    const frame = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
    let message: InboundMessage;
    try {
      message = decode(this.vsn, frame, isBinary);
    } catch (error) {
      // Phoenix closes a socket that sends what it cannot decode.
      this.context.log(`[realtime] closing a socket that sent a malformed frame: ${(error as ProtocolError).message}`);
      this.ws.close(1003, 'malformed frame');
      return;
    }
    this.route(message);
  }

  private route(message: InboundMessage): void {
    if (message.topic === 'phoenix') {
      if (message.event === 'heartbeat') {
        this.send(encode(this.vsn, { joinRef: null, ref: message.ref, topic: 'phoenix', event: 'phx_reply', payload: { status: 'ok', response: {} } }));
      }
      return;
    }
    if (message.event === 'phx_join') return this.join(message);
    const channel = this.channels.get(message.topic);
    if (!channel || (message.joinRef !== null && message.joinRef !== channel.joinRef)) {
      if (message.ref !== null && message.event !== 'phx_leave') this.unmatched(message);
      else if (message.event === 'phx_leave') this.reply(message, 'ok', {});
      return;
    }
    const queued = channel.enqueue(async () => {
      if (!channel.isJoined) return message.event === 'phx_leave' ? this.reply(message, 'ok', {}) : undefined;
      switch (message.event) {
        case 'phx_leave':
          return channel.leave(message.ref);
        case 'access_token':
          return channel.accessToken(message.payload);
        case 'broadcast':
          return channel.broadcast(message);
        case 'presence':
          return channel.presence(message);
        default:
          // Hosted Realtime ignores (logs) any other event.
          return;
      }
    });
    if (!queued) this.ws.terminate();
  }

  private join(message: InboundMessage): void {
    if (!message.topic.startsWith('realtime:')) return this.unmatched(message);
    const previous = this.channels.get(message.topic);
    // Phoenix closes the existing channel of a topic joined again (a client rejoining after an error).
    previous?.close();
    if (!previous && this.channels.size >= this.limits.maxChannelsPerSocket) {
      return this.reply(message, 'error', { reason: 'ChannelRateLimitReached: Too many channels' });
    }
    const channel = new Channel(message.topic, message.joinRef ?? message.ref, this, this.context);
    this.channels.set(message.topic, channel);
    const queued = channel.enqueue(async () => {
      try {
        await channel.join(message);
      } finally {
        if (!channel.isJoined) {
          channel.dispose();
          this.forget(channel);
        }
      }
    });
    if (!queued) this.ws.terminate();
  }

  private reply(message: InboundMessage, status: 'ok' | 'error', response: Record<string, unknown>): void {
    this.send(encode(this.vsn, { joinRef: message.joinRef, ref: message.ref, topic: message.topic, event: 'phx_reply', payload: { status, response } }));
  }

  private unmatched(message: InboundMessage): void {
    this.reply(message, 'error', { reason: 'unmatched topic' });
  }

  dispose(): void {
    for (const channel of this.channels.values()) channel.dispose();
    this.channels.clear();
  }
}

export class Transport {
  private readonly server: WebSocketServer;
  private readonly connections = new Set<Connection>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(
    private readonly context: RealtimeContext,
    private readonly limits: TransportLimits = DEFAULT_LIMITS,
  ) {
    this.server = new WebSocketServer({
      noServer: true,
      maxPayload: limits.maxFrameBytes,
      // realtime-js may offer Phoenix's `phoenix` subprotocol (with a token); answer with it.
      handleProtocols: (protocols) => (protocols.has('phoenix') ? 'phoenix' : false),
      perMessageDeflate: false,
    });
    this.sweeper = setInterval(() => {
      const deadline = Date.now() - this.limits.idleTimeoutMs;
      for (const connection of this.connections) if (connection.lastSeen < deadline) connection.ws.terminate();
    }, Math.min(10_000, this.limits.idleTimeoutMs));
    this.sweeper.unref();
  }

  get socketCount(): number {
    return this.connections.size;
  }

  upgrade(request: http.IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', () => socket.destroy());
    const url = new URL(request.url ?? '/', 'http://realtime');
    if (!/^\/realtime\/v1\/websocket\/?$/.test(url.pathname)) return refuse(socket, 404, 'Not Found', { error: 'Not found' });
    const vsn = parseVsn(url.searchParams.get('vsn'));
    if (!vsn) return refuse(socket, 403, 'Forbidden', { error: 'Unsupported serializer version' });
    const header = request.headers['x-api-key'];
    const token = (Array.isArray(header) ? header[0] : header) ?? url.searchParams.get('apikey');
    verifyChannelToken(token, this.context.jwtSecret).then(
      () => {
        this.server.handleUpgrade(request, socket, head, (ws) => {
          const connection = new Connection(ws, vsn, (token ?? '').replace(/\s/g, ''), this.context, this.limits);
          this.connections.add(connection);
          ws.on('close', () => this.connections.delete(connection));
        });
      },
      (error: unknown) => {
        const message = error instanceof TokenError ? error.message : 'Error connecting to Realtime';
        refuse(socket, error instanceof TokenError ? error.status : 500, error instanceof TokenError ? 'Unauthorized' : 'Internal Server Error', { error: message });
      },
    );
  }

  async close(): Promise<void> {
    clearInterval(this.sweeper);
    for (const connection of this.connections) {
      connection.dispose();
      connection.ws.terminate();
    }
    this.connections.clear();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
