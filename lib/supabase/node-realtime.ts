import WebSocket from 'ws';

/**
 * supabase-js refuses to build a client on Node.js < 22 (no global WebSocket) unless given a transport.
 * Server-side clients pass this; on Node 22+ and in browsers the native WebSocket is used.
 */
export const nodeRealtimeOptions =
  typeof globalThis.WebSocket === 'undefined'
    ? { transport: WebSocket as unknown as typeof globalThis.WebSocket }
    : {};
