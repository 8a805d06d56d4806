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

/**
 * Ports handed out below the range the OS picks from for port 0 and outgoing connections (Linux
 * 32768-60999, macOS and Windows 49152-65535). A port from that range, free when picked, can be taken
 * before our server binds it: by the Temporal dev server's own random ports (HTTP API, metrics, its
 * internal services) or by any client socket. CI once lost a run to that (simulator: EADDRINUSE).
 */
const PICK_FROM = 20_000;
const PICK_TO = 32_000;

/** A port free right now, that nothing else on the machine will be given by chance (tests run their stacks on these). */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = PICK_FROM + Math.floor(Math.random() * (PICK_TO - PICK_FROM));
    if ((await tryListen(host, port)) === undefined) return port;
  }
  throw new Error(`No free port on ${host} between ${PICK_FROM} and ${PICK_TO} after 200 tries.`);
}
