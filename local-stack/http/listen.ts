import type { Server } from 'node:http';

/** Starts listening; resolves once bound, rejects with the bind error (a port in use, say). */
export function listen(server: Server, port: number, host: string): Promise<void> {
  // Idle keep-alive sockets are closed after 5 s, so a stopping stack is not held open by them.
  server.keepAliveTimeout = 5_000;
  return new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}
