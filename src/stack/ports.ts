// Port checks for the local stack: a taken port is reported with the setting that moves it, before any
// server starts, instead of surfacing as a cryptic bind error from a child process.
import { createServer } from 'node:net';

export class PortTakenError extends Error {
  constructor(
    readonly host: string,
    readonly port: number,
    what: string,
    howToMove: string,
  ) {
    super(
      `Port ${port} on ${host} (${what}) is already in use. Stop whatever holds it, or move this server with ${howToMove}.`,
    );
    this.name = 'PortTakenError';
  }
}

function tryListen(host: string, port: number): Promise<NodeJS.ErrnoException | undefined> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', (err: NodeJS.ErrnoException) => resolve(err));
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolve(undefined)));
  });
}

export async function assertPortFree(host: string, port: number, what: string, howToMove: string): Promise<void> {
  const err = await tryListen(host, port);
  if (err?.code === 'EADDRINUSE' || err?.code === 'EACCES') throw new PortTakenError(host, port, what, howToMove);
  if (err) throw err;
}

/** A port the OS says is free right now (tests run their own stack on these). */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen({ host, port: 0 }, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
